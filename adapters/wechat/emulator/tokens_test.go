package emulator

import (
	"net/http"
	"testing"
	"time"
)

func TestTokenCredentialErrors(t *testing.T) {
	h := newHarness(t, nil)
	cases := []struct {
		name, query string
		want        int
	}{
		{"bad grant_type", "grant_type=password&appid=" + testAppID + "&secret=" + testSecret, ErrCodeInvalidGrantType},
		{"wrong appid", "grant_type=client_credential&appid=wxnope&secret=" + testSecret, ErrCodeInvalidAppID},
		{"wrong secret", "grant_type=client_credential&appid=" + testAppID + "&secret=nope", ErrCodeInvalidAppSecret},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := h.get("/cgi-bin/token?" + c.query)
			if got := errcode(m); got != c.want {
				t.Fatalf("errcode = %d, want %d (%v)", got, c.want, m)
			}
			if _, ok := m["access_token"]; ok {
				t.Fatal("error response carries a token")
			}
		})
	}
	if n := h.emu.TokensIssued(); n != 0 {
		t.Fatalf("tokens issued on failures: %d", n)
	}
}

func TestTokenLifecycle(t *testing.T) {
	h := newHarness(t, nil)
	p := h.emu.CreatePerson(PersonSpec{Nickname: "甲"})

	m := h.get("/cgi-bin/token?grant_type=client_credential&appid=" + testAppID + "&secret=" + testSecret)
	if m["expires_in"].(float64) != 7200 {
		t.Fatalf("expires_in = %v", m["expires_in"])
	}
	a := m["access_token"].(string)
	if len(a) < 100 {
		t.Fatalf("token suspiciously short: %q", a)
	}
	if got := h.probe(a, p.OpenID); got != 0 {
		t.Fatalf("fresh token: errcode %d", got)
	}
	if got := errcode(h.get("/cgi-bin/user/info?openid=" + p.OpenID)); got != ErrCodeTokenMissing {
		t.Fatalf("missing token: errcode %d, want 41001", got)
	}
	if got := h.probe("not-a-token", p.OpenID); got != ErrCodeInvalidCredential {
		t.Fatalf("unknown token: errcode %d, want 40001", got)
	}

	// A new fetch supersedes A; A keeps working for 5 minutes.
	b := h.classicToken()
	if a == b {
		t.Fatal("second fetch returned the same token")
	}
	h.clock.Advance(supersedeGrace - time.Second)
	if got := h.probe(a, p.OpenID); got != 0 {
		t.Fatalf("superseded token inside grace: errcode %d", got)
	}
	h.clock.Advance(time.Second)
	if got := h.probe(a, p.OpenID); got != ErrCodeInvalidCredential {
		t.Fatalf("superseded token after grace: errcode %d, want 40001", got)
	}
	if got := h.probe(b, p.OpenID); got != 0 {
		t.Fatalf("current token: errcode %d", got)
	}

	// B expires TokenTTL after its issue.
	h.clock.Advance(7200*time.Second - supersedeGrace - time.Second)
	if got := h.probe(b, p.OpenID); got != 0 {
		t.Fatalf("token 1 s before expiry: errcode %d", got)
	}
	h.clock.Advance(time.Second)
	if got := h.probe(b, p.OpenID); got != ErrCodeTokenExpired {
		t.Fatalf("expired token: errcode %d, want 42001", got)
	}
}

func TestTokenDailyQuota(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.DailyTokenQuota = 3 })
	for i := 0; i < 3; i++ {
		h.classicToken()
	}
	m := h.get("/cgi-bin/token?grant_type=client_credential&appid=" + testAppID + "&secret=" + testSecret)
	if got := errcode(m); got != ErrCodeFreqOutOfLimit {
		t.Fatalf("4th fetch: errcode %d, want 45009 (%v)", got, m)
	}
	h.clock.Advance(24 * time.Hour)
	h.classicToken() // a new emulated day resets the quota
	if got := h.emu.Counters()["cgi-bin/token"]; got != 5 {
		t.Fatalf("token counter = %d, want 5", got)
	}
}

func TestExpireTokens(t *testing.T) {
	h := newHarness(t, nil)
	p := h.emu.CreatePerson(PersonSpec{})
	a := h.classicToken()
	s, _ := h.stableToken(false)
	code, _ := h.do(http.MethodPost, "/api/tokens/expire", nil)
	if code != http.StatusOK {
		t.Fatalf("expire: HTTP %d", code)
	}
	for _, tok := range []string{a, s} {
		if got := h.probe(tok, p.OpenID); got != ErrCodeTokenExpired {
			t.Fatalf("after ExpireTokens: errcode %d, want 42001", got)
		}
	}
	if got := h.probe(h.classicToken(), p.OpenID); got != 0 {
		t.Fatalf("token fetched after expiry: errcode %d", got)
	}
	if s2, _ := h.stableToken(false); s2 == s || h.probe(s2, p.OpenID) != 0 {
		t.Fatal("stable_token did not renew an expired token")
	}
}

func TestStableToken(t *testing.T) {
	h := newHarness(t, nil)
	p := h.emu.CreatePerson(PersonSpec{})
	s1, exp1 := h.stableToken(false)
	if exp1 != 7200 {
		t.Fatalf("expires_in = %d", exp1)
	}
	h.clock.Advance(100 * time.Second)
	s2, exp2 := h.stableToken(false)
	if s2 != s1 || exp2 != 7100 {
		t.Fatalf("normal mode should return the same token with less time: %v %d", s2 == s1, exp2)
	}
	// Classic fetches do not touch stable tokens.
	h.classicToken()
	h.classicToken()
	h.clock.Advance(supersedeGrace + time.Second)
	if got := h.probe(s1, p.OpenID); got != 0 {
		t.Fatalf("stable token after classic fetches: errcode %d", got)
	}

	// With less than 300 s left the token is renewed; the old one lives on.
	h.clock.Advance(7200*time.Second - 100*time.Second - supersedeGrace - time.Second - 299*time.Second)
	s3, exp3 := h.stableToken(false)
	if s3 == s1 || exp3 != 7200 {
		t.Fatalf("renewal: same=%v expires_in=%d", s3 == s1, exp3)
	}
	if got := h.probe(s1, p.OpenID); got != 0 {
		t.Fatalf("old stable token during overlap: errcode %d", got)
	}
	h.clock.Advance(299 * time.Second)
	if got := h.probe(s1, p.OpenID); got != ErrCodeTokenExpired {
		t.Fatalf("old stable token after its expiry: errcode %d", got)
	}

	// force_refresh revokes at once; a second force within 30 s does not refresh.
	h.clock.Advance(time.Minute)
	s4, _ := h.stableToken(true)
	if s4 == s3 {
		t.Fatal("force_refresh returned the same token")
	}
	if got := h.probe(s3, p.OpenID); got != ErrCodeInvalidCredential {
		t.Fatalf("token replaced by force_refresh: errcode %d, want 40001", got)
	}
	h.clock.Advance(10 * time.Second)
	if s5, _ := h.stableToken(true); s5 != s4 {
		t.Fatal("force_refresh within 30 s refreshed")
	}
	h.clock.Advance(30 * time.Second)
	if s6, _ := h.stableToken(true); s6 == s4 {
		t.Fatal("force_refresh 40 s later did not refresh")
	}
	if got := errcode(func() map[string]any {
		_, m := h.do(http.MethodPost, "/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": testAppID, "secret": "x"})
		return m
	}()); got != ErrCodeInvalidAppSecret {
		t.Fatalf("wrong secret: errcode %d", got)
	}
}
