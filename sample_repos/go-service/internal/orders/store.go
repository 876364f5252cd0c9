package orders

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrNotFound is returned when an order does not exist.
var ErrNotFound = errors.New("order not found")

// Order is one customer order.
type Order struct {
	ID    string
	Total int64
}

// Store keeps orders.
type Store interface {
	Get(ctx context.Context, id string) (Order, error)
	Put(ctx context.Context, o Order) error
}

// MemoryStore is an in-memory Store.
type MemoryStore struct {
	mu     sync.Mutex
	orders map[string]Order
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{orders: map[string]Order{}}
}

// Get returns the order with the given id.
func (s *MemoryStore) Get(ctx context.Context, id string) (Order, error) {
	if err := ctx.Err(); err != nil {
		return Order{}, fmt.Errorf("get %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return Order{}, fmt.Errorf("get %s: %w", id, ErrNotFound)
	}
	return o, nil
}

// Put stores an order.
func (s *MemoryStore) Put(ctx context.Context, o Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[o.ID] = o
	return nil
}
