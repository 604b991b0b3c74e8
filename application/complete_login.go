package application

import (
	"context"

	"github.com/wxinvite/wxinvite/domain"
)

// LoginCommand is the end of a web OAuth round trip: the one-time code WeChat gave
// the browser and the attribution of the invite link the browser was carrying, if
// any (built by the web adapter with domain.LinkAttribution; zero when none).
type LoginCommand struct {
	Code        string
	Attribution domain.Attribution
}

// CompleteLoginService turns an OAuth code into a known user: the link path's entry
// into Join.
type CompleteLoginService struct {
	oauth WeChatOAuth
	join  *JoinService
}

// NewCompleteLoginService builds the use case.
func NewCompleteLoginService(oauth WeChatOAuth, join *JoinService) *CompleteLoginService {
	return &CompleteLoginService{oauth: oauth, join: join}
}

// CompleteLogin exchanges the code, refuses WeChat's snapshot-page visitors (they are
// not real people), fetches the profile when the scope allows, and joins the person
// with link attribution when an invite code came along. A profile that cannot be
// fetched does not stop the login: the person still gets in, without a nickname.
func (s *CompleteLoginService) CompleteLogin(ctx context.Context, cmd LoginCommand) (JoinResult, error) {
	if cmd.Code == "" || len(cmd.Code) > 512 {
		return JoinResult{}, Errorf(KindInvalid, "invalid_oauth_code", nil, "the authorization code is missing or malformed")
	}
	id, err := s.oauth.Exchange(ctx, cmd.Code)
	if err != nil {
		return JoinResult{}, err
	}
	if id.Snapshot {
		return JoinResult{}, Errorf(KindUnauthorized, "snapshot_user", nil, "please open the page in WeChat to continue")
	}
	var profile domain.Profile
	if id.Scope == "snsapi_userinfo" {
		if p, err := s.oauth.Profile(ctx, id); err == nil {
			profile = p
		}
	}
	if profile.UnionID == "" {
		profile.UnionID = id.UnionID
	}
	return s.join.Join(ctx, JoinCommand{OpenID: id.OpenID, Profile: profile, Attribution: cmd.Attribution, Contact: domain.AuditLogin})
}
