package sqlstore

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// lifecycleCols are the campaign columns of an invite (NULL outside a campaign).
type lifecycleCols struct {
	CampaignID    int64     `bun:"campaign_id,nullzero"`
	HoldStartedAt time.Time `bun:"hold_started_at,nullzero"`
	HoldEndsAt    time.Time `bun:"hold_ends_at,nullzero"`
	QualifiedAt   time.Time `bun:"qualified_at,nullzero"`
	RevokedAt     time.Time `bun:"revoked_at,nullzero"`
	Reason        string    `bun:"reason"`
}

func lifecycleColsFrom(l domain.Lifecycle) lifecycleCols {
	return lifecycleCols{
		CampaignID: int64(l.CampaignID), HoldStartedAt: dbTime(l.HoldStartedAt), HoldEndsAt: dbTime(l.HoldEndsAt),
		QualifiedAt: dbTime(l.QualifiedAt), RevokedAt: dbTime(l.RevokedAt), Reason: string(l.Reason),
	}
}

func (c lifecycleCols) domain() domain.Lifecycle {
	return domain.Lifecycle{
		CampaignID: domain.CampaignID(c.CampaignID), HoldStartedAt: utcOrZero(c.HoldStartedAt), HoldEndsAt: utcOrZero(c.HoldEndsAt),
		QualifiedAt: utcOrZero(c.QualifiedAt), RevokedAt: utcOrZero(c.RevokedAt), Reason: domain.RevokeReason(c.Reason),
	}
}

type campaignRow struct {
	bun.BaseModel `bun:"table:campaigns"`

	ID              int64     `bun:"id,pk,autoincrement"`
	Name            string    `bun:"name"`
	StartsAt        time.Time `bun:"starts_at"`
	EndsAt          time.Time `bun:"ends_at,nullzero"`
	HoldSeconds     int64     `bun:"hold_seconds"`
	DeductAfterHold bool      `bun:"deduct_after_hold"`
	Keyword         string    `bun:"keyword"`
	NoticeProgress  string    `bun:"notice_progress"`
	NoticeReward    string    `bun:"notice_reward"`
	Poster          string    `bun:"poster"` // posterJSON
	CreatedAt       time.Time `bun:"created_at"`
}

type tierRow struct {
	bun.BaseModel `bun:"table:campaign_tiers"`

	CampaignID int64  `bun:"campaign_id,pk"`
	Tier       int    `bun:"tier,pk"`
	Threshold  int    `bun:"threshold"`
	Reward     string `bun:"reward"`
	URL        string `bun:"url"`
	Stock      *int   `bun:"stock"`
	Remaining  *int   `bun:"remaining"`
}

// posterJSON is how the poster layout is kept in one column: it is read and written
// whole, never queried.
type posterJSON struct {
	QR       domain.PosterBox   `json:"qr"`
	Avatar   *domain.PosterBox  `json:"avatar"`
	Nickname *domain.PosterText `json:"nickname"`
}

func campaignRowFrom(c domain.Campaign) campaignRow {
	poster, _ := json.Marshal(posterJSON(c.Poster))
	return campaignRow{
		ID: int64(c.ID), Name: c.Name, StartsAt: dbTime(c.StartsAt), EndsAt: dbTime(c.EndsAt),
		HoldSeconds: int64(c.Hold / time.Second), DeductAfterHold: c.DeductAfterHold, Keyword: c.Keyword,
		NoticeProgress: c.Notices.Progress, NoticeReward: c.Notices.Reward, Poster: string(poster), CreatedAt: dbTime(c.CreatedAt),
	}
}

func (r campaignRow) domain(tiers []tierRow) domain.Campaign {
	var p posterJSON
	_ = json.Unmarshal([]byte(r.Poster), &p) // written by campaignRowFrom only
	c := domain.Campaign{
		ID: domain.CampaignID(r.ID), Name: r.Name, StartsAt: r.StartsAt.UTC(), EndsAt: utcOrZero(r.EndsAt),
		Hold: time.Duration(r.HoldSeconds) * time.Second, DeductAfterHold: r.DeductAfterHold, Keyword: r.Keyword,
		Notices: domain.Notices{Progress: r.NoticeProgress, Reward: r.NoticeReward}, Poster: domain.PosterLayout(p),
		CreatedAt: r.CreatedAt.UTC(),
	}
	for _, t := range tiers {
		c.Tiers = append(c.Tiers, domain.Tier{Tier: t.Tier, Threshold: t.Threshold, Reward: t.Reward, URL: t.URL, Stock: t.Stock, Remaining: t.Remaining})
	}
	return c
}

type grantRow struct {
	bun.BaseModel `bun:"table:reward_grants"`

	ID          int64     `bun:"id,pk,autoincrement"`
	UserID      int64     `bun:"user_id"`
	CampaignID  int64     `bun:"campaign_id"`
	Tier        int       `bun:"tier"`
	Reward      string    `bun:"reward"`
	URL         string    `bun:"url"`
	Status      string    `bun:"status"`
	Code        string    `bun:"code"`
	GrantedAt   time.Time `bun:"granted_at"`
	FulfilledAt time.Time `bun:"fulfilled_at,nullzero"`
}

func grantRowFrom(g domain.Grant) grantRow {
	return grantRow{
		ID: int64(g.ID), UserID: int64(g.UserID), CampaignID: int64(g.CampaignID), Tier: g.Tier, Reward: g.Reward, URL: g.URL,
		Status: string(g.Status), Code: g.Code, GrantedAt: dbTime(g.GrantedAt), FulfilledAt: dbTime(g.FulfilledAt),
	}
}

func (r grantRow) domain() domain.Grant {
	return domain.Grant{
		ID: domain.GrantID(r.ID), UserID: domain.UserID(r.UserID), CampaignID: domain.CampaignID(r.CampaignID), Tier: r.Tier,
		Reward: r.Reward, URL: r.URL, Status: domain.GrantStatus(r.Status), Code: r.Code,
		GrantedAt: r.GrantedAt.UTC(), FulfilledAt: utcOrZero(r.FulfilledAt),
	}
}

type codeRow struct {
	bun.BaseModel `bun:"table:campaign_codes"`

	ID         int64  `bun:"id,pk,autoincrement"`
	CampaignID int64  `bun:"campaign_id"`
	Tier       int    `bun:"tier"`
	Code       string `bun:"code"`
	GrantID    int64  `bun:"grant_id,nullzero"`
}

type posterRow struct {
	bun.BaseModel `bun:"table:campaign_posters"`

	CampaignID  int64     `bun:"campaign_id,pk"`
	ContentType string    `bun:"content_type"`
	Width       int       `bun:"width"`
	Height      int       `bun:"height"`
	Data        []byte    `bun:"data"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

func (r posterRow) image() application.PosterImage {
	return application.PosterImage{ContentType: r.ContentType, Data: r.Data, Width: r.Width, Height: r.Height, UpdatedAt: r.UpdatedAt.UTC()}
}
