package application_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// gatedFollowers answers user/info only when released (or fails when down), so a
// test controls exactly when the background work can finish.
type gatedFollowers struct {
	started chan string
	release chan struct{}
	down    bool
}

func (f *gatedFollowers) Follower(ctx context.Context, openID string) (application.Follower, error) {
	f.started <- openID
	if f.down {
		return application.Follower{}, application.Errorf(application.KindUnavailable, "down", nil, "user/info is down")
	}
	select {
	case <-f.release:
		return application.Follower{Subscribed: true, Profile: domain.Profile{UnionID: "u_" + openID}}, nil
	case <-ctx.Done():
		return application.Follower{}, ctx.Err()
	}
}

func newWorkerEnv(t *testing.T, f *gatedFollowers, cfg application.EnrichWorkerConfig) (*env, *application.EnrichWorker) {
	t.Helper()
	e := newEnv(t, nil)
	w := application.NewEnrichWorker(application.NewEnrichProfileService(e.users, f), cfg, nil)
	return e, w
}

func TestEnrichWorkerCompletesProfilesAndDrainsOnStop(t *testing.T) {
	t.Parallel()
	f := &gatedFollowers{started: make(chan string, 4), release: make(chan struct{})}
	e, w := newWorkerEnv(t, f, application.EnrichWorkerConfig{Workers: 1, Queue: 2})
	e.inviter(t, "o_a", "")
	e.inviter(t, "o_b", "")
	w.Start()
	if !w.Enqueue("o_a") {
		t.Fatal("Enqueue refused with room in the queue")
	}
	<-f.started // the one worker is busy with o_a
	if !w.Enqueue("o_b") || !w.Enqueue("o_c") {
		t.Fatal("Enqueue refused with room in the queue")
	}
	if w.Enqueue("o_d") { // queue of 2 is full: dropped, counted, never blocking
		t.Fatal("Enqueue accepted beyond the queue")
	}
	if w.Dropped() != 1 {
		t.Fatalf("Dropped = %d, want 1", w.Dropped())
	}
	close(f.release)
	if err := w.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	for _, id := range []string{"o_a", "o_b"} {
		if u, _ := e.users.ByOpenID(context.Background(), id); u.UnionID != "u_"+id {
			t.Errorf("%s: unionid %q after the drain, want u_%s", id, u.UnionID, id)
		}
	}
	if w.Enqueue("o_a") || w.Dropped() != 2 {
		t.Fatalf("Enqueue after Stop accepted (dropped %d)", w.Dropped())
	}
}

func TestEnrichWorkerStopCancelsWhatOutlivesTheDeadline(t *testing.T) {
	t.Parallel()
	f := &gatedFollowers{started: make(chan string, 1), release: make(chan struct{})} // never released
	e, w := newWorkerEnv(t, f, application.EnrichWorkerConfig{Workers: 1, Queue: 1})
	e.inviter(t, "o_a", "")
	w.Start()
	w.Enqueue("o_a")
	<-f.started
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the shutdown budget is already spent
	if err := w.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop = %v, want the context's error", err)
	}
	if w.Failed() != 1 {
		t.Fatalf("Failed = %d, want 1 (the cancelled call)", w.Failed())
	}
}

func TestEnrichWorkerCountsFailures(t *testing.T) {
	t.Parallel()
	f := &gatedFollowers{started: make(chan string, 1), down: true}
	_, w := newWorkerEnv(t, f, application.EnrichWorkerConfig{Workers: 1, Queue: 1, Timeout: time.Second})
	w.Start()
	w.Enqueue("o_a")
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w.Failed() != 1 || w.Dropped() != 0 {
		t.Fatalf("Failed %d, Dropped %d; want 1, 0", w.Failed(), w.Dropped())
	}
}
