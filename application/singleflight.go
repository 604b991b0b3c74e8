package application

import (
	"errors"
	"sync"
)

var errFlightPanicked = errors.New("shared call panicked")

// flight collapses concurrent calls for the same key into one: the first caller
// does the work and the others wait for its result. It keeps two requests for one
// user's QR code from making two WeChat calls (the standard library has no such
// primitive and application imports nothing else).
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
