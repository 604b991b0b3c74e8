package httpadapter

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// defaultNext is where a login lands when next is absent or unsafe.
const defaultNext = "/me"

// safeNext returns next if it is a path on this origin, else defaultNext. It
// refuses anything a browser could read as another origin or a script:
// scheme-relative //host, backslashes (browsers treat \ as /), encoded forms of
// those, control characters, and anything with a scheme or host.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return defaultNext
	}
	if strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return defaultNext
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f {
			return defaultNext
		}
	}
	// A second decoding must not reveal any of the above either.
	if dec, err := url.PathUnescape(next); err != nil || strings.HasPrefix(dec, "//") ||
		strings.ContainsRune(dec, '\\') || strings.ContainsFunc(dec, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return defaultNext
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return defaultNext
	}
	return next
}

// loginPath is the login URL for next, with slashes left readable.
func loginPath(next string) string {
	return "/auth/wechat/login?next=" + strings.ReplaceAll(url.QueryEscape(next), "%2F", "/")
}

func (s *server) callbackURL() string { return s.cfg.PublicURL + "/auth/wechat/callback" }

// handleLogin starts web OAuth: a fresh state, bound to this browser by a signed
// cookie that also carries next and the pending invite code.
func (s *server) handleLogin(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	p := oauthPending{State: randomHex(32), Next: next, Exp: s.now().Add(oauthTTL).Unix()}
	var inv pendingInvite
	if s.cookies.get(r, s.cookies.invite, inviteCookie, &inv) && s.now().Before(time.Unix(inv.Exp, 0)) {
		p.Invite = inv.Code
	}
	if err := s.cookies.set(w, s.cookies.oauth, oauthCookie, oauthCookiePath, p, oauthTTL); err != nil {
		s.renderError(w, r, http.StatusInternalServerError, "服务暂时不可用", "请稍后再试。", "", err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.svc.OAuth.AuthorizeURL(s.callbackURL(), p.State), http.StatusFound)
}

// handleCallback completes web OAuth. The state must match this browser's cookie,
// be unexpired and unused; then the code becomes a user and a session.
func (s *server) handleCallback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	state, code := q.Get("state"), q.Get("code")
	var p oauthPending
	ok := s.cookies.get(r, s.cookies.oauth, oauthCookie, &p)
	now := s.now()
	retry := loginPath(defaultNext)
	if ok {
		retry = loginPath(safeNext(p.Next))
	}
	// Spend the state whatever happens next: one state, one attempt.
	s.cookies.clear(w, oauthCookie, oauthCookiePath)
	if !ok || state == "" || len(state) != len(p.State) || !constantEqual(state, p.State) ||
		!now.Before(time.Unix(p.Exp, 0)) || s.spent.has(p.State, now) {
		LoggerFrom(r.Context()).Info("oauth callback refused", "reason", "state", "cookie", ok)
		s.renderError(w, r, http.StatusBadRequest, "登录已过期，请重新打开链接", "这次登录没有完成，可能是链接已过期或在另一个页面打开过。", retry, nil)
		return
	}
	s.spent.add(p.State, time.Unix(p.Exp, 0).Add(time.Minute), now)

	invite := p.Invite
	var inv pendingInvite
	if invite == "" && s.cookies.get(r, s.cookies.invite, inviteCookie, &inv) && now.Before(time.Unix(inv.Exp, 0)) {
		invite = inv.Code
	}
	attr, err := domain.LinkAttribution(invite)
	if err != nil {
		attr = domain.Attribution{} // no invite, or not one of ours: a plain login
	}
	res, err := s.svc.Login.CompleteLogin(r.Context(), application.LoginCommand{Code: code, Attribution: attr})
	if err != nil {
		s.renderLoginError(w, r, err, retry)
		return
	}
	if err := s.startSession(w, res.User.ID); err != nil {
		s.renderError(w, r, http.StatusInternalServerError, "服务暂时不可用", "请稍后再试。", retry, err)
		return
	}
	s.cookies.clear(w, inviteCookie, "/")
	attrs := []any{"user_id", int64(res.User.ID), application.OpenIDAttr(res.User.OpenID), "new", res.IsNew}
	if res.Invite != nil {
		attrs = append(attrs, "invited_by", int64(res.Invite.InviterID))
	} else if res.NoInvite != application.ReasonNone {
		attrs = append(attrs, "no_invite", string(res.NoInvite))
	}
	LoggerFrom(r.Context()).Info("login", attrs...)
	http.Redirect(w, r, safeNext(p.Next), http.StatusFound)
}

