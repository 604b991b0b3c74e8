package application

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Sweep timing: every instance sweeps every SweepPeriod plus up to SweepJitter, so
// a hold that ends is acted on within about three seconds (the contract allows ten),
// and instances started together drift apart instead of sweeping in lockstep.
const (
	SweepPeriod = 2 * time.Second
	SweepJitter = time.Second
)

// Sweeper runs the qualification sweep periodically on this instance. Every instance
// runs one; no leader is needed because each step of a sweep is a conditional write.
// Bootstrap hooks Start and Stop into the process lifecycle.
type Sweeper struct {
	sweep  *QualificationSweep
	period time.Duration
	jitter time.Duration
	report func(SweepResult, error)

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// NewSweeper builds the runner; report (may be nil) hears every sweep that did
// something or failed.
func NewSweeper(sweep *QualificationSweep, report func(SweepResult, error)) *Sweeper {
	return &Sweeper{sweep: sweep, period: SweepPeriod, jitter: SweepJitter, report: report}
}

// WithPeriod sets the period and jitter (tests and benchmarks); it must be called
// before Start.
func (s *Sweeper) WithPeriod(period, jitter time.Duration) *Sweeper {
	s.period, s.jitter = period, jitter
	return s
}

// Start begins sweeping in the background and returns at once; a second Start
// while running does nothing.
func (s *Sweeper) Start(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go s.loop(ctx, s.done)
	return nil
}

// Stop ends the loop and waits for a sweep in progress to finish, or for ctx.
func (s *Sweeper) Stop(ctx context.Context) error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel, s.done = nil, nil
	s.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Sweeper) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTimer(s.next())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res, err := s.sweep.Sweep(ctx)
		if ctx.Err() != nil {
			return
		}
		if s.report != nil && (err != nil || res != (SweepResult{})) {
			s.report(res, err)
		}
		t.Reset(s.next())
	}
}

func (s *Sweeper) next() time.Duration {
	if s.jitter <= 0 {
		return s.period
	}
	return s.period + rand.N(s.jitter)
}
