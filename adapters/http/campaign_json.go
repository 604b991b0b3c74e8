package httpadapter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// maxCampaignJSON bounds a campaign body; a real one is a few kilobytes.
const maxCampaignJSON = 256 << 10

type posterBoxJSON struct {
	X    int `json:"x"`
	Y    int `json:"y"`
	Size int `json:"size"`
}

type posterTextJSON struct {
	X     int    `json:"x"`
	Y     int    `json:"y"`
	Size  int    `json:"size"`
	Color string `json:"color"`
}

type posterJSON struct {
	QR       posterBoxJSON   `json:"qr"`
	Avatar   *posterBoxJSON  `json:"avatar"`
	Nickname *posterTextJSON `json:"nickname"`
}

type noticesJSON struct {
	Progress string `json:"progress"`
	Reward   string `json:"reward"`
}

type tierJSON struct {
	Tier      int    `json:"tier"`
	Threshold int    `json:"threshold"`
	Reward    string `json:"reward"`
	URL       string `json:"url"`
	Stock     *int   `json:"stock"`
	Remaining *int   `json:"remaining"`
}

// campaignJSON is a campaign as the admin API shows it.
type campaignJSON struct {
	ID              int64       `json:"id"`
	Name            string      `json:"name"`
	StartsAt        string      `json:"starts_at"`
	EndsAt          *string     `json:"ends_at"`
	Hold            string      `json:"hold"`
	DeductAfterHold bool        `json:"deduct_after_hold"`
	Keyword         string      `json:"keyword"`
	Tiers           []tierJSON  `json:"tiers"`
	Notices         noticesJSON `json:"notices"`
	Poster          posterJSON  `json:"poster"`
	Status          string      `json:"status"`
}

type campaignsJSON struct {
	Items []campaignJSON `json:"items"`
}

// durationString is Go's duration syntax without empty trailing units: "72h", not "72h0m0s".
func durationString(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func toCampaignJSON(c domain.Campaign, now time.Time) campaignJSON {
	out := campaignJSON{
		ID: int64(c.ID), Name: c.Name, StartsAt: apiTime(c.StartsAt), Hold: durationString(c.Hold),
		DeductAfterHold: c.DeductAfterHold, Keyword: c.Keyword, Tiers: make([]tierJSON, 0, len(c.Tiers)),
		Notices: noticesJSON{Progress: c.Notices.Progress, Reward: c.Notices.Reward},
		Poster:  posterJSON{QR: posterBoxJSON(c.Poster.QR)},
		Status:  string(c.Status(now)),
	}
	if !c.EndsAt.IsZero() {
		e := apiTime(c.EndsAt)
		out.EndsAt = &e
	}
	for _, t := range c.Tiers {
		out.Tiers = append(out.Tiers, tierJSON{Tier: t.Tier, Threshold: t.Threshold, Reward: t.Reward, URL: t.URL, Stock: t.Stock, Remaining: t.Remaining})
	}
	if a := c.Poster.Avatar; a != nil {
		b := posterBoxJSON(*a)
		out.Poster.Avatar = &b
	}
	if n := c.Poster.Nickname; n != nil {
		t := posterTextJSON(*n)
		out.Poster.Nickname = &t
	}
	return out
}

// tierInput is a tier as an operator writes it: tier is optional (numbered by
// position), stock null or absent means unlimited; remaining is ignored (read-only).
type tierInput struct {
	Tier      *int            `json:"tier"`
	Threshold int             `json:"threshold"`
	Reward    string          `json:"reward"`
	URL       string          `json:"url"`
	Stock     *int            `json:"stock"`
	Remaining json.RawMessage `json:"remaining"`
}

// campaignInput is a POST or PATCH body: absent fields keep their value (PATCH) or
// their default (POST). Unknown fields are refused.
type campaignInput struct {
	Name            *string         `json:"name"`
	StartsAt        *string         `json:"starts_at"`
	EndsAt          json.RawMessage `json:"ends_at"` // absent: unchanged; null: open-ended
	Hold            *string         `json:"hold"`
	DeductAfterHold *bool           `json:"deduct_after_hold"`
	Keyword         *string         `json:"keyword"`
	Tiers           *[]tierInput    `json:"tiers"`
	Notices         *noticesJSON    `json:"notices"`
	Poster          *posterJSON     `json:"poster"`
	// Read-only fields a client may echo back from a GET.
	ID     json.RawMessage `json:"id"`
	Status json.RawMessage `json:"status"`
}

// invalidField is a 400 naming the field.
func invalidField(field, format string, args ...any) error {
	return application.Errorf(application.KindInvalid, "invalid_campaign", nil, "%s %s", field, fmt.Sprintf(format, args...))
}

// decodeCampaignInput reads a strict JSON campaign body.
func decodeCampaignInput(body io.Reader) (campaignInput, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxCampaignJSON+1))
	if err != nil {
		return campaignInput{}, application.Errorf(application.KindInvalid, "unreadable_body", err, "the body could not be read")
	}
	if len(data) > maxCampaignJSON {
		return campaignInput{}, application.Errorf(application.KindTooLarge, "too_large", nil, "the body is larger than %d bytes", maxCampaignJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in campaignInput
	if err := dec.Decode(&in); err != nil {
		return campaignInput{}, jsonError(err)
	}
	if dec.More() {
		return campaignInput{}, application.Errorf(application.KindInvalid, "invalid_json", nil, "the body holds more than one JSON value")
	}
	return in, nil
}

// jsonError names the offending field of a decoding error where it can.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return invalidField(typeErr.Field, "must be a JSON %s", typeErr.Type.Kind())
	case errors.As(err, &syntaxErr):
		return application.Errorf(application.KindInvalid, "invalid_json", err, "the body is not valid JSON (offset %d)", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return application.Errorf(application.KindInvalid, "invalid_campaign", err, "%s is not a campaign field", field)
	}
	return application.Errorf(application.KindInvalid, "invalid_json", err, "the body is not a campaign: %v", err)
}

