package wechat

import (
	"context"
	"errors"
	"net/url"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Chat-loop endpoints (wechat-protocol.md §7, §8).
const (
	epMenuCreate  = "cgi-bin/menu/create"
	epMenuGet     = "cgi-bin/menu/get"
	epMediaUpload = "cgi-bin/media/upload"
	epKefuSend    = "cgi-bin/message/custom/send"
)

// Errcodes of the chat loop.
const (
	codeMenuMissing    = 46003 // menu/get: no menu installed
	codeKefuOutOfTime  = 45015 // kefu outside the window, or the user unfollowed
	codeKefuQuota      = 45047 // kefu quota of the window used up
	codeInvalidMediaID = 40007
)

var (
	_ application.WeChatMenus = (*Client)(nil)
	_ application.WeChatMedia = (*Client)(nil)
	_ application.WeChatKefu  = (*Client)(nil)
)

// MenuButtonJSON is one button in WeChat's menu JSON (menu/create, menu/get and
// the admin API speak the same shape).
type MenuButtonJSON struct {
	Type      string           `json:"type,omitempty"`
	Name      string           `json:"name"`
	Key       string           `json:"key,omitempty"`
	URL       string           `json:"url,omitempty"`
	AppID     string           `json:"appid,omitempty"`
	PagePath  string           `json:"pagepath,omitempty"`
	MediaID   string           `json:"media_id,omitempty"`
	ArticleID string           `json:"article_id,omitempty"`
	SubButton []MenuButtonJSON `json:"sub_button,omitempty"`
}

// MenuJSON is WeChat's {"button":[…]}.
type MenuJSON struct {
	Button []MenuButtonJSON `json:"button"`
}

// MenuToJSON converts a domain menu to WeChat's JSON.
func MenuToJSON(m domain.Menu) MenuJSON {
	var conv func(bs []domain.MenuButton) []MenuButtonJSON
	conv = func(bs []domain.MenuButton) []MenuButtonJSON {
		out := make([]MenuButtonJSON, 0, len(bs))
		for _, b := range bs {
			out = append(out, MenuButtonJSON{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, AppID: b.AppID,
				PagePath: b.PagePath, MediaID: b.MediaID, ArticleID: b.ArticleID, SubButton: nilIfEmpty(conv(b.Sub))})
		}
		return out
	}
	return MenuJSON{Button: conv(m.Buttons)}
}

func nilIfEmpty(bs []MenuButtonJSON) []MenuButtonJSON {
	if len(bs) == 0 {
		return nil
	}
	return bs
}

// Domain converts WeChat's menu JSON to the domain menu.
func (m MenuJSON) Domain() domain.Menu {
	var conv func(bs []MenuButtonJSON) []domain.MenuButton
	conv = func(bs []MenuButtonJSON) []domain.MenuButton {
		var out []domain.MenuButton
		for _, b := range bs {
			out = append(out, domain.MenuButton{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, AppID: b.AppID,
				PagePath: b.PagePath, MediaID: b.MediaID, ArticleID: b.ArticleID, Sub: conv(b.SubButton)})
		}
		return out
	}
	return domain.Menu{Buttons: conv(m.Button)}
}

// CreateMenu implements application.WeChatMenus. The menu is validated first, so
// a menu WeChat would refuse never costs a call.
func (c *Client) CreateMenu(ctx context.Context, m domain.Menu) error {
	if err := m.Validate(); err != nil {
		return application.Errorf(application.KindInvalid, "invalid_menu", err, "%v", err)
	}
	err := c.withToken(ctx, epMenuCreate, func(token string) error {
		return c.call(ctx, epMenuCreate, "POST", "/cgi-bin/menu/create", url.Values{"access_token": {token}}, MenuToJSON(m), nil)
	})
	var ae *APIError
	if errors.As(err, &ae) && menuRefused(ae.Code) {
		return application.Errorf(application.KindInvalid, "invalid_menu", err, "WeChat refused the menu: %s", ae.Msg)
	}
	return err
}

// menuRefused reports WeChat's own menu checks (button count, names, types,
// keys, URLs): 40016–40027, 40054 and 40055.
func menuRefused(code int) bool {
	return (code >= 40016 && code <= 40027) || code == 40054 || code == 40055
}

type menuGetResponse struct {
	Menu MenuJSON `json:"menu"`
}

// Menu implements application.WeChatMenus.
func (c *Client) Menu(ctx context.Context) (domain.Menu, error) {
	var r menuGetResponse
	err := c.withToken(ctx, epMenuGet, func(token string) error {
		return c.call(ctx, epMenuGet, "GET", "/cgi-bin/menu/get", url.Values{"access_token": {token}}, nil, &r)
	})
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == codeMenuMissing {
		return domain.Menu{}, application.NotFound("menu", err)
	}
	if err != nil {
		return domain.Menu{}, err
	}
	return r.Menu.Domain(), nil
}
