package domain

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidTrigger means an interaction does not open a customer-service window.
var ErrInvalidTrigger = errors.New("interaction does not open a kefu window")

// KefuTrigger is a user interaction after which WeChat lets the account send
// customer-service (kefu) messages for a while (wechat-protocol.md §7).
type KefuTrigger string

// The triggers that matter here; payment opens a window too but this service
// takes no payments. A VIEW menu tap is not a trigger.
const (
	TriggerMessage KefuTrigger = "message" // the user sent a message
	TriggerClick   KefuTrigger = "click"   // menu tap of type click (or scancode_*)
	TriggerFollow  KefuTrigger = "follow"
	TriggerScan    KefuTrigger = "scan"
)

// KefuSlot groups triggers whose windows replace each other: a new message
// renews the 48-hour allowance, a new follow, scan or click renews the 1-minute
// one. A user can hold one window per slot at a time.
type KefuSlot string

// The two slots.
const (
	SlotMessage KefuSlot = "message"
	SlotEvent   KefuSlot = "event"
)

// Current quotas in the service-account doc.
const (
	MessageWindow = 48 * time.Hour
	MessageQuota  = 5
	EventWindow   = time.Minute
	EventQuota    = 3
)

// KefuSlotsByUrgency is the order in which a send draws on a user's windows: the
// short event window first, so the long message allowance lasts.
var KefuSlotsByUrgency = []KefuSlot{SlotEvent, SlotMessage}

// KefuWindow is one allowance to send kefu messages to a user: Quota messages in
// [OpenedAt, ExpiresAt), of which Used are spent.
type KefuWindow struct {
	Slot      KefuSlot
	OpenedAt  time.Time
	ExpiresAt time.Time
	Quota     int
	Used      int
}

// OpenKefuWindow is the window an interaction at the given instant opens. The
// instant should be the interaction's own time (the push's CreateTime), never a
// later receipt time, so a late redelivery cannot stretch the window.
func OpenKefuWindow(t KefuTrigger, at time.Time) (KefuWindow, error) {
	switch t {
	case TriggerMessage:
		return KefuWindow{Slot: SlotMessage, OpenedAt: at, ExpiresAt: at.Add(MessageWindow), Quota: MessageQuota}, nil
	case TriggerClick, TriggerFollow, TriggerScan:
		return KefuWindow{Slot: SlotEvent, OpenedAt: at, ExpiresAt: at.Add(EventWindow), Quota: EventQuota}, nil
	}
	return KefuWindow{}, fmt.Errorf("%w: %q", ErrInvalidTrigger, string(t))
}

// Open reports whether the window is in force at now (its end is exclusive).
func (w KefuWindow) Open(now time.Time) bool {
	return !now.Before(w.OpenedAt) && now.Before(w.ExpiresAt)
}

// Remaining is how many messages the window still allows at now.
func (w KefuWindow) Remaining(now time.Time) int {
	if !w.Open(now) || w.Used >= w.Quota {
		return 0
	}
	return w.Quota - w.Used
}

// Replaces reports whether w, newly opened, takes the place of old: same slot and
// strictly newer. A redelivered interaction (same instant) keeps what was spent.
func (w KefuWindow) Replaces(old KefuWindow) bool {
	return w.Slot == old.Slot && w.OpenedAt.After(old.OpenedAt)
}

// PickKefuWindow chooses which of a user's windows a send at now draws on, in
// KefuSlotsByUrgency order; false when none has a message left.
func PickKefuWindow(ws []KefuWindow, now time.Time) (KefuWindow, bool) {
	for _, slot := range KefuSlotsByUrgency {
		for _, w := range ws {
			if w.Slot == slot && w.Remaining(now) > 0 {
				return w, true
			}
		}
	}
	return KefuWindow{}, false
}

// KefuBudgetAt is how many kefu messages the user's windows allow in total at now.
func KefuBudgetAt(ws []KefuWindow, now time.Time) int {
	n := 0
	for _, w := range ws {
		n += w.Remaining(now)
	}
	return n
}
