package application

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// Recorder writes what a change leaves behind besides itself: its audit events and
// its webhook messages. Use cases call it with the ctx of the change's own
// transaction, so a committed change always has its events and messages and a
// rolled-back one has none. A nil *Recorder records nothing, so use cases and
// their tests that do not care need not build one.
type Recorder struct {
	audit     AuditLog
	pub       *Publisher
	endpoints WebhookEndpoints
	clock     Clock

	mu        sync.Mutex
	listeners []domain.WebhookEndpoint // the enabled endpoints, as of checkedAt
	checkedAt time.Time
}

// endpointsFreshFor is how long the recorder trusts its list of enabled endpoints.
// A message no endpoint wants is not written at all (most deployments have no
// webhooks, and the scan path should not pay for them); an endpoint registered on
// another instance is therefore served from at most this long after its creation.
const endpointsFreshFor = time.Second

// NewRecorder builds a recorder.
func NewRecorder(audit AuditLog, outbox Outbox, endpoints WebhookEndpoints, clock Clock, random Random) *Recorder {
	return &Recorder{audit: audit, pub: NewPublisher(outbox, random), endpoints: endpoints, clock: clock}
}

// EndpointsChanged makes the next message re-read the endpoints: this instance's
// own registrations and deletions take effect at once.
func (rec *Recorder) EndpointsChanged() {
	if rec == nil {
		return
	}
	rec.mu.Lock()
	rec.checkedAt = time.Time{}
	rec.mu.Unlock()
}

// Wants reports whether some enabled endpoint wants messages of type t, so callers
// skip building (and looking up the data of) messages nobody will receive.
func (rec *Recorder) Wants(ctx context.Context, t domain.WebhookEventType) (bool, error) {
	if rec == nil {
		return false, nil
	}
	now := rec.clock.Now()
	rec.mu.Lock()
	fresh := !rec.checkedAt.IsZero() && !now.Before(rec.checkedAt) && now.Sub(rec.checkedAt) < endpointsFreshFor
	eps := rec.listeners
	rec.mu.Unlock()
	if !fresh {
		all, err := rec.endpoints.Endpoints(ctx)
		if err != nil {
			return false, fmt.Errorf("webhook endpoints: %w", err)
		}
		eps = eps[:0:0]
		for _, e := range all {
			if e.Enabled {
				eps = append(eps, e)
			}
		}
		rec.mu.Lock()
		rec.listeners, rec.checkedAt = eps, now
		rec.mu.Unlock()
	}
	for _, e := range eps {
		if e.Accepts(t) {
			return true, nil
		}
	}
	return false, nil
}

// Record is one change's audit events and webhook messages.
type Record struct {
	Events   []domain.AuditEvent
	Messages []OutboxMessage
}

// Event adds an audit event.
func (r *Record) Event(e domain.AuditEvent) { r.Events = append(r.Events, e) }

// Publish adds a webhook message of type t about something that happened at, if
// some endpoint wants it.
func (rec *Recorder) Publish(ctx context.Context, r *Record, t domain.WebhookEventType, at time.Time, data any) error {
	if want, err := rec.Wants(ctx, t); err != nil || !want {
		return err
	}
	m, err := rec.pub.Message(t, at, data)
	if err != nil {
		return err
	}
	r.Messages = append(r.Messages, m)
	return nil
}

// Write stores the record: one multi-row INSERT for the events and one for the
// messages, in the transaction carried by ctx.
func (rec *Recorder) Write(ctx context.Context, r Record) error {
	if rec == nil {
		return nil
	}
	if len(r.Events) > 0 {
		if err := rec.audit.Append(ctx, r.Events...); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	if len(r.Messages) > 0 {
		if err := rec.pub.outbox.Enqueue(ctx, r.Messages...); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	return nil
}

// UserRef names a user in webhook payloads, as the admin API does.
type UserRef struct {
	ID       int64  `json:"id"`
	Nickname string `json:"nickname"`
}

// RefOf is the reference to u.
func RefOf(u domain.User) UserRef { return UserRef{ID: int64(u.ID), Nickname: u.DisplayName()} }

// InvitePayload is the data of invite.* messages: the invite as the admin API
// shows it, with its status and campaign.
type InvitePayload struct {
	ID         int64     `json:"id"`
	Inviter    UserRef   `json:"inviter"`
	Invitee    UserRef   `json:"invitee"`
	Channel    string    `json:"channel"`
	Status     string    `json:"status"`
	CampaignID *int64    `json:"campaign_id"`
	Reason     *string   `json:"reason"`
	CreatedAt  time.Time `json:"created_at"`
}

// InvitePayloadOf builds the payload of an invite.
func InvitePayloadOf(inv domain.Invite, inviter, invitee domain.User) InvitePayload {
	p := InvitePayload{ID: int64(inv.ID), Inviter: RefOf(inviter), Invitee: RefOf(invitee), Channel: string(inv.Channel),
		Status: string(inv.Status), CreatedAt: inv.CreatedAt.UTC()}
	if inv.CampaignID != 0 {
		c := int64(inv.CampaignID)
		p.CampaignID = &c
	}
	if inv.Reason != "" {
		r := string(inv.Reason)
		p.Reason = &r
	}
	return p
}

// RewardPayload is the data of reward.granted: the grant as the admin rewards list
// shows it.
type RewardPayload struct {
	ID         int64     `json:"id"`
	User       UserRef   `json:"user"`
	CampaignID int64     `json:"campaign_id"`
	Tier       int       `json:"tier"`
	Reward     string    `json:"reward"`
	Status     string    `json:"status"`
	Code       *string   `json:"code"`
	GrantedAt  time.Time `json:"granted_at"`
}

// RewardPayloadOf builds the payload of a grant to u.
func RewardPayloadOf(g domain.Grant, u domain.User) RewardPayload {
	p := RewardPayload{ID: int64(g.ID), User: RefOf(u), CampaignID: int64(g.CampaignID), Tier: g.Tier, Reward: g.Reward,
		Status: string(g.Status), GrantedAt: g.GrantedAt.UTC()}
	if g.Code != "" {
		c := g.Code
		p.Code = &c
	}
	return p
}

// UserPayload is the data of user.* messages: the person as the admin search shows them.
type UserPayload struct {
	ID        int64     `json:"id"`
	OpenID    string    `json:"openid"`
	Nickname  string    `json:"nickname"`
	Following bool      `json:"following"`
	InvitedBy *UserRef  `json:"invited_by"`
	JoinedAt  time.Time `json:"joined_at"`
}

// UserPayloadOf builds the payload of a user; inviter may be nil.
func UserPayloadOf(u domain.User, inviter *domain.User) UserPayload {
	p := UserPayload{ID: int64(u.ID), OpenID: u.OpenID, Nickname: u.Nickname, Following: u.Following, JoinedAt: u.JoinedAt.UTC()}
	if inviter != nil {
		ref := RefOf(*inviter)
		p.InvitedBy = &ref
	}
	return p
}
