// Package e2e drives assembled wxinvite instances only over HTTP, as browsers and
// the WeChat platform (the built-in emulator) would, and checks the product's
// promise: who invited whom, through which channel, and what the newcomer is told.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/test/harness"
)

// thanks is the default scan-invite reply before the inviter's name (CONTRACT.md).
const thanks = "感谢您的加入，邀请者是 "

// adminToken is the harness default WXINVITE_ADMIN_TOKEN.
const adminToken = "admin-token"

// stores lists the databases every scenario runs on: the harness default (SQLite
// in a temporary directory, "") and a fresh MySQL database. The URL is produced
// inside the subtest, so a missing MySQL skips (or, under CI, fails) only that one.
func stores() []struct {
	name string
	url  func(t testing.TB) string
} {
	return []struct {
		name string
		url  func(t testing.TB) string
	}{
		{"sqlite", func(testing.TB) string { return "" }},
		{"mysql", sqltest.MySQLURL},
	}
}

// scenario runs fn once per store, each on its own instance.
func scenario(t *testing.T, opt harness.Options, fn func(t *testing.T, app *app)) {
	t.Helper()
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			o := opt
			o.DatabaseURL = st.url(t)
			var stopBegan time.Time
			began := time.Now()
			t.Cleanup(func() { slowLog(t, "stop", stopBegan) })
			inst := harness.Start(t, o)
			slowLog(t, "start", began)
			began = time.Now()
			tr := http.DefaultTransport.(*http.Transport).Clone()
			// Runs before the instance stops: no idle keep-alive (or dialled but unused)
			// connection of ours is left for its graceful shutdown to wait on.
			t.Cleanup(tr.CloseIdleConnections)
			fn(t, &app{t: t, inst: inst, URL: inst.URL, tr: tr, api: &http.Client{Transport: tr, Timeout: 30 * time.Second}})
			slowLog(t, "scenario", began)
			t.Cleanup(func() { stopBegan = time.Now() })
		})
	}
}

// app is one running instance seen from outside.
type app struct {
	t    *testing.T
	inst *harness.Instance
	URL  string
	api  *http.Client // for the emulator API, the admin API and the callback: no cookies
	tr   *http.Transport
	// EmuURL is where the emulator is served when it is not the app's built-in one.
	EmuURL string
}

// emuBase is the base URL of the emulator's routes.
func (a *app) emuBase() string {
	if a.EmuURL != "" {
		return a.EmuURL + "/_emulator"
	}
	return a.URL + "/_emulator"
}

// person is a simulated WeChat user (emulator JSON shape).
type person struct {
	OpenID    string `json:"openid"`
	Nickname  string `json:"nickname"`
	Following bool   `json:"following"`
}

// reply and delivery mirror emulator.Reply and emulator.DeliveryResult.
type reply struct {
	Raw       string `json:"raw"`
	Decrypted string `json:"decrypted"`
	MsgType   string `json:"msg_type"`
	Content   string `json:"content"`
}

type delivery struct {
	Reply      reply  `json:"reply"`
	Attempts   int    `json:"attempts"`
	Status     string `json:"status"`
	HTTPStatus int    `json:"http_status"`
	Error      string `json:"error"`
}

type emuStatus struct {
	Counters     map[string]int `json:"counters"`
	TokensIssued int            `json:"tokens_issued"`
	SafeMode     bool           `json:"safe_mode"`
}

// tokenFetches counts access-token requests of either endpoint.
func (s emuStatus) tokenFetches() int {
	return s.Counters["cgi-bin/stable_token"] + s.Counters["cgi-bin/token"]
}

// API shapes of CONTRACT.md.
type userRef struct {
	ID       int64  `json:"id"`
	Nickname string `json:"nickname"`
}

type me struct {
	ID           int64    `json:"id"`
	OpenID       string   `json:"openid"`
	Nickname     string   `json:"nickname"`
	AvatarURL    string   `json:"avatar_url"`
	InviteCode   string   `json:"invite_code"`
	InviteURL    string   `json:"invite_url"`
	InvitedBy    *userRef `json:"invited_by"`
	InviteeCount int      `json:"invitee_count"`
	JoinedAt     string   `json:"joined_at"`
}

