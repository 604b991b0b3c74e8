package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

var k0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestOpenKefuWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		trigger   domain.KefuTrigger
		slot      domain.KefuSlot
		ends      time.Time
		quota     int
		wantError bool
	}{
		{domain.TriggerMessage, domain.SlotMessage, k0.Add(48 * time.Hour), 5, false},
		{domain.TriggerClick, domain.SlotEvent, k0.Add(time.Minute), 3, false},
		{domain.TriggerFollow, domain.SlotEvent, k0.Add(time.Minute), 3, false},
		{domain.TriggerScan, domain.SlotEvent, k0.Add(time.Minute), 3, false},
		{"view", "", time.Time{}, 0, true},
		{"", "", time.Time{}, 0, true},
	}
	for _, tc := range tests {
		w, err := domain.OpenKefuWindow(tc.trigger, k0)
		if tc.wantError {
			if !errors.Is(err, domain.ErrInvalidTrigger) {
				t.Errorf("%q: err = %v, want ErrInvalidTrigger", tc.trigger, err)
			}
			continue
		}
		if err != nil || w.Slot != tc.slot || !w.ExpiresAt.Equal(tc.ends) || w.Quota != tc.quota || !w.OpenedAt.Equal(k0) || w.Used != 0 {
			t.Errorf("%q: got %+v, %v", tc.trigger, w, err)
		}
	}
}

func TestKefuWindowRemaining(t *testing.T) {
	t.Parallel()
	msg, _ := domain.OpenKefuWindow(domain.TriggerMessage, k0)
	evt, _ := domain.OpenKefuWindow(domain.TriggerFollow, k0)
	spent := msg
	spent.Used = 5
	tests := []struct {
		name string
		w    domain.KefuWindow
		at   time.Time
		want int
	}{
		{"message at its opening", msg, k0, 5},
		{"message just before 48h", msg, k0.Add(48*time.Hour - time.Nanosecond), 5},
		{"message at 48h", msg, k0.Add(48 * time.Hour), 0},
		{"message before it opened", msg, k0.Add(-time.Second), 0},
		{"message used up", spent, k0.Add(time.Hour), 0},
		{"event at 59.999s", evt, k0.Add(time.Minute - time.Millisecond), 3},
		{"event at 1 min", evt, k0.Add(time.Minute), 0},
	}
	for _, tc := range tests {
		if got := tc.w.Remaining(tc.at); got != tc.want {
			t.Errorf("%s: Remaining = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestKefuWindowReplaces(t *testing.T) {
	t.Parallel()
	old, _ := domain.OpenKefuWindow(domain.TriggerMessage, k0)
	newer, _ := domain.OpenKefuWindow(domain.TriggerMessage, k0.Add(time.Second))
	same, _ := domain.OpenKefuWindow(domain.TriggerMessage, k0)
	evt, _ := domain.OpenKefuWindow(domain.TriggerClick, k0.Add(time.Hour))
	if !newer.Replaces(old) {
		t.Error("a newer message must renew the message window")
	}
	if old.Replaces(newer) {
		t.Error("an older (late) interaction must not replace a newer window")
	}
	if same.Replaces(old) {
		t.Error("a redelivery at the same instant must not reset what was spent")
	}
	if evt.Replaces(old) {
		t.Error("a click must not replace the 48 h message window")
	}
}

func TestPickKefuWindow(t *testing.T) {
	t.Parallel()
	msg, _ := domain.OpenKefuWindow(domain.TriggerMessage, k0)
	evt, _ := domain.OpenKefuWindow(domain.TriggerClick, k0.Add(time.Hour))
	evtSpent := evt
	evtSpent.Used = 3
	tests := []struct {
		name string
		ws   []domain.KefuWindow
		at   time.Time
		want domain.KefuSlot
		ok   bool
		sum  int
	}{
		{"none", nil, k0, "", false, 0},
		{"event first while open", []domain.KefuWindow{msg, evt}, k0.Add(time.Hour + time.Second), domain.SlotEvent, true, 8},
		{"message once the event window closed", []domain.KefuWindow{msg, evt}, k0.Add(time.Hour + time.Minute), domain.SlotMessage, true, 5},
		{"message when the event quota is spent", []domain.KefuWindow{evtSpent, msg}, k0.Add(time.Hour), domain.SlotMessage, true, 5},
		{"nothing after 48 h", []domain.KefuWindow{msg, evt}, k0.Add(49 * time.Hour), "", false, 0},
	}
	for _, tc := range tests {
		w, ok := domain.PickKefuWindow(tc.ws, tc.at)
		if ok != tc.ok || w.Slot != tc.want {
			t.Errorf("%s: got %q,%v want %q,%v", tc.name, w.Slot, ok, tc.want, tc.ok)
		}
		if got := domain.KefuBudgetAt(tc.ws, tc.at); got != tc.sum {
			t.Errorf("%s: budget %d, want %d", tc.name, got, tc.sum)
		}
	}
}

func TestPosterMediaReusable(t *testing.T) {
	t.Parallel()
	m := domain.PosterMedia{MediaID: "m1", UploadedAt: k0}
	tests := []struct {
		at   time.Time
		want bool
	}{
		{k0, true},
		{k0.Add(60*time.Hour - time.Nanosecond), true},
		{k0.Add(60 * time.Hour), false},
		{k0.Add(-time.Second), false},
	}
	for _, tc := range tests {
		if got := m.Reusable(tc.at); got != tc.want {
			t.Errorf("Reusable(%s) = %v, want %v", tc.at.Sub(k0), got, tc.want)
		}
	}
	if (domain.PosterMedia{UploadedAt: k0}).Reusable(k0) {
		t.Error("an empty media_id is never reusable")
	}
}
