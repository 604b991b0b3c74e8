package emulator

import (
	"encoding/json"
	"net/http"
	"time"
)

// supersedeGrace is how long WeChat keeps the previous access_token working
// after a new one is issued.
const supersedeGrace = 5 * time.Minute

// stable_token limits from the protocol notes.
const (
	stableRenewBefore    = 300 * time.Second
	stableForceMinGap    = 30 * time.Second
	stableForceDailyMax  = 20
	stableDailyQuota     = 500000
	tokenAlphabet        = alnum + "_-"
	tokenLength          = 136
	beijingOffsetSeconds = 8 * 3600
)

var beijing = time.FixedZone("CST", beijingOffsetSeconds)

type accessToken struct {
	value     string
	stable    bool
	issuedAt  time.Time
	expiresAt time.Time
	revokedAt time.Time // zero: not revoked; else invalid from this instant
}

type tokenStore struct {
	all          map[string]*accessToken
	classic      *accessToken
	stable       *accessToken
	issued       int
	day          string
	classicToday int
	stableToday  int
	forcesToday  int
	lastForceAt  time.Time
}

func (s *tokenStore) init() { s.all = map[string]*accessToken{} }

func (s *tokenStore) rollDay(now time.Time) {
	d := now.In(beijing).Format("2006-01-02")
	if d != s.day {
		s.day, s.classicToday, s.stableToday, s.forcesToday = d, 0, 0, 0
	}
}

func (e *Emulator) issueToken(now time.Time, stable bool) *accessToken {
	t := &accessToken{value: randString(tokenLength, tokenAlphabet), stable: stable, issuedAt: now, expiresAt: now.Add(e.cfg.TokenTTL)}
	e.tokens.all[t.value] = t
	e.tokens.issued++
	e.changed()
	return t
}

// checkCredentials answers the shared appid/secret/grant_type checks and
// reports whether the caller may go on.
func (e *Emulator) checkCredentials(w http.ResponseWriter, grantType, appid, secret string) bool {
	switch {
	case grantType != "client_credential":
		wxError(w, ErrCodeInvalidGrantType, "invalid grant_type")
	case appid != e.cfg.AppID:
		wxError(w, ErrCodeInvalidAppID, "invalid appid")
	case secret != e.cfg.AppSecret:
		wxError(w, ErrCodeInvalidAppSecret, "invalid appsecret")
	default:
		return true
	}
	return false
}

// handleToken is GET /cgi-bin/token: every call issues a new token and puts
// the previous one on a 5-minute grace period.
func (e *Emulator) handleToken(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/token")
	q := r.URL.Query()
	if !e.checkCredentials(w, q.Get("grant_type"), q.Get("appid"), q.Get("secret")) {
		return
	}
	now := e.now()
	e.mu.Lock()
	e.tokens.rollDay(now)
	if e.tokens.classicToday >= e.cfg.DailyTokenQuota {
		e.mu.Unlock()
		wxError(w, ErrCodeFreqOutOfLimit, "api freq out of limit")
		return
	}
	e.tokens.classicToday++
	if old := e.tokens.classic; old != nil && old.revokedAt.IsZero() {
		old.revokedAt = now.Add(supersedeGrace)
	}
	t := e.issueToken(now, false)
	e.tokens.classic = t
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": t.value, "expires_in": int(e.cfg.TokenTTL / time.Second)})
}

// handleStableToken is POST /cgi-bin/stable_token: it hands back the
// current stable token while it has at least 300 s left, renews it otherwise
// (the old one keeps its own expiry), and force_refresh revokes it at once
// (at most 20 a day, and not closer than 30 s apart).
func (e *Emulator) handleStableToken(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/stable_token")
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		wxError(w, ErrCodeDataFormat, "data format error")
		return
	}
	if !e.checkCredentials(w, req.GrantType, req.AppID, req.Secret) {
		return
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tokens.rollDay(now)
	if e.tokens.stableToday >= stableDailyQuota {
		wxError(w, ErrCodeFreqOutOfLimit, "api freq out of limit")
		return
	}
	e.tokens.stableToday++
	cur := e.tokens.stable
	usable := cur != nil && cur.revokedAt.IsZero() && cur.expiresAt.Sub(now) >= stableRenewBefore
	switch {
	case req.ForceRefresh && cur != nil && now.Sub(e.tokens.lastForceAt) < stableForceMinGap && usable:
		// Too soon after the last forced refresh: WeChat does not refresh.
	case req.ForceRefresh:
		if e.tokens.forcesToday >= stableForceDailyMax {
			wxError(w, ErrCodeFreqOutOfLimit, "api freq out of limit")
			return
		}
		e.tokens.forcesToday++
		e.tokens.lastForceAt = now
		if cur != nil && cur.revokedAt.IsZero() {
			cur.revokedAt = now
		}
		cur = e.issueToken(now, true)
		e.tokens.stable = cur
	case !usable:
		cur = e.issueToken(now, true) // the previous one lives out its own expiry
		e.tokens.stable = cur
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": cur.value, "expires_in": int(cur.expiresAt.Sub(now) / time.Second)})
}

// authorize validates the access_token query parameter of a cgi-bin call
// and writes WeChat's error when it is not usable.
func (e *Emulator) authorize(w http.ResponseWriter, r *http.Request) bool {
	v := r.URL.Query().Get("access_token")
	if v == "" {
		wxError(w, ErrCodeTokenMissing, "access_token missing")
		return false
	}
	now := e.now()
	e.mu.Lock()
	code := 0
	if t := e.tokens.all[v]; t == nil || (!t.revokedAt.IsZero() && !now.Before(t.revokedAt)) {
		code = ErrCodeInvalidCredential
	} else if !now.Before(t.expiresAt) {
		code = ErrCodeTokenExpired
	}
	e.mu.Unlock()
	switch code {
	case ErrCodeInvalidCredential:
		wxError(w, code, "invalid credential, access_token is invalid or not latest")
	case ErrCodeTokenExpired:
		wxError(w, code, "access_token expired")
	default:
		return true
	}
	return false
}

// ExpireTokens makes every access_token issued so far expire now (42001 on
// next use), so tests can check that the service refreshes mid-run.
func (e *Emulator) ExpireTokens() {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.tokens.all {
		if t.expiresAt.After(now) {
			t.expiresAt = now
		}
	}
}

// TokensIssued reports how many access_tokens (classic and stable) the
// emulator has issued.
func (e *Emulator) TokensIssued() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tokens.issued
}
