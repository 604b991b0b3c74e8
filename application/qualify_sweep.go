package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// sweepBatch bounds how many invites one sweep pass handles per step; a pass that
// fills a batch runs again at once.
const sweepBatch = 200

// QualifiedObserver hears every invite this instance qualified, after it committed.
type QualifiedObserver interface {
	Qualified(inv domain.Invite)
}

// QualificationSweep does everything that follows from holds ending. It is safe to
// run on every instance at once: each step is a conditional write that only one
// instance wins, and it is crash-safe because each step leaves a mark the next
// sweep looks for:
//  1. every pending invite whose hold ended becomes qualified (status CAS);
//  2. every qualified invite not yet settled gets its inviter's reached tiers
//     granted, then is marked settled. A crash between the two leaves the mark unset,
//     so the next sweep grants again — which the unique grant key makes harmless.
type QualificationSweep struct {
	invites   InviteLifecycleRepository
	directory *CampaignDirectory
	rewards   *GrantRewardsService
	clock     Clock
	observers []QualifiedObserver
}

// NewQualificationSweep builds the use case.
func NewQualificationSweep(invites InviteLifecycleRepository, directory *CampaignDirectory, rewards *GrantRewardsService, clock Clock, observers ...QualifiedObserver) *QualificationSweep {
	return &QualificationSweep{invites: invites, directory: directory, rewards: rewards, clock: clock, observers: observers}
}

// SweepResult says what one sweep did, for logs and tests.
type SweepResult struct {
	Qualified int // invites this call moved to qualified
	Settled   int // qualified invites whose rewards this call checked
	Granted   int // grants this call made
}

// Sweep runs both steps until nothing is due.
func (s *QualificationSweep) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	for {
		n, err := s.qualifyDue(ctx, &res)
		if err != nil {
			return res, err
		}
		if n < sweepBatch {
			break
		}
	}
	for {
		n, err := s.settle(ctx, &res)
		if err != nil {
			return res, err
		}
		if n < sweepBatch {
			return res, nil
		}
	}
}

// qualifyDue moves one batch of due invites to qualified; it returns the batch size.
func (s *QualificationSweep) qualifyDue(ctx context.Context, res *SweepResult) (int, error) {
	now := s.clock.Now()
	due, err := s.invites.DueHolds(ctx, now, sweepBatch)
	if err != nil {
		return 0, fmt.Errorf("sweep: due holds: %w", err)
	}
	for _, inv := range due {
		to, ok := inv.Qualify(now)
		if !ok {
			continue
		}
		won, err := s.invites.Transition(ctx, inv, to)
		if err != nil {
			return 0, fmt.Errorf("sweep: qualify invite %d: %w", inv.ID, err)
		}
		if won {
			res.Qualified++
			for _, o := range s.observers {
				o.Qualified(to)
			}
		}
	}
	return len(due), nil
}

// settle grants the rewards of one batch of qualified, unsettled invites. Several
// invites of one inviter in a batch need one grant check.
func (s *QualificationSweep) settle(ctx context.Context, res *SweepResult) (int, error) {
	batch, err := s.invites.Unsettled(ctx, sweepBatch)
	if err != nil {
		return 0, fmt.Errorf("sweep: unsettled: %w", err)
	}
	type key struct {
		inviter  domain.UserID
		campaign domain.CampaignID
	}
	checked := map[key]bool{}
	for _, inv := range batch {
		k := key{inv.InviterID, inv.CampaignID}
		if !checked[k] {
			c, err := s.directory.ByID(ctx, inv.CampaignID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return 0, fmt.Errorf("sweep: %w", err)
			}
			if err == nil {
				made, err := s.rewards.GrantReached(ctx, inv.InviterID, c)
				res.Granted += len(made)
				if err != nil {
					return 0, fmt.Errorf("sweep: %w", err)
				}
			}
			checked[k] = true
		}
		if err := s.invites.MarkSettled(ctx, inv.ID, s.clock.Now()); err != nil {
			return 0, fmt.Errorf("sweep: settle invite %d: %w", inv.ID, err)
		}
		res.Settled++
	}
	return len(batch), nil
}
