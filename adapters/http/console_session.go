package httpadapter

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// consoleSession is the content of the console cookie. SID names the sign-in so
// that sign-out can revoke exactly it on every instance (through the same
// SessionRevocations store as user logouts); IAT bounds its life to
// ConsoleSessionTTL whatever the cookie's Max-Age says.
type consoleSession struct {
	SID string `json:"s"`
	IAT int64  `json:"i"`
}

// consolePre is the sign-in form's nonce, bound to this browser before it has a
// session, so the sign-in form is CSRF-protected too.
type consolePre struct {
	Nonce string `json:"n"`
	Exp   int64  `json:"e"`
}

// consoleSIDPrefix keeps console session ids apart from user session ids in the
// shared revocation store.
const consoleSIDPrefix = "console-"

func (s *server) setConsoleCookie(w http.ResponseWriter, name string, enc string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: enc, Path: consoleCookiePath, MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: s.cookies.secure, SameSite: http.SameSiteStrictMode,
	})
}

func (s *server) clearConsoleCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: consoleCookiePath, MaxAge: -1,
		HttpOnly: true, Secure: s.cookies.secure, SameSite: http.SameSiteStrictMode,
	})
}

// readConsoleSession returns the operator's valid session: decodable, inside its
// 12 hours, not signed out here or on any other instance.
func (s *server) readConsoleSession(r *http.Request) (consoleSession, bool) {
	var cs consoleSession
	ck, err := r.Cookie(consoleCookie)
	if err != nil || ck.Value == "" || s.console.session.Decode(consoleCookie, ck.Value, &cs) != nil {
		return consoleSession{}, false
	}
	now := s.now()
	iat := time.Unix(cs.IAT, 0)
	if !strings.HasPrefix(cs.SID, consoleSIDPrefix) || !now.Before(iat.Add(ConsoleSessionTTL)) || iat.After(now.Add(time.Minute)) {
		return consoleSession{}, false
	}
	if s.revoked.has(cs.SID, now) {
		return consoleSession{}, false
	}
	if s.svc.Sessions != nil {
		revoked, err := s.svc.Sessions.Revoked(r.Context(), cs.SID, now)
		if err != nil {
			LoggerFrom(r.Context()).Error("cannot check the console session", "err", err)
			return consoleSession{}, false // fail closed
		}
		if revoked {
			s.revoked.add(cs.SID, iat.Add(ConsoleSessionTTL), now)
			return consoleSession{}, false
		}
	}
	return cs, true
}

func (s *server) startConsoleSession(w http.ResponseWriter) error {
	cs := consoleSession{SID: consoleSIDPrefix + randomHex(16), IAT: s.now().Unix()}
	enc, err := s.console.session.Encode(consoleCookie, cs)
	if err != nil {
		return err
	}
	s.setConsoleCookie(w, consoleCookie, enc, ConsoleSessionTTL)
	return nil
}

// endConsoleSession revokes the session everywhere and deletes the cookie.
func (s *server) endConsoleSession(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	now, until := s.now(), time.Unix(cs.IAT, 0).Add(ConsoleSessionTTL)
	s.revoked.add(cs.SID, until, now)
	if s.svc.Sessions != nil {
		if err := s.svc.Sessions.Revoke(r.Context(), cs.SID, now, until); err != nil {
			LoggerFrom(r.Context()).Error("cannot record the console sign-out for other instances", "err", err)
		}
	}
	s.clearConsoleCookie(w, consoleCookie)
}

// consoleMAC is the CSRF token for a label: a MAC under the CSRF key, so it needs
// no server state and dies with what it is bound to.
func (s *server) consoleMAC(label string) string {
	m := hmac.New(sha256.New, s.cookies.csrfKey)
	m.Write([]byte("console|" + label))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// consoleCSRF is the token every console form of this session carries.
func (s *server) consoleCSRF(cs consoleSession) string { return s.consoleMAC("session|" + cs.SID) }

// consoleCSRFOK checks a console POST: a cross-origin Origin header is refused
// outright, and the form's token must match the session.
func (s *server) consoleCSRFOK(r *http.Request, cs consoleSession) bool {
	if o := r.Header.Get("Origin"); o != "" && o != s.origin {
		return false
	}
	got := r.PostFormValue("csrf")
	if got == "" {
		got = r.Header.Get("X-CSRF-Token") // fetch() posts from console.js
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.consoleCSRF(cs))) == 1
}

