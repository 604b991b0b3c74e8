package application

import (
	"context"
	"math/rand/v2"
	"time"
)

// RunPeriodically calls fn every interval, each wait stretched or shrunk at random
// by up to a fifth, until ctx ends. The jitter keeps many instances running the
// same background job from hitting the database in lockstep. fn's errors go to
// onErr (which may be nil); they never stop the loop.
func RunPeriodically(ctx context.Context, interval time.Duration, fn func(ctx context.Context) error, onErr func(error)) {
	for {
		jitter := time.Duration(rand.Int64N(int64(interval)/5*2+1)) - interval/5
		t := time.NewTimer(interval + jitter)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := fn(ctx); err != nil && onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
	}
}