// renderLoginError maps a CompleteLogin failure through the error table to a page.
func (s *server) renderLoginError(w http.ResponseWriter, r *http.Request, err error, retry string) {
	var ae *application.Error
	isApp := errors.As(err, &ae)
	switch {
	case isApp && ae.Code == "snapshot_user":
		// WeChat's snapshot page is not a person; the kind says unauthorized, but
		// the honest answer to the visitor is "open this in WeChat".
		s.renderError(w, r, http.StatusForbidden, "请在微信中打开", "请在微信中打开此链接以继续。", "", err)
	default:
		status := statusOf(err)
		switch status {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusConflict:
			s.renderError(w, r, status, "登录失败，请重新打开链接", "微信授权没有完成，请重试。", retry, err)
		case http.StatusServiceUnavailable:
			s.renderError(w, r, status, "微信暂时无法访问", "请稍后再试。", retry, err)
		default:
			s.renderError(w, r, status, "服务暂时不可用", "请稍后再试。", retry, err)
		}
	}
}

// handleLogout ends the session: the cookie is deleted and its id revoked, so a
// copy of the old value no longer works. Cross-site posts are refused.
func (s *server) handleLogout(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.readSession(r)
	if !s.sameOrigin(r, sess, ok) {
		LoggerFrom(r.Context()).Warn("cross-site post refused")
		s.renderError(w, r, http.StatusForbidden, "请求被拒绝", "请从本站页面退出登录。", "/me", nil)
		return
	}
	if ok {
		s.endSession(w, r, sess)
		LoggerFrom(r.Context()).Info("logout", "user_id", sess.UID)
	} else {
		s.cookies.clear(w, sessionCookie, "/")
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// sameOrigin is the CSRF check of state-changing posts: the Origin header, else the
// Referer, must be PublicURL's origin; a browser that sends neither must carry the
// form's per-session token. The session cookie is SameSite=Lax on top.
func (s *server) sameOrigin(r *http.Request, sess session, hasSession bool) bool {
	if o := r.Header.Get("Origin"); o != "" {
		return o == s.origin
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		return err == nil && u.Scheme+"://"+u.Host == s.origin
	}
	return hasSession && s.cookies.validCSRFToken(sess, r.PostFormValue("csrf"))
}

// handleInviteLink remembers a well-formed invite code for this browser, then sends
// the visitor to login or, if already logged in, to their page. Unknown codes are
// remembered too: Join records nothing for them, and the store is not probed here.
func (s *server) handleInviteLink(w http.ResponseWriter, r *http.Request) {
	code := mux.Vars(r)["code"]
	log := LoggerFrom(r.Context())
	w.Header().Set("Cache-Control", "no-store")
	if domain.ValidateInviteCode(code) == nil {
		inv := pendingInvite{Code: code, Exp: s.now().Add(inviteTTL).Unix()}
		if err := s.cookies.set(w, s.cookies.invite, inviteCookie, "/", inv, inviteTTL); err != nil {
			log.Error("invite cookie", "err", err)
		}
		if s.svc.Users != nil {
			if u, err := s.svc.Users.ByInviteCode(r.Context(), code); err == nil {
				log.Info("invite link opened", "inviter_id", int64(u.ID))
			} else {
				log.Info("invite link opened", "inviter", "unknown")
			}
		}
	} else {
		log.Info("malformed invite link")
	}
	if _, ok := s.readSession(r); ok {
		http.Redirect(w, r, defaultNext, http.StatusFound)
		return
	}
	http.Redirect(w, r, loginPath(defaultNext), http.StatusFound)
}
