package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// routes wires every endpoint; paths are relative to the mount.
func (e *Emulator) routes() http.Handler {
	m := http.NewServeMux()
	// WeChat platform: access tokens, QR codes, followers, kefu.
	m.HandleFunc("GET /cgi-bin/token", e.handleToken)
	m.HandleFunc("POST /cgi-bin/stable_token", e.handleStableToken)
	m.HandleFunc("POST /cgi-bin/qrcode/create", e.handleQRCreate)
	m.HandleFunc("GET /cgi-bin/showqrcode", e.handleShowQRCode)
	m.HandleFunc("GET /cgi-bin/user/info", e.handleUserInfo)
	m.HandleFunc("GET /cgi-bin/ticket/getticket", e.handleGetTicket)
	m.HandleFunc("POST /cgi-bin/message/custom/send", e.handleCustomSend)
	m.HandleFunc("POST /cgi-bin/menu/create", e.handleMenuCreate)
	m.HandleFunc("GET /cgi-bin/menu/get", e.handleMenuGet)
	m.HandleFunc("POST /cgi-bin/media/upload", e.handleMediaUpload)
	m.HandleFunc("/cgi-bin/", e.handleNotEmulated)
	// Web OAuth.
	m.HandleFunc("GET /connect/oauth2/authorize", e.handleAuthorize)
	m.HandleFunc("POST /connect/oauth2/authorize/confirm", e.handleAuthorizeConfirm)
	m.HandleFunc("GET /sns/oauth2/access_token", e.handleSNSAccessToken)
	m.HandleFunc("GET /sns/oauth2/refresh_token", e.handleSNSRefresh)
	m.HandleFunc("GET /sns/userinfo", e.handleSNSUserinfo)
	m.HandleFunc("GET /sns/auth", e.handleSNSAuth)
	m.HandleFunc("/sns/", e.handleNotEmulated)
	// Simulated phone.
	m.HandleFunc("GET /{$}", e.handlePhone)
	m.HandleFunc("GET /open", e.handleOpen)
	m.HandleFunc("GET /avatar/{openid}/{size}", e.handleAvatar)
	m.HandleFunc("GET /media/{id}", e.handleMediaView)
	m.Handle("GET /static/", http.FileServerFS(staticFS))
	// The in-WeChat browser: the JS-SDK's wx object and its share menu.
	m.HandleFunc("GET /jweixin.js", e.handleJWeixin)
	m.HandleFunc("POST /api/jssdk/config", e.apiJSConfig)
	m.HandleFunc("GET /api/whoami", e.apiWhoAmI)
	m.HandleFunc("POST /api/persons/{openid}/share", e.apiShare)
	// JSON API.
	m.HandleFunc("GET /api/persons", e.apiListPersons)
	m.HandleFunc("POST /api/persons", e.apiCreatePerson)
	m.HandleFunc("POST /api/persons/{openid}/follow", e.apiFollow)
	m.HandleFunc("POST /api/persons/{openid}/unfollow", e.apiUnfollow)
	m.HandleFunc("POST /api/persons/{openid}/scan", e.apiScan)
	m.HandleFunc("GET /api/persons/{openid}/chat", e.apiChat)
	m.HandleFunc("POST /api/persons/{openid}/message", e.apiMessage)
	m.HandleFunc("POST /api/persons/{openid}/click", e.apiClick)
	m.HandleFunc("POST /api/persons/{openid}/view", e.apiView)
	m.HandleFunc("GET /api/menu", e.apiMenu)
	m.HandleFunc("POST /api/deliver", e.apiDeliver)
	m.HandleFunc("POST /api/status/userinfo", e.apiUserInfoOutage)
	m.HandleFunc("POST /api/tokens/expire", e.apiExpireTokens)
	m.HandleFunc("GET /api/status", e.apiStatus)
	m.HandleFunc("GET /api/qrcodes", e.apiQRCodes)
	m.HandleFunc("/api/", func(w http.ResponseWriter, _ *http.Request) {
		apiError(w, http.StatusNotFound, "not_found", "no such emulator API")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := e.cfg.BasePath
		if base != "" && (r.URL.Path == base || strings.HasPrefix(r.URL.Path, base+"/")) {
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.Path = strings.TrimPrefix(r.URL.Path, base)
			u.RawPath = strings.TrimPrefix(r.URL.RawPath, base)
			r2.URL = &u
			r = r2
		}
		if r.URL.Path == "" {
			http.Redirect(w, r, base+"/", http.StatusFound)
			return
		}
		m.ServeHTTP(w, r)
	})
}

func (e *Emulator) handleNotEmulated(w http.ResponseWriter, r *http.Request) {
	e.count("not_emulated")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_ = json.NewEncoder(w).Encode(map[string]any{"errcode": -1, "errmsg": "emulator: " + r.URL.Path + " is not emulated"})
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength == 0 {
		return true
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "bad_json", "request body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

func (e *Emulator) apiListPersons(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"items": e.Persons()})
}

