package application

import (
	"sync"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// inviterCache remembers, briefly, which user owns an invite code. During a campaign
// thousands of friends arrive through a handful of codes; the owner of a code never
// changes, so each instance looks it up once per TTL instead of once per friend. Only
// the inviter's display name can be stale, by at most the TTL. Unknown codes are not
// cached: a code may belong to someone a moment later.
//
// Why hand-written and not golang-lru's expirable LRU: application imports only
// domain and the standard library (test/layering enforces it), and expiry here
// follows the injected Clock (tests give explicit instants) while the expirable
// LRU reads the wall clock. Its natural new home is a caching decorator of
// UserRepository.ByInviteCode in the store adapter; that move touches join.go,
// which the issue-12 domain work reshapes, so it waits for that to land.
type inviterCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]inviterEntry
}

type inviterEntry struct {
	user    domain.User
	expires time.Time
}

func newInviterCache(ttl time.Duration, max int) *inviterCache {
	return &inviterCache{ttl: ttl, max: max, entries: make(map[string]inviterEntry)}
}

func (c *inviterCache) get(code string, now time.Time) (domain.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[code]
	if !ok || !now.Before(e.expires) {
		return domain.User{}, false
	}
	return e.user, true
}

func (c *inviterCache) put(code string, u domain.User, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, e := range c.entries { // drop what has expired; if nothing has, start over
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[code] = inviterEntry{user: u, expires: now.Add(c.ttl)}
}
