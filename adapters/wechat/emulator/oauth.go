package emulator

import (
	"net/http"
	"net/url"
	"time"
)

// OAuth lifetimes from the protocol notes.
const (
	oauthCodeTTL     = 5 * time.Minute
	userTokenTTL     = 7200 * time.Second
	refreshTokenTTL  = 30 * 24 * time.Hour
	personCookieName = "wxemu_openid"
	maxStateBytes    = 128
)

type oauthCode struct {
	openid   string
	scope    string
	issuedAt time.Time
	used     bool
}

type userToken struct {
	openid    string
	scope     string
	expiresAt time.Time
}

type oauthStore struct {
	codes    map[string]*oauthCode
	tokens   map[string]*userToken
	refreshs map[string]*userToken
}

func (s *oauthStore) init() {
	s.codes = map[string]*oauthCode{}
	s.tokens = map[string]*userToken{}
	s.refreshs = map[string]*userToken{}
}

// authorizeParams are the query of connect/oauth2/authorize, echoed as
// hidden fields by the consent page.
type authorizeParams struct {
	AppID, RedirectURI, ResponseType, Scope, State string
}

func paramsFrom(v url.Values) authorizeParams {
	return authorizeParams{
		AppID:        v.Get("appid"),
		RedirectURI:  v.Get("redirect_uri"),
		ResponseType: v.Get("response_type"),
		Scope:        v.Get("scope"),
		State:        v.Get("state"),
	}
}

// validate returns WeChat's error page code and text, or 0.
func (e *Emulator) validateAuthorize(p authorizeParams) (int, string) {
	switch {
	case p.AppID == "":
		return 10012, "appid 参数为空"
	case p.AppID != e.cfg.AppID:
		return 10016, "appid 参数错误：不是本模拟公众号的 AppID"
	case p.RedirectURI == "":
		return 10011, "redirect_uri 参数为空"
	case p.ResponseType != "code":
		return 10001, "response_type 参数错误，应为 code"
	case p.Scope == "":
		return 10010, "scope 参数为空"
	case p.Scope != "snsapi_base" && p.Scope != "snsapi_userinfo":
		return 10005, "scope 参数错误或没有 scope 权限"
	}
	u, err := url.Parse(p.RedirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return 10003, "redirect_uri 参数错误"
	}
	return 0, ""
}

// handleAuthorize is GET /connect/oauth2/authorize: the consent page, or a
// silent redirect for snsapi_base when the browser is already a known
// person. The #wechat_redirect fragment never reaches a server.
func (e *Emulator) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	e.count("connect/oauth2/authorize")
	p := paramsFrom(r.URL.Query())
	if code, msg := e.validateAuthorize(p); code != 0 {
		e.renderError(w, code, msg)
		return
	}
	if len(p.State) > maxStateBytes {
		e.log.Warn("oauth state longer than 128 bytes; WeChat may reject it", "len", len(p.State))
	}
	selected := ""
	if c, err := r.Cookie(personCookieName); err == nil {
		if _, ok := e.LookupPerson(c.Value); ok {
			selected = c.Value
		}
	}
	if selected != "" && p.Scope == "snsapi_base" {
		e.redirectWithCode(w, r, p, selected)
		return
	}
	persons := e.Persons()
	if selected == "" && len(persons) > 0 {
		selected = persons[len(persons)-1].OpenID
	}
	e.render(w, http.StatusOK, "authorize.html", map[string]any{
		"Base":     e.cfg.BasePath,
		"P":        p,
		"Persons":  persons,
		"Selected": selected,
		"Userinfo": p.Scope == "snsapi_userinfo",
	})
}

