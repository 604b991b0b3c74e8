package application

import (
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

func TestInviterCacheExpiresAndStaysBounded(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := newInviterCache(30*time.Second, 2)
	a := domain.User{ID: 1, Nickname: "阿强"}
	c.put("code-a", a, t0)
	if u, ok := c.get("code-a", t0.Add(30*time.Second-time.Nanosecond)); !ok || u.ID != 1 {
		t.Fatalf("just before expiry: %v %v", u, ok)
	}
	if _, ok := c.get("code-a", t0.Add(30*time.Second)); ok {
		t.Fatal("at expiry the entry must be gone")
	}
	if _, ok := c.get("unknown", t0); ok {
		t.Fatal("an unknown code must not be cached")
	}
	c.put("code-b", domain.User{ID: 2}, t0)
	c.put("code-c", domain.User{ID: 3}, t0.Add(time.Minute)) // full: the expired code-a and code-b go
	if len(c.entries) != 1 {
		t.Fatalf("%d entries, want 1 after evicting expired ones", len(c.entries))
	}
	c.put("code-d", domain.User{ID: 4}, t0.Add(time.Minute))
	c.put("code-e", domain.User{ID: 5}, t0.Add(time.Minute)) // full of live entries: start over
	if len(c.entries) > 2 {
		t.Fatalf("%d entries, want at most 2", len(c.entries))
	}
}
