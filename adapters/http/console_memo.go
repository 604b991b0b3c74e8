package httpadapter

import (
	"sync"
	"time"
)

// consoleDashboardTTL is how old the dashboard's figures may be. Counting a
// campaign's invites by day and ranking its inviters reads every invite of it; at
// 300,000 invites that is a few hundred milliseconds, so an operator who reloads,
// or several looking at once, share one read per instance every few seconds. The
// page says when its figures were read.
const consoleDashboardTTL = 5 * time.Second

// consoleMemoSize bounds the memo: one entry per campaign picked on the dashboard.
const consoleMemoSize = 64

// dashMemo keeps recent dashboard figures in this process. It is a cache, not a
// coordination point: each instance reads on its own, and a miss only costs a read.
type dashMemo struct {
	mu sync.Mutex
	m  map[string]dashEntry
}

type dashEntry struct {
	at time.Time
	p  dashboardPage
}

func newDashMemo() *dashMemo { return &dashMemo{m: map[string]dashEntry{}} }

// get returns the figures for key read less than consoleDashboardTTL before now.
func (d *dashMemo) get(key string, now time.Time) (dashboardPage, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.m[key]
	if !ok || now.Sub(e.at) >= consoleDashboardTTL || now.Before(e.at) {
		return dashboardPage{}, false
	}
	return e.p, true
}

// put remembers figures read at now, dropping stale entries when the memo is full.
func (d *dashMemo) put(key string, p dashboardPage, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.m) >= consoleMemoSize {
		for k, e := range d.m {
			if now.Sub(e.at) >= consoleDashboardTTL || len(d.m) >= consoleMemoSize {
				delete(d.m, k)
			}
		}
	}
	d.m[key] = dashEntry{at: now, p: p}
}
