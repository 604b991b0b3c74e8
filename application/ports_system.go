package application

import (
	"crypto/rand"
	"io"
	"time"
)

// Clock tells the time; injected so use cases and their tests agree on "now".
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now implements Clock.
func (f ClockFunc) Now() time.Time { return f() }

// SystemClock is the real clock, in UTC with the microsecond precision the stores keep.
var SystemClock Clock = ClockFunc(func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) })

// Random is a source of unpredictable bytes (invite codes); injected so tests can
// force collisions.
type Random = io.Reader

// SystemRandom is crypto/rand.
var SystemRandom Random = rand.Reader

// JoinObserver hears what every successful Join did, after it committed. It is the
// seam for metrics today and for notices, webhooks and the audit trail later, so Join
// itself stays free of side effects. Observers must be fast and must not fail.
type JoinObserver interface {
	Joined(r JoinResult)
}
