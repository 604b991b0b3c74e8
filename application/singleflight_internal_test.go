package application

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFlightCollapsesConcurrentCalls(t *testing.T) {
	t.Parallel()
	var f flight[int]
	var runs atomic.Int32
	release := make(chan struct{})
	const n = 20
	var wg sync.WaitGroup
	vals := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vals[i], _ = f.do("k", func() (int, error) {
				runs.Add(1)
				<-release
				return 7, nil
			})
		}()
	}
	time.Sleep(30 * time.Millisecond)
	close(release)
	wg.Wait()
	if r := runs.Load(); r != 1 {
		t.Fatalf("fn ran %d times, want 1", r)
	}
	for i, v := range vals {
		if v != 7 {
			t.Fatalf("caller %d got %d", i, v)
		}
	}
	// Once done, the key is free again.
	v, err := f.do("k", func() (int, error) { return 8, nil })
	if v != 8 || err != nil {
		t.Fatalf("later call = %d, %v", v, err)
	}
}

func TestFlightKeysAndErrors(t *testing.T) {
	t.Parallel()
	var f flight[string]
	boom := errors.New("boom")
	if _, err := f.do("a", func() (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	// Different keys do not wait for each other.
	hold := make(chan struct{})
	done := make(chan string)
	go func() {
		v, _ := f.do("slow", func() (string, error) { <-hold; return "slow", nil })
		done <- v
	}()
	time.Sleep(10 * time.Millisecond)
	if v, _ := f.do("fast", func() (string, error) { return "fast", nil }); v != "fast" {
		t.Fatalf("fast = %q", v)
	}
	close(hold)
	if v := <-done; v != "slow" {
		t.Fatalf("slow = %q", v)
	}
}
