package application

import (
	"context"
	"log/slog"
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
	svc    *EnrichProfileService
	log    *slog.Logger
	pool   *workerPool[string]
	failed atomic.Uint64
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
	w := &EnrichWorker{svc: svc, log: log}
	w.pool = newWorkerPool("enrich worker", cfg.Workers, cfg.Queue, cfg.Timeout, w.enrich)
	return w
}

// Start runs the workers. Calling it twice, or after Stop, does nothing.
func (w *EnrichWorker) Start() { w.pool.start() }

// Enqueue asks for openID's profile to be completed. It never blocks: when the queue
// is full, or the worker is stopping, the request is dropped, counted, and false
// is returned.
func (w *EnrichWorker) Enqueue(openID string) bool { return w.pool.enqueue(openID) }

// Dropped is how many requests were dropped since start (queue full or stopping).
func (w *EnrichWorker) Dropped() uint64 { return w.pool.dropped.Load() }

// Failed is how many enrichments ended in an error (WeChat down or slow).
func (w *EnrichWorker) Failed() uint64 { return w.failed.Load() }

// Stop refuses new requests, lets the workers finish what is queued until ctx ends,
// then cancels what is left and waits for the workers to return.
func (w *EnrichWorker) Stop(ctx context.Context) error { return w.pool.stop(ctx) }

func (w *EnrichWorker) enrich(ctx context.Context, openID string) {
	if err := w.svc.EnrichProfile(ctx, openID); err != nil {
		w.failed.Add(1)
		w.log.Warn("profile enrichment failed", OpenIDAttr(openID), "err", err)
	}
}
