package emulator

import (
	"errors"
	"net/http"
	"strings"
)

// ErrEmptyMessage is returned for a text message with no content.
var ErrEmptyMessage = errors.New("emulator: empty message")

// personAction checks that openid exists and follows (only followers can chat or
// tap the menu), and records what they did in their chat.
func (e *Emulator) personAction(openid, text string) error {
	p, ok := e.LookupPerson(openid)
	switch {
	case !ok:
		return ErrUnknownPerson
	case !p.Following:
		return ErrNotFollowing
	}
	e.addChat(openid, ChatEntry{Time: e.now(), From: "me", Text: text})
	return nil
}

// SendMessage makes the person send a text message to the account.
func (e *Emulator) SendMessage(openid, content string) (DeliveryResult, error) {
	if strings.TrimSpace(content) == "" {
		return DeliveryResult{}, ErrEmptyMessage
	}
	if err := e.personAction(openid, content); err != nil {
		return DeliveryResult{}, err
	}
	return e.deliverOne(Delivery{OpenID: openid, Content: content, CreateTime: e.now().Unix()}), nil
}

// ClickMenu makes the person tap a click-type menu button with this key.
func (e *Emulator) ClickMenu(openid, key, name string) (DeliveryResult, error) {
	if name == "" {
		name = key
	}
	if err := e.personAction(openid, menuLabel(name)); err != nil {
		return DeliveryResult{}, err
	}
	return e.deliverOne(Delivery{OpenID: openid, Event: "CLICK", EventKey: key, CreateTime: e.now().Unix()}), nil
}

// ViewMenu makes the person tap a view-type menu button: WeChat pushes VIEW and
// opens the URL (the phone page follows it through /open).
func (e *Emulator) ViewMenu(openid, url, name string) (DeliveryResult, error) {
	if name == "" {
		name = url
	}
	if err := e.personAction(openid, menuLabel(name)); err != nil {
		return DeliveryResult{}, err
	}
	return e.deliverOne(Delivery{OpenID: openid, Event: "VIEW", EventKey: url, CreateTime: e.now().Unix()}), nil
}

func (e *Emulator) apiMessage(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Content string `json:"content"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	res, err := e.SendMessage(r.PathValue("openid"), req.Content)
	if errors.Is(err, ErrEmptyMessage) {
		apiError(w, http.StatusBadRequest, "empty_message", err.Error())
		return
	}
	e.apiResult(w, res, err)
}

func (e *Emulator) apiClick(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key  string `json:"key"`
		Name string `json:"name"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Key == "" {
		apiError(w, http.StatusBadRequest, "missing_key", `give the button's "key"`)
		return
	}
	res, err := e.ClickMenu(r.PathValue("openid"), req.Key, req.Name)
	e.apiResult(w, res, err)
}

func (e *Emulator) apiView(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.URL == "" {
		apiError(w, http.StatusBadRequest, "missing_url", `give the button's "url"`)
		return
	}
	res, err := e.ViewMenu(r.PathValue("openid"), req.URL, req.Name)
	e.apiResult(w, res, err)
}
