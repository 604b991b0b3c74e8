package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testAppID  = "wx0123456789abcdef"
	testSecret = "s3cr3t"
	testToken  = "callbacktoken"
	testAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// fakeClock is a manually advanced clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, beijing)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t     *testing.T
	emu   *Emulator
	srv   *httptest.Server
	clock *fakeClock
	base  string // srv.URL + "/_emulator"
	http  *http.Client
}

// newHarness mounts the emulator under /_emulator with StripPrefix, the
// way the service does.
func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	clk := newClock()
	cfg := Config{
		AppID: testAppID, AppSecret: testSecret, Token: testToken,
		Now:    clk.Now,
		Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/_emulator/", http.StripPrefix("/_emulator", e.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		e.Close()
		srv.Close()
	})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &harness{t: t, emu: e, srv: srv, clock: clk, base: srv.URL + "/_emulator", http: noRedirect}
}

// do sends a request and decodes a JSON answer into a generic map.
func (h *harness) do(method, path string, body any) (int, map[string]any) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			h.t.Fatalf("%s %s: bad JSON %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, out
}

func (h *harness) get(path string) map[string]any {
	h.t.Helper()
	_, m := h.do(http.MethodGet, path, nil)
	return m
}

func errcode(m map[string]any) int {
	v, ok := m["errcode"].(float64)
	if !ok {
		return 0
	}
	return int(v)
}

func (h *harness) classicToken() string {
	h.t.Helper()
	m := h.get("/cgi-bin/token?grant_type=client_credential&appid=" + testAppID + "&secret=" + testSecret)
	tok, _ := m["access_token"].(string)
	if tok == "" {
		h.t.Fatalf("no token: %v", m)
	}
	return tok
}

func (h *harness) stableToken(force bool) (string, int) {
	h.t.Helper()
	_, m := h.do(http.MethodPost, "/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": testAppID, "secret": testSecret, "force_refresh": force})
	tok, _ := m["access_token"].(string)
	if tok == "" {
		h.t.Fatalf("no stable token: %v", m)
	}
	return tok, int(m["expires_in"].(float64))
}

// probe calls an access_token-protected API and returns its errcode.
func (h *harness) probe(tok, openid string) int {
	h.t.Helper()
	return errcode(h.get("/cgi-bin/user/info?lang=zh_CN&openid=" + url.QueryEscape(openid) + "&access_token=" + url.QueryEscape(tok)))
}

func (h *harness) createQR(tok string, body any) map[string]any {
	h.t.Helper()
	_, m := h.do(http.MethodPost, "/cgi-bin/qrcode/create?access_token="+url.QueryEscape(tok), body)
	return m
}

// pushRecord is one push as the fake callback saw it.
type pushRecord struct {
	Query url.Values
	Body  string
}

// fakeCallback is an httptest server standing in for wxinvite's callback.
type fakeCallback struct {
	mu     sync.Mutex
	pushes []pushRecord
	srv    *httptest.Server
}

func newCallback(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request, body string)) *fakeCallback {
	t.Helper()
	cb := &fakeCallback{}
	cb.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cb.mu.Lock()
		cb.pushes = append(cb.pushes, pushRecord{Query: r.URL.Query(), Body: string(b)})
		n := len(cb.pushes)
		cb.mu.Unlock()
		reply(n, w, r, string(b))
	}))
	t.Cleanup(cb.srv.Close)
	return cb
}

func (cb *fakeCallback) all() []pushRecord {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return append([]pushRecord(nil), cb.pushes...)
}