type invitee struct {
	ID       int64  `json:"id"`
	Nickname string `json:"nickname"`
	Channel  string `json:"channel"`
	JoinedAt string `json:"joined_at"`
}

type invitees struct {
	Items      []invitee `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

type qrcode struct {
	Kind      string  `json:"kind"`
	Scene     string  `json:"scene"`
	Ticket    string  `json:"ticket"`
	URL       string  `json:"url"`
	ImageURL  string  `json:"image_url"`
	ExpiresAt *string `json:"expires_at"`
}

type stats struct {
	Users            int            `json:"users"`
	Invites          int            `json:"invites"`
	InvitesByChannel map[string]int `json:"invites_by_channel"`
	Followers        int            `json:"followers"`
}

// do sends a request and returns status and body; transport errors fail the test.
func do(t testing.TB, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return resp, body
}

func newReq(t testing.TB, method, u string, body io.Reader) *http.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// emu calls the emulator JSON API and decodes the answer into out (may be nil),
// failing unless the status is want.
func (a *app) emu(method, path string, in, out any, want int) {
	a.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			a.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req := newReq(a.t, method, a.emuBase()+"/api"+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, b := do(a.t, a.api, req)
	if resp.StatusCode != want {
		a.t.Fatalf("emulator %s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("emulator %s %s: %v in %s", method, path, err, b)
		}
	}
}

func (a *app) newPerson(nickname string) person {
	a.t.Helper()
	var p person
	a.emu("POST", "/persons", map[string]any{"nickname": nickname}, &p, http.StatusCreated)
	if p.OpenID == "" || p.Nickname != nickname {
		a.t.Fatalf("emulator created %+v, want nickname %q", p, nickname)
	}
	return p
}

func (a *app) scan(p person, ticket string) delivery {
	a.t.Helper()
	var d delivery
	a.emu("POST", "/persons/"+p.OpenID+"/scan", map[string]string{"ticket": ticket}, &d, http.StatusOK)
	return d
}

func (a *app) follow(p person) delivery {
	a.t.Helper()
	var d delivery
	a.emu("POST", "/persons/"+p.OpenID+"/follow", nil, &d, http.StatusOK)
	return d
}

func (a *app) unfollow(p person) delivery {
	a.t.Helper()
	var d delivery
	a.emu("POST", "/persons/"+p.OpenID+"/unfollow", nil, &d, http.StatusOK)
	return d
}

func (a *app) emuStatus() emuStatus {
	a.t.Helper()
	var s emuStatus
	a.emu("GET", "/status", nil, &s, http.StatusOK)
	return s
}

// stats reads /admin/api/stats with the admin token.
func (a *app) stats() stats {
	a.t.Helper()
	req := newReq(a.t, "GET", a.URL+"/admin/api/stats", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, b := do(a.t, a.api, req)
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET /admin/api/stats: %d %s", resp.StatusCode, b)
	}
	var s stats
	if err := json.Unmarshal(b, &s); err != nil {
		a.t.Fatalf("stats: %v in %s", err, b)
	}
	return s
}

// wantReplied checks a delivery was answered with a visible text reply on the first attempt.
func wantReplied(t testing.TB, what string, d delivery, want string) {
	t.Helper()
	if d.Status != "replied" || d.Reply.MsgType != "text" || d.Reply.Content != want || d.Attempts != 1 {
		t.Fatalf("%s: got status=%q attempts=%d msgtype=%q content=%q err=%q, want a text reply %q on the first attempt",
			what, d.Status, d.Attempts, d.Reply.MsgType, d.Reply.Content, d.Error, want)
	}
}

// wantNoThanks checks a delivery was handled (no WeChat error shown) but did not
// thank anyone for an invite.
func wantNoThanks(t testing.TB, what string, d delivery) {
	t.Helper()
	if d.Status != "replied" && d.Status != "no_reply" {
		t.Fatalf("%s: status %q (%s), want replied or no_reply", what, d.Status, d.Error)
	}
	if strings.HasPrefix(d.Reply.Content, strings.TrimSpace(thanks)) {
		t.Fatalf("%s: reply %q thanks an inviter, but no invite may be recorded", what, d.Reply.Content)
	}
}

// browser is one simulated phone browser: its own cookie jar.
type browser struct {
	a *app
	c *http.Client
}

func (a *app) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return &browser{a: a, c: &http.Client{Transport: a.tr, Jar: jar, Timeout: 30 * time.Second}}
}

func (b *browser) get(path string) (*http.Response, []byte) {
	b.a.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.a.URL + path
	}
	return do(b.a.t, b.c, newReq(b.a.t, "GET", u, nil))
}

// getJSON GETs path and decodes a 200 answer.
func (b *browser) getJSON(path string, out any) {
	b.a.t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != http.StatusOK {
		b.a.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		b.a.t.Fatalf("GET %s: Content-Type %q, want application/json", path, ct)
	}
	if err := json.Unmarshal(body, out); err != nil {
		b.a.t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

func (b *browser) me() me {
	b.a.t.Helper()
	var m me
	b.getJSON("/api/me", &m)
	return m
}

func (b *browser) invitees() []invitee {
	b.a.t.Helper()
	var v invitees
	b.getJSON("/api/me/invitees", &v)
	return v.Items
}

func (b *browser) qrcode() qrcode {
	b.a.t.Helper()
	var q qrcode
	b.getJSON("/api/me/qrcode", &q)
	return q
}

var (
	formRe   = regexp.MustCompile(`(?s)<form[^>]*id="consent"[^>]*>.*?</form>`)
	actionRe = regexp.MustCompile(`action="([^"]*)"`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// consent starts at start (a login or invite URL), which must lead to the
