package emulator

import (
	"net/http"
)

// Outage selects how GET /cgi-bin/user/info misbehaves, for failure tests.
type Outage string

// Outage modes.
const (
	// OutageNone: user/info answers normally.
	OutageNone Outage = ""
	// OutageError: user/info answers HTTP 500 with WeChat's "system busy".
	OutageError Outage = "error"
	// OutageHang: user/info never answers; the request is held until the
	// caller gives up (its context ends) or the emulator is closed.
	OutageHang Outage = "hang"
)

// SetUserInfoDown switches user/info between normal and answering 500.
func (e *Emulator) SetUserInfoDown(down bool) {
	if down {
		e.SetUserInfoOutage(OutageError)
	} else {
		e.SetUserInfoOutage(OutageNone)
	}
}

// SetUserInfoOutage picks the user/info failure mode (OutageNone restores).
func (e *Emulator) SetUserInfoOutage(o Outage) {
	e.mu.Lock()
	e.userInfo = o
	e.mu.Unlock()
}

func (e *Emulator) userInfoOutage() Outage {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.userInfo
}

// handleUserInfo is GET /cgi-bin/user/info as it behaves since December
// 2021: nickname and headimgurl present but empty.
func (e *Emulator) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/user/info")
	switch e.userInfoOutage() {
	case OutageError:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"errcode":-1,"errmsg":"system error"}`))
		return
	case OutageHang:
		select {
		case <-r.Context().Done():
		case <-e.done:
		}
		return
	}
	if !e.authorize(w, r) {
		return
	}
	openid := r.URL.Query().Get("openid")
	e.mu.Lock()
	rec, ok := e.persons.byOpenID[openid]
	var p Person
	if ok {
		p = rec.Person
	}
	e.mu.Unlock()
	if !ok {
		wxError(w, ErrCodeInvalidOpenID, "invalid openid")
		return
	}
	if !p.Following {
		resp := map[string]any{"subscribe": 0, "openid": p.OpenID}
		if p.UnionID != "" {
			resp["unionid"] = p.UnionID
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	resp := map[string]any{
		"subscribe":       1,
		"openid":          p.OpenID,
		"nickname":        "",
		"sex":             0,
		"language":        "",
		"city":            "",
		"province":        "",
		"country":         "",
		"headimgurl":      "",
		"subscribe_time":  p.SubscribeTime.Unix(),
		"remark":          "",
		"groupid":         0,
		"tagid_list":      []int{},
		"subscribe_scene": p.SubscribeScene,
		"qr_scene":        p.QRScene,
		"qr_scene_str":    p.QRSceneStr,
	}
	if p.UnionID != "" {
		resp["unionid"] = p.UnionID
	}
	writeJSON(w, http.StatusOK, resp)
}
