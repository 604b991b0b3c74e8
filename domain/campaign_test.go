package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

func intp(n int) *int { return &n }

func validCampaign() domain.Campaign {
	return domain.Campaign{
		ID: 7, Name: "春季邀请", StartsAt: t0, EndsAt: t0.Add(30 * 24 * time.Hour), Hold: 72 * time.Hour,
		Tiers: []domain.Tier{
			{Tier: 1, Threshold: 3, Reward: "红包 5 元"},
			{Tier: 2, Threshold: 10, Reward: "会员月卡", URL: "https://example.com/r", Stock: intp(100)},
		},
	}
}

func TestCampaignNormalizeDefaults(t *testing.T) {
	t.Parallel()
	c := validCampaign()
	c.Hold = 0
	c.Name = "  春季邀请 "
	c.Poster.Nickname = &domain.PosterText{X: 1, Y: 2, Size: 24}
	got, err := c.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if got.Hold != domain.DefaultHold || got.Name != "春季邀请" || got.Notices.Progress == "" || got.Notices.Reward == "" ||
		got.Poster.QR != domain.DefaultPoster.QR || got.Poster.Nickname.Color != "#333333" {
		t.Errorf("defaults not applied: %+v", got)
	}
}

func TestCampaignValidateNamesTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		field  string
		modify func(c *domain.Campaign)
	}{
		{"name", func(c *domain.Campaign) { c.Name = " " }},
		{"name", func(c *domain.Campaign) { c.Name = strings.Repeat("名", 101) }},
		{"starts_at", func(c *domain.Campaign) { c.StartsAt = time.Time{} }},
		{"ends_at", func(c *domain.Campaign) { c.EndsAt = c.StartsAt }},
		{"hold", func(c *domain.Campaign) { c.Hold = 999 * time.Millisecond }},
		{"hold", func(c *domain.Campaign) { c.Hold = -time.Hour }},
		{"hold", func(c *domain.Campaign) { c.Hold = 1500 * time.Millisecond }},
		{"keyword", func(c *domain.Campaign) { c.Keyword = strings.Repeat("k", 33) }},
		{"tiers", func(c *domain.Campaign) { c.Tiers = make([]domain.Tier, 21) }},
		{"tiers[0].tier", func(c *domain.Campaign) { c.Tiers[0].Tier = 2 }},
		{"tiers[0].threshold", func(c *domain.Campaign) { c.Tiers[0].Threshold = 0 }},
		{"tiers[1].threshold", func(c *domain.Campaign) { c.Tiers[1].Threshold = 3 }},
		{"tiers[1].threshold", func(c *domain.Campaign) { c.Tiers[1].Threshold = 2 }},
		{"tiers[0].reward", func(c *domain.Campaign) { c.Tiers[0].Reward = "" }},
		{"tiers[1].url", func(c *domain.Campaign) { c.Tiers[1].URL = "javascript:alert(1)" }},
		{"tiers[1].stock", func(c *domain.Campaign) { c.Tiers[1].Stock = intp(-1) }},
		{"poster.qr.size", func(c *domain.Campaign) { c.Poster.QR = domain.PosterBox{X: 1, Y: 1, Size: 0} }},
		{"poster.avatar.x", func(c *domain.Campaign) { c.Poster.Avatar = &domain.PosterBox{X: -1, Y: 0, Size: 10} }},
		{"poster.nickname.color", func(c *domain.Campaign) {
			c.Poster.Nickname = &domain.PosterText{X: 1, Y: 1, Size: 10, Color: "red"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			t.Parallel()
			c := validCampaign()
			tt.modify(&c)
			_, err := c.Normalize()
			var fe *domain.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, domain.ErrInvalidCampaign) {
				t.Fatalf("err = %v, want a FieldError on %q", err, tt.field)
			}
		})
	}
	if _, err := validCampaign().Normalize(); err != nil {
		t.Errorf("valid campaign refused: %v", err)
	}
	c := validCampaign()
	c.Tiers[1].Stock = intp(0)
	c.Hold = time.Second
	if _, err := c.Normalize(); err != nil {
		t.Errorf("stock 0 and a 1s hold refused: %v", err)
	}
}