// emulator's consent page; it confirms the page's form as p and follows the
// redirects back into the service. It returns the final response and body.
func (b *browser) consent(start string, p person) (*http.Response, []byte) {
	b.a.t.Helper()
	return b.submitConsent(b.openConsent(start, p))
}

// consentForm is the consent page's form, filled in for one person.
type consentForm struct {
	action string
	vals   url.Values
}

// openConsent follows start to the emulator's consent page and fills the form as p.
func (b *browser) openConsent(start string, p person) consentForm {
	t := b.a.t
	t.Helper()
	resp, page := b.get(start)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/_emulator/connect/oauth2/authorize" {
		t.Fatalf("GET %s ended at %s with %d, want the emulator consent page: %.300s", start, resp.Request.URL, resp.StatusCode, page)
	}
	form := formRe.Find(page)
	if form == nil {
		t.Fatalf("consent page has no form#consent: %.500s", page)
	}
	if !bytes.Contains(form, []byte(`value="`+p.OpenID+`"`)) {
		t.Fatalf("consent page does not offer person %s (%s)", p.Nickname, p.OpenID)
	}
	m := actionRe.FindSubmatch(form)
	if m == nil {
		t.Fatal("consent form has no action")
	}
	action, err := resp.Request.URL.Parse(html.UnescapeString(string(m[1])))
	if err != nil {
		t.Fatal(err)
	}
	vals := url.Values{}
	for _, h := range hiddenRe.FindAllSubmatch(form, -1) {
		vals.Set(string(h[1]), html.UnescapeString(string(h[2])))
	}
	if vals.Get("state") == "" || vals.Get("redirect_uri") == "" {
		t.Fatalf("consent form lacks state or redirect_uri: %v", vals)
	}
	vals.Set("openid", p.OpenID)
	vals.Set("action", "allow")
	return consentForm{action: action.String(), vals: vals}
}

