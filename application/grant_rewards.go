package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// RewardObserver hears every grant this instance made, after it committed: the
// seam for the reward notice, webhooks and the audit trail. Observers must be fast
// and must not fail.
type RewardObserver interface {
	Granted(g domain.Grant)
}

// GrantRewardsService grants an inviter every tier their qualified invites reached.
// Each grant is one transaction whose first write is the grant row itself, unique
// on (user, campaign, tier): whichever instance inserts it owns the grant and takes
// the stock and the code in the same transaction; every other attempt hits the
// unique key and does nothing. A crash rolls the whole grant back, and the next
// sweep grants it again.
type GrantRewardsService struct {
	tx        Transactor
	invites   InviteLifecycleRepository
	campaigns CampaignRepository
	grants    GrantRepository
	codes     CodeRepository
	clock     Clock
	observers []RewardObserver
	users     UserRepository
	recorder  *Recorder
}

// SetRecorder makes every grant write reward_granted and reward.granted in its own
// transaction (a grant recorded out of stock is no reward and writes neither).
func (s *GrantRewardsService) SetRecorder(users UserRepository, r *Recorder) {
	s.users, s.recorder = users, r
}

// recordGrant writes what a grant leaves in the audit trail and the outbox.
func (s *GrantRewardsService) recordGrant(ctx context.Context, g domain.Grant) error {
	if s.recorder == nil || g.Status != domain.GrantGranted {
		return nil
	}
	var rec Record
	rec.Event(domain.AuditEvent{At: g.GrantedAt, Type: domain.AuditRewardGranted, UserID: g.UserID, CampaignID: g.CampaignID})
	want, err := s.recorder.Wants(ctx, domain.EventRewardGranted)
	if err != nil {
		return err
	}
	if want {
		u, err := s.users.ByID(ctx, g.UserID)
		if err != nil {
			return fmt.Errorf("grant: webhook: %w", err)
		}
		if err := s.recorder.Publish(ctx, &rec, domain.EventRewardGranted, g.GrantedAt, RewardPayloadOf(g, u)); err != nil {
			return err
		}
	}
	return s.recorder.Write(ctx, rec)
}

// NewGrantRewardsService builds the use case.
func NewGrantRewardsService(tx Transactor, invites InviteLifecycleRepository, campaigns CampaignRepository, grants GrantRepository, codes CodeRepository, clock Clock, observers ...RewardObserver) *GrantRewardsService {
	return &GrantRewardsService{tx: tx, invites: invites, campaigns: campaigns, grants: grants, codes: codes, clock: clock, observers: observers}
}

// GrantReached counts the inviter's qualified invites in campaign c now and grants
// every tier reached that was not granted yet. It returns the grants it made.
func (s *GrantRewardsService) GrantReached(ctx context.Context, inviter domain.UserID, c domain.Campaign) ([]domain.Grant, error) {
	now := s.clock.Now()
	counts, err := s.invites.InviterCounts(ctx, inviter, c.ID, now)
	if err != nil {
		return nil, fmt.Errorf("grant: count: %w", err)
	}
	var made []domain.Grant
	for _, t := range c.TiersReached(counts.Qualified) {
		g, created, err := s.grant(ctx, domain.NewGrant(inviter, c, t, now), t.Stock != nil)
		if err != nil {
			return made, err
		}
		if created {
			made = append(made, g)
			for _, o := range s.observers {
				o.Granted(g)
			}
		}
	}
	return made, nil
}

// grant makes one grant; created is false when it existed already.
func (s *GrantRewardsService) grant(ctx context.Context, g domain.Grant, limited bool) (domain.Grant, bool, error) {
	var out domain.Grant
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		created, err := s.grants.Create(ctx, g)
		if err != nil {
			return err
		}
		status, code := domain.GrantGranted, ""
		if limited {
			took, err := s.campaigns.TakeStock(ctx, g.CampaignID, g.Tier)
			if err != nil {
				return fmt.Errorf("grant: stock: %w", err)
			}
			if !took {
				status = domain.GrantOutOfStock
			}
		}
		if status == domain.GrantGranted {
			c, ok, err := s.codes.Claim(ctx, g.CampaignID, g.Tier, created.ID)
			if err != nil {
				return fmt.Errorf("grant: code: %w", err)
			}
			if ok {
				code = c
			}
		}
		if status != domain.GrantGranted || code != "" {
			// The grant row is still ours only if this matches: a transaction that
			// ended under us (a cluster abort) would have lost the row.
			ok, err := s.grants.SetOutcome(ctx, created.ID, status, code)
			if err != nil {
				return fmt.Errorf("grant: outcome: %w", err)
			}
			if !ok {
				return Errorf(KindUnavailable, "grant_lost", nil, "the grant row vanished inside its transaction")
			}
		}
		created.Status, created.Code = status, code
		out = created
		return s.recordGrant(ctx, created)
	})
	if errors.Is(err, ErrConflict) {
		return domain.Grant{}, false, nil // granted before, by this or another instance
	}
	if err != nil {
		return domain.Grant{}, false, fmt.Errorf("grant tier %d: %w", g.Tier, err)
	}
	return out, true, nil
}
