package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/wxinvite/wxinvite/test/harness"
)

// hookCall is one request a receiver got.
type hookCall struct {
	ID, Type string
	Body     []byte
	Verified bool
	At       time.Time
	Status   int // what the receiver answered
}

// receiver is a webhook endpoint on loopback that checks every signature with the
// reference Standard Webhooks library and answers as told.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	wh     *standardwebhooks.Webhook
	calls  []hookCall
	answer func(n int, id string) int // n: how many requests with this id came before
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{answer: func(int, string) int { return http.StatusNoContent }}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var env struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(body, &env)
		r.mu.Lock()
		id := req.Header.Get("webhook-id")
		c := hookCall{ID: id, Type: env.Type, Body: body, At: time.Now(), Verified: r.wh != nil && r.wh.Verify(body, req.Header) == nil}
		n := 0
		for _, p := range r.calls {
			if p.ID == id {
				n++
			}
		}
		c.Status = r.answer(n, id)
		r.calls = append(r.calls, c)
		r.mu.Unlock()
		w.WriteHeader(c.Status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setSecret(t *testing.T, secret string) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	r.mu.Lock()
	r.wh = wh
	r.mu.Unlock()
}

func (r *receiver) got() []hookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookCall(nil), r.calls...)
}

// ofType returns the calls carrying messages of type typ.
func (r *receiver) ofType(typ string) []hookCall {
	var out []hookCall
	for _, c := range r.got() {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// admin sends an admin API request with a JSON body (or none) and returns status and body.
func (a *app) hookAdmin(method, path string, in any) (int, []byte) {
	a.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req := newReq(a.t, method, a.URL+path, body)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, b := do(a.t, a.api, req)
	return resp.StatusCode, b
}

type webhookEndpoint struct {
	ID         int64    `json:"id"`
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types"`
	Secret     string   `json:"secret"`
	Enabled    bool     `json:"enabled"`
}

// register creates an endpoint for the receiver and tells it the secret.
func (a *app) register(r *receiver, types ...string) webhookEndpoint {
	a.t.Helper()
	if types == nil {
		types = []string{}
	}
	status, b := a.hookAdmin("POST", "/admin/api/webhooks", map[string]any{"url": r.srv.URL + "/hook", "event_types": types})
	if status != http.StatusCreated {
		a.t.Fatalf("POST /admin/api/webhooks: %d %s", status, b)
	}
	var e webhookEndpoint
	if err := json.Unmarshal(b, &e); err != nil || e.ID == 0 || !e.Enabled {
		a.t.Fatalf("created endpoint %s: %v", b, err)
	}
	r.setSecret(a.t, e.Secret)
	return e
}

type hookDelivery struct {
	ID            int64   `json:"id"`
	MessageID     string  `json:"message_id"`
	EventType     string  `json:"event_type"`
	Status        string  `json:"status"`
	Attempts      int     `json:"attempts"`
	LastStatus    *int    `json:"last_status"`
	NextAttemptAt *string `json:"next_attempt_at"`
}

func (a *app) deliveries(endpoint int64) []hookDelivery {
	a.t.Helper()
	status, b := a.hookAdmin("GET", fmt.Sprintf("/admin/api/webhooks/%d/deliveries?limit=100", endpoint), nil)
	if status != http.StatusOK {
		a.t.Fatalf("deliveries: %d %s", status, b)
	}
	var v struct {
		Items []hookDelivery `json:"items"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		a.t.Fatal(err)
	}
	return v.Items
}

// allowPrivate lets the instance call receivers on loopback (httptest).
var allowPrivate = harness.Options{Env: map[string]string{"WXINVITE_WEBHOOK_ALLOW_PRIVATE": "true"}}

// A loopback URL is refused unless WXINVITE_WEBHOOK_ALLOW_PRIVATE=true, and nothing
// is stored.
func TestWebhookLoopbackRefused(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		for _, u := range []string{"http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/", "http://169.254.169.254/latest/meta-data/", "ftp://example.com/"} {
			status, b := a.hookAdmin("POST", "/admin/api/webhooks", map[string]any{"url": u, "event_types": []string{}})
			if status != http.StatusBadRequest || !bytes.Contains(b, []byte(`"code"`)) {
				t.Errorf("POST %s: %d %s, want 400", u, status, b)
			}
		}
		status, b := a.hookAdmin("GET", "/admin/api/webhooks", nil)
		if status != http.StatusOK || !bytes.Contains(b, []byte(`"items":[]`)) {
			t.Fatalf("after refusals: %d %s", status, b)
		}
	})
}

// With WXINVITE_WEBHOOK_ALLOW_PRIVATE=true the same loopback receiver is accepted.
func TestWebhookLoopbackAllowed(t *testing.T) {
	t.Parallel()
	scenario(t, allowPrivate, func(t *testing.T, a *app) {
		a.register(newReceiver(t))
	})
}

// A scan invite produces invite.created and user.followed, signed so that the
// reference library verifies them; a receiver answering 500 gets the same message
// (same webhook-id, same body) again about 5 s later, and the delivery shows it.
func TestWebhookSignedAndRetried(t *testing.T) {
	t.Parallel()
	scenario(t, allowPrivate, func(t *testing.T, a *app) {
		r := newReceiver(t)
		r.answer = func(n int, _ string) int {
			if n == 0 {
				return http.StatusInternalServerError
			}
			return http.StatusNoContent
		}
		ep := a.register(r, "invite.created", "user.followed")
		A, bA, _ := a.loggedIn("王小明")
		C := a.newPerson("扫码的小陈")
		wantReplied(t, "C scanning A's code", a.scan(C, bA.qrcode().Ticket), thanks+A.Nickname)

		eventually(t, 20*time.Second, "invite.created delivered after one retry", func() bool { return len(r.ofType("invite.created")) >= 2 })
		calls := r.ofType("invite.created")
		first, retry := calls[0], calls[1]
		if first.ID == "" || retry.ID != first.ID || !bytes.Equal(retry.Body, first.Body) {
			t.Fatalf("retry differs: %q %s vs %q %s", first.ID, first.Body, retry.ID, retry.Body)
		}
		if !first.Verified || !retry.Verified {
			t.Fatalf("signatures not verified by the reference library: %v %v", first.Verified, retry.Verified)
		}
		if gap := retry.At.Sub(first.At); gap < 4500*time.Millisecond || gap > 9*time.Second {
			t.Fatalf("retry came %s after the first attempt, want about 5 s", gap)
		}
		var body struct {
			Type      string    `json:"type"`
			Timestamp time.Time `json:"timestamp"`
			Data      struct {
				ID      int64   `json:"id"`
				Inviter userRef `json:"inviter"`
				Invitee userRef `json:"invitee"`
				Channel string  `json:"channel"`
			} `json:"data"`
		}
		if err := json.Unmarshal(first.Body, &body); err != nil || body.Type != "invite.created" || body.Data.Inviter.Nickname != A.Nickname ||
			body.Data.Channel != "scan" || body.Timestamp.IsZero() {
			t.Fatalf("invite.created body %s (%v)", first.Body, err)
		}
		eventually(t, 20*time.Second, "user.followed delivered", func() bool { return len(r.ofType("user.followed")) >= 2 })
		for _, c := range r.got() {
			if c.Type != "invite.created" && c.Type != "user.followed" {
				t.Errorf("the filter let %s through", c.Type)
			}
		}
		eventually(t, 5*time.Second, "deliveries listed as delivered", func() bool {
			ds := a.deliveries(ep.ID)
			for _, d := range ds {
				if d.Status != "delivered" || d.Attempts != 2 || d.LastStatus == nil || *d.LastStatus != 204 || d.NextAttemptAt != nil {
					return false
				}
			}
			return len(ds) == 2
		})
	})
}

// One friend's invite over its whole life, as a receiver sees it: invite.created
// (pending in the running campaign), invite.qualified when the hold ends, then
// reward.granted for the inviter; the person's audit trail says the same.
func TestWebhookInviteLifecycle(t *testing.T) {
	t.Parallel()
	scenario(t, allowPrivate, func(t *testing.T, a *app) {
		r := newReceiver(t)
		a.register(r, "invite.created", "invite.qualified", "reward.granted")
		A, bA, mA := a.loggedIn("活动发起人")
		a.startCampaign("2s", `[{"threshold":1,"reward":"五元券"}]`)
		B := a.newPerson("扫码好友")
		wantReplied(t, "B scans A", a.scan(B, bA.qrcode().Ticket), thanks+A.Nickname)

		eventually(t, holdWait, "invite.created, invite.qualified and reward.granted delivered", func() bool {
			return len(r.ofType("invite.created")) > 0 && len(r.ofType("invite.qualified")) > 0 && len(r.ofType("reward.granted")) > 0
		})
		// Delivery order is not promised; the events' own times tell the story.
		byType := map[string]map[string]any{}
		at := map[string]time.Time{}
		for _, c := range r.got() {
			if !c.Verified {
				t.Errorf("%s %s: signature not verified", c.Type, c.ID)
			}
			var body struct {
				Timestamp time.Time      `json:"timestamp"`
				Data      map[string]any `json:"data"`
			}
			_ = json.Unmarshal(c.Body, &body)
			if byType[c.Type] != nil {
				t.Errorf("%s received twice", c.Type)
			}
			byType[c.Type], at[c.Type] = body.Data, body.Timestamp
		}
		if len(byType) != 3 || at["invite.qualified"].Before(at["invite.created"]) || at["reward.granted"].Before(at["invite.qualified"]) {
			t.Fatalf("received %v at %v, want invite.created, then invite.qualified, then reward.granted", byType, at)
		}
		created, qualified, reward := byType["invite.created"], byType["invite.qualified"], byType["reward.granted"]
		if created["status"] != "pending" || qualified["status"] != "qualified" || created["id"] != qualified["id"] || created["campaign_id"] == nil {
			t.Errorf("invite payloads: created %v, qualified %v", created, qualified)
		}
		if reward["reward"] != "五元券" || reward["status"] != "granted" || reward["user"].(map[string]any)["id"] != float64(mA.ID) {
			t.Errorf("reward payload %v", reward)
		}
		invitee := int64(created["invitee"].(map[string]any)["id"].(float64))
		status, b := a.hookAdmin("GET", fmt.Sprintf("/admin/api/users/%d/events", invitee), nil)
		var trail struct {
			Items []struct {
				Type string `json:"type"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &trail); status != http.StatusOK || err != nil {
			t.Fatalf("events: %d %s", status, b)
		}
		var kinds []string
		for _, it := range trail.Items {
			kinds = append(kinds, it.Type)
		}
		if fmt.Sprint(kinds) != "[subscribe invite_recorded invite_qualified]" {
			t.Errorf("B's trail %v", kinds)
		}
	})
}

