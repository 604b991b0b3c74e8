package emulator

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

type pushXMLMsg struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Event        string
	EventKey     string
	Ticket       string
	Encrypt      string
}

func textReply(to, content string) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content></xml>",
		to, DefaultOriginalID, time.Now().Unix(), content)
}

// plainCallback checks the signature like wxinvite must and replies with
// a text naming the event.
func plainCallback(t *testing.T) *fakeCallback {
	return newCallback(t, func(_ int, w http.ResponseWriter, r *http.Request, body string) {
		q := r.URL.Query()
		if !wxcrypto.Verify(q.Get("signature"), testToken, q.Get("timestamp"), q.Get("nonce")) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		var m pushXMLMsg
		if err := xml.Unmarshal([]byte(body), &m); err != nil {
			http.Error(w, "bad xml", http.StatusBadRequest)
			return
		}
		if m.Event == "unsubscribe" {
			_, _ = w.Write([]byte("success"))
			return
		}
		_, _ = w.Write([]byte(textReply(m.FromUserName, m.Event+"|"+m.EventKey)))
	})
}

func TestPushPlaintextFollowScan(t *testing.T) {
	h := newHarness(t, nil)
	cb := plainCallback(t)
	h.emu.SetCallbackURL(cb.srv.URL + "/wechat/callback")
	tok := h.classicToken()
	qr := h.createQR(tok, map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 600, "action_info": scene(map[string]any{"scene_str": "inv_abc"})})
	ticket := qr["ticket"].(string)
	_, pm := h.do(http.MethodPost, "/api/persons", map[string]any{"nickname": "阿强"})
	openid := pm["openid"].(string)

	// Scan while not following: subscribe with qrscene_ prefix and Ticket.
	code, res := h.do(http.MethodPost, "/api/persons/"+openid+"/scan", map[string]any{"url": qr["url"]})
	if code != 200 || res["status"] != StatusReplied || res["attempts"].(float64) != 1 {
		t.Fatalf("scan: HTTP %d %v", code, res)
	}
	if got := res["reply"].(map[string]any)["content"]; got != "subscribe|qrscene_inv_abc" {
		t.Fatalf("reply content %q", got)
	}
	pushes := cb.all()
	var m pushXMLMsg
	if err := xml.Unmarshal([]byte(pushes[0].Body), &m); err != nil {
		t.Fatal(err)
	}
	if m.ToUserName != DefaultOriginalID || m.FromUserName != openid || m.MsgType != "event" || m.Ticket != ticket || m.CreateTime != h.clock.Now().Unix() {
		t.Fatalf("push fields: %+v", m)
	}
	if pushes[0].Query.Get("openid") != openid || pushes[0].Query.Get("encrypt_type") != "" {
		t.Fatalf("push query: %v", pushes[0].Query)
	}
	if !strings.Contains(pushes[0].Body, "<Event><![CDATA[subscribe]]></Event>") {
		t.Fatalf("body not CDATA-wrapped like WeChat: %s", pushes[0].Body)
	}

	// Scan again while following: SCAN with the bare scene.
	_, res = h.do(http.MethodPost, "/api/persons/"+openid+"/scan", map[string]any{"ticket": ticket})
	if got := res["reply"].(map[string]any)["content"]; got != "SCAN|inv_abc" {
		t.Fatalf("second scan reply %q", got)
	}
	// Already following: follow is refused; unfollow sends unsubscribe.
	if code, _ := h.do(http.MethodPost, "/api/persons/"+openid+"/follow", nil); code != http.StatusConflict {
		t.Fatalf("follow while following: HTTP %d", code)
	}
	if _, res = h.do(http.MethodPost, "/api/persons/"+openid+"/unfollow", nil); res["status"] != StatusNoReply {
		t.Fatalf("unfollow: %v", res)
	}
	if _, res = h.do(http.MethodPost, "/api/persons/"+openid+"/follow", nil); res["reply"].(map[string]any)["content"] != "subscribe|" {
		t.Fatalf("plain follow: %v", res)
	}
	if p, _ := h.emu.LookupPerson(openid); !p.Following {
		t.Fatal("person not following after follow")
	}

	// Chat: replies shown, newest last.
	chat, _ := h.emu.Chat(openid)
	var replies []string
	for _, c := range chat {
		if c.From == "account" {
			replies = append(replies, c.Text)
		}
	}
	if strings.Join(replies, ",") != "subscribe|qrscene_inv_abc,SCAN|inv_abc,subscribe|" {
		t.Fatalf("chat replies %v", replies)
	}

	// Unknown and expired tickets are 400.
	if code, _ := h.do(http.MethodPost, "/api/persons/"+openid+"/scan", map[string]any{"ticket": "nope"}); code != http.StatusBadRequest {
		t.Fatalf("unknown ticket: HTTP %d", code)
	}
	h.clock.Advance(600 * time.Second)
	if code, _ := h.do(http.MethodPost, "/api/persons/"+openid+"/scan", map[string]any{"ticket": ticket}); code != http.StatusBadRequest {
		t.Fatalf("expired ticket: HTTP %d", code)
	}
}

