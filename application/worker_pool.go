package application

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// workerPool is the background machinery the application's workers share (profile
// enrichment, notices): a bounded queue that never blocks the request that fills it
// (a full queue drops and counts), a fixed number of goroutines, a time bound per
// job, and a Stop that refuses new jobs, drains the queue until its context ends,
// then cancels what is left. What a job does is the owner's handle function.
type workerPool[T any] struct {
	name    string
	workers int
	timeout time.Duration
	handle  func(ctx context.Context, job T)
	queue   chan T
	dropped atomic.Uint64

	mu      sync.RWMutex
	started bool
	stopped bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

func newWorkerPool[T any](name string, workers, queue int, timeout time.Duration, handle func(context.Context, T)) *workerPool[T] {
	p := &workerPool[T]{name: name, workers: workers, timeout: timeout, handle: handle, queue: make(chan T, queue)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p
}

// start runs the workers; a second call, or one after stop, does nothing.
func (p *workerPool[T]) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.stopped {
		return
	}
	p.started = true
	for range p.workers {
		p.wg.Add(1)
		go p.run()
	}
}

// enqueue queues a job without blocking; false (and counted) when full or stopping.
func (p *workerPool[T]) enqueue(job T) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.stopped {
		p.dropped.Add(1)
		return false
	}
	select {
	case p.queue <- job:
		return true
	default:
		p.dropped.Add(1)
		return false
	}
}

// stop refuses new jobs, lets the workers finish what is queued until ctx ends, then
// cancels what is left and waits for them; the error says the drain was cut short.
func (p *workerPool[T]) stop(ctx context.Context) error {
	p.mu.Lock()
	if !p.stopped {
		p.stopped = true
		close(p.queue)
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		p.cancel()
		return nil
	case <-ctx.Done():
		p.cancel()
		<-done
		return fmt.Errorf("%s: stop: %w", p.name, ctx.Err())
	}
}

func (p *workerPool[T]) run() {
	defer p.wg.Done()
	for job := range p.queue {
		ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
		p.handle(ctx, job)
		cancel()
	}
}
