package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

// ticketLength is the length of a real jsapi_ticket.
const ticketLength = 86

// ErrCodeInvalidTicketType is getticket's answer to a type other than jsapi/wx_card.
const ErrCodeInvalidTicketType = 40097

type jsTicket struct {
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expires_at"`
}

// handleGetTicket is GET /cgi-bin/ticket/getticket?access_token=&type=jsapi: a new
// ticket on every call, valid for the token lifetime; earlier ones stay valid until
// their own expiry (so a service that fetches more than it needs still works, and
// the call counter shows it).
func (e *Emulator) handleGetTicket(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/ticket/getticket")
	if !e.authorize(w, r) {
		return
	}
	if r.URL.Query().Get("type") != "jsapi" {
		wxError(w, ErrCodeInvalidTicketType, "invalid args, type must be jsapi")
		return
	}
	now := e.now()
	t := jsTicket{Value: randString(ticketLength, alnum+"_-"), ExpiresAt: now.Add(e.cfg.TokenTTL)}
	e.mu.Lock()
	for v, old := range e.tickets {
		if !now.Before(old.ExpiresAt) {
			delete(e.tickets, v)
		}
	}
	e.tickets[t.Value] = t
	e.mu.Unlock()
	e.changed()
	writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": t.Value, "expires_in": int(e.cfg.TokenTTL / time.Second)})
}

// JSConfig is what a page passes to wx.config, plus the page's URL as the
// in-WeChat browser sees it.
type JSConfig struct {
	AppID     string `json:"appId"`
	Timestamp any    `json:"timestamp"` // WeChat accepts a number or a numeric string
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
	URL       string `json:"url"`
}

// CheckConfig verifies a wx.config the way WeChat does: the appId is this account's
// and the signature matches one of the unexpired tickets over the page URL without
// its fragment. It returns "" when the config is good, else WeChat's errMsg.
func (e *Emulator) CheckConfig(c JSConfig) string {
	var ts int64
	switch v := c.Timestamp.(type) {
	case float64:
		ts = int64(v)
	case string:
		ts, _ = strconv.ParseInt(v, 10, 64)
	}
	switch {
	case c.AppID != e.cfg.AppID:
		return "config:invalid appid"
	case ts <= 0 || c.NonceStr == "" || c.Signature == "":
		return "config:invalid signature"
	}
	page := wxcrypto.PageURL(c.URL)
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.tickets {
		if now.Before(t.ExpiresAt) && wxcrypto.JSSDKSignature(t.Value, c.NonceStr, ts, page) == strings.ToLower(c.Signature) {
			return ""
		}
	}
	return "config:invalid signature"
}

// apiJSConfig is POST /api/jssdk/config, called by the emulated wx.config.
func (e *Emulator) apiJSConfig(w http.ResponseWriter, r *http.Request) {
	e.count("jssdk/config")
	var c JSConfig
	if !decodeBody(w, r, &c) {
		return
	}
	if msg := e.CheckConfig(c); msg != "" {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "errMsg": msg})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "errMsg": "config:ok"})
}

// apiWhoAmI is GET /api/whoami: the person this browser is "in WeChat" as (the
// in-WeChat browser's share sheet needs to know who shares).
func (e *Emulator) apiWhoAmI(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(personCookieName)
	if err != nil {
		apiError(w, http.StatusNotFound, "no_person", "这个浏览器还没有以模拟用户的身份打开过链接")
		return
	}
	p, ok := e.LookupPerson(c.Value)
	if !ok {
		apiError(w, http.StatusNotFound, "unknown_person", "模拟用户不存在")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// ShareCard is what WeChat's share menu sends: the card the page set with
// updateAppMessageShareData, or, when it set none, the page itself.
type ShareCard struct {
	Title  string `json:"title"`
	Desc   string `json:"desc"`
	Link   string `json:"link"`
	ImgURL string `json:"imgUrl"`
}

// Share sends card from one person to another (发送给朋友): it lands in the
// recipient's chat as a link card that opens as the recipient.
func (e *Emulator) Share(from, to string, card ShareCard) error {
	sender, ok := e.LookupPerson(from)
	if !ok {
		return ErrUnknownPerson
	}
	recipient, ok := e.LookupPerson(to)
	if !ok {
		return ErrUnknownPerson
	}
	now := e.now()
	e.addChat(to, ChatEntry{Time: now, From: "friend", MsgType: "link", Text: card.Title, Card: &LinkCard{
		FromName: sender.Nickname, Title: card.Title, Desc: card.Desc, Link: card.Link, ImgURL: card.ImgURL,
	}})
	e.addChat(from, ChatEntry{Time: now, From: "system", Text: "已把「" + card.Title + "」发送给 " + recipient.Nickname})
	return nil
}

// apiShare is POST /api/persons/{openid}/share {"to":openid,"title","desc","link","imgUrl"}.
func (e *Emulator) apiShare(w http.ResponseWriter, r *http.Request) {
	var req struct {
		To string `json:"to"`
		ShareCard
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Link == "" || req.To == "" {
		apiError(w, http.StatusBadRequest, "bad_share", `give "to" and "link"`)
		return
	}
	if err := e.Share(r.PathValue("openid"), req.To, req.ShareCard); err != nil {
		apiError(w, http.StatusNotFound, "unknown_person", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// handleJWeixin serves the emulated JS-SDK (what res.wx.qq.com/open/js/jweixin-1.6.0.js
// is in WeChat): a wx object whose config is checked by this emulator, plus the
// in-WeChat browser's ··· menu (发送给朋友, 分享到朋友圈) and 识别图中二维码.
func (e *Emulator) handleJWeixin(w http.ResponseWriter, _ *http.Request) {
	b, err := staticFS.ReadFile("static/jweixin.js")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}
