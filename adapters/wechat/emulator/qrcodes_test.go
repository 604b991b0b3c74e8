package emulator

import (
	"bytes"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func scene(v any) map[string]any {
	return map[string]any{"scene": v}
}

func TestQRCreateValidation(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.classicToken()
	s64, s65 := strings.Repeat("a", 64), strings.Repeat("b", 65)
	cases := []struct {
		name string
		body map[string]any
		want int // 0 = success
	}{
		{"temp int 0", map[string]any{"action_name": "QR_SCENE", "expire_seconds": 60, "action_info": scene(map[string]any{"scene_id": 0})}, ErrCodeInvalidActionInfo},
		{"temp int 1", map[string]any{"action_name": "QR_SCENE", "expire_seconds": 60, "action_info": scene(map[string]any{"scene_id": 1})}, 0},
		{"temp int 100001", map[string]any{"action_name": "QR_SCENE", "expire_seconds": 60, "action_info": scene(map[string]any{"scene_id": 100001})}, 0},
		{"temp int 2^32-1", map[string]any{"action_name": "QR_SCENE", "expire_seconds": 60, "action_info": scene(map[string]any{"scene_id": 4294967295})}, 0},
		{"temp int 2^32", map[string]any{"action_name": "QR_SCENE", "expire_seconds": 60, "action_info": scene(map[string]any{"scene_id": 4294967296})}, ErrCodeInvalidActionInfo},
		{"perm int 0", map[string]any{"action_name": "QR_LIMIT_SCENE", "action_info": scene(map[string]any{"scene_id": 0})}, ErrCodeInvalidActionInfo},
		{"perm int 1", map[string]any{"action_name": "QR_LIMIT_SCENE", "action_info": scene(map[string]any{"scene_id": 1})}, 0},
		{"perm int 100000", map[string]any{"action_name": "QR_LIMIT_SCENE", "action_info": scene(map[string]any{"scene_id": 100000})}, 0},
		{"perm int 100001", map[string]any{"action_name": "QR_LIMIT_SCENE", "action_info": scene(map[string]any{"scene_id": 100001})}, ErrCodeInvalidActionInfo},
		{"temp str 64", map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 60, "action_info": scene(map[string]any{"scene_str": s64})}, 0},
		{"temp str 65", map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 60, "action_info": scene(map[string]any{"scene_str": s65})}, ErrCodeInvalidActionInfo},
		{"temp str empty", map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 60, "action_info": scene(map[string]any{"scene_str": ""})}, ErrCodeInvalidActionInfo},
		{"perm str 64", map[string]any{"action_name": "QR_LIMIT_STR_SCENE", "action_info": scene(map[string]any{"scene_str": s64})}, 0},
		{"perm str 65", map[string]any{"action_name": "QR_LIMIT_STR_SCENE", "action_info": scene(map[string]any{"scene_str": s65})}, ErrCodeInvalidActionInfo},
		{"expire 2592000", map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 2592000, "action_info": scene(map[string]any{"scene_str": "x"})}, 0},
		{"expire 2592001", map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 2592001, "action_info": scene(map[string]any{"scene_str": "x"})}, ErrCodeInvalidArgs},
		{"bad action", map[string]any{"action_name": "QR_NOPE", "action_info": scene(map[string]any{"scene_id": 1})}, ErrCodeInvalidActionName},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := h.createQR(tok, c.body)
			if got := errcode(m); got != c.want {
				t.Fatalf("errcode = %d, want %d (%v)", got, c.want, m)
			}
			if c.want == 0 {
				if m["ticket"] == nil || !strings.HasPrefix(m["url"].(string), "http://weixin.qq.com/q/") {
					t.Fatalf("bad success body %v", m)
				}
				_, hasExpire := m["expire_seconds"]
				if perm := strings.Contains(c.body["action_name"].(string), "LIMIT"); perm == hasExpire {
					t.Fatalf("expire_seconds presence wrong for %s: %v", c.body["action_name"], m)
				}
			}
		})
	}
	if got := errcode(h.createQR("bogus", map[string]any{"action_name": "QR_SCENE"})); got != ErrCodeInvalidCredential {
		t.Fatalf("bad token: errcode %d", got)
	}
}

func TestQRCreateDefaultsAndQuirks(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PermanentQuota = 2 })
	tok := h.classicToken()

	// Omitted expire_seconds: 30 s (WxJava).
	m := h.createQR(tok, map[string]any{"action_name": "QR_STR_SCENE", "action_info": scene(map[string]any{"scene_str": "inv_a"})})
	if m["expire_seconds"].(float64) != 30 {
		t.Fatalf("default expire_seconds = %v", m["expire_seconds"])
	}
	// Missing nested "scene": scene 0, like WeChat.
	m = h.createQR(tok, map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 60, "action_info": map[string]any{"scene_str": "inv_b"}})
	if errcode(m) != 0 {
		t.Fatalf("missing scene object: %v", m)
	}
	var found bool
	for _, q := range h.emu.QRCodes() {
		if q.Ticket == m["ticket"] {
			found = true
			if q.Scene() != "0" {
				t.Fatalf("missing scene object gave scene %q, want 0", q.Scene())
			}
		}
	}
	if !found {
		t.Fatal("issued code not remembered")
	}
	// Permanent: same scene → same ticket; quota counts distinct scenes.
	p1 := h.createQR(tok, map[string]any{"action_name": "QR_LIMIT_STR_SCENE", "action_info": scene(map[string]any{"scene_str": "p1"})})
	p1b := h.createQR(tok, map[string]any{"action_name": "QR_LIMIT_STR_SCENE", "action_info": scene(map[string]any{"scene_str": "p1"})})
	if p1["ticket"] != p1b["ticket"] {
		t.Fatal("same permanent scene produced two tickets")
	}
	if errcode(h.createQR(tok, map[string]any{"action_name": "QR_LIMIT_SCENE", "action_info": scene(map[string]any{"scene_id": 7})})) != 0 {
		t.Fatal("second permanent code refused")
	}
	if got := errcode(h.createQR(tok, map[string]any{"action_name": "QR_LIMIT_SCENE", "action_info": scene(map[string]any{"scene_id": 8})})); got != ErrCodeInvalidActionInfo {
		t.Fatalf("permanent quota: errcode %d, want 40053", got)
	}
}

func TestShowQRCode(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.classicToken()
	m := h.createQR(tok, map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 120, "action_info": scene(map[string]any{"scene_str": "inv_x"})})
	ticket := m["ticket"].(string)
	if !strings.ContainsAny(ticket, "+") || !strings.Contains(ticket, "/") || !strings.HasSuffix(ticket, "=") {
		t.Fatalf("ticket %q lacks + / = characters", ticket)
	}

	resp, err := http.Get(h.base + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(ticket))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("showqrcode: HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.HasPrefix(body, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("not a PNG")
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 430 || b.Dy() != 430 {
		t.Fatalf("image size %v", b)
	}

	// A client that forgets to URL-encode the ticket gets nothing.
	resp, err = http.Get(h.base + "/cgi-bin/showqrcode?ticket=" + ticket)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unencoded ticket: HTTP %d, want 404", resp.StatusCode)
	}
	// Expired codes are gone too.
	h.clock.Advance(120 * time.Second)
	resp, err = http.Get(h.base + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(ticket))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("expired ticket: HTTP %d, want 404", resp.StatusCode)
	}
}
