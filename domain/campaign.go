package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// CampaignID identifies a campaign (活动).
type CampaignID int64

// DefaultHold is how long an invitee must keep following before the invite counts,
// when a campaign does not say: three days is what most fission tools use.
const DefaultHold = 72 * time.Hour

// MinHold is the shortest hold a campaign may have.
const MinHold = time.Second

// Limits on what operators type, so a campaign always fits its columns and pages.
const (
	MaxCampaignNameLength = 100
	MaxKeywordLength      = 32
	MaxRewardLength       = 200
	MaxURLLength          = 1024
	MaxNoticeLength       = 600
	MaxTiers              = 20
	MaxPosterCoordinate   = 10000
)

// CampaignStatus is where a campaign stands at an instant; it is never stored but
// computed from the window, so every instance agrees without coordination.
type CampaignStatus string

// The three stages of a campaign's window.
const (
	CampaignScheduled CampaignStatus = "scheduled"
	CampaignRunning   CampaignStatus = "running"
	CampaignEnded     CampaignStatus = "ended"
)

// Campaign is an invite drive: invites recorded during its window count towards
// reward tiers once the invitee has kept following for Hold.
type Campaign struct {
	ID       CampaignID
	Name     string
	StartsAt time.Time
	// EndsAt is the first instant the campaign no longer runs; zero means open-ended.
	EndsAt time.Time
	Hold   time.Duration
	// DeductAfterHold revokes a qualified invite whose invitee unfollows before the
	// campaign ends.
	DeductAfterHold bool
	// Keyword is the text message that asks for the poster.
	Keyword   string
	Tiers     []Tier
	Notices   Notices
	Poster    PosterLayout
	CreatedAt time.Time
}

// Tier is one reward step: reaching Threshold qualified invites grants Reward.
type Tier struct {
	// Tier numbers the steps 1.. in rising threshold order.
	Tier      int
	Threshold int
	Reward    string
	URL       string
	// Stock limits how many grants get the reward; nil means unlimited.
	Stock *int
	// Remaining is the stock left (nil when unlimited); read-only, kept by the store.
	Remaining *int
}

// Notices are the templates of the messages sent to an inviter.
type Notices struct {
	// Progress is sent when a friend joined: {friend}, {count}, {next}.
	Progress string
	// Reward is sent when a reward is granted: {reward}, {code}.
	Reward string
}

// PosterLayout places the personal parts on the poster background, in its pixels.
type PosterLayout struct {
	QR       PosterBox
	Avatar   *PosterBox  // nil: no avatar
	Nickname *PosterText // nil: no nickname
}

// PosterBox is a square at (X, Y) of side Size.
type PosterBox struct{ X, Y, Size int }

// PosterText is a line of text at (X, Y) with font size Size and a #rrggbb colour.
type PosterText struct {
	X, Y, Size int
	Color      string
}

// Default texts and layout of a campaign that leaves them out.
const (
	DefaultProgressNotice = "{friend} 通过你的邀请关注了，已邀请 {count} 人，{next}"
	DefaultRewardNotice   = "恭喜获得奖励：{reward} {code}"
)

// DefaultPoster is the layout used when a campaign sets none: a QR code in the lower
// middle of the default 750×1334 poster.
var DefaultPoster = PosterLayout{QR: PosterBox{X: 225, Y: 900, Size: 300}}

// Status says where the campaign stands at the instant at: the window is
// [StartsAt, EndsAt), and an empty window (a campaign ended before it began) never runs.
func (c Campaign) Status(at time.Time) CampaignStatus {
	if !c.EndsAt.IsZero() && !at.Before(c.EndsAt) {
		return CampaignEnded
	}
	if at.Before(c.StartsAt) {
		return CampaignScheduled
	}
	return CampaignRunning
}

// RunningAt reports whether the campaign runs at the instant at.
func (c Campaign) RunningAt(at time.Time) bool { return c.Status(at) == CampaignRunning }

// emptyWindow reports whether the campaign can never run.
func (c Campaign) emptyWindow() bool {
	return !c.EndsAt.IsZero() && !c.EndsAt.After(c.StartsAt)
}

// Overlaps reports whether the two windows share an instant, which would make two
// campaigns run at once. Empty windows overlap nothing.
func (c Campaign) Overlaps(o Campaign) bool {
	if c.emptyWindow() || o.emptyWindow() {
		return false
	}
	cBeforeO := !c.EndsAt.IsZero() && !c.EndsAt.After(o.StartsAt)
	oBeforeC := !o.EndsAt.IsZero() && !o.EndsAt.After(c.StartsAt)
	return !cBeforeO && !oBeforeC
}

// End closes the window at the instant at. A campaign that already ended keeps its
// end; one that had not started gets an empty window, so it never runs. It reports
// whether anything changed.
func (c Campaign) End(at time.Time) (Campaign, bool) {
	if c.Status(at) == CampaignEnded {
		return c, false
	}
	c.EndsAt = at
	if c.StartsAt.After(at) {
		c.StartsAt = at
	}
	return c, true
}

// TierByNumber returns the tier numbered n.
func (c Campaign) TierByNumber(n int) (Tier, bool) {
	if n < 1 || n > len(c.Tiers) {
		return Tier{}, false
	}
	return c.Tiers[n-1], true
}

// TiersReached returns every tier whose threshold is at most qualified: the
// rewards an inviter with that many qualified invites has earned.
func (c Campaign) TiersReached(qualified int) []Tier {
	var out []Tier
	for _, t := range c.Tiers {
		if t.Threshold <= qualified {
			out = append(out, t)
		}
	}
	return out
}

