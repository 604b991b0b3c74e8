package emulator

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestUserInfo(t *testing.T) {
	h := newHarness(t, nil)
	cb := plainCallback(t)
	h.emu.SetCallbackURL(cb.srv.URL)
	tok := h.classicToken()
	qr := h.createQR(tok, map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 60, "action_info": scene(map[string]any{"scene_str": "inv_q"})})
	p := h.emu.CreatePerson(PersonSpec{Nickname: "有名字", UnionID: "oU_x"})

	m := h.get("/cgi-bin/user/info?" + url.Values{"access_token": {tok}, "openid": {p.OpenID}, "lang": {"zh_CN"}}.Encode())
	if m["subscribe"] != float64(0) || m["openid"] != p.OpenID {
		t.Fatalf("non-follower: %v", m)
	}
	if _, ok := m["subscribe_time"]; ok {
		t.Fatal("non-follower carries subscribe_time")
	}
	if _, err := h.emu.Scan(p.OpenID, qr["ticket"].(string)); err != nil {
		t.Fatal(err)
	}
	m = h.get("/cgi-bin/user/info?" + url.Values{"access_token": {tok}, "openid": {p.OpenID}}.Encode())
	if m["subscribe"] != float64(1) || m["nickname"] != "" || m["headimgurl"] != "" || m["unionid"] != "oU_x" ||
		m["subscribe_scene"] != "ADD_SCENE_QR_CODE" || m["qr_scene_str"] != "inv_q" || m["subscribe_time"] != float64(h.clock.Now().Unix()) {
		t.Fatalf("follower: %v", m)
	}
	if _, ok := m["nickname"]; !ok {
		t.Fatal("nickname key must be present (empty) since 2021-12")
	}
	if got := errcode(h.get("/cgi-bin/user/info?" + url.Values{"access_token": {tok}, "openid": {"oUnknown"}}.Encode())); got != ErrCodeInvalidOpenID {
		t.Fatalf("unknown openid: errcode %d", got)
	}

	// Outage: 500.
	if code, _ := h.do(http.MethodPost, "/api/status/userinfo", map[string]any{"down": true}); code != 200 {
		t.Fatalf("switch: HTTP %d", code)
	}
	if code, _ := h.do(http.MethodGet, "/cgi-bin/user/info?"+url.Values{"access_token": {tok}, "openid": {p.OpenID}}.Encode(), nil); code != http.StatusInternalServerError {
		t.Fatalf("down: HTTP %d, want 500", code)
	}
	// Outage: hang until the caller gives up.
	h.emu.SetUserInfoOutage(OutageHang)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/cgi-bin/user/info?"+url.Values{"access_token": {tok}, "openid": {p.OpenID}}.Encode(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("hang mode answered HTTP %d", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v", err)
	}
	h.emu.SetUserInfoDown(false)
	if m := h.get("/cgi-bin/user/info?" + url.Values{"access_token": {tok}, "openid": {p.OpenID}}.Encode()); m["subscribe"] != float64(1) {
		t.Fatalf("after recovery: %v", m)
	}
}
