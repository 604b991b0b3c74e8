package httpadapter

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// okSender accepts every URL except those containing "127.0.0.1" and never sends.
type okSender struct{}

func (okSender) Send(context.Context, application.WebhookRequest) application.WebhookResponse {
	return application.WebhookResponse{StatusCode: 200}
}

func (okSender) CheckURL(_ context.Context, u string) error {
	if strings.Contains(u, "127.0.0.1") {
		return application.Errorf(application.KindInvalid, "webhook_url_refused", nil, "loopback refused")
	}
	return nil
}

func withHooks(svc *Services, st *memory.Store, clock application.Clock) {
	audit, hooks := st.Audit(), st.Webhooks()
	svc.People = application.NewPeopleQuery(audit)
	svc.PersonEvents = application.NewPersonEventsQuery(st.Users(), audit)
	svc.Attempts = application.NewAttemptsQuery(audit)
	svc.Webhooks = application.NewWebhookAdmin(hooks, okSender{}, clock, rand.Reader)
	svc.Deliveries = application.NewDeliveriesQuery(hooks, hooks, clock)
}

const adminTok = "admin-token-for-hooks"

func (e *env) hookAdmin(method, path, body string) resp {
	e.t.Helper()
	hdr := map[string]string{"Authorization": "Bearer " + adminTok}
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
		hdr["Content-Type"] = "application/json"
		return e.do(e.plain(), method, path, hdr, rd)
	}
	return e.do(e.plain(), method, path, hdr, nil)
}

