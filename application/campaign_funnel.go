package application

import (
	"context"
	"fmt"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// AuditCounter counts audit events for the console's funnel.
type AuditCounter interface {
	// CountTypes counts the events of each of types that happened in [from, to)
	// (to zero: no end). A type without events is absent or zero.
	CountTypes(ctx context.Context, types []domain.AuditType, from, to time.Time) (map[domain.AuditType]int, error)
}

// FunnelContacts are the funnel's first two steps for a campaign's window: contacts
// that came through an invite (a link opened, a code scanned, a follow) and follows.
type FunnelContacts struct {
	Reached, Followed int
}

// CampaignFunnelQuery reads the contact steps of a campaign's funnel (scan → follow)
// from the audit trail; the later steps (invite, qualified, reward) come from the
// campaign's stats.
type CampaignFunnelQuery struct {
	campaigns CampaignRepository
	audit     AuditCounter
	clock     Clock
}

// NewCampaignFunnelQuery builds the query.
func NewCampaignFunnelQuery(campaigns CampaignRepository, audit AuditCounter, clock Clock) *CampaignFunnelQuery {
	return &CampaignFunnelQuery{campaigns: campaigns, audit: audit, clock: clock}
}

// Contacts counts the campaign window's contacts up to now: Reached counts links
// opened, codes scanned and follows; Followed counts follows. ErrNotFound when there
// is no such campaign.
func (q *CampaignFunnelQuery) Contacts(ctx context.Context, id domain.CampaignID) (FunnelContacts, error) {
	c, err := q.campaigns.ByID(ctx, id)
	if err != nil {
		return FunnelContacts{}, fmt.Errorf("funnel: %w", err)
	}
	to := c.EndsAt
	if now := q.clock.Now(); to.IsZero() || now.Before(to) {
		to = now.Add(time.Second) // [from, to) includes this instant
	}
	n, err := q.audit.CountTypes(ctx, []domain.AuditType{domain.AuditLinkOpened, domain.AuditScan, domain.AuditSubscribe}, c.StartsAt, to)
	if err != nil {
		return FunnelContacts{}, fmt.Errorf("funnel: %w", err)
	}
	return FunnelContacts{Reached: n[domain.AuditLinkOpened] + n[domain.AuditScan] + n[domain.AuditSubscribe], Followed: n[domain.AuditSubscribe]}, nil
}
