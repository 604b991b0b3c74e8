package emulator

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestPhonePageAndAssets(t *testing.T) {
	h := newHarness(t, nil)
	for path, want := range map[string]string{
		"/":                     "在微信中打开链接",
		"/?menu":                `id="menu"`,
		"/?compose":             `id="compose-text"`,
		"/static/phone.js?menu": "/click",
		"/static/phone.js":      "/api",
		"/static/emulator.css":  "#07c160",
	} {
		resp, err := http.Get(h.base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Fatalf("%s: HTTP %d, missing %q", path, resp.StatusCode, want)
		}
	}
	resp, err := http.Get(h.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `src="/_emulator/static/phone.js"`) {
		t.Fatal("phone page does not link its script under the mount")
	}
}

func TestOpenLinkRemembersPerson(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PublicURL = "http://127.0.0.1:8080" })
	p := h.emu.CreatePerson(PersonSpec{})
	resp, err := h.http.Get(h.base + "/open?openid=" + p.OpenID + "&url=" + "http%3A%2F%2F127.0.0.1%3A8080%2Fi%2Fabc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://127.0.0.1:8080/i/abc" {
		t.Fatalf("open: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var ok bool
	for _, c := range resp.Cookies() {
		ok = ok || (c.Name == personCookieName && c.Value == p.OpenID && c.Path == "/_emulator")
	}
	if !ok {
		t.Fatalf("cookie not set: %v", resp.Cookies())
	}
	resp, err = h.http.Get(h.base + "/open?openid=" + p.OpenID + "&url=javascript%3Aalert(1)")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("javascript: URL accepted: HTTP %d", resp.StatusCode)
	}
}

// The handler also works mounted without StripPrefix.
func TestUnstrippedMountAndStatus(t *testing.T) {
	e, err := New(Config{AppID: testAppID, AppSecret: testSecret, Token: testToken, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	h := &harness{t: t, emu: e, srv: srv, base: srv.URL + "/_emulator", http: srv.Client()}
	h.classicToken()
	h.classicToken()
	h.do(http.MethodPost, "/api/persons", map[string]any{"nickname": "x"})
	code, st := h.do(http.MethodGet, "/api/status", nil)
	if code != 200 || st["tokens_issued"] != float64(2) || st["persons"] != float64(1) {
		t.Fatalf("status: HTTP %d %v", code, st)
	}
	if c := st["counters"].(map[string]any); c["cgi-bin/token"] != float64(2) {
		t.Fatalf("counters %v", c)
	}
	if got := e.Counters()["cgi-bin/token"]; got != 2 {
		t.Fatalf("Counters() = %d", got)
	}
	_, list := h.do(http.MethodGet, "/api/persons", nil)
	items := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["nickname"] != "x" {
		t.Fatalf("persons %v", list)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{AppID: "a", AppSecret: "b"}); err == nil {
		t.Fatal("missing Token accepted")
	}
	if _, err := New(Config{AppID: "a", AppSecret: "b", Token: "t", EncodingAESKey: "short"}); err == nil {
		t.Fatal("bad EncodingAESKey accepted")
	}
}

// /open is no open redirect: it goes only to the service's own public URL or to a
// path on this host.
func TestOpenGoesOnlyToTheService(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PublicURL = "https://invite.example.com/app/" })
	p := h.emu.CreatePerson(PersonSpec{})
	for _, tc := range []struct {
		target string
		ok     bool
	}{
		{"https://invite.example.com/app/i/abc", true},
		{"https://INVITE.example.com/app", true},
		{"/me", true},
		{"https://evil.example.com/app/i/abc", false},
		{"http://invite.example.com/app/i/abc", false}, // another scheme
		{"https://invite.example.com/other", false},    // outside the public path
		{"https://invite.example.com/application", false},
		{"https://invite.example.com:8443/app/", false},
		{"https://user@invite.example.com/app/", false},
		{"//evil.example.com/x", false},
		{"/\\evil.example.com/x", false},
	} {
		resp, err := h.http.Get(h.base + "/open?openid=" + p.OpenID + "&url=" + url.QueryEscape(tc.target))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.StatusCode == http.StatusFound; got != tc.ok {
			t.Errorf("%s: HTTP %d to %q, want redirect=%v", tc.target, resp.StatusCode, resp.Header.Get("Location"), tc.ok)
		}
	}
}
