package httpadapter

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/wxinvite/wxinvite/domain"
)

// Cookie names. They are part of what a browser sees, so they are stable.
const (
	sessionCookie = "wxinvite_session"
	oauthCookie   = "wxinvite_oauth"
	inviteCookie  = "wxinvite_invite"
)

// Lifetimes of the short-lived cookies.
const (
	oauthTTL  = 10 * time.Minute
	inviteTTL = time.Hour
)

// session is the content of the session cookie. SID names this login so that a
// logout can revoke exactly it; IAT bounds its life independently of the cookie's
// Max-Age (a stolen cookie value is useless after SessionTTL).
type session struct {
	UID int64  `json:"u"`
	SID string `json:"s"`
	IAT int64  `json:"i"`
}

// oauthPending binds an OAuth round trip to the browser that started it.
type oauthPending struct {
	State  string `json:"s"`
	Next   string `json:"n"`
	Invite string `json:"c,omitempty"`
	Exp    int64  `json:"e"`
}

// pendingInvite is an invite code the browser brought through /i/{code}.
type pendingInvite struct {
	Code string `json:"c"`
	Exp  int64  `json:"e"`
}

// deriveKey derives an independent key per purpose from the one configured secret
// (HMAC-SHA256 of the label keyed by the secret), so the secret itself is never
// used directly and the hash, block and CSRF keys are unrelated.
func deriveKey(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("wxinvite/http/" + label))
	return m.Sum(nil)
}

// cookies encodes, decodes and writes the service's cookies.
type cookies struct {
	session, oauth, invite *securecookie.SecureCookie
	csrfKey                []byte
	secure                 bool
	ttl                    time.Duration
}

func newCookies(secret []byte, secure bool, ttl time.Duration) *cookies {
	codec := func(maxAge time.Duration) *securecookie.SecureCookie {
		c := securecookie.New(deriveKey(secret, "cookie-hash"), deriveKey(secret, "cookie-block")[:32])
		c.SetSerializer(securecookie.JSONEncoder{})
		// securecookie checks its own timestamp too; a minute of slack for clock skew
		// between instances, the payload's own expiry is the exact bound.
		c.MaxAge(int((maxAge + time.Minute) / time.Second))
		return c
	}
	return &cookies{
		session: codec(ttl), oauth: codec(oauthTTL), invite: codec(inviteTTL),
		csrfKey: deriveKey(secret, "csrf"), secure: secure, ttl: ttl,
	}
}

func (c *cookies) set(w http.ResponseWriter, codec *securecookie.SecureCookie, name, path string, v any, maxAge time.Duration) error {
	enc, err := codec.Encode(name, v)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: enc, Path: path, MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (c *cookies) clear(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (c *cookies) get(r *http.Request, codec *securecookie.SecureCookie, name string, dst any) bool {
	ck, err := r.Cookie(name)
	if err != nil || ck.Value == "" {
		return false
	}
	return codec.Decode(name, ck.Value, dst) == nil
}

// The OAuth cookie is only needed by the callback, so it travels nowhere else.
const oauthCookiePath = "/auth/wechat/"

// csrfToken is the logout form's token for a session: a MAC of its id, so it
// needs no server state and dies with the session.
func (c *cookies) csrfToken(s session) string {
	m := hmac.New(sha256.New, c.csrfKey)
	m.Write([]byte(s.SID))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (c *cookies) validCSRFToken(s session, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(c.csrfToken(s)), []byte(token)) == 1
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return hex.EncodeToString(b)
}

// expirySet remembers strings until their expiry, in this process: logged-out
// session ids (a cache in front of Services.Sessions, which every instance shares)
// and spent OAuth states. A spent state could be replayed once on another instance
// within its 10 minutes, but it is still bound to the browser's cookie (cleared on
// use) and to a one-time WeChat code, which WeChat itself refuses a second time.
//
// It is a bounded LRU (golang-lru) holding each key's own expiry, checked against
// the server's injected clock: the expirable LRU has one TTL per cache and reads
// the wall clock, while each entry here ends at its own instant (the session's end,
// the state's expiry). Memory stays bounded under abuse: the least recently used
// entries go first.
type expirySet struct {
	c *lru.Cache[string, time.Time]
}

func newExpirySet(max int) *expirySet {
	c, err := lru.New[string, time.Time](max)
	if err != nil {
		panic("httpadapter: expiry set size: " + err.Error()) // max is a constant > 0
	}
	return &expirySet{c: c}
}

// add remembers key until exp.
func (s *expirySet) add(key string, exp, now time.Time) {
	if now.Before(exp) {
		s.c.Add(key, exp)
	}
}

// has reports whether key is remembered and not yet expired.
func (s *expirySet) has(key string, now time.Time) bool {
	exp, ok := s.c.Get(key)
	if ok && !now.Before(exp) {
		s.c.Remove(key)
		return false
	}
	return ok
}

func (s *expirySet) len() int { return s.c.Len() }

// readSession returns the caller's valid session: decodable, not expired, not
// logged out. Anything else is "no session".
func (s *server) readSession(r *http.Request) (session, bool) {
	var sess session
	if !s.cookies.get(r, s.cookies.session, sessionCookie, &sess) {
		return session{}, false
	}
	now := s.now()
	iat := time.Unix(sess.IAT, 0)
	if sess.UID <= 0 || sess.SID == "" || !now.Before(iat.Add(s.cfg.SessionTTL)) || iat.After(now.Add(time.Minute)) {
		return session{}, false
	}
	if s.revoked.has(sess.SID, now) {
		return session{}, false
	}
	if s.svc.Sessions != nil {
		revoked, err := s.svc.Sessions.Revoked(r.Context(), sess.SID, now)
		if err != nil {
			// Fail closed: a session that cannot be checked is not trusted.
			LoggerFrom(r.Context()).Error("cannot check the session", "err", err)
			return session{}, false
		}
		if revoked {
			s.revoked.add(sess.SID, iat.Add(s.cfg.SessionTTL), now) // ask the store once
			return session{}, false
		}
	}
	return sess, true
}

func (s *server) startSession(w http.ResponseWriter, uid domain.UserID) error {
	sess := session{UID: int64(uid), SID: randomHex(16), IAT: s.now().Unix()}
	return s.cookies.set(w, s.cookies.session, sessionCookie, "/", sess, s.cfg.SessionTTL)
}

func (s *server) endSession(w http.ResponseWriter, r *http.Request, sess session) {
	if sess.SID != "" {
		now, until := s.now(), time.Unix(sess.IAT, 0).Add(s.cfg.SessionTTL)
		s.revoked.add(sess.SID, until, now)
		if s.svc.Sessions != nil {
			if err := s.svc.Sessions.Revoke(r.Context(), sess.SID, now, until); err != nil {
				LoggerFrom(r.Context()).Error("cannot record the logout for other instances", "err", err)
			}
		}
	}
	s.cookies.clear(w, sessionCookie, "/")
}

func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
