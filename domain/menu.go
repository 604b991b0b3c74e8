package domain

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrInvalidMenu means a custom menu breaks one of WeChat's limits; the wrapping
// *MenuError names the button and the limit.
var ErrInvalidMenu = errors.New("invalid menu")

// PosterMenuKey is the click key that asks for the user's poster.
const PosterMenuKey = "wxinvite.poster"

// WeChat's custom menu limits (wechat-protocol.md §7). Where the doc copies
// disagree the newer, documented value is used; WeChat still has the last word
// and its errcode is surfaced if it refuses.
const (
	MaxMenuButtons      = 3
	MaxMenuSubButtons   = 5
	MaxMenuNameBytes    = 16 // top-level button names
	MaxSubMenuNameBytes = 60 // sub-button names (40 in older copies)
	MaxMenuKeyBytes     = 128
	MaxMenuURLBytes     = 1024 // 256 in older copies
)

// MenuButton is one button of an official account's custom menu, top-level or
// sub. Only the fields its Type needs are set; a top-level button with Sub has no
// Type of its own.
type MenuButton struct {
	Type      string
	Name      string
	Key       string
	URL       string
	AppID     string // miniprogram
	PagePath  string // miniprogram
	MediaID   string // media_id, view_limited
	ArticleID string // article_id, article_view_limited
	Sub       []MenuButton
}

// Menu is an official account's custom menu: at most three top-level buttons.
type Menu struct {
	Buttons []MenuButton
}

// MenuError says which button breaks which limit, so an operator can fix it
// without guessing.
type MenuError struct {
	// Button is the path of the offending button, e.g. `button[2].sub_button[1] "活动"`
	// (1-based, like a person counts), or "button" for the whole list.
	Button string
	// Limit says what rule was broken, e.g. "name is at most 16 bytes (got 21)".
	Limit string
}

// Error implements error.
func (e *MenuError) Error() string { return e.Button + ": " + e.Limit }

// Unwrap makes every MenuError match ErrInvalidMenu.
func (e *MenuError) Unwrap() error { return ErrInvalidMenu }

// keyTypes need a key; the others need what menuFields lists.
var keyTypes = map[string]bool{
	"click": true, "scancode_push": true, "scancode_waitmsg": true, "pic_sysphoto": true,
	"pic_photo_or_album": true, "pic_weixin": true, "location_select": true,
}

var otherTypes = map[string]bool{
	"view": true, "miniprogram": true, "media_id": true, "view_limited": true,
	"article_id": true, "article_view_limited": true,
}

// Validate checks m against WeChat's limits and returns the first violation as a
// *MenuError (matching ErrInvalidMenu), in button order.
func (m Menu) Validate() error {
	if len(m.Buttons) == 0 {
		return &MenuError{Button: "button", Limit: "a menu needs at least one button"}
	}
	if len(m.Buttons) > MaxMenuButtons {
		return &MenuError{Button: "button", Limit: fmt.Sprintf("at most %d top-level buttons (got %d)", MaxMenuButtons, len(m.Buttons))}
	}
	for i, b := range m.Buttons {
		path := fmt.Sprintf("button[%d] %q", i+1, b.Name)
		if err := checkName(path, b.Name, MaxMenuNameBytes); err != nil {
			return err
		}
		if len(b.Sub) == 0 {
			if err := b.checkAction(path); err != nil {
				return err
			}
			continue
		}
		if b.Type != "" {
			return &MenuError{Button: path, Limit: "a button with sub_button has no type of its own"}
		}
		if len(b.Sub) > MaxMenuSubButtons {
			return &MenuError{Button: path, Limit: fmt.Sprintf("at most %d sub-buttons (got %d)", MaxMenuSubButtons, len(b.Sub))}
		}
		for j, s := range b.Sub {
			sp := fmt.Sprintf("button[%d].sub_button[%d] %q", i+1, j+1, s.Name)
			if err := checkName(sp, s.Name, MaxSubMenuNameBytes); err != nil {
				return err
			}
			if len(s.Sub) > 0 {
				return &MenuError{Button: sp, Limit: "sub-buttons cannot have sub-buttons"}
			}
			if err := s.checkAction(sp); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkName(path, name string, max int) error {
	switch {
	case strings.TrimSpace(name) == "":
		return &MenuError{Button: path, Limit: "name is required"}
	case len(name) > max:
		return &MenuError{Button: path, Limit: fmt.Sprintf("name is at most %d bytes (got %d)", max, len(name))}
	}
	return nil
}

// checkAction checks what a leaf button does.
func (b MenuButton) checkAction(path string) error {
	need := func(field, v string) error {
		if v == "" {
			return &MenuError{Button: path, Limit: fmt.Sprintf("type %s needs %s", b.Type, field)}
		}
		return nil
	}
	switch {
	case b.Type == "":
		return &MenuError{Button: path, Limit: "type is required (or sub_button)"}
	case keyTypes[b.Type]:
		if err := need("key", b.Key); err != nil {
			return err
		}
		if len(b.Key) > MaxMenuKeyBytes {
			return &MenuError{Button: path, Limit: fmt.Sprintf("key is at most %d bytes (got %d)", MaxMenuKeyBytes, len(b.Key))}
		}
	case !otherTypes[b.Type]:
		return &MenuError{Button: path, Limit: fmt.Sprintf("unknown type %q", b.Type)}
	case b.Type == "view" || b.Type == "miniprogram":
		if err := need("url", b.URL); err != nil {
			return err
		}
		if len(b.URL) > MaxMenuURLBytes {
			return &MenuError{Button: path, Limit: fmt.Sprintf("url is at most %d bytes (got %d)", MaxMenuURLBytes, len(b.URL))}
		}
		if u, err := url.Parse(b.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &MenuError{Button: path, Limit: "url must be an absolute http(s) URL"}
		}
		if b.Type == "miniprogram" {
			if err := need("appid", b.AppID); err != nil {
				return err
			}
			return need("pagepath", b.PagePath)
		}
	case b.Type == "media_id" || b.Type == "view_limited":
		return need("media_id", b.MediaID)
	default: // article_id, article_view_limited
		return need("article_id", b.ArticleID)
	}
	return nil
}

// DefaultMenu is the menu a fresh installation offers: the poster as a click and
// the invite progress page as a view. meURL is the absolute URL of /me.
func DefaultMenu(meURL string) Menu {
	return Menu{Buttons: []MenuButton{
		{Type: "click", Name: "我的海报", Key: PosterMenuKey},
		{Type: "view", Name: "邀请进度", URL: meURL},
	}}
}
