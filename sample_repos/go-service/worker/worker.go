// Package worker drains the outbox in the background.
package worker

import (
	"context"
	"log"
	"time"
)

// Run publishes pending events until ctx is cancelled.
func Run(ctx context.Context, publish func(context.Context) error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := publish(ctx); err != nil {
			log.Printf("publish: %s", err.Error())
		}
	}()
	time.Sleep(500 * time.Millisecond) // wait for the first batch
	<-done
}
