package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"
)

// QR code limits from the protocol notes.
const (
	maxExpireSeconds     = 2592000
	defaultExpireSeconds = 30 // WxJava / older doc text
	maxPermanentSceneID  = 100000
	maxSceneStrLen       = 64
	qrURLPrefix          = "http://weixin.qq.com/q/"
)

// QRCode is one parametric QR code the emulator has issued. It exists so
// the phone page and tests can list and "scan" what the service created.
type QRCode struct {
	Ticket    string     `json:"ticket"`
	URL       string     `json:"url"`
	Action    string     `json:"action_name"`
	Permanent bool       `json:"permanent"`
	SceneID   int64      `json:"scene_id,omitempty"`
	SceneStr  string     `json:"scene_str,omitempty"`
	IsStr     bool       `json:"is_str"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	ImageURL  string     `json:"image_url"`
	// Owner names whose code it is (Config.QROwner), for the scan list.
	Owner string `json:"owner,omitempty"`
}

// Scene is the scene value as it appears in pushes (scene_str for string
// codes, the decimal scene_id otherwise).
func (q QRCode) Scene() string {
	if q.IsStr {
		return q.SceneStr
	}
	return strconv.FormatInt(q.SceneID, 10)
}

func (q QRCode) expired(now time.Time) bool {
	return q.ExpiresAt != nil && !now.Before(*q.ExpiresAt)
}

type qrStore struct {
	byTicket  map[string]*QRCode
	byURL     map[string]*QRCode
	permanent map[string]*QRCode // key: "i:<id>" or "s:<str>"
	order     []*QRCode
}

func (s *qrStore) init() {
	s.byTicket = map[string]*QRCode{}
	s.byURL = map[string]*QRCode{}
	s.permanent = map[string]*QRCode{}
}

// newTicket builds a ticket shaped like WeChat's: standard base64 of a
// binary blob that embeds the code's URL, always containing '+', '/' and
// '=' so that a client that forgets to URL-encode it fails visibly.
func newTicket(content string) string {
	for {
		prefix := make([]byte, 8)
		suffix := make([]byte, 13)
		_, _ = rand.Read(prefix)
		_, _ = rand.Read(suffix)
		blob := append(append(append(prefix, ','), content...), suffix...)
		if len(blob)%3 == 0 {
			blob = blob[:len(blob)-1]
		}
		t := base64.StdEncoding.EncodeToString(blob)
		if strings.Contains(t, "+") && strings.Contains(t, "/") && strings.Contains(t, "=") {
			return t
		}
	}
}

type qrCreateRequest struct {
	ExpireSeconds *int64 `json:"expire_seconds"`
	ActionName    string `json:"action_name"`
	ActionInfo    struct {
		Scene *struct {
			SceneID  *int64 `json:"scene_id"`
			SceneStr string `json:"scene_str"`
		} `json:"scene"`
	} `json:"action_info"`
}

// handleQRCreate is POST /cgi-bin/qrcode/create with WeChat's validation.
func (e *Emulator) handleQRCreate(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/qrcode/create")
	if !e.authorize(w, r) {
		return
	}
	var req qrCreateRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		wxError(w, ErrCodeDataFormat, "data format error")
		return
	}
	q := &QRCode{Action: req.ActionName}
	switch req.ActionName {
	case "QR_SCENE":
	case "QR_STR_SCENE":
		q.IsStr = true
	case "QR_LIMIT_SCENE":
		q.Permanent = true
	case "QR_LIMIT_STR_SCENE":
		q.Permanent, q.IsStr = true, true
	default:
		wxError(w, ErrCodeInvalidActionName, "invalid action name")
		return
	}
	if sc := req.ActionInfo.Scene; sc != nil {
		if q.IsStr {
			n := utf8.RuneCountInString(sc.SceneStr)
			if n < 1 || n > maxSceneStrLen {
				wxError(w, ErrCodeInvalidActionInfo, "invalid action info, scene_str must be 1 to 64 characters")
				return
			}
			q.SceneStr = sc.SceneStr
		} else {
			var id int64
			if sc.SceneID != nil {
				id = *sc.SceneID
			}
			lo, hi := int64(1), int64(1<<32-1)
			if q.Permanent {
				hi = maxPermanentSceneID
			}
			if id < lo || id > hi {
				wxError(w, ErrCodeInvalidActionInfo, "invalid action info, scene_id out of range")
				return
			}
			q.SceneID = id
		}
	} else {
		// WeChat quirk: without the nested "scene" object the code carries
		// scene 0 (pushes arrive with qrscene_0 / 0).
		q.IsStr, q.SceneStr, q.SceneID = false, "", 0
	}
	now := e.now()
	q.CreatedAt = now
	expire := int64(defaultExpireSeconds)
	if !q.Permanent && req.ExpireSeconds != nil {
		switch v := *req.ExpireSeconds; {
		case v < 0 || v > maxExpireSeconds:
			wxError(w, ErrCodeInvalidArgs, "invalid args, expire_seconds must not exceed 2592000")
			return
		case v > 0:
			expire = v
		}
	}
	if !q.Permanent {
		exp := now.Add(time.Duration(expire) * time.Second)
		q.ExpiresAt = &exp
	}

	e.mu.Lock()
	if q.Permanent {
		key := "i:" + q.Scene()
		if q.IsStr {
			key = "s:" + q.SceneStr
		}
		if old, ok := e.qrcodes.permanent[key]; ok {
			// A permanent code for the same scene is the same code.
			q = old
		} else if len(e.qrcodes.permanent) >= e.cfg.PermanentQuota {
			e.mu.Unlock()
			wxError(w, ErrCodeInvalidActionInfo, "invalid action info, permanent qrcode quota used up")
			return
		} else {
			e.storeQR(q)
			e.qrcodes.permanent[key] = q
		}
	} else {
		e.storeQR(q)
	}
	resp := map[string]any{"ticket": q.Ticket, "url": q.URL}
	if !q.Permanent {
		resp["expire_seconds"] = expire
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// storeQR assigns URL and ticket and indexes q; e.mu must be held.
func (e *Emulator) storeQR(q *QRCode) {
	for {
		q.URL = qrURLPrefix + randString(22, alnum)
		if _, dup := e.qrcodes.byURL[q.URL]; !dup {
			break
		}
	}
	q.Ticket = newTicket(q.URL)
	q.ImageURL = e.cfg.BasePath + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(q.Ticket)
	e.qrcodes.byTicket[q.Ticket] = q
	e.qrcodes.byURL[q.URL] = q
	e.qrcodes.order = append(e.qrcodes.order, q)
	e.changed()
}

// handleShowQRCode is GET /cgi-bin/showqrcode?ticket=: no token needed; a
// PNG of the code's URL, 404 for an unknown or expired ticket.
func (e *Emulator) handleShowQRCode(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/showqrcode")
	ticket := r.URL.Query().Get("ticket")
	now := e.now()
	e.mu.Lock()
	q, ok := e.qrcodes.byTicket[ticket]
	var content string
	if ok && !q.expired(now) {
		content = q.URL
	}
	e.mu.Unlock()
	if content == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("ticket not found or expired (did you URL-encode it?)\n"))
		return
	}
	png, err := qrcode.Encode(content, qrcode.Medium, 430)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}

// QRCodes lists every code issued so far, oldest first.
func (e *Emulator) QRCodes() []QRCode {
	e.mu.Lock()
	out := make([]QRCode, 0, len(e.qrcodes.order))
	for _, q := range e.qrcodes.order {
		out = append(out, *q)
	}
	e.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	if e.cfg.QROwner != nil {
		for i := range out {
			out[i].Owner = e.cfg.QROwner(out[i].Scene())
		}
	}
	return out
}

// lookupQR finds a code by ticket, by its weixin.qq.com URL, or by a
// showqrcode link carrying ?ticket=; e.mu must be held.
func (e *Emulator) lookupQR(ref string) *QRCode {
	ref = strings.TrimSpace(ref)
	if q := e.qrcodes.byTicket[ref]; q != nil {
		return q
	}
	if q := e.qrcodes.byURL[ref]; q != nil {
		return q
	}
	if i := strings.Index(ref, "ticket="); i >= 0 {
		t := ref[i+len("ticket="):]
		if j := strings.IndexByte(t, '&'); j >= 0 {
			t = t[:j]
		}
		if u, err := url.QueryUnescape(t); err == nil {
			if q := e.qrcodes.byTicket[u]; q != nil {
				return q
			}
		}
	}
	return nil
}
