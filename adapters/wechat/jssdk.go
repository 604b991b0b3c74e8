package wechat

import (
	"context"
	"net/url"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
	"github.com/wxinvite/wxinvite/application"
)

// jsapiKeySuffix keys the jsapi_ticket in the TokenStore next to the access_token
// (appid → token, appid+":jsapi" → ticket): the same row shape, lease and CAS.
const jsapiKeySuffix = ":jsapi"

var _ application.WeChatJSSDK = (*Client)(nil)

type ticketResponse struct {
	Ticket    string `json:"ticket"`
	ExpiresIn int64  `json:"expires_in"`
}

// fetchJSAPITicket calls cgi-bin/ticket/getticket?type=jsapi with the access token
// (a rejected token is refreshed and the call retried once, as for every API call).
func (c *Client) fetchJSAPITicket(ctx context.Context) (string, time.Duration, error) {
	var r ticketResponse
	err := c.withToken(ctx, epTicket, func(token string) error {
		return c.call(ctx, epTicket, "GET", "/cgi-bin/ticket/getticket", url.Values{"access_token": {token}, "type": {"jsapi"}}, nil, &r)
	})
	if err != nil {
		return "", 0, err
	}
	if r.Ticket == "" || r.ExpiresIn <= 0 {
		return "", 0, application.Errorf(application.KindUnavailable, "wechat_error", nil, "WeChat %s returned no ticket", epTicket)
	}
	return r.Ticket, time.Duration(r.ExpiresIn) * time.Second, nil
}

// JSAPITicket returns a usable jsapi_ticket, fetching one only when neither this
// process nor the central store has one. Exported for tests.
func (c *Client) JSAPITicket(ctx context.Context) (string, error) { return c.get(ctx, c.jsapi) }

// SignPage implements application.WeChatJSSDK.
func (c *Client) SignPage(ctx context.Context, pageURL string, timestamp int64, nonce string) (application.PageSignature, error) {
	ticket, err := c.JSAPITicket(ctx)
	if err != nil {
		return application.PageSignature{}, err
	}
	return application.PageSignature{
		AppID: c.cfg.AppID, Timestamp: timestamp, NonceStr: nonce,
		Signature: wxcrypto.JSSDKSignature(ticket, nonce, timestamp, wxcrypto.PageURL(pageURL)),
	}, nil
}
