package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// WeChat's menu errcodes, answered by menu/create for a menu it refuses.
const (
	ErrCodeMenuButtonCount    = 40016
	ErrCodeMenuButtonType     = 40017
	ErrCodeMenuNameSize       = 40018
	ErrCodeMenuKeySize        = 40019
	ErrCodeMenuURLSize        = 40020
	ErrCodeMenuSubButtonCount = 40023
	ErrCodeMenuSubButtonType  = 40024
	ErrCodeMenuSubNameSize    = 40025
	ErrCodeMenuSubKeySize     = 40026
	ErrCodeMenuSubURLSize     = 40027
	ErrCodeMenuMissing        = 46003
)

// MenuButton is a button of the emulated account's custom menu, in WeChat's JSON.
type MenuButton struct {
	Type      string       `json:"type,omitempty"`
	Name      string       `json:"name"`
	Key       string       `json:"key,omitempty"`
	URL       string       `json:"url,omitempty"`
	AppID     string       `json:"appid,omitempty"`
	PagePath  string       `json:"pagepath,omitempty"`
	MediaID   string       `json:"media_id,omitempty"`
	ArticleID string       `json:"article_id,omitempty"`
	SubButton []MenuButton `json:"sub_button"`
}

// Menu is the emulated account's custom menu.
type Menu struct {
	Button []MenuButton `json:"button"`
}

var menuKeyTypes = map[string]bool{"click": true, "scancode_push": true, "scancode_waitmsg": true,
	"pic_sysphoto": true, "pic_photo_or_album": true, "pic_weixin": true, "location_select": true}
var menuOtherTypes = map[string]bool{"view": true, "miniprogram": true, "media_id": true,
	"view_limited": true, "article_id": true, "article_view_limited": true}

// checkMenu applies WeChat's menu limits (wechat-protocol.md §7) and returns the
// errcode WeChat would answer, 0 when the menu is accepted.
func checkMenu(m Menu) (int, string) {
	if len(m.Button) == 0 || len(m.Button) > 3 {
		return ErrCodeMenuButtonCount, "invalid button size"
	}
	leaf := func(b MenuButton, sub bool) (int, string) {
		typ, name, key, url := ErrCodeMenuButtonType, ErrCodeMenuNameSize, ErrCodeMenuKeySize, ErrCodeMenuURLSize
		maxName := 16
		if sub {
			typ, name, key, url = ErrCodeMenuSubButtonType, ErrCodeMenuSubNameSize, ErrCodeMenuSubKeySize, ErrCodeMenuSubURLSize
			maxName = 60
		}
		switch {
		case b.Name == "" || len(b.Name) > maxName:
			return name, "invalid button name size"
		case menuKeyTypes[b.Type]:
			if b.Key == "" || len(b.Key) > 128 {
				return key, "invalid button key size"
			}
		case b.Type == "view" || b.Type == "miniprogram":
			if b.URL == "" || len(b.URL) > 1024 {
				return url, "invalid button url size"
			}
		case !menuOtherTypes[b.Type]:
			return typ, "invalid button type"
		}
		return 0, ""
	}
	for _, b := range m.Button {
		if len(b.SubButton) == 0 {
			if code, msg := leaf(b, false); code != 0 {
				return code, msg
			}
			continue
		}
		if b.Name == "" || len(b.Name) > 16 {
			return ErrCodeMenuNameSize, "invalid button name size"
		}
		if len(b.SubButton) > 5 {
			return ErrCodeMenuSubButtonCount, "invalid sub button size"
		}
		for _, s := range b.SubButton {
			if len(s.SubButton) > 0 {
				return ErrCodeMenuSubButtonType, "invalid sub button type"
			}
			if code, msg := leaf(s, true); code != 0 {
				return code, msg
			}
		}
	}
	return 0, ""
}

// handleMenuCreate is POST /cgi-bin/menu/create.
func (e *Emulator) handleMenuCreate(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/menu/create")
	if !e.authorize(w, r) {
		return
	}
	var m Menu
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&m); err != nil {
		wxError(w, ErrCodeDataFormat, "data format error")
		return
	}
	if code, msg := checkMenu(m); code != 0 {
		wxError(w, code, msg)
		return
	}
	for i := range m.Button { // WeChat answers sub_button as [] for leaves
		if m.Button[i].SubButton == nil {
			m.Button[i].SubButton = []MenuButton{}
		}
		for j := range m.Button[i].SubButton {
			m.Button[i].SubButton[j].SubButton = []MenuButton{}
		}
	}
	e.mu.Lock()
	e.menu = &m
	e.mu.Unlock()
	e.log.Info("menu installed", "buttons", len(m.Button))
	writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// handleMenuGet is GET /cgi-bin/menu/get.
func (e *Emulator) handleMenuGet(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/menu/get")
	if !e.authorize(w, r) {
		return
	}
	m, ok := e.Menu()
	if !ok {
		wxError(w, ErrCodeMenuMissing, "menu no exist")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"menu": m})
}

// Menu returns the installed menu, if any.
func (e *Emulator) Menu() (Menu, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.menu == nil {
		return Menu{}, false
	}
	return *e.menu, true
}

func (e *Emulator) apiMenu(w http.ResponseWriter, _ *http.Request) {
	m, ok := e.Menu()
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"button": []MenuButton{}})
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// menuLabel describes a tap for the person's chat.
func menuLabel(name string) string { return fmt.Sprintf("点击菜单「%s」", name) }

// SetMenu installs m as if the account had called menu/create with it (the
// service's default menu at start), applying the same checks.
func (e *Emulator) SetMenu(m Menu) error {
	if code, msg := checkMenu(m); code != 0 {
		return fmt.Errorf("emulator: menu refused: %d %s", code, msg)
	}
	e.mu.Lock()
	e.menu = &m
	e.mu.Unlock()
	return nil
}
