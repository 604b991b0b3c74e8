package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// ChatStore is the chat loop's storage: kefu windows, poster media, notices.
type ChatStore interface {
	application.KefuWindows
	application.PosterMediaCache
	application.NoticeStore
}

// RunChat runs the chat loop's contract tests against stores made by newStore,
// one fresh store per subtest. It is separate from Run so the chat loop's stores
// can be adopted by each adapter on their own.
func RunChat(t *testing.T, newStore func(t *testing.T) ChatStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s ChatStore)
	}{
		{"KefuWindowQuota", testKefuWindowQuota},
		{"KefuWindowReopen", testKefuWindowReopen},
		{"KefuSlots", testKefuSlots},
		{"RaceKefuBudget", testRaceKefuBudget},
		{"RaceKefuBudgetTwoWindows", testRaceKefuBudgetTwoWindows},
		{"PosterMedia", testPosterMedia},
		{"Notices", testNotices},
		{"RaceNoticeClaim", testRaceNoticeClaim},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

func window(t *testing.T, tr domain.KefuTrigger, at time.Time) domain.KefuWindow {
	t.Helper()
	w, err := domain.OpenKefuWindow(tr, at)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func consumeN(t *testing.T, s ChatStore, user domain.UserID, now time.Time, n int) int {
	t.Helper()
	got := 0
	for range n {
		ok, err := s.Consume(context.Background(), user, now)
		if err != nil {
			t.Fatalf("Consume: %v", err)
		}
		if ok {
			got++
		}
	}
	return got
}

func testKefuWindowQuota(t *testing.T, s ChatStore) {
	ctx := context.Background()
	if n := consumeN(t, s, 7, base, 1); n != 0 {
		t.Fatalf("no window: %d granted", n)
	}
	if err := s.Open(ctx, 7, window(t, domain.TriggerMessage, base)); err != nil {
		t.Fatal(err)
	}
	if n := consumeN(t, s, 8, base, 1); n != 0 {
		t.Errorf("another user's window was spent: %d granted", n)
	}
	if n := consumeN(t, s, 7, base.Add(-time.Second), 1); n != 0 {
		t.Errorf("before the window opened: %d granted", n)
	}
	if n := consumeN(t, s, 7, base.Add(time.Hour), 7); n != domain.MessageQuota {
		t.Errorf("granted %d, want %d", n, domain.MessageQuota)
	}
	ws, err := s.Windows(ctx, 7)
	if err != nil || len(ws) != 1 || ws[0].Used != domain.MessageQuota || ws[0].Slot != domain.SlotMessage {
		t.Fatalf("Windows = %+v, %v", ws, err)
	}
	sameTime(t, "OpenedAt", ws[0].OpenedAt, base)
	sameTime(t, "ExpiresAt", ws[0].ExpiresAt, base.Add(domain.MessageWindow))
	if err := s.Open(ctx, 9, window(t, domain.TriggerMessage, base)); err != nil {
		t.Fatal(err)
	}
	if n := consumeN(t, s, 9, base.Add(domain.MessageWindow), 1); n != 0 {
		t.Errorf("at the window's end: %d granted", n)
	}
	if n := consumeN(t, s, 9, base.Add(domain.MessageWindow-time.Microsecond), 1); n != 1 {
		t.Errorf("a microsecond before the end: %d granted", n)
	}
}

func testKefuWindowReopen(t *testing.T, s ChatStore) {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Open(ctx, 1, window(t, domain.TriggerMessage, base)))
	consumeN(t, s, 1, base, 5)
	must(s.Open(ctx, 1, window(t, domain.TriggerMessage, base))) // redelivery
	if n := consumeN(t, s, 1, base, 1); n != 0 {
		t.Errorf("a redelivered interaction reset the quota: %d granted", n)
	}
	must(s.Open(ctx, 1, window(t, domain.TriggerMessage, base.Add(-time.Hour)))) // late, older
	if n := consumeN(t, s, 1, base, 1); n != 0 {
		t.Errorf("an older interaction reset the quota: %d granted", n)
	}
	must(s.Open(ctx, 1, window(t, domain.TriggerMessage, base.Add(time.Hour))))
	if n := consumeN(t, s, 1, base.Add(time.Hour), 6); n != 5 {
		t.Errorf("a new message renews the window: %d granted, want 5", n)
	}
}

func testKefuSlots(t *testing.T, s ChatStore) {
	ctx := context.Background()
	if err := s.Open(ctx, 3, window(t, domain.TriggerMessage, base)); err != nil {
		t.Fatal(err)
	}
	click := base.Add(time.Hour)
	if err := s.Open(ctx, 3, window(t, domain.TriggerClick, click)); err != nil {
		t.Fatal(err)
	}
	if n := consumeN(t, s, 3, click.Add(time.Second), 1); n != 1 {
		t.Fatal("no message granted")
	}
	ws, err := s.Windows(ctx, 3)
	if err != nil || len(ws) != 2 {
		t.Fatalf("Windows = %+v, %v", ws, err)
	}
	for _, w := range ws {
		want := 0
		if w.Slot == domain.SlotEvent {
			want = 1
		}
		if w.Used != want {
			t.Errorf("%s window used %d, want %d (the event window is drawn first)", w.Slot, w.Used, want)
		}
	}
	if n := consumeN(t, s, 3, click.Add(time.Second), 10); n != 2+5 {
		t.Errorf("granted %d more, want 7 (2 event + 5 message)", n)
	}
}

func raceConsume(t *testing.T, s ChatStore, user domain.UserID, now time.Time) int {
	t.Helper()
	granted := make([]bool, 20)
	errs := race(20, func(i int) error {
		var err error
		granted[i], err = s.Consume(context.Background(), user, now)
		return err
	})
	n := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
		if granted[i] {
			n++
		}
	}
	return n
}

func testRaceKefuBudget(t *testing.T, s ChatStore) {
	if err := s.Open(context.Background(), 11, window(t, domain.TriggerMessage, base)); err != nil {
		t.Fatal(err)
	}
	if n := raceConsume(t, s, 11, base.Add(time.Minute)); n != domain.MessageQuota {
		t.Errorf("20 concurrent sends were granted %d, want exactly %d", n, domain.MessageQuota)
	}
}

func testRaceKefuBudgetTwoWindows(t *testing.T, s ChatStore) {
	ctx := context.Background()
	if err := s.Open(ctx, 12, window(t, domain.TriggerMessage, base)); err != nil {
		t.Fatal(err)
	}
	if err := s.Open(ctx, 12, window(t, domain.TriggerFollow, base)); err != nil {
		t.Fatal(err)
	}
	if n := raceConsume(t, s, 12, base.Add(time.Second)); n != domain.MessageQuota+domain.EventQuota {
		t.Errorf("20 concurrent sends were granted %d, want exactly %d", n, domain.MessageQuota+domain.EventQuota)
	}
}
