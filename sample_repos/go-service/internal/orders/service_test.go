package orders

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPlaceAndGet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	svc := NewService(NewMemoryStore())
	if err := svc.Place(ctx, Order{ID: "a", Total: 10}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond) // test-only pacing, allowed
	if _, err := svc.store.Get(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
}
