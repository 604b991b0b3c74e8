package domain

import (
	"testing"
	"time"
)

func TestFollowEventApplies(t *testing.T) {
	t1 := time.Date(2026, 12, 1, 10, 0, 1, 0, time.UTC)
	t0, t2 := t1.Add(-time.Second), t1.Add(time.Second)
	following := User{Following: true, FollowEventAt: t1}
	unfollowed := User{Following: false, FollowEventAt: t1}
	cases := []struct {
		name      string
		u         User
		following bool
		at        time.Time
		want      bool
	}{
		{"no event yet takes a follow", User{}, true, t0, true},
		{"no event yet takes an unfollow", User{}, false, t0, true},
		{"newer unfollow", following, false, t2, true},
		{"newer follow", unfollowed, true, t2, true},
		{"older unfollow", following, false, t0, false},
		{"older follow", unfollowed, true, t0, false},
		{"same-second unfollow replaces a follow", following, false, t1, true},
		{"same-second follow never replaces an unfollow", unfollowed, true, t1, false},
		{"same-second copy of the follow", following, true, t1, false},
		{"same-second copy of the unfollow", unfollowed, false, t1, false},
	}
	for _, c := range cases {
		if got := c.u.FollowEventApplies(c.following, c.at); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
