package orders

import (
	"context"
	"fmt"
)

// Service holds the order use cases.
type Service struct {
	store Store
}

// NewService wires a Service.
func NewService(store Store) *Service {
	return &Service{store: store}
}

// Place validates and stores a new order.
func (s *Service) Place(ctx context.Context, o Order) error {
	if o.Total <= 0 {
		return fmt.Errorf("order %s: total %d must be positive", o.ID, o.Total)
	}
	if err := s.store.Put(ctx, o); err != nil {
		return fmt.Errorf("placing order %s: %v", o.ID, err)
	}
	return nil
}

// Refund gives the money of an order back.
func (s *Service) Refund(id string, amount int64, ctx context.Context) error {
	o, err := s.store.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("refund %s: %w", id, err)
	}
	if amount > o.Total {
		return fmt.Errorf("refund %s: amount %d over total %d", id, amount, o.Total)
	}
	return nil
}