// handleAuthorizeConfirm is POST /connect/oauth2/authorize/confirm, the
// consent page's form: allow (as an existing or a new person) or deny.
func (e *Emulator) handleAuthorizeConfirm(w http.ResponseWriter, r *http.Request) {
	e.count("connect/oauth2/authorize/confirm")
	if err := r.ParseForm(); err != nil {
		e.renderError(w, 10001, "表单无效")
		return
	}
	p := paramsFrom(r.PostForm)
	if code, msg := e.validateAuthorize(p); code != 0 {
		e.renderError(w, code, msg)
		return
	}
	if r.PostForm.Get("action") == "deny" {
		// Old doc: a refusal redirects with state only, no code.
		http.Redirect(w, r, withQuery(p.RedirectURI, url.Values{"state": {p.State}}), http.StatusFound)
		return
	}
	openid := r.PostForm.Get("openid")
	switch {
	case openid == "new":
		openid = e.CreatePerson(PersonSpec{
			Nickname: r.PostForm.Get("nickname"),
			UnionID:  r.PostForm.Get("unionid"),
			Snapshot: r.PostForm.Get("snapshot") == "1",
		}).OpenID
	case openid == "":
		e.renderError(w, 10001, "请选择一个身份，或创建新用户")
		return
	default:
		if _, ok := e.LookupPerson(openid); !ok {
			e.renderError(w, 10001, "未知的模拟用户")
			return
		}
	}
	e.redirectWithCode(w, r, p, openid)
}

