package wechat

import (
	"context"
	"net/url"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// AuthorizeURL implements application.WeChatOAuth. The parameters are written in the
// documented order and the #wechat_redirect fragment is mandatory: WeChat shows an
// error page without it.
func (c *Client) AuthorizeURL(redirectURI, state string) string {
	return c.cfg.OAuthBase + "/connect/oauth2/authorize?appid=" + url.QueryEscape(c.cfg.AppID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&response_type=code&scope=" + url.QueryEscape(c.cfg.Scope) +
		"&state=" + url.QueryEscape(state) + "#wechat_redirect"
}

type snsTokenResponse struct {
	AccessToken    string `json:"access_token"`
	ExpiresIn      int64  `json:"expires_in"`
	RefreshToken   string `json:"refresh_token"`
	OpenID         string `json:"openid"`
	Scope          string `json:"scope"`
	IsSnapshotUser int    `json:"is_snapshotuser"`
	UnionID        string `json:"unionid"`
}

// Exchange implements application.WeChatOAuth. It needs no server token: the code
// is traded with the app secret.
func (c *Client) Exchange(ctx context.Context, code string) (application.OAuthIdentity, error) {
	q := url.Values{"appid": {c.cfg.AppID}, "secret": {c.cfg.AppSecret}, "code": {code}, "grant_type": {"authorization_code"}}
	var r snsTokenResponse
	if err := c.call(ctx, epSNSToken, "GET", "/sns/oauth2/access_token", q, nil, &r); err != nil {
		return application.OAuthIdentity{}, classify(epSNSToken, err)
	}
	if r.OpenID == "" {
		return application.OAuthIdentity{}, application.Errorf(application.KindUnavailable, "wechat_error", nil, "WeChat returned no openid")
	}
	return application.OAuthIdentity{
		OpenID: r.OpenID, UnionID: r.UnionID, Scope: r.Scope, AccessToken: r.AccessToken,
		Snapshot: r.IsSnapshotUser == 1,
	}, nil
}

type snsUserinfoResponse struct {
	OpenID     string `json:"openid"`
	Nickname   string `json:"nickname"`
	HeadImgURL string `json:"headimgurl"`
	UnionID    string `json:"unionid"`
}

// Profile implements application.WeChatOAuth with the user's own token.
func (c *Client) Profile(ctx context.Context, id application.OAuthIdentity) (domain.Profile, error) {
	q := url.Values{"access_token": {id.AccessToken}, "openid": {id.OpenID}, "lang": {"zh_CN"}}
	var r snsUserinfoResponse
	if err := c.call(ctx, epSNSUserinfo, "GET", "/sns/userinfo", q, nil, &r); err != nil {
		return domain.Profile{}, classify(epSNSUserinfo, err)
	}
	return domain.Profile{UnionID: r.UnionID, Nickname: r.Nickname, AvatarURL: r.HeadImgURL}, nil
}
