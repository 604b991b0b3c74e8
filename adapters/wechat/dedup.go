package wechat

import (
	"sync"
	"time"
)

// replyCache remembers the plaintext reply of each processed delivery for a TTL,
// so a retry that arrives after the first delivery finished gets the same answer
// without touching the database. It is bounded: entries expire in insertion order
// (the TTL is constant), and beyond max entries the oldest go first.
type replyCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	items map[string]cachedReply
	order []orderEntry // insertion order, oldest first, from head
	head  int
}

type cachedReply struct {
	reply   []byte
	outcome string
	expires time.Time
}

type orderEntry struct {
	key     string
	expires time.Time
}

func newReplyCache(ttl time.Duration, max int) *replyCache {
	return &replyCache{ttl: ttl, max: max, items: make(map[string]cachedReply)}
}

func (c *replyCache) get(key string, now time.Time) (cachedReply, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok || !now.Before(e.expires) {
		return cachedReply{}, false
	}
	return e, true
}

func (c *replyCache) put(key string, reply []byte, outcome string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp := now.Add(c.ttl)
	c.items[key] = cachedReply{reply: reply, outcome: outcome, expires: exp}
	c.order = append(c.order, orderEntry{key: key, expires: exp})
	for c.head < len(c.order) {
		o := c.order[c.head]
		if now.Before(o.expires) && len(c.items) <= c.max {
			break
		}
		if e, ok := c.items[o.key]; ok && e.expires.Equal(o.expires) {
			delete(c.items, o.key)
		}
		c.order[c.head] = orderEntry{}
		c.head++
	}
	if c.head > 1024 && c.head*2 > len(c.order) {
		c.order = append(c.order[:0:0], c.order[c.head:]...)
		c.head = 0
	}
}

func (c *replyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