func withQuery(raw string, add url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k, v := range add {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String()
}

func (e *Emulator) redirectWithCode(w http.ResponseWriter, r *http.Request, p authorizeParams, openid string) {
	now := e.now()
	code := randString(32, alnum)
	e.mu.Lock()
	e.oauth.codes[code] = &oauthCode{openid: openid, scope: p.Scope, issuedAt: now}
	e.mu.Unlock()
	e.setPersonCookie(w, openid)
	http.Redirect(w, r, withQuery(p.RedirectURI, url.Values{"code": {code}, "state": {p.State}}), http.StatusFound)
}

func (e *Emulator) setPersonCookie(w http.ResponseWriter, openid string) {
	path := e.cfg.BasePath
	if path == "" {
		path = "/"
	}
	http.SetCookie(w, &http.Cookie{Name: personCookieName, Value: openid, Path: path, HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 30 * 24 * 3600})
}

// handleSNSAccessToken is GET /sns/oauth2/access_token: exchanges a
// single-use, 5-minute code for the user's web access token.
func (e *Emulator) handleSNSAccessToken(w http.ResponseWriter, r *http.Request) {
	e.count("sns/oauth2/access_token")
	q := r.URL.Query()
	switch {
	case q.Get("appid") != e.cfg.AppID:
		wxError(w, ErrCodeInvalidAppID, "invalid appid")
		return
	case q.Get("secret") != e.cfg.AppSecret:
		wxError(w, ErrCodeInvalidAppSecret, "invalid appsecret")
		return
	case q.Get("grant_type") != "authorization_code":
		wxError(w, ErrCodeInvalidGrantType, "invalid grant_type")
		return
	}
	now := e.now()
	e.mu.Lock()
	c := e.oauth.codes[q.Get("code")]
	errc := 0
	switch {
	case c == nil:
		errc = ErrCodeInvalidOAuthCode
	case c.used:
		errc = ErrCodeOAuthCodeUsed
	case now.Sub(c.issuedAt) >= oauthCodeTTL:
		errc = ErrCodeOAuthCodeExpired
	}
	if errc != 0 {
		e.mu.Unlock()
		msg := map[int]string{ErrCodeInvalidOAuthCode: "invalid code", ErrCodeOAuthCodeUsed: "code been used", ErrCodeOAuthCodeExpired: "code expired"}[errc]
		wxError(w, errc, msg)
		return
	}
	c.used = true
	resp := e.issueUserToken(now, c.openid, c.scope)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// issueUserToken creates a web access token and refresh token; e.mu held.
func (e *Emulator) issueUserToken(now time.Time, openid, scope string) map[string]any {
	at := randString(96, tokenAlphabet)
	rt := randString(96, tokenAlphabet)
	e.oauth.tokens[at] = &userToken{openid: openid, scope: scope, expiresAt: now.Add(userTokenTTL)}
	e.oauth.refreshs[rt] = &userToken{openid: openid, scope: scope, expiresAt: now.Add(refreshTokenTTL)}
	resp := map[string]any{
		"access_token":  at,
		"expires_in":    int(userTokenTTL / time.Second),
		"refresh_token": rt,
		"openid":        openid,
		"scope":         scope,
	}
	if p := e.persons.byOpenID[openid]; p != nil {
		if p.Snapshot {
			resp["is_snapshotuser"] = 1
		}
		if p.UnionID != "" && scope == "snsapi_userinfo" {
			resp["unionid"] = p.UnionID
		}
	}
	return resp
}

// handleSNSRefresh is GET /sns/oauth2/refresh_token.
func (e *Emulator) handleSNSRefresh(w http.ResponseWriter, r *http.Request) {
	e.count("sns/oauth2/refresh_token")
	q := r.URL.Query()
	switch {
	case q.Get("appid") != e.cfg.AppID:
		wxError(w, ErrCodeInvalidAppID, "invalid appid")
		return
	case q.Get("grant_type") != "refresh_token":
		wxError(w, ErrCodeInvalidGrantType, "invalid grant_type")
		return
	}
	now := e.now()
	e.mu.Lock()
	rt := e.oauth.refreshs[q.Get("refresh_token")]
	if rt == nil || !now.Before(rt.expiresAt) {
		e.mu.Unlock()
		wxError(w, 40030, "invalid refresh_token")
		return
	}
	resp := e.issueUserToken(now, rt.openid, rt.scope)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// userTokenFor validates a web access token for openid and writes the
// WeChat error when it is unusable.
func (e *Emulator) userTokenFor(w http.ResponseWriter, r *http.Request) (userToken, bool) {
	q := r.URL.Query()
	at := q.Get("access_token")
	if at == "" {
		wxError(w, ErrCodeTokenMissing, "access_token missing")
		return userToken{}, false
	}
	now := e.now()
	e.mu.Lock()
	t := e.oauth.tokens[at]
	var tok userToken
	if t != nil {
		tok = *t
	}
	e.mu.Unlock()
	switch {
	case t == nil:
		wxError(w, ErrCodeInvalidCredential, "invalid credential, access_token is invalid or not latest")
	case !now.Before(tok.expiresAt):
		wxError(w, ErrCodeTokenExpired, "access_token expired")
	case q.Get("openid") != tok.openid:
		wxError(w, ErrCodeInvalidOpenID, "invalid openid")
	default:
		return tok, true
	}
	return userToken{}, false
}

// handleSNSAuth is GET /sns/auth: checks a web access token.
func (e *Emulator) handleSNSAuth(w http.ResponseWriter, r *http.Request) {
	e.count("sns/auth")
	if _, ok := e.userTokenFor(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"})
	}
}

// handleSNSUserinfo is GET /sns/userinfo: the profile a snsapi_userinfo
// login yields; 48001 for a snsapi_base token.
func (e *Emulator) handleSNSUserinfo(w http.ResponseWriter, r *http.Request) {
	e.count("sns/userinfo")
	tok, ok := e.userTokenFor(w, r)
	if !ok {
		return
	}
	if tok.scope != "snsapi_userinfo" {
		wxError(w, ErrCodeAPIUnauthorized, "api unauthorized")
		return
	}
	p, ok := e.LookupPerson(tok.openid)
	if !ok {
		wxError(w, ErrCodeInvalidOpenID, "invalid openid")
		return
	}
	avatar := p.AvatarURL
	if avatar == "" {
		avatar = e.absBase(r) + "/avatar/" + p.OpenID + "/132"
	}
	resp := map[string]any{
		"openid":     p.OpenID,
		"nickname":   p.Nickname,
		"sex":        0,
		"language":   "",
		"province":   "",
		"city":       "",
		"country":    "",
		"headimgurl": avatar,
		"privilege":  []string{},
	}
	if p.Snapshot {
		resp["nickname"] = "微信用户"
	}
	if p.UnionID != "" {
		resp["unionid"] = p.UnionID
	}
	writeJSON(w, http.StatusOK, resp)
}

// absBase is the absolute URL of the emulator's mount as the caller sees it.
func (e *Emulator) absBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + e.cfg.BasePath
}
