package application_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// recordingEnv is an env whose Join and Unfollow write the audit trail and outbox.
func recordingEnv(t *testing.T) (*env, *application.UnfollowService) {
	e := newEnv(t, nil)
	listen(t, e)
	rec := application.NewRecorder(e.store.Audit(), e.store.Webhooks(), e.store.Webhooks(), e.clock, cryptoRandom())
	e.join.SetRecorder(rec)
	un := application.NewUnfollowService(e.users)
	un.SetRecorder(e.store, e.invs, rec)
	return e, un
}

// listen registers an endpoint for every type: messages nobody wants are not written.
func listen(t *testing.T, e *env) {
	t.Helper()
	ep, err := domain.NewWebhookEndpoint("https://crm.example/hook", nil, make([]byte, domain.WebhookSecretBytes), t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Webhooks().CreateEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
}

// trail is the user's events as "type/reason" strings, oldest first.
func trail(t *testing.T, e *env, u domain.UserID) []domain.AuditEvent {
	t.Helper()
	evs, err := e.store.Audit().ByUser(context.Background(), u, 100)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// outbox is the types of the messages written so far, in order.
func outbox(t *testing.T, e *env) []application.OutboxMessage {
	t.Helper()
	msgs, err := e.store.Webhooks().Unrouted(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func types(evs []domain.AuditEvent) []string {
	var out []string
	for _, e := range evs {
		s := string(e.Type)
		if e.Reason != "" {
			s += "/" + string(e.Reason)
		}
		out = append(out, s)
	}
	return out
}

func same(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestJoinRecordsScanInvite(t *testing.T) {
	e, _ := recordingEnv(t)
	a := e.inviter(t, "oA", "Alice")
	before := len(outbox(t, e))
	res := e.mustJoin(t, application.JoinCommand{OpenID: "oB", Profile: domain.Profile{Nickname: "Bob"}, FollowedAt: t0.Add(-time.Second),
		Attribution: scanAttr(a.InviteCode), Contact: domain.AuditSubscribe, ContactKey: "k1"})
	evs := trail(t, e, res.User.ID)
	if !same(types(evs), []string{"subscribe", "invite_recorded"}) || evs[0].Channel != domain.ChannelScan || !evs[0].At.Equal(t0.Add(-time.Second)) ||
		evs[1].InviterID != a.ID || evs[1].Channel != domain.ChannelScan {
		t.Fatalf("trail %+v", evs)
	}
	msgs := outbox(t, e)[before:]
	if len(msgs) != 2 || msgs[0].EventType != domain.EventInviteCreated || msgs[1].EventType != domain.EventUserFollowed {
		t.Fatalf("outbox %+v", msgs)
	}
	var body struct {
		Type string                    `json:"type"`
		Data application.InvitePayload `json:"data"`
	}
	if err := json.Unmarshal(msgs[0].Body, &body); err != nil || body.Data.ID != int64(res.Invite.ID) || body.Data.Inviter.Nickname != "Alice" ||
		body.Data.Invitee.Nickname != "Bob" || body.Data.Channel != "scan" {
		t.Fatalf("invite.created body %s (%v)", msgs[0].Body, err)
	}
	// A redelivery of the same push writes nothing more.
	e.mustJoin(t, application.JoinCommand{OpenID: "oB", FollowedAt: t0.Add(-time.Second), Attribution: scanAttr(a.InviteCode), Contact: domain.AuditSubscribe, ContactKey: "k1"})
	if len(trail(t, e, res.User.ID)) != 2 || len(outbox(t, e)) != before+2 {
		t.Fatal("a replayed delivery recorded again")
	}
}

func TestJoinRecordsRefusals(t *testing.T) {
	e, _ := recordingEnv(t)
	a := e.inviter(t, "oA", "Alice")
	b := e.inviter(t, "oB", "Bob")
	invited := e.mustJoin(t, application.JoinCommand{OpenID: "oC", FollowedAt: t0, Attribution: scanAttr(a.InviteCode), Contact: domain.AuditSubscribe}).User
	unknown, _ := domain.NewInviteCode([]byte("nobody-has-this-code-12"[:domain.InviteCodeBytes]))
	tests := []struct {
		name    string
		cmd     application.JoinCommand
		user    func() domain.UserID
		want    []string
		inviter domain.UserID
	}{
		{"self", application.JoinCommand{OpenID: "oA", Attribution: linkAttr(a.InviteCode), Contact: domain.AuditLogin},
			func() domain.UserID { return a.ID }, []string{"link_opened", "login", "invite_refused/self_invite"}, a.ID},
		{"known, never invited", application.JoinCommand{OpenID: "oB", Attribution: linkAttr(a.InviteCode), Contact: domain.AuditLogin},
			func() domain.UserID { return b.ID }, []string{"link_opened", "login", "invite_refused/not_new"}, a.ID},
		{"already invited", application.JoinCommand{OpenID: "oC", Attribution: linkAttr(b.InviteCode), Contact: domain.AuditLogin},
			func() domain.UserID { return invited.ID }, []string{"link_opened", "login", "invite_refused/already_invited"}, b.ID},
		{"unknown code", application.JoinCommand{OpenID: "oNew", Attribution: linkAttr(unknown), Contact: domain.AuditLogin},
			nil, []string{"link_opened", "login", "invite_refused/unknown_inviter"}, 0},
		{"SCAN by a follower", application.JoinCommand{OpenID: "oB", FollowedAt: t0.Add(time.Hour), Uncredited: scanAttr(a.InviteCode), Contact: domain.AuditScan},
			func() domain.UserID { return b.ID }, []string{"scan", "invite_refused/not_new"}, a.ID},
	}
	e.clock.Advance(2 * time.Hour) // contacts' own times are before the clock's
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.store.Audit().PruneBefore(context.Background(), t0.Add(24*time.Hour*365), 10000) // start from an empty trail
			res := e.mustJoin(t, tc.cmd)
			evs := trail(t, e, res.User.ID)
			if !same(types(evs), tc.want) {
				t.Fatalf("trail %v, want %v", types(evs), tc.want)
			}
			last := evs[len(evs)-1]
			if last.InviterID != tc.inviter {
				t.Errorf("refusal credited to %d, want %d", last.InviterID, tc.inviter)
			}
		})
	}
	// What Alice reads at /api/me/attempts: Bob's SCAN (the trail was emptied
	// before each case, so only the last one is left).
	attempts, err := application.NewAttemptsQuery(e.store.Audit()).Attempts(context.Background(), a.ID)
	if err != nil || len(attempts) != 1 || attempts[0].Reason != domain.ReasonNotNew || attempts[0].MaskedNickname != "B*" || attempts[0].Channel != domain.ChannelScan {
		t.Fatalf("Alice's attempts = %+v, %v", attempts, err)
	}
}

// failingOutbox refuses every message, as a database failing mid-transaction would.
type failingOutbox struct{}

func (failingOutbox) Enqueue(context.Context, ...application.OutboxMessage) error {
	return application.Errorf(application.KindUnavailable, "database_unavailable", nil, "outbox down")
}

// The user, the invite and the audit events commit with the outbox message or not at all.
func TestJoinRollsBackWithItsRecord(t *testing.T) {
	e := newEnv(t, nil)
	a := e.inviter(t, "oA", "Alice")
	listen(t, e)
	e.join.SetRecorder(application.NewRecorder(e.store.Audit(), failingOutbox{}, e.store.Webhooks(), e.clock, cryptoRandom()))
	_, err := e.join.Join(context.Background(), application.JoinCommand{OpenID: "oB", FollowedAt: t0, Attribution: scanAttr(a.InviteCode), Contact: domain.AuditSubscribe})
	if !application.IsKind(err, application.KindUnavailable) {
		t.Fatalf("Join with the outbox down = %v", err)
	}
	if _, err := e.users.ByOpenID(context.Background(), "oB"); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("the user was kept without its message: %v", err)
	}
	if e.inviteCount(t) != 0 || len(trail(t, e, a.ID+1)) != 0 {
		t.Fatal("the invite or its audit events were kept without the message")
	}
}

func TestUnfollowRecords(t *testing.T) {
	e, un := recordingEnv(t)
	a := e.inviter(t, "oA", "Alice")
	b := e.mustJoin(t, application.JoinCommand{OpenID: "oB", FollowedAt: t0, Attribution: scanAttr(a.InviteCode), Contact: domain.AuditSubscribe}).User
	before := len(outbox(t, e))
	if _, err := un.Unfollow(context.Background(), "oB", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// A late copy of an older unsubscribe changes nothing: a contact, no message.
	if _, err := un.Unfollow(context.Background(), "oB", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := types(trail(t, e, b.ID)); !same(got, []string{"subscribe", "invite_recorded", "unsubscribe", "unsubscribe"}) {
		t.Fatalf("trail %v", got)
	}
	msgs := outbox(t, e)[before:]
	if len(msgs) != 1 || msgs[0].EventType != domain.EventUserUnfollowed {
		t.Fatalf("outbox %+v", msgs)
	}
	var body struct {
		Data application.UserPayload `json:"data"`
	}
	if err := json.Unmarshal(msgs[0].Body, &body); err != nil || body.Data.Following || body.Data.InvitedBy == nil || body.Data.InvitedBy.ID != int64(a.ID) {
		t.Fatalf("user.unfollowed body %s (%v)", msgs[0].Body, err)
	}
}

// Messages no enabled endpoint wants are not written; the audit trail is, always.
func TestJoinWritesNoMessageNobodyWants(t *testing.T) {
	e := newEnv(t, nil)
	hooks := e.store.Webhooks()
	rec := application.NewRecorder(e.store.Audit(), hooks, hooks, e.clock, cryptoRandom())
	e.join.SetRecorder(rec)
	a := e.inviter(t, "oA", "Alice")
	ep, _ := domain.NewWebhookEndpoint("https://crm.example/hook", []domain.WebhookEventType{domain.EventRewardGranted}, make([]byte, domain.WebhookSecretBytes), t0)
	if _, err := hooks.CreateEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	rec.EndpointsChanged()
	b := e.mustJoin(t, application.JoinCommand{OpenID: "oB", FollowedAt: t0, Attribution: scanAttr(a.InviteCode), Contact: domain.AuditSubscribe}).User
	if msgs := outbox(t, e); len(msgs) != 0 {
		t.Fatalf("wrote %d messages nobody wants", len(msgs))
	}
	if got := types(trail(t, e, b.ID)); !same(got, []string{"subscribe", "invite_recorded"}) {
		t.Fatalf("trail %v", got)
	}
	// Once an endpoint wants invite.created, the next invite is published.
	ep2, _ := domain.NewWebhookEndpoint("https://crm.example/invites", []domain.WebhookEventType{domain.EventInviteCreated}, make([]byte, domain.WebhookSecretBytes), t0)
	if _, err := hooks.CreateEndpoint(context.Background(), ep2); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second) // another instance's registration is seen within a second
	e.mustJoin(t, application.JoinCommand{OpenID: "oC", FollowedAt: t0.Add(time.Second), Attribution: scanAttr(a.InviteCode), Contact: domain.AuditSubscribe})
	if msgs := outbox(t, e); len(msgs) != 1 || msgs[0].EventType != domain.EventInviteCreated {
		t.Fatalf("outbox %+v, want only invite.created", msgs)
	}
}