// adminTokenMatches compares a presented token with the admin token in constant
// time (hashing both first, so not even the length leaks).
func (s *server) adminTokenMatches(tok string) bool {
	if s.cfg.AdminToken == "" {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	want := sha256.Sum256([]byte(s.cfg.AdminToken))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// safeConsoleNext keeps a post-sign-in redirect inside the console.
func safeConsoleNext(next string) string {
	if n := safeNext(next); n == next && strings.HasPrefix(n, "/admin/") && !strings.HasPrefix(n, "/admin/api/") &&
		!strings.HasPrefix(n, "/admin/signin") && !strings.HasPrefix(n, "/admin/signout") {
		return n
	}
	return "/admin/"
}

// queryEscapePath escapes a path for a query value, leaving slashes readable.
func queryEscapePath(p string) string {
	return strings.ReplaceAll(url.QueryEscape(p), "%2F", "/")
}

type signInPage struct {
	CSRF, Next, Error string
}

// handleConsoleSignInPage shows the token form; an operator already signed in goes
// straight on.
func (s *server) handleConsoleSignInPage(w http.ResponseWriter, r *http.Request) {
	next := safeConsoleNext(r.URL.Query().Get("next"))
	if _, ok := s.readConsoleSession(r); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.renderSignIn(w, r, http.StatusOK, next, "")
}

// renderSignIn shows the form with a fresh nonce bound to this browser.
func (s *server) renderSignIn(w http.ResponseWriter, r *http.Request, status int, next, msg string) {
	pre := consolePre{Nonce: randomHex(16), Exp: s.now().Add(consolePreTTL).Unix()}
	enc, err := s.console.pre.Encode(consolePreCookie, pre)
	if err != nil {
		s.renderConsoleError(w, r, consoleSession{}, http.StatusInternalServerError, "服务暂时不可用", "请稍后再试。", err)
		return
	}
	s.setConsoleCookie(w, consolePreCookie, enc, consolePreTTL)
	s.renderConsole(w, r, status, "signin.html", consoleView{
		Title: "登录控制台", Page: signInPage{CSRF: s.consoleMAC("signin|" + pre.Nonce), Next: next, Error: msg},
	})
}

// handleConsoleSignIn checks the admin token. A wrong one waits
// consoleWrongTokenDelay and is counted; a right one starts a 12-hour session.
func (s *server) handleConsoleSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	next := safeConsoleNext(r.PostFormValue("next"))
	var pre consolePre
	ck, err := r.Cookie(consolePreCookie)
	preOK := err == nil && s.console.pre.Decode(consolePreCookie, ck.Value, &pre) == nil && s.now().Before(time.Unix(pre.Exp, 0))
	origin := r.Header.Get("Origin")
	if !preOK || (origin != "" && origin != s.origin) ||
		subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.consoleMAC("signin|"+pre.Nonce))) != 1 {
		s.console.signins.WithLabelValues("csrf").Inc()
		LoggerFrom(r.Context()).Warn("console sign-in without a valid csrf token refused")
		s.renderSignIn(w, r, http.StatusForbidden, next, "登录表单已过期，请重新输入令牌。")
		return
	}
	if !s.adminTokenMatches(r.PostFormValue("token")) {
		s.console.signins.WithLabelValues("wrong_token").Inc()
		LoggerFrom(r.Context()).Warn("console sign-in with a wrong admin token")
		s.console.sleep(r, consoleWrongTokenDelay)
		s.renderSignIn(w, r, http.StatusUnauthorized, next, "令牌不正确。")
		return
	}
	if err := s.startConsoleSession(w); err != nil {
		s.renderConsoleError(w, r, consoleSession{}, http.StatusInternalServerError, "服务暂时不可用", "请稍后再试。", err)
		return
	}
	s.clearConsoleCookie(w, consolePreCookie)
	s.console.signins.WithLabelValues("ok").Inc()
	LoggerFrom(r.Context()).Info("console sign-in")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleConsoleSignOut ends the session on every instance.
func (s *server) handleConsoleSignOut(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	s.endConsoleSession(w, r, cs)
	LoggerFrom(r.Context()).Info("console sign-out")
	http.Redirect(w, r, "/admin/signin", http.StatusSeeOther)
}
