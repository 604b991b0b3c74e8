package memory

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// hookState is the audit trail and the webhook outbox; rows are values, so a
// shallow copy of each slice is a snapshot (bodies and filters are never mutated).
type hookState struct {
	audit      []domain.AuditEvent // in insertion order
	endpoints  []domain.WebhookEndpoint
	messages   []messageRow
	deliveries []deliveryRow
	attempts   []attemptRow
	nextID     int64
}

func (h hookState) clone() hookState {
	return hookState{
		audit:      append([]domain.AuditEvent(nil), h.audit...),
		endpoints:  append([]domain.WebhookEndpoint(nil), h.endpoints...),
		messages:   append([]messageRow(nil), h.messages...),
		deliveries: append([]deliveryRow(nil), h.deliveries...),
		attempts:   append([]attemptRow(nil), h.attempts...),
		nextID:     h.nextID,
	}
}

func (h *hookState) id() int64 {
	h.nextID++
	return h.nextID
}

// Audit is the in-memory AuditLog and PeopleDirectory.
type Audit struct{ s *Store }

var (
	_ application.AuditLog        = (*Audit)(nil)
	_ application.PeopleDirectory = (*Audit)(nil)
)

// Audit returns the audit trail.
func (s *Store) Audit() *Audit { return &Audit{s} }

// Append implements application.AuditLog.
func (a *Audit) Append(ctx context.Context, events ...domain.AuditEvent) error {
	for _, e := range events {
		if err := e.Validate(); err != nil {
			return application.Errorf(application.KindInvalid, "invalid_audit_event", err, "the audit event is not valid")
		}
	}
	return a.s.with(ctx, func(st *state) error {
		for _, e := range events {
			e.At = norm(e.At)
			st.hooks.audit = append(st.hooks.audit, e)
		}
		return nil
	})
}

// ByUser implements application.AuditLog.
func (a *Audit) ByUser(ctx context.Context, user domain.UserID, limit int) ([]domain.AuditEvent, error) {
	var out []domain.AuditEvent
	err := a.s.with(ctx, func(st *state) error {
		for _, e := range st.hooks.audit {
			if e.UserID == user {
				out = append(out, e)
			}
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// Attempts implements application.AuditLog.
func (a *Audit) Attempts(ctx context.Context, inviter domain.UserID, limit int) ([]application.AuditAttempt, error) {
	var out []application.AuditAttempt
	err := a.s.with(ctx, func(st *state) error {
		for i := len(st.hooks.audit) - 1; i >= 0; i-- {
			e := st.hooks.audit[i]
			if e.InviterID != inviter || (e.Type != domain.AuditInviteRefused && e.Type != domain.AuditInviteRevoked) {
				continue
			}
			at := application.AuditAttempt{Event: e}
			if u := int(e.UserID); u >= 1 && u <= len(st.users) {
				at.Nickname = st.users[u-1].Nickname
			}
			out = append(out, at)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Event.At.After(out[j].Event.At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// PruneBefore implements application.AuditLog.
func (a *Audit) PruneBefore(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	n := 0
	err := a.s.with(ctx, func(st *state) error {
		kept := st.hooks.audit[:0:0]
		for _, e := range st.hooks.audit {
			if n < batch && e.At.Before(cutoff) {
				n++
				continue
			}
			kept = append(kept, e)
		}
		st.hooks.audit = kept
		return nil
	})
	return n, err
}

// SearchPeople implements application.PeopleDirectory: exact openid first, then
// nickname prefixes in nickname order.
func (a *Audit) SearchPeople(ctx context.Context, q string, limit int) ([]application.Person, error) {
	var out []application.Person
	err := a.s.with(ctx, func(st *state) error {
		person := func(u domain.User) application.Person {
			p := application.Person{User: u}
			for _, inv := range st.invites {
				if inv.InviteeID == u.ID {
					p.InvitedByID = inv.InviterID
					if i := int(inv.InviterID); i >= 1 && i <= len(st.users) {
						p.InvitedByNickname = st.users[i-1].Nickname
					}
				}
			}
			return p
		}
		for _, u := range st.users {
			if u.OpenID == q {
				out = append(out, person(u))
			}
		}
		var prefix []domain.User
		for _, u := range st.users {
			if u.OpenID != q && strings.HasPrefix(strings.ToLower(u.Nickname), strings.ToLower(q)) {
				prefix = append(prefix, u)
			}
		}
		sort.SliceStable(prefix, func(i, j int) bool { return strings.ToLower(prefix[i].Nickname) < strings.ToLower(prefix[j].Nickname) })
		for _, u := range prefix {
			if len(out) < limit {
				out = append(out, person(u))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search people: %w", err)
	}
	return out, nil
}