// submitConsent presses 允许 and follows the redirects back into the service.
func (b *browser) submitConsent(f consentForm) (*http.Response, []byte) {
	b.a.t.Helper()
	req := newReq(b.a.t, "POST", f.action, strings.NewReader(f.vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(b.a.t, b.c, req)
}

// scanAsync scans from another goroutine; the result (or error) arrives on the channel.
func (a *app) scanAsync(p person, ticket string) <-chan delivery {
	ch := make(chan delivery, 1)
	go func() {
		d := delivery{Status: "test_error"}
		defer func() { ch <- d }()
		req, err := http.NewRequest("POST", a.emuBase()+"/api/persons/"+p.OpenID+"/scan",
			strings.NewReader(`{"ticket":`+strconv.Quote(ticket)+`}`))
		if err != nil {
			d.Error = err.Error()
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.api.Do(req)
		if err != nil {
			d.Error = err.Error()
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			d.Error = resp.Status
			return
		}
		if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
			d = delivery{Status: "test_error", Error: err.Error()}
		}
	}()
	return ch
}

// login signs p in through /auth/wechat/login?next=/me and checks /me greets them.
func (b *browser) login(p person) {
	b.a.t.Helper()
	b.landOnMe(b.a.URL+"/auth/wechat/login?next=/me", p)
}

// landOnMe consents as p from start and checks the visitor ends on /me, named.
func (b *browser) landOnMe(start string, p person) {
	t := b.a.t
	t.Helper()
	resp, body := b.consent(start, p)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/me" {
		t.Fatalf("after consent as %s: ended at %s with %d, want /me 200: %.500s", p.Nickname, resp.Request.URL, resp.StatusCode, body)
	}
	if !strings.HasPrefix(resp.Request.URL.String(), b.a.URL+"/me") {
		t.Fatalf("after consent: ended at %s, want %s/me", resp.Request.URL, b.a.URL)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("/me: Content-Type %q, want text/html", ct)
	}
	if !bytes.Contains(body, []byte(html.EscapeString(p.Nickname))) {
		t.Fatalf("/me does not show the nickname %q: %.800s", p.Nickname, body)
	}
}

// loggedIn creates a person with nickname and a browser signed in as them.
func (a *app) loggedIn(nickname string) (person, *browser, me) {
	a.t.Helper()
	p := a.newPerson(nickname)
	b := a.browser()
	b.login(p)
	m := b.me()
	if m.OpenID != p.OpenID || m.Nickname != p.Nickname {
		a.t.Fatalf("/api/me after login as %s: %+v", p.Nickname, m)
	}
	return p, b, m
}

// findInvitee returns the invitee with id, or fails.
func findInvitee(t testing.TB, items []invitee, id int64) invitee {
	t.Helper()
	for _, it := range items {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("invitee %d not in %+v", id, items)
	return invitee{}
}

// userIDByOpenID finds a user created by a scan (they have no browser session)
// through the admin invite list.
type adminInvite struct {
	ID        int64   `json:"id"`
	Inviter   userRef `json:"inviter"`
	Invitee   userRef `json:"invitee"`
	Channel   string  `json:"channel"`
	CreatedAt string  `json:"created_at"`
}

func (a *app) adminInvites() []adminInvite {
	a.t.Helper()
	req := newReq(a.t, "GET", a.URL+"/admin/api/invites?limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, b := do(a.t, a.api, req)
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET /admin/api/invites: %d %s", resp.StatusCode, b)
	}
	var v struct {
		Items []adminInvite `json:"items"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		a.t.Fatalf("invites: %v in %s", err, b)
	}
	return v.Items
}

// signature is WeChat's callback signature, computed independently of the service:
// SHA-1 of the sorted, concatenated parts.
func signature(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

// postCallback posts body to /wechat/callback with a signature over token (or a
// forged one when token is "").
func (a *app) postCallback(token, body string) (*http.Response, []byte) {
	a.t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := "1234567890"
	sig := strings.Repeat("0", 40)
	if token != "" {
		sig = signature(token, ts, nonce)
	}
	u := fmt.Sprintf("%s/wechat/callback?signature=%s&timestamp=%s&nonce=%s&openid=x", a.URL, sig, ts, nonce)
	req := newReq(a.t, "POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml")
	return do(a.t, a.api, req)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// slowLog reports a phase that took unusually long, to make stalls visible.
func slowLog(t testing.TB, what string, began time.Time) {
	if began.IsZero() {
		return
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Logf("%s took %s", what, d.Round(time.Millisecond))
	}
}
