package wechat

import (
	"context"
	"net/url"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type qrScene struct {
	SceneStr string `json:"scene_str,omitempty"`
	SceneID  uint32 `json:"scene_id,omitempty"`
}

type qrCreateRequest struct {
	// ExpireSeconds is always sent for temporary codes: the platform's default when
	// it is omitted is 30 or 60 s depending on the doc copy.
	ExpireSeconds int64  `json:"expire_seconds,omitempty"`
	ActionName    string `json:"action_name"`
	// ActionInfo must nest the scene object, or pushes come back with qrscene_0.
	ActionInfo struct {
		Scene qrScene `json:"scene"`
	} `json:"action_info"`
}

type qrCreateResponse struct {
	Ticket        string `json:"ticket"`
	ExpireSeconds int64  `json:"expire_seconds"`
	URL           string `json:"url"`
}

// CreateQRCode implements application.WeChatQRCodes.
func (c *Client) CreateQRCode(ctx context.Context, req domain.QRRequest) (application.IssuedQRCode, error) {
	if err := req.Scene.ValidateFor(req.Kind); err != nil {
		return application.IssuedQRCode{}, application.Errorf(application.KindInvalid, "invalid_scene", err, "the QR scene is not valid")
	}
	body := qrCreateRequest{ActionName: actionName(req.Kind, req.Scene)}
	body.ActionInfo.Scene = qrScene{SceneStr: req.Scene.Str, SceneID: req.Scene.ID}
	if req.Kind == domain.QRTemporary {
		body.ExpireSeconds = int64(req.Lifetime / time.Second)
		if body.ExpireSeconds <= 0 {
			return application.IssuedQRCode{}, application.Errorf(application.KindInvalid, "invalid_lifetime", domain.ErrInvalidLifetime, "a temporary QR code needs a lifetime")
		}
	}
	var r qrCreateResponse
	err := c.withToken(ctx, epQRCreate, func(token string) error {
		return c.call(ctx, epQRCreate, "POST", "/cgi-bin/qrcode/create", url.Values{"access_token": {token}}, body, &r)
	})
	if err != nil {
		return application.IssuedQRCode{}, err
	}
	if r.Ticket == "" {
		return application.IssuedQRCode{}, application.Errorf(application.KindUnavailable, "wechat_error", nil, "WeChat returned no ticket")
	}
	out := application.IssuedQRCode{Ticket: r.Ticket, URL: r.URL}
	if req.Kind == domain.QRTemporary {
		out.ExpiresIn = time.Duration(r.ExpireSeconds) * time.Second
		if out.ExpiresIn <= 0 || out.ExpiresIn > req.Lifetime {
			out.ExpiresIn = req.Lifetime
		}
	}
	return out, nil
}

// ImageURL implements application.WeChatQRCodes. Tickets contain '+', '/' and '=',
// so the ticket is query-escaped.
func (c *Client) ImageURL(ticket string) string {
	return c.mpBase + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(ticket)
}

// actionName is the qrcode/create action for a kind and scene (wechat-protocol.md §4).
func actionName(kind domain.QRKind, s domain.Scene) string {
	switch {
	case kind == domain.QRPermanent && s.Str != "":
		return "QR_LIMIT_STR_SCENE"
	case kind == domain.QRPermanent:
		return "QR_LIMIT_SCENE"
	case s.Str != "":
		return "QR_STR_SCENE"
	default:
		return "QR_SCENE"
	}
}
