package application

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// IssuedQRCode is WeChat's answer to a qrcode/create call.
type IssuedQRCode struct {
	Ticket    string
	URL       string        // the content encoded in the image
	ExpiresIn time.Duration // zero for permanent codes
}

// WeChatQRCodes creates parametric QR codes with the server access_token.
type WeChatQRCodes interface {
	// CreateQRCode asks WeChat for a code. KindUnavailable when WeChat is down or a
	// quota is exhausted; KindConflict when the permanent-code quota is used up.
	CreateQRCode(ctx context.Context, req domain.QRRequest) (IssuedQRCode, error)
	// ImageURL is where WeChat serves the image of a ticket (no token needed).
	ImageURL(ticket string) string
}

// Follower is what user/info tells about a person; since December 2021 WeChat
// returns empty nickname and avatar here, so Profile usually holds only a unionid.
type Follower struct {
	Subscribed bool
	Profile    domain.Profile
}

// WeChatFollowers reads follower information with the server access_token.
type WeChatFollowers interface {
	// Follower returns what WeChat knows of openID. KindUnavailable when WeChat is
	// down or slow; KindNotFound for an openid WeChat does not know.
	Follower(ctx context.Context, openID string) (Follower, error)
}

// OAuthIdentity is who completed web OAuth.
type OAuthIdentity struct {
	OpenID  string
	UnionID string
	Scope   string
	// AccessToken is the user's (not the server's) token, good only for sns/userinfo.
	AccessToken string
	// Snapshot is true for WeChat's 快照页 virtual visitors: not a real person.
	Snapshot bool
}

// WeChatOAuth is WeChat web authorisation (网页授权).
type WeChatOAuth interface {
	// AuthorizeURL is where to send the browser; WeChat returns it to redirectURI
	// with code and state.
	AuthorizeURL(redirectURI, state string) string
	// Exchange trades a one-time code for an identity. KindInvalid for an unknown,
	// used or expired code; KindUnavailable when WeChat is down.
	Exchange(ctx context.Context, code string) (OAuthIdentity, error)
	// Profile fetches nickname and avatar (snsapi_userinfo scope only). KindInvalid
	// when the scope does not allow it; KindUnavailable when WeChat is down.
	Profile(ctx context.Context, id OAuthIdentity) (domain.Profile, error)
}
