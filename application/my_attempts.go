package application

import (
	"context"
	"fmt"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// AttemptsLimit bounds /api/me/attempts: the most recent failures are what an
// inviter asks about.
const AttemptsLimit = 100

// Attempt is someone who came through the inviter's link or code and did not count.
// The nickname is masked: the inviter learns why, not who a stranger is.
type Attempt struct {
	MaskedNickname string
	Channel        domain.Channel
	Reason         domain.AuditReason
	At             time.Time
}

// AttemptsQuery answers "why didn't my friend count?".
type AttemptsQuery struct {
	audit AuditLog
}

// NewAttemptsQuery builds the query.
func NewAttemptsQuery(audit AuditLog) *AttemptsQuery { return &AttemptsQuery{audit: audit} }

// Attempts returns the inviter's refused and revoked invites, newest first.
func (q *AttemptsQuery) Attempts(ctx context.Context, inviter domain.UserID) ([]Attempt, error) {
	rows, err := q.audit.Attempts(ctx, inviter, AttemptsLimit)
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	out := make([]Attempt, len(rows))
	for i, r := range rows {
		name := r.Nickname
		if name == "" {
			name = domain.User{ID: r.Event.UserID}.DisplayName()
		}
		out[i] = Attempt{MaskedNickname: domain.MaskNickname(name), Channel: r.Event.Channel, Reason: r.Event.Reason, At: r.Event.At}
	}
	return out, nil
}
