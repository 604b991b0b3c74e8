package httpadapter

import (
	"net/http"
	"testing"
)

// Every route answers an unsupported method with 405 and Allow; admin routes used
// to answer 404 (gorilla/mux reports a method mismatch under a subrouter as no match).
func TestUnsupportedMethodsAnswer405WithAllow(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: "admintok"})
	auth := map[string]string{"Authorization": "Bearer admintok"}
	for _, tc := range []struct {
		method, path, allow string
		hdr                 map[string]string
	}{
		{"POST", "/admin/api/stats", "GET, HEAD", auth},
		{"DELETE", "/admin/api/leaderboard", "GET, HEAD", auth},
		{"PUT", "/admin/api/invites", "GET, HEAD", auth},
		{"PATCH", "/admin/api/invites.csv", "GET, HEAD", auth},
		{"POST", "/admin/api/stats", "GET, HEAD", nil}, // the method is wrong whoever asks
		{"POST", "/api/me", "GET, HEAD", nil},
		{"DELETE", "/auth/logout", "POST", nil},
	} {
		r := e.do(e.plain(), tc.method, tc.path, tc.hdr, nil)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tc.method, tc.path, r.status, r.header.Get("Allow"), tc.allow)
		}
	}
	// An unknown admin path is still 404, and without the token 401.
	if r := e.do(e.plain(), "POST", "/admin/api/nope", auth, nil); r.status != http.StatusNotFound {
		t.Errorf("unknown admin path: %d", r.status)
	}
	if r := e.do(e.plain(), "GET", "/admin/api/nope", nil, nil); r.status != http.StatusUnauthorized {
		t.Errorf("unknown admin path without token: %d", r.status)
	}
	// A hidden admin API stays hidden.
	hidden := newEnv(t, envOpt{})
	if r := hidden.do(hidden.plain(), "POST", "/admin/api/invites.csv", nil, nil); r.status != http.StatusNotFound {
		t.Errorf("hidden admin API: %d", r.status)
	}
}