// NextTier returns the first tier not yet reached with qualified invites.
func (c Campaign) NextTier(qualified int) (Tier, bool) {
	for _, t := range c.Tiers {
		if t.Threshold > qualified {
			return t, true
		}
	}
	return Tier{}, false
}

// Normalize fills defaults (hold, notices, poster), numbers the tiers and trims
// text, then validates. The first rule broken is returned as a *FieldError.
func (c Campaign) Normalize() (Campaign, error) {
	c.Name = strings.TrimSpace(c.Name)
	c.Keyword = strings.TrimSpace(c.Keyword)
	if c.Hold == 0 {
		c.Hold = DefaultHold
	}
	if c.Notices.Progress == "" {
		c.Notices.Progress = DefaultProgressNotice
	}
	if c.Notices.Reward == "" {
		c.Notices.Reward = DefaultRewardNotice
	}
	if c.Poster.QR.Size == 0 && c.Poster.QR.X == 0 && c.Poster.QR.Y == 0 {
		c.Poster.QR = DefaultPoster.QR
	}
	if c.Poster.Nickname != nil && c.Poster.Nickname.Color == "" {
		n := *c.Poster.Nickname
		n.Color = "#333333"
		c.Poster.Nickname = &n
	}
	tiers := make([]Tier, len(c.Tiers))
	for i, t := range c.Tiers {
		t.Reward = strings.TrimSpace(t.Reward)
		t.URL = strings.TrimSpace(t.URL)
		tiers[i] = t
	}
	c.Tiers = tiers
	return c, c.Validate()
}

// Validate checks every rule of a campaign and names the field that breaks one.
func (c Campaign) Validate() error {
	switch {
	case c.Name == "":
		return fieldErr("name", "is required")
	case utf8.RuneCountInString(c.Name) > MaxCampaignNameLength:
		return fieldErr("name", "is longer than %d characters", MaxCampaignNameLength)
	case c.StartsAt.IsZero():
		return fieldErr("starts_at", "is required")
	case !c.EndsAt.IsZero() && !c.EndsAt.After(c.StartsAt):
		return fieldErr("ends_at", "must be after starts_at")
	case c.Hold < MinHold:
		return fieldErr("hold", "must be at least %s", MinHold)
	case c.Hold%time.Second != 0:
		return fieldErr("hold", "must be a whole number of seconds")
	case utf8.RuneCountInString(c.Keyword) > MaxKeywordLength:
		return fieldErr("keyword", "is longer than %d characters", MaxKeywordLength)
	case utf8.RuneCountInString(c.Notices.Progress) > MaxNoticeLength:
		return fieldErr("notices.progress", "is longer than %d characters", MaxNoticeLength)
	case utf8.RuneCountInString(c.Notices.Reward) > MaxNoticeLength:
		return fieldErr("notices.reward", "is longer than %d characters", MaxNoticeLength)
	case len(c.Tiers) > MaxTiers:
		return fieldErr("tiers", "has more than %d tiers", MaxTiers)
	}
	if err := validateTiers(c.Tiers); err != nil {
		return err
	}
	return c.Poster.validate()
}

func validateTiers(tiers []Tier) error {
	prev := 0
	for i, t := range tiers {
		f := func(name string) string { return fmt.Sprintf("tiers[%d].%s", i, name) }
		switch {
		case t.Tier != i+1:
			return fieldErr(f("tier"), "must be %d: tiers are numbered 1.. in rising threshold order", i+1)
		case t.Threshold < 1:
			return fieldErr(f("threshold"), "must be at least 1")
		case t.Threshold <= prev:
			return fieldErr(f("threshold"), "must be greater than the previous tier's (%d)", prev)
		case t.Reward == "":
			return fieldErr(f("reward"), "is required")
		case utf8.RuneCountInString(t.Reward) > MaxRewardLength:
			return fieldErr(f("reward"), "is longer than %d characters", MaxRewardLength)
		case len(t.URL) > MaxURLLength:
			return fieldErr(f("url"), "is longer than %d bytes", MaxURLLength)
		case t.URL != "" && !strings.HasPrefix(t.URL, "https://") && !strings.HasPrefix(t.URL, "http://"):
			return fieldErr(f("url"), "must be an http(s) URL")
		case t.Stock != nil && *t.Stock < 0:
			return fieldErr(f("stock"), "must not be negative")
		}
		prev = t.Threshold
	}
	return nil
}

func (p PosterLayout) validate() error {
	if err := p.QR.validate("poster.qr"); err != nil {
		return err
	}
	if p.Avatar != nil {
		if err := p.Avatar.validate("poster.avatar"); err != nil {
			return err
		}
	}
	if p.Nickname != nil {
		n := p.Nickname
		if err := (PosterBox{n.X, n.Y, n.Size}).validate("poster.nickname"); err != nil {
			return err
		}
		if !validColor(n.Color) {
			return fieldErr("poster.nickname.color", "must be a #rrggbb colour")
		}
	}
	return nil
}

func (b PosterBox) validate(prefix string) error {
	switch {
	case b.X < 0 || b.X > MaxPosterCoordinate:
		return fieldErr(prefix+".x", "must be between 0 and %d", MaxPosterCoordinate)
	case b.Y < 0 || b.Y > MaxPosterCoordinate:
		return fieldErr(prefix+".y", "must be between 0 and %d", MaxPosterCoordinate)
	case b.Size < 1 || b.Size > MaxPosterCoordinate:
		return fieldErr(prefix+".size", "must be between 1 and %d", MaxPosterCoordinate)
	}
	return nil
}

func validColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, r := range s[1:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}