func (e *Emulator) apiCreatePerson(w http.ResponseWriter, r *http.Request) {
	var spec PersonSpec
	if !decodeBody(w, r, &spec) {
		return
	}
	writeJSON(w, http.StatusCreated, e.CreatePerson(spec))
}

// apiResult is the answer of follow/unfollow/scan.
func (e *Emulator) apiResult(w http.ResponseWriter, res DeliveryResult, err error) {
	switch {
	case errors.Is(err, ErrUnknownPerson):
		apiError(w, http.StatusNotFound, "unknown_person", err.Error())
	case errors.Is(err, ErrUnknownQRCode):
		apiError(w, http.StatusBadRequest, "unknown_qrcode", err.Error())
	case errors.Is(err, ErrExpiredQRCode):
		apiError(w, http.StatusBadRequest, "expired_qrcode", err.Error())
	case errors.Is(err, ErrAlreadyFollowing):
		apiError(w, http.StatusConflict, "already_following", err.Error())
	case errors.Is(err, ErrNotFollowing):
		apiError(w, http.StatusConflict, "not_following", err.Error())
	case err != nil:
		apiError(w, http.StatusInternalServerError, "internal", err.Error())
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

func (e *Emulator) apiFollow(w http.ResponseWriter, r *http.Request) {
	var req struct {
		// CreateTime (Unix seconds, optional) backdates the follow.
		CreateTime int64 `json:"create_time"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	var at time.Time
	if req.CreateTime > 0 {
		at = time.Unix(req.CreateTime, 0)
	}
	res, err := e.FollowAt(r.PathValue("openid"), at)
	e.apiResult(w, res, err)
}

func (e *Emulator) apiUnfollow(w http.ResponseWriter, r *http.Request) {
	res, err := e.Unfollow(r.PathValue("openid"))
	e.apiResult(w, res, err)
}

func (e *Emulator) apiScan(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Ticket string `json:"ticket"`
		URL    string `json:"url"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	ref := req.Ticket
	if ref == "" {
		ref = req.URL
	}
	if ref == "" {
		apiError(w, http.StatusBadRequest, "missing_ticket", `give "ticket" or "url"`)
		return
	}
	res, err := e.Scan(r.PathValue("openid"), ref)
	e.apiResult(w, res, err)
}

func (e *Emulator) apiChat(w http.ResponseWriter, r *http.Request) {
	chat, err := e.Chat(r.PathValue("openid"))
	if err != nil {
		apiError(w, http.StatusNotFound, "unknown_person", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": chat})
}

func (e *Emulator) apiDeliver(w http.ResponseWriter, r *http.Request) {
	var d Delivery
	if !decodeBody(w, r, &d) {
		return
	}
	if d.Copies > 20 {
		apiError(w, http.StatusBadRequest, "too_many_copies", "copies must be at most 20")
		return
	}
	res, err := e.Deliver(d)
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_delivery", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
}

func (e *Emulator) apiUserInfoOutage(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Down bool   `json:"down"`
		Mode Outage `json:"mode"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	switch {
	case !req.Down:
		e.SetUserInfoOutage(OutageNone)
	case req.Mode == OutageHang:
		e.SetUserInfoOutage(OutageHang)
	case req.Mode == "" || req.Mode == OutageError:
		e.SetUserInfoOutage(OutageError)
	default:
		apiError(w, http.StatusBadRequest, "bad_mode", `mode is "error" or "hang"`)
		return
	}
	writeJSON(w, http.StatusOK, e.Status())
}

func (e *Emulator) apiExpireTokens(w http.ResponseWriter, _ *http.Request) {
	e.ExpireTokens()
	writeJSON(w, http.StatusOK, e.Status())
}

func (e *Emulator) apiStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, e.Status())
}

func (e *Emulator) apiQRCodes(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"items": e.QRCodes()})
}

// Status is a snapshot of the emulator for the status panel and
// GET /api/status.
type Status struct {
	Counters       map[string]int `json:"counters"`
	TokensIssued   int            `json:"tokens_issued"`
	QRCodes        int            `json:"qrcodes"`
	Persons        int            `json:"persons"`
	CallbackURL    string         `json:"callback_url"`
	SafeMode       bool           `json:"safe_mode"`
	AppID          string         `json:"appid"`
	OriginalID     string         `json:"original_id"`
	UserInfoOutage Outage         `json:"userinfo_outage"`
}

// Status returns the current snapshot.
func (e *Emulator) Status() Status {
	s := Status{Counters: e.Counters(), CallbackURL: e.CallbackURL(), SafeMode: e.SafeMode(), AppID: e.cfg.AppID, OriginalID: e.cfg.OriginalID}
	e.mu.Lock()
	s.TokensIssued = e.tokens.issued
	s.QRCodes = len(e.qrcodes.order)
	s.Persons = len(e.persons.order)
	s.UserInfoOutage = e.userInfo
	e.mu.Unlock()
	return s
}