func TestCampaignStatus(t *testing.T) {
	t.Parallel()
	end := t0.Add(time.Hour)
	tests := []struct {
		name       string
		start, end time.Time
		at         time.Time
		want       domain.CampaignStatus
	}{
		{"before start", t0, end, t0.Add(-time.Microsecond), domain.CampaignScheduled},
		{"at start", t0, end, t0, domain.CampaignRunning},
		{"just before end", t0, end, end.Add(-time.Microsecond), domain.CampaignRunning},
		{"at end", t0, end, end, domain.CampaignEnded},
		{"open-ended, long after", t0, time.Time{}, t0.Add(1000 * time.Hour), domain.CampaignRunning},
		{"empty window, before", t0, t0, t0.Add(-time.Hour), domain.CampaignScheduled},
		{"empty window, at", t0, t0, t0, domain.CampaignEnded},
	}
	for _, tt := range tests {
		c := domain.Campaign{StartsAt: tt.start, EndsAt: tt.end}
		if got := c.Status(tt.at); got != tt.want {
			t.Errorf("%s: Status = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestCampaignOverlaps(t *testing.T) {
	t.Parallel()
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	w := func(s, e time.Time) domain.Campaign { return domain.Campaign{StartsAt: s, EndsAt: e} }
	tests := []struct {
		name string
		a, b domain.Campaign
		want bool
	}{
		{"disjoint", w(h(0), h(1)), w(h(2), h(3)), false},
		{"touching", w(h(0), h(1)), w(h(1), h(2)), false},
		{"one microsecond shared", w(h(0), h(1).Add(time.Microsecond)), w(h(1), h(2)), true},
		{"nested", w(h(0), h(10)), w(h(2), h(3)), true},
		{"open-ended covers later", w(h(0), time.Time{}), w(h(100), h(101)), true},
		{"later open-ended after end", w(h(0), h(1)), w(h(1), time.Time{}), false},
		{"two open-ended", w(h(5), time.Time{}), w(h(0), time.Time{}), true},
		{"empty window", w(h(2), h(2)), w(h(0), h(10)), false},
	}
	for _, tt := range tests {
		if got := tt.a.Overlaps(tt.b); got != tt.want {
			t.Errorf("%s: a.Overlaps(b) = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.b.Overlaps(tt.a); got != tt.want {
			t.Errorf("%s: b.Overlaps(a) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCampaignEnd(t *testing.T) {
	t.Parallel()
	c := domain.Campaign{StartsAt: t0, EndsAt: t0.Add(2 * time.Hour)}
	now := t0.Add(time.Hour)
	got, changed := c.End(now)
	if !changed || !got.EndsAt.Equal(now) || got.Status(now) != domain.CampaignEnded || got.Status(now.Add(-time.Microsecond)) != domain.CampaignRunning {
		t.Errorf("End(running) = %+v, %v", got, changed)
	}
	if again, changed := got.End(now.Add(time.Minute)); changed || !again.EndsAt.Equal(now) {
		t.Errorf("End(ended) = %+v, %v; want unchanged", again, changed)
	}
	sched := domain.Campaign{StartsAt: t0.Add(time.Hour)}
	got, changed = sched.End(t0)
	if !changed || got.Status(t0.Add(2*time.Hour)) != domain.CampaignEnded || got.Overlaps(domain.Campaign{StartsAt: t0}) {
		t.Errorf("End(scheduled) = %+v, %v; want an empty window", got, changed)
	}
}

func TestTiersReached(t *testing.T) {
	t.Parallel()
	c := validCampaign()
	tests := []struct {
		qualified int
		reached   []int
		next      int // 0: none
	}{
		{0, nil, 1}, {2, nil, 1}, {3, []int{1}, 2}, {9, []int{1}, 2}, {10, []int{1, 2}, 0}, {50, []int{1, 2}, 0},
	}
	for _, tt := range tests {
		var got []int
		for _, tier := range c.TiersReached(tt.qualified) {
			got = append(got, tier.Tier)
		}
		if len(got) != len(tt.reached) || (len(got) > 0 && got[len(got)-1] != tt.reached[len(tt.reached)-1]) {
			t.Errorf("TiersReached(%d) = %v, want %v", tt.qualified, got, tt.reached)
		}
		next, ok := c.NextTier(tt.qualified)
		if (tt.next == 0) == ok || (ok && next.Tier != tt.next) {
			t.Errorf("NextTier(%d) = %d, %v; want %d", tt.qualified, next.Tier, ok, tt.next)
		}
	}
}
