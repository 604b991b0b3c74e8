package wechat

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

// Sample pushes as WeChat sends them (wechat-protocol.md §1, SDK test fixtures).
var samplePushes = []string{
	`<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[oLVPpjqs9BhvzwPj5A-vTYAX3GLc]]></FromUserName><CreateTime>1398844735</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_inv_abcdefghijklm]]></EventKey><Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xLzAyTjJ5]]></Ticket></xml>`,
	`<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[oLVPpjqs9BhvzwPj5A-vTYAX3GLc]]></FromUserName><CreateTime>1398844736</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>`,
	`<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[oLVPpjqs9BhvzwPj5A-vTYAX3GLc]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId></xml>`,
	`<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><FromUserName><![CDATA[oia2TjuEGTNoeX76QEjQNrcURxG8]]></FromUserName><CreateTime>1395658920</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[success]]></Status></xml>`,
	`<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event></xml>`,
}

func TestParseMessageSamples(t *testing.T) {
	t.Parallel()
	want := []Message{
		{ToUserName: "gh_0123456789ab", FromUserName: "oLVPpjqs9BhvzwPj5A-vTYAX3GLc", CreateTime: 1398844735, MsgType: "event", Event: "subscribe", EventKey: "qrscene_inv_abcdefghijklm", Ticket: "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xLzAyTjJ5"},
		{ToUserName: "gh_0123456789ab", FromUserName: "oLVPpjqs9BhvzwPj5A-vTYAX3GLc", CreateTime: 1398844736, MsgType: "event", Event: "SCAN", EventKey: "123123", Ticket: "TICKET"},
		{ToUserName: "gh_0123456789ab", FromUserName: "oLVPpjqs9BhvzwPj5A-vTYAX3GLc", CreateTime: 1348831860, MsgType: "text", Content: "this is a test", MsgID: "1234567890123456"},
		{ToUserName: "gh_7f083739789a", FromUserName: "oia2TjuEGTNoeX76QEjQNrcURxG8", CreateTime: 1395658920, MsgType: "event", Event: "TEMPLATESENDJOBFINISH", MsgID: "200163836"},
		{ToUserName: "gh_0123456789ab", FromUserName: "oUser", CreateTime: 123456789, MsgType: "event", Event: "unsubscribe"},
	}
	keys := []string{
		"evt:oLVPpjqs9BhvzwPj5A-vTYAX3GLc|1398844735|subscribe|qrscene_inv_abcdefghijklm",
		"evt:oLVPpjqs9BhvzwPj5A-vTYAX3GLc|1398844736|scan|123123",
		"msg:1234567890123456",
		"msg:200163836",
		"evt:oUser|123456789|unsubscribe|",
	}
	for i, s := range samplePushes {
		m, err := ParseMessage([]byte(s))
		if err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		if m != want[i] {
			t.Fatalf("sample %d:\n got %+v\nwant %+v", i, m, want[i])
		}
		if k := m.DeliveryKey(); k != keys[i] {
			t.Fatalf("sample %d key %q, want %q", i, k, keys[i])
		}
	}
	for _, bad := range []string{"", "<xml>", "<xml><CreateTime>soon</CreateTime><MsgType>event</MsgType></xml>", "<xml></xml>", "<notxml><MsgType>text</MsgType></notxml>"} {
		if _, err := ParseMessage([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range samplePushes {
		f.Add([]byte(s))
	}
	f.Add([]byte(`<xml><MsgType>event</MsgType><CreateTime>-1</CreateTime><EventKey>qrscene_</EventKey></xml>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage(data)
		if err != nil {
			return
		}
		if m.MsgType == "" {
			t.Fatal("parsed a message without MsgType")
		}
		_ = m.DeliveryKey()
		_ = textReply(m, 1, m.Content) // rendering arbitrary parsed fields must not panic
	})
}

func FuzzDecryptRequest(f *testing.F) {
	e := newCBEnv(f, envOpt{cfg: func(c *CallbackConfig) { c.EncodingAESKey = testAESKey }})
	_, key := e.inviter(f, "oAlice", "Alice")
	_, valid := aesRequest(f, testAESKey, testAppID, eventXML("oFuzzSeed", 1740830400, "subscribe", key))
	f.Add(valid)
	_, unsub := aesRequest(f, testAESKey, testAppID, samplePushes[4])
	f.Add(unsub)
	_, other := aesRequest(f, testAESKey, "wxotherapp", samplePushes[0])
	f.Add(other)
	f.Add("<xml><ToUserName>gh_0123456789ab</ToUserName><Encrypt>AAAA</Encrypt></xml>")
	f.Add("<xml><Encrypt></Encrypt></xml>")
	f.Fuzz(func(t *testing.T, body string) {
		// Sign whatever Encrypt the body carries, so the fuzzer reaches the decryption
		// and parsing behind the signature check.
		enc := ""
		if raw, err := decodeXML([]byte(body)); err == nil {
			enc = strings.TrimSpace(raw.Encrypt)
		}
		ts, nonce := "1740830400", "n0nce"
		q := signedQuery(ts, nonce)
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", wxcrypto.Signature(testToken, ts, nonce, enc))
		r := httptest.NewRequest(http.MethodPost, "/wechat/callback?"+q.Encode(), strings.NewReader(body))
		w := httptest.NewRecorder()
		e.cb.ServeHTTP(w, r)
		if w.Code >= 500 || w.Code == 0 {
			t.Fatalf("status %d for body %q", w.Code, body)
		}
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest && w.Code != http.StatusForbidden && w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("unexpected status %d", w.Code)
		}
	})
}