func TestAdminUsersAndEvents(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: adminTok, services: withHooks})
	_, inviter := e.loggedIn("oInviter", "Inviter")
	_, friend := e.loggedIn("oFriend", "小明")
	ctx := context.Background()
	if _, err := e.store.Invites().Create(ctx, domain.Invite{InviterID: inviter.ID, InviteeID: friend.ID, Channel: domain.ChannelLink, Status: domain.InviteCounted, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := e.store.Audit().Append(ctx,
		domain.AuditEvent{At: at, Type: domain.AuditLinkOpened, UserID: friend.ID, Channel: domain.ChannelLink},
		domain.AuditEvent{At: at.Add(time.Second), Type: domain.AuditInviteRefused, UserID: friend.ID, InviterID: inviter.ID, Channel: domain.ChannelLink, Reason: domain.ReasonNotNew},
	); err != nil {
		t.Fatal(err)
	}

	m := e.jsonOf(e.hookAdmin(http.MethodGet, "/admin/api/users?q=%E5%B0%8F", ""))
	items := m["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("users?q=小: %v", m)
	}
	p := items[0].(map[string]any)
	if keys(p) != sortedKeys("id", "openid", "nickname", "following", "invited_by", "joined_at") || p["openid"] != "oFriend" {
		t.Fatalf("person %v", p)
	}
	if by := p["invited_by"].(map[string]any); by["nickname"] != "Inviter" {
		t.Errorf("invited_by %v", by)
	}
	m = e.jsonOf(e.hookAdmin(http.MethodGet, "/admin/api/users?q=oInviter", ""))
	if items := m["items"].([]any); len(items) != 1 || items[0].(map[string]any)["invited_by"] != nil {
		t.Errorf("users?q=oInviter: %v", m)
	}
	e.wantAPIError(e.hookAdmin(http.MethodGet, "/admin/api/users?q=", ""), http.StatusBadRequest, "invalid_query")
	e.wantAPIError(e.do(e.plain(), http.MethodGet, "/admin/api/users?q=x", nil, nil), http.StatusUnauthorized, "unauthorized")

	m = e.jsonOf(e.hookAdmin(http.MethodGet, fmt.Sprintf("/admin/api/users/%d/events", friend.ID), ""))
	evs := m["items"].([]any)
	if len(evs) != 2 {
		t.Fatalf("events %v", m)
	}
	first, second := evs[0].(map[string]any), evs[1].(map[string]any)
	if keys(first) != sortedKeys("at", "type", "user_id", "inviter_id", "campaign_id", "channel", "reason") ||
		first["type"] != "link_opened" || first["inviter_id"] != nil || first["reason"] != nil || first["at"] != "2026-03-01T09:00:00Z" {
		t.Errorf("first event %v", first)
	}
	if second["type"] != "invite_refused" || second["reason"] != "not_new" || second["inviter_id"] != float64(inviter.ID) || second["campaign_id"] != nil {
		t.Errorf("second event %v", second)
	}
	e.wantAPIError(e.hookAdmin(http.MethodGet, "/admin/api/users/999999/events", ""), http.StatusNotFound, "not_found")
	e.wantAPIError(e.hookAdmin(http.MethodGet, "/admin/api/users/abc/events", ""), http.StatusNotFound, "not_found")
}

func TestAPIAttempts(t *testing.T) {
	e := newEnv(t, envOpt{services: withHooks})
	c, inviter := e.loggedIn("oInviter", "Inviter")
	_, friend := e.loggedIn("oFriend", "小明")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := e.store.Audit().Append(context.Background(),
		domain.AuditEvent{At: at, Type: domain.AuditInviteRefused, UserID: friend.ID, InviterID: inviter.ID, Channel: domain.ChannelScan, Reason: domain.ReasonAlreadyInvited}); err != nil {
		t.Fatal(err)
	}
	r := e.get(c, "/api/me/attempts")
	m := e.jsonOf(r)
	items := m["items"].([]any)
	if r.status != 200 || len(items) != 1 {
		t.Fatalf("attempts %d %v", r.status, m)
	}
	if a := items[0].(map[string]any); keys(a) != sortedKeys("nickname", "channel", "reason", "at") || a["nickname"] != "小*" || a["reason"] != "already_invited" || a["channel"] != "scan" {
		t.Errorf("attempt %v", a)
	}
	if strings.Contains(r.body, "小明") {
		t.Error("the friend's full nickname leaks")
	}
	e.wantAPIError(e.get(e.plain(), "/api/me/attempts"), http.StatusUnauthorized, "unauthenticated")
}

func TestAdminWebhooks(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: adminTok, services: withHooks})
	r := e.hookAdmin(http.MethodPost, "/admin/api/webhooks", `{"url":"https://crm.example/hook","event_types":["invite.created","reward.granted"]}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	hook := e.jsonOf(r)
	for _, k := range []string{"id", "url", "event_types", "secret", "enabled"} {
		if _, ok := hook[k]; !ok {
			t.Fatalf("created webhook lacks %q: %v", k, hook)
		}
	}
	if !strings.HasPrefix(hook["secret"].(string), "whsec_") || hook["enabled"] != true || len(hook["event_types"].([]any)) != 2 {
		t.Fatalf("created %v", hook)
	}
	id := int64(hook["id"].(float64))
	for _, bad := range []struct{ body, code string }{
		{`{"url":"http://127.0.0.1:9/","event_types":[]}`, "webhook_url_refused"},
		{`{"url":"ftp://x.example/"}`, "invalid_webhook"},
		{`{"url":"https://x.example/","event_types":["invite.deleted"]}`, "invalid_webhook"},
		{`{"url":`, "invalid_json"},
		{`{"url":"https://x.example/","extra":1}`, "invalid_json"},
	} {
		e.wantAPIError(e.hookAdmin(http.MethodPost, "/admin/api/webhooks", bad.body), http.StatusBadRequest, bad.code)
	}
	m := e.jsonOf(e.hookAdmin(http.MethodGet, "/admin/api/webhooks", ""))
	items := m["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("list after refused creations: %v", m)
	}
	if _, shown := items[0].(map[string]any)["secret"]; shown {
		t.Errorf("the list shows the secret again: %v", items[0])
	}

	// A message routed to the endpoint shows up in its deliveries; retry and the log work.
	hooks := e.store.Webhooks()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := hooks.Enqueue(ctx, application.OutboxMessage{ID: "msg_x", EventType: domain.EventInviteCreated, Body: []byte(`{}`), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	unrouted, _ := hooks.Unrouted(ctx, 1)
	if err := hooks.Route(ctx, []application.Route{{Message: unrouted[0].Seq, Endpoints: []domain.WebhookEndpointID{domain.WebhookEndpointID(id)}}}, now); err != nil {
		t.Fatal(err)
	}
	m = e.jsonOf(e.hookAdmin(http.MethodGet, fmt.Sprintf("/admin/api/webhooks/%d/deliveries", id), ""))
	ds := m["items"].([]any)
	if len(ds) != 1 {
		t.Fatalf("deliveries %v", m)
	}
	d := ds[0].(map[string]any)
	if keys(d) != sortedKeys("id", "message_id", "event_type", "status", "attempts", "last_status", "next_attempt_at") ||
		d["message_id"] != "msg_x" || d["status"] != "pending" || d["last_status"] != nil || d["next_attempt_at"] != "2026-03-01T09:00:00Z" {
		t.Fatalf("delivery %v", d)
	}
	did := int64(d["id"].(float64))
	claimed, _ := hooks.Claim(ctx, "h", now, now.Add(time.Minute), 1)
	if _, err := hooks.Finish(ctx, claimed[0], application.AttemptOutcome{StartedAt: now, Duration: 1500 * time.Microsecond, StatusCode: 500, Status: domain.DeliveryFailed, Error: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	m = e.jsonOf(e.hookAdmin(http.MethodGet, fmt.Sprintf("/admin/api/webhooks/%d/deliveries/%d/attempts", id, did), ""))
	if a := m["items"].([]any); len(a) != 1 || a[0].(map[string]any)["status_code"] != float64(500) || a[0].(map[string]any)["duration_ms"] != 1.5 {
		t.Fatalf("attempts %v", m)
	}
	r = e.hookAdmin(http.MethodPost, fmt.Sprintf("/admin/api/webhooks/%d/deliveries/%d/retry", id, did), "")
	if r.status != http.StatusAccepted {
		t.Fatalf("retry %d %s", r.status, r.body)
	}
	e.wantAPIError(e.hookAdmin(http.MethodPost, fmt.Sprintf("/admin/api/webhooks/%d/deliveries/999/retry", id), ""), http.StatusNotFound, "not_found")
	e.wantAPIError(e.hookAdmin(http.MethodGet, "/admin/api/webhooks/999/deliveries", ""), http.StatusNotFound, "not_found")

	if r := e.hookAdmin(http.MethodDelete, fmt.Sprintf("/admin/api/webhooks/%d", id), ""); r.status != http.StatusNoContent {
		t.Fatalf("delete %d %s", r.status, r.body)
	}
	e.wantAPIError(e.hookAdmin(http.MethodDelete, fmt.Sprintf("/admin/api/webhooks/%d", id), ""), http.StatusNotFound, "not_found")
}

func TestHookRoutesOffWithoutServices(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: adminTok})
	e.wantAPIError(e.hookAdmin(http.MethodGet, "/admin/api/webhooks", ""), http.StatusNotFound, "not_found")
	e.wantAPIError(e.hookAdmin(http.MethodGet, "/admin/api/users?q=a", ""), http.StatusNotFound, "not_found")
}
