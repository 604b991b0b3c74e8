package wechat

import (
	"context"
	"net/url"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type userInfoResponse struct {
	Subscribe  int    `json:"subscribe"`
	OpenID     string `json:"openid"`
	Nickname   string `json:"nickname"`
	HeadImgURL string `json:"headimgurl"`
	UnionID    string `json:"unionid"`
}

// Follower implements application.WeChatFollowers. Since December 2021 WeChat
// returns empty nickname and avatar; they are passed on empty, and the domain never
// lets an empty value erase a known one.
func (c *Client) Follower(ctx context.Context, openID string) (application.Follower, error) {
	var r userInfoResponse
	err := c.withToken(ctx, epUserInfo, func(token string) error {
		q := url.Values{"access_token": {token}, "openid": {openID}, "lang": {"zh_CN"}}
		return c.call(ctx, epUserInfo, "GET", "/cgi-bin/user/info", q, nil, &r)
	})
	if err != nil {
		return application.Follower{}, err
	}
	return application.Follower{
		Subscribed: r.Subscribe == 1,
		Profile:    domain.Profile{UnionID: r.UnionID, Nickname: r.Nickname, AvatarURL: r.HeadImgURL},
	}, nil
}