// "Why didn't my friend count?": a friend who was already known opens the inviter's
// link (on a new phone, so they log in again); the inviter's /api/me/attempts says
// so, with the friend's nickname masked, and the friend's trail shows the refusal.
func TestAttemptsExplainAFriendWhoDidNotCount(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		_, bA, mA := a.loggedIn("邀请人")
		B, _, mB := a.loggedIn("小明")
		a.browser().landOnMe(a.URL+"/i/"+mA.InviteCode, B)

		var got struct {
			Items []struct {
				Nickname string  `json:"nickname"`
				Channel  *string `json:"channel"`
				Reason   string  `json:"reason"`
				At       string  `json:"at"`
			} `json:"items"`
		}
		bA.getJSON("/api/me/attempts", &got)
		if len(got.Items) != 1 || got.Items[0].Nickname != "小*" || got.Items[0].Reason != "not_new" ||
			got.Items[0].Channel == nil || *got.Items[0].Channel != "link" {
			t.Fatalf("/api/me/attempts = %+v, want 小* through the link, not_new", got.Items)
		}
		if _, err := time.Parse(time.RFC3339, got.Items[0].At); err != nil {
			t.Errorf("at %q: %v", got.Items[0].At, err)
		}
		status, b := a.hookAdmin("GET", fmt.Sprintf("/admin/api/users/%d/events", mB.ID), nil)
		if status != http.StatusOK || !bytes.Contains(b, []byte(`"reason":"not_new"`)) || !bytes.Contains(b, []byte(`"type":"link_opened"`)) {
			t.Fatalf("B's events: %d %s", status, b)
		}
		status, b = a.hookAdmin("GET", "/admin/api/users?q="+url.QueryEscape("小"), nil)
		if status != http.StatusOK || !bytes.Contains(b, []byte(fmt.Sprintf(`"id":%d`, mB.ID))) {
			t.Fatalf("search 小: %d %s", status, b)
		}
	})
}
