package application

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// EnrichWorkerConfig bounds the background profile enrichment.
type EnrichWorkerConfig struct {
	// Workers is how many user/info calls run at once (default 16).
	Workers int
	// Queue is how many openids may wait; beyond it new ones are dropped and counted
	// (default 1024). Enrichment is best effort: since 2021 user/info rarely says more
	// than a unionid, and a flood of follows must not pile up goroutines.
	Queue int
	// Timeout bounds one enrichment (default 10 s).
	Timeout time.Duration
}

// EnrichWorker completes new users' profiles after the reply to their follow went
// out: the callback enqueues, a fixed pool of workers calls EnrichProfile. It exists
// so that the application, not an inbound adapter, owns this background work: its
// queue is bounded, its drops are counted (Dropped, which the adapter exposes as a
// metric) and Stop drains it on shutdown before the store closes.
type EnrichWorker struct {
	svc     *EnrichProfileService
	cfg     EnrichWorkerConfig
	log     *slog.Logger
	queue   chan string
	dropped atomic.Uint64
	failed  atomic.Uint64

	mu      sync.RWMutex
	started bool
	stopped bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// NewEnrichWorker builds the worker; zero config fields take the defaults. Nothing
// runs until Start.
func NewEnrichWorker(svc *EnrichProfileService, cfg EnrichWorkerConfig, log *slog.Logger) *EnrichWorker {
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 1024
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &EnrichWorker{svc: svc, cfg: cfg, log: log, queue: make(chan string, cfg.Queue)}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	return w
}

// Start runs the workers. Calling it twice, or after Stop, does nothing.
func (w *EnrichWorker) Start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started || w.stopped {
		return
	}
	w.started = true
	for range w.cfg.Workers {
		w.wg.Add(1)
		go w.run()
	}
}

// Enqueue asks for openID's profile to be completed. It never blocks: when the queue
// is full, or the worker is stopping, the request is dropped, counted, and false
// is returned.
func (w *EnrichWorker) Enqueue(openID string) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.stopped {
		w.dropped.Add(1)
		return false
	}
	select {
	case w.queue <- openID:
		return true
	default:
		w.dropped.Add(1)
		return false
	}
}

// Dropped is how many requests were dropped since start (queue full or stopping).
func (w *EnrichWorker) Dropped() uint64 { return w.dropped.Load() }

// Failed is how many enrichments ended in an error (WeChat down or slow).
func (w *EnrichWorker) Failed() uint64 { return w.failed.Load() }

// Stop refuses new requests, lets the workers finish what is queued until ctx ends,
// then cancels what is left and waits for the workers to return.
func (w *EnrichWorker) Stop(ctx context.Context) error {
	w.mu.Lock()
	if !w.stopped {
		w.stopped = true
		close(w.queue)
	}
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		w.cancel()
		return nil
	case <-ctx.Done():
		w.cancel()
		<-done
		return fmt.Errorf("enrich worker: stop: %w", ctx.Err())
	}
}

func (w *EnrichWorker) run() {
	defer w.wg.Done()
	for openID := range w.queue {
		ctx, cancel := context.WithTimeout(w.ctx, w.cfg.Timeout)
		if err := w.svc.EnrichProfile(ctx, openID); err != nil {
			w.failed.Add(1)
			w.log.Warn("profile enrichment failed", OpenIDAttr(openID), "err", err)
		}
		cancel()
	}
}
