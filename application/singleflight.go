package application

import (
	"errors"
	"sync"
)

var errFlightPanicked = errors.New("shared call panicked")

// flight collapses concurrent calls for the same key into one: the first caller
// does the work and the others wait for its result. It keeps two requests for one
// user's QR code from making two WeChat calls, whichever adapter asks.
//
// Why not golang.org/x/sync/singleflight (which the adapters use): application
// imports only domain and the standard library (test/layering enforces it), and
// the guarantee belongs to the use case, not to one caller. Moving it out would
// mean either a port every constructor call must fill for a 40-line primitive, or
// each inbound adapter collapsing on its own (and the next one forgetting to).
// Kept, with its own test (singleflight_internal_test.go).
type flight[T any] struct {
	mu    sync.Mutex
	calls map[string]*flightCall[T]
}

type flightCall[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func (f *flight[T]) do(key string, fn func() (T, error)) (T, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = make(map[string]*flightCall[T])
	}
	if c, ok := f.calls[key]; ok {
		f.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &flightCall[T]{done: make(chan struct{})}
	f.calls[key] = c
	f.mu.Unlock()

	defer func() { // also when fn panics, so waiters are never stranded
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
		close(c.done)
	}()
	c.err = errFlightPanicked
	c.val, c.err = fn()
	return c.val, c.err
}
