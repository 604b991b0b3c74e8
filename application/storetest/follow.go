package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

// testFollowEventOrder checks that the follow state follows the events' own times:
// an older event arriving late changes nothing, a copy of the event applied changes
// nothing, and at the same instant only an unfollow replaces a follow.
func testFollowEventOrder(t *testing.T, s Stores) {
	ctx := context.Background()
	t1, t2, t3 := base.Add(time.Second), base.Add(2*time.Second), base.Add(3*time.Second)
	sub := newUser("oFollower", "F", base)
	sub.Following, sub.FollowEventAt = true, t1
	u := mustCreateUser(t, s, sub)
	got, err := s.Users.ByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameTime(t, "FollowEventAt after Create", got.FollowEventAt, t1)
	link := mustCreateUser(t, s, newUser("oLink", "L", base))
	if got, _ := s.Users.ByID(ctx, link.ID); !got.FollowEventAt.IsZero() || got.Following {
		t.Errorf("link user: following %v at %v, want false at zero", got.Following, got.FollowEventAt)
	}

	steps := []struct {
		name        string
		following   bool
		at          time.Time
		wantApplied bool
		wantState   bool
	}{
		{"unsubscribe t2", false, t2, true, false},
		{"copy of unsubscribe t2", false, t2, false, false},
		{"subscribe t3", true, t3, true, true},
		{"late unsubscribe t2", false, t2, false, true},
		{"late subscribe t1", true, t1, false, true},
		{"same-instant unsubscribe t3", false, t3, true, false},
		{"same-instant copy t3", false, t3, false, false},
		{"same-instant subscribe copy t3 after the unsubscribe", true, t3, false, false},
	}
	for _, st := range steps {
		applied, err := s.Users.SetFollowing(ctx, u.ID, st.following, st.at)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := s.Users.ByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if applied != st.wantApplied || got.Following != st.wantState {
			t.Errorf("%s: applied %v, following %v; want %v, %v", st.name, applied, got.Following, st.wantApplied, st.wantState)
		}
	}
	if got, _ := s.Users.ByID(ctx, u.ID); !got.FollowEventAt.Equal(t3) {
		t.Errorf("FollowEventAt = %v, want %v", got.FollowEventAt, t3)
	}
	// A user whose state no event set yet takes any event.
	if applied, err := s.Users.SetFollowing(ctx, link.ID, false, t1); err != nil || !applied {
		t.Errorf("first event on a link user: applied %v, %v; want true", applied, err)
	}
	if applied, err := s.Users.SetFollowing(ctx, 987654, true, t3); applied {
		t.Errorf("missing user: applied %v, %v", applied, err)
	}
	// Inside a transaction that rolls back, nothing sticks.
	_ = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Users.SetFollowing(ctx, u.ID, true, t3.Add(time.Hour)); err != nil {
			return err
		}
		return application.Errorf(application.KindInternal, "rollback", nil, "roll back")
	})
	if got, _ := s.Users.ByID(ctx, u.ID); got.Following || !got.FollowEventAt.Equal(t3) {
		t.Errorf("after a rolled-back follow: following %v at %v; want false at %v", got.Following, got.FollowEventAt, t3)
	}
}

// testRaceFollowEvents races 20 follow and unfollow events with distinct instants,
// delivered in a scrambled order by 20 goroutines: whatever the interleaving, the
// final state is the newest event's, and it is the one that reports applied last.
func testRaceFollowEvents(t *testing.T, s Stores) {
	ctx := context.Background()
	for _, newest := range []bool{true, false} {
		u := mustCreateUser(t, s, newUser("oRace"+map[bool]string{true: "F", false: "U"}[newest], "R", base))
		const n = 20
		// Event i happens at base+i s; even events follow, odd unfollow, except that
		// the newest (i = n-1) is a follow when newest is true.
		state := func(i int) bool {
			if i == n-1 {
				return newest
			}
			return i%2 == 0
		}
		errs := race(n, func(g int) error {
			i := (g*7 + 3) % n // a permutation of 0..n-1: arrival order differs from event order
			_, err := s.Users.SetFollowing(ctx, u.ID, state(i), base.Add(time.Duration(i+1)*time.Second))
			return err
		})
		for g, err := range errs {
			if err != nil {
				t.Errorf("goroutine %d: %v", g, err)
			}
		}
		got, err := s.Users.ByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Following != newest || !got.FollowEventAt.Equal(base.Add(n*time.Second)) {
			t.Errorf("after the race: following %v at %v; want %v at %v", got.Following, got.FollowEventAt, newest, base.Add(n*time.Second))
		}
	}
}