func parseInstant(field, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, invalidField(field, "must be an RFC 3339 time")
	}
	return t.UTC(), nil
}

// apply writes the fields present in the input onto c.
func (in campaignInput) apply(c *domain.Campaign) error {
	if in.Name != nil {
		c.Name = *in.Name
	}
	if in.StartsAt != nil {
		t, err := parseInstant("starts_at", *in.StartsAt)
		if err != nil {
			return err
		}
		c.StartsAt = t
	}
	if len(in.EndsAt) > 0 {
		var s *string
		if err := json.Unmarshal(in.EndsAt, &s); err != nil {
			return invalidField("ends_at", "must be an RFC 3339 time or null")
		}
		c.EndsAt = time.Time{}
		if s != nil {
			t, err := parseInstant("ends_at", *s)
			if err != nil {
				return err
			}
			c.EndsAt = t
		}
	}
	if in.Hold != nil {
		d, err := time.ParseDuration(*in.Hold)
		if err != nil {
			return invalidField("hold", "must be a duration such as \"72h\" or \"90s\"")
		}
		if d < domain.MinHold {
			return invalidField("hold", "must be at least %s", domain.MinHold)
		}
		c.Hold = d
	}
	if in.DeductAfterHold != nil {
		c.DeductAfterHold = *in.DeductAfterHold
	}
	if in.Keyword != nil {
		c.Keyword = *in.Keyword
	}
	if in.Notices != nil {
		c.Notices = domain.Notices{Progress: in.Notices.Progress, Reward: in.Notices.Reward}
	}
	if in.Poster != nil {
		p := domain.PosterLayout{QR: domain.PosterBox(in.Poster.QR)}
		if a := in.Poster.Avatar; a != nil {
			b := domain.PosterBox(*a)
			p.Avatar = &b
		}
		if n := in.Poster.Nickname; n != nil {
			t := domain.PosterText(*n)
			p.Nickname = &t
		}
		c.Poster = p
	}
	if in.Tiers != nil {
		c.Tiers = make([]domain.Tier, len(*in.Tiers))
		for i, t := range *in.Tiers {
			n := i + 1
			if t.Tier != nil {
				n = *t.Tier
			}
			c.Tiers[i] = domain.Tier{Tier: n, Threshold: t.Threshold, Reward: t.Reward, URL: t.URL, Stock: t.Stock}
		}
	}
	return nil
}
