package wechat

import (
	"context"
	"errors"
	"net/url"

	"github.com/wxinvite/wxinvite/application"
)

type kefuText struct {
	Content string `json:"content"`
}

type kefuImage struct {
	MediaID string `json:"media_id"`
}

type kefuMessage struct {
	ToUser  string     `json:"touser"`
	MsgType string     `json:"msgtype"`
	Text    *kefuText  `json:"text,omitempty"`
	Image   *kefuImage `json:"image,omitempty"`
}

// SendText implements application.WeChatKefu.
func (c *Client) SendText(ctx context.Context, openID, text string) error {
	return c.sendKefu(ctx, kefuMessage{ToUser: openID, MsgType: "text", Text: &kefuText{Content: text}})
}

// SendImage implements application.WeChatKefu.
func (c *Client) SendImage(ctx context.Context, openID, mediaID string) error {
	return c.sendKefu(ctx, kefuMessage{ToUser: openID, MsgType: "image", Image: &kefuImage{MediaID: mediaID}})
}

// sendKefu makes exactly one send (the token retry aside): a refused notice is
// deferred by the caller, never retried here.
func (c *Client) sendKefu(ctx context.Context, msg kefuMessage) error {
	err := c.withToken(ctx, epKefuSend, func(token string) error {
		return c.call(ctx, epKefuSend, "POST", "/cgi-bin/message/custom/send", url.Values{"access_token": {token}}, msg, nil)
	})
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case codeKefuOutOfTime:
			return &application.Error{Kind: application.ErrKefuOutOfWindow.Kind, Code: application.ErrKefuOutOfWindow.Code, Message: application.ErrKefuOutOfWindow.Message, Err: err}
		case codeKefuQuota:
			return &application.Error{Kind: application.ErrKefuQuota.Kind, Code: application.ErrKefuQuota.Code, Message: application.ErrKefuQuota.Message, Err: err}
		case codeInvalidUser, codeInvalidMediaID:
			return application.Errorf(application.KindInvalid, "kefu_refused", err, "WeChat refused the kefu message: %s", ae.Msg)
		}
	}
	return err
}