func TestPushIntSceneSCAN(t *testing.T) {
	h := newHarness(t, nil)
	cb := plainCallback(t)
	h.emu.SetCallbackURL(cb.srv.URL)
	tok := h.classicToken()
	qr := h.createQR(tok, map[string]any{"action_name": "QR_LIMIT_SCENE", "action_info": scene(map[string]any{"scene_id": 42})})
	p := h.emu.CreatePerson(PersonSpec{})
	if _, err := h.emu.Follow(p.OpenID); err != nil {
		t.Fatal(err)
	}
	res, err := h.emu.Scan(p.OpenID, qr["ticket"].(string))
	if err != nil || res.Reply.Content != "SCAN|42" {
		t.Fatalf("scan: %v %+v", err, res)
	}
}

func TestPushRetryAfterTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	h := newHarness(t, func(c *Config) { c.DeliveryTimeout = 100 * time.Millisecond })
	cb := newCallback(t, func(n int, w http.ResponseWriter, r *http.Request, body string) {
		if n == 1 { // first attempt: never answer; WeChat gives up and retries
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		var m pushXMLMsg
		_ = xml.Unmarshal([]byte(body), &m)
		_, _ = w.Write([]byte(textReply(m.FromUserName, "second time lucky")))
	})
	h.emu.SetCallbackURL(cb.srv.URL)
	p := h.emu.CreatePerson(PersonSpec{})
	res, err := h.emu.Follow(p.OpenID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusReplied || res.Attempts != 2 || res.Reply.Content != "second time lucky" {
		t.Fatalf("result %+v", res)
	}
	pushes := cb.all()
	if len(pushes) != 2 || pushes[0].Body != pushes[1].Body {
		t.Fatalf("retry must resend the same body; got %d pushes", len(pushes))
	}
}

func TestPushAllAttemptsTimeOut(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	h := newHarness(t, func(c *Config) { c.DeliveryTimeout = 50 * time.Millisecond; c.DeliveryRetries = 2 })
	cb := newCallback(t, func(_ int, _ http.ResponseWriter, r *http.Request, _ string) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	h.emu.SetCallbackURL(cb.srv.URL)
	p := h.emu.CreatePerson(PersonSpec{})
	res, _ := h.emu.Follow(p.OpenID)
	if res.Status != StatusTimeout || res.Attempts != 3 {
		t.Fatalf("result %+v", res)
	}
	chat, _ := h.emu.Chat(p.OpenID)
	if last := chat[len(chat)-1]; last.From != "system" || last.Text != ServiceUnavailableText {
		t.Fatalf("chat does not show the unavailable notice: %+v", last)
	}
	if got := h.emu.Counters()["push"]; got != 3 {
		t.Fatalf("push counter %d", got)
	}
}

func TestPushInvalidAndEmptyReplies(t *testing.T) {
	cases := []struct {
		reply, status string
		shown         string
	}{
		{"success", StatusNoReply, ""},
		{"", StatusNoReply, ""},
		{`{"msg":"json is not a reply"}`, StatusInvalidReply, ServiceUnavailableText},
		{"<xml><MsgType><![CDATA[text]]></MsgType></xml>", StatusInvalidReply, ServiceUnavailableText},
	}
	for _, c := range cases {
		t.Run(c.status+"/"+c.reply, func(t *testing.T) {
			h := newHarness(t, nil)
			cb := newCallback(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ string) { _, _ = w.Write([]byte(c.reply)) })
			h.emu.SetCallbackURL(cb.srv.URL)
			p := h.emu.CreatePerson(PersonSpec{})
			res, _ := h.emu.Follow(p.OpenID)
			if res.Status != c.status || res.UserVisible() != c.shown {
				t.Fatalf("result %+v", res)
			}
			chat, _ := h.emu.Chat(p.OpenID)
			var shown string
			for _, e := range chat {
				if e.From != "me" {
					shown = e.Text
				}
			}
			if shown != c.shown {
				t.Fatalf("chat shows %q, want %q", shown, c.shown)
			}
		})
	}
}

func TestDeliverCopiesIdentical(t *testing.T) {
	h := newHarness(t, nil)
	cb := plainCallback(t)
	h.emu.SetCallbackURL(cb.srv.URL)
	p := h.emu.CreatePerson(PersonSpec{})
	code, m := h.do(http.MethodPost, "/api/deliver", map[string]any{"openid": p.OpenID, "event": "subscribe", "event_key": "qrscene_inv_z", "ticket": "T+/=", "create_time": 1700000000, "copies": 3})
	if code != 200 {
		t.Fatalf("deliver: HTTP %d %v", code, m)
	}
	results := m["results"].([]any)
	pushes := cb.all()
	if len(results) != 3 || len(pushes) != 3 {
		t.Fatalf("%d results, %d pushes; want 3 and 3", len(results), len(pushes))
	}
	for _, p := range pushes[1:] {
		if p.Body != pushes[0].Body {
			t.Fatal("copies differ")
		}
	}
	if !strings.Contains(pushes[0].Body, "<CreateTime>1700000000</CreateTime>") || !strings.Contains(pushes[0].Body, "<Ticket><![CDATA[T+/=]]></Ticket>") {
		t.Fatalf("body %s", pushes[0].Body)
	}
	for _, r := range results {
		if r.(map[string]any)["status"] != StatusReplied {
			t.Fatalf("result %v", r)
		}
	}
}

func TestDeliverWithoutCallback(t *testing.T) {
	h := newHarness(t, nil)
	p := h.emu.CreatePerson(PersonSpec{})
	res, _ := h.emu.Follow(p.OpenID)
	if res.Status != StatusNoCallback {
		t.Fatalf("status %q", res.Status)
	}
}

// safeCallback decrypts like wxinvite must in safe mode and answers with
// reply(plainReplyXML, timestamp, nonce).
func safeCallback(t *testing.T, encrypt bool) *fakeCallback {
	c, err := wxcrypto.NewCipher(testAESKey, testAppID)
	if err != nil {
		t.Fatal(err)
	}
	return newCallback(t, func(_ int, w http.ResponseWriter, r *http.Request, body string) {
		q := r.URL.Query()
		var env pushXMLMsg
		if err := xml.Unmarshal([]byte(body), &env); err != nil || env.Encrypt == "" || env.Event != "" {
			http.Error(w, "not a safe-mode envelope", http.StatusBadRequest)
			return
		}
		if q.Get("encrypt_type") != "aes" ||
			!wxcrypto.Verify(q.Get("signature"), testToken, q.Get("timestamp"), q.Get("nonce")) ||
			!wxcrypto.Verify(q.Get("msg_signature"), testToken, q.Get("timestamp"), q.Get("nonce"), env.Encrypt) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		plain, err := c.Decrypt(env.Encrypt)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var m pushXMLMsg
		if err := xml.Unmarshal(plain, &m); err != nil || m.ToUserName != env.ToUserName {
			http.Error(w, "bad inner xml", http.StatusBadRequest)
			return
		}
		reply := textReply(m.FromUserName, "secret "+m.Event)
		if !encrypt {
			_, _ = w.Write([]byte(reply))
			return
		}
		enc, _ := c.Encrypt([]byte(reply), nil)
		ts, nonce := q.Get("timestamp"), q.Get("nonce")
		fmt.Fprintf(w, "<xml><Encrypt><![CDATA[%s]]></Encrypt><MsgSignature><![CDATA[%s]]></MsgSignature><TimeStamp>%s</TimeStamp><Nonce><![CDATA[%s]]></Nonce></xml>",
			enc, wxcrypto.Signature(testToken, ts, nonce, enc), ts, nonce)
	})
}

func TestPushSafeMode(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.EncodingAESKey = testAESKey })
	cb := safeCallback(t, true)
	h.emu.SetCallbackURL(cb.srv.URL)
	p := h.emu.CreatePerson(PersonSpec{})
	res, _ := h.emu.Follow(p.OpenID)
	if res.Status != StatusReplied || res.Reply.Content != "secret subscribe" || !strings.Contains(res.Reply.Decrypted, "<Content><![CDATA[secret subscribe]]>") {
		t.Fatalf("result %+v", res)
	}
	if strings.Contains(cb.all()[0].Body, "subscribe") {
		t.Fatal("safe-mode push leaks plaintext")
	}
}

func TestPushSafeModeUnencryptedReply(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.EncodingAESKey = testAESKey })
	cb := safeCallback(t, false)
	h.emu.SetCallbackURL(cb.srv.URL)
	p := h.emu.CreatePerson(PersonSpec{})
	res, _ := h.emu.Follow(p.OpenID)
	if res.Status != StatusProtocolError {
		t.Fatalf("result %+v", res)
	}
	chat, _ := h.emu.Chat(p.OpenID)
	if last := chat[len(chat)-1]; last.From != "system" || !strings.HasPrefix(last.Text, ServiceUnavailableText) || !strings.Contains(last.Text, "协议错误") {
		t.Fatalf("chat %+v", last)
	}
}
