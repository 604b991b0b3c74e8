package emulator

import (
	"encoding/json"
	"net/http"
	"time"
)

// Kefu (customer-service message) rules, as the service-account doc states them
// today (wechat-protocol.md §7): after the user sends a message, 5 messages within
// 48 h; after a follow, scan or click-type menu tap, 3 within 1 minute. A newer
// interaction of the same kind renews its allowance.
const (
	KefuMessageWindow = 48 * time.Hour
	KefuMessageQuota  = 5
	KefuEventWindow   = time.Minute
	KefuEventQuota    = 3

	ErrCodeKefuOutOfTime = 45015
	ErrCodeKefuQuota     = 45047
)

// kefuWindows is one person's allowances.
type kefuWindows struct {
	messageAt, eventAt     time.Time
	messageUsed, eventUsed int
}

// openKefuWindow records a qualifying interaction at its own CreateTime.
func (e *Emulator) openKefuWindow(d Delivery) {
	at := time.Unix(d.CreateTime, 0)
	e.mu.Lock()
	defer e.mu.Unlock()
	k := e.kefu[d.OpenID]
	if k == nil {
		k = &kefuWindows{}
		e.kefu[d.OpenID] = k
	}
	switch {
	case d.Event == "":
		if at.After(k.messageAt) {
			k.messageAt, k.messageUsed = at, 0
		}
	case d.Event == "subscribe" || d.Event == "SCAN" || d.Event == "CLICK" || d.Event == "scancode_push" || d.Event == "scancode_waitmsg":
		if at.After(k.eventAt) {
			k.eventAt, k.eventUsed = at, 0
		}
	}
}

// spendKefu takes one message from openid's allowances at now, or says which
// errcode WeChat answers.
func (e *Emulator) spendKefu(openid string, now time.Time) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := e.kefu[openid]
	if k == nil {
		return ErrCodeKefuOutOfTime
	}
	eventOpen := !k.eventAt.IsZero() && !now.Before(k.eventAt) && now.Before(k.eventAt.Add(KefuEventWindow))
	messageOpen := !k.messageAt.IsZero() && !now.Before(k.messageAt) && now.Before(k.messageAt.Add(KefuMessageWindow))
	switch {
	case eventOpen && k.eventUsed < KefuEventQuota:
		k.eventUsed++
	case messageOpen && k.messageUsed < KefuMessageQuota:
		k.messageUsed++
	case eventOpen || messageOpen:
		return ErrCodeKefuQuota
	default:
		return ErrCodeKefuOutOfTime
	}
	return 0
}

// handleCustomSend is POST /cgi-bin/message/custom/send: a kefu text or image
// lands in the person's chat if their window and quota allow it; else 45015 or
// 45047, exactly as WeChat answers, so a budgeting bug in the service shows.
func (e *Emulator) handleCustomSend(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/message/custom/send")
	if !e.authorize(w, r) {
		return
	}
	var req struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
		Image struct {
			MediaID string `json:"media_id"`
		} `json:"image"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		wxError(w, ErrCodeDataFormat, "data format error")
		return
	}
	p, ok := e.LookupPerson(req.ToUser)
	switch {
	case !ok:
		wxError(w, ErrCodeInvalidOpenID, "invalid openid")
		return
	case !p.Following:
		e.count("kefu_45015")
		wxError(w, ErrCodeKefuOutOfTime, "response out of time limit or subscription is canceled")
		return
	case req.MsgType == "text" && req.Text.Content == "":
		wxError(w, ErrCodeDataFormat, "empty content")
		return
	case req.MsgType == "image" && !e.mediaValid(req.Image.MediaID):
		wxError(w, ErrCodeInvalidMediaID, "invalid media_id")
		return
	case req.MsgType != "text" && req.MsgType != "image":
		wxError(w, ErrCodeDataFormat, "msgtype not emulated")
		return
	}
	now := e.now()
	switch e.spendKefu(req.ToUser, now) {
	case ErrCodeKefuOutOfTime:
		e.count("kefu_45015")
		wxError(w, ErrCodeKefuOutOfTime, "response out of time limit or subscription is canceled")
		return
	case ErrCodeKefuQuota:
		e.count("kefu_45047")
		wxError(w, ErrCodeKefuQuota, "out of response count limit")
		return
	}
	entry := ChatEntry{Time: now, From: "account", MsgType: req.MsgType, Text: req.Text.Content, Kefu: true}
	if req.MsgType == "image" {
		entry.Text, entry.MediaID = "[图片]", req.Image.MediaID
	}
	e.addChat(req.ToUser, entry)
	writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"})
}
