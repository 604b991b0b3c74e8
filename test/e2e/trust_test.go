package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/test/harness"
)

// callbackAt sends a callback request signed with the instance's token at Unix
// time ts, with extra query parameters (encrypt_type, echostr...).
func (a *app) callbackAt(method string, ts int64, extra url.Values, body string) (*http.Response, []byte) {
	a.t.Helper()
	q := url.Values{}
	for k, v := range extra {
		q[k] = v
	}
	t, nonce := strconv.FormatInt(ts, 10), "1234567890"
	q.Set("signature", signature(a.inst.Config.Token, t, nonce))
	q.Set("timestamp", t)
	q.Set("nonce", nonce)
	req := newReq(a.t, method, a.URL+"/wechat/callback?"+q.Encode(), strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml")
	return do(a.t, a.api, req)
}

func subscribeXML(openID, scene string, createTime int64) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_wxinvite_emu]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>`+
		`<EventKey><![CDATA[qrscene_%s]]></EventKey></xml>`, openID, createTime, scene)
}

// Callback trust (issue 13 item 1): a correctly signed request whose timestamp is
// more than 5 minutes from the server's clock is refused on GET and POST, and with
// an EncodingAESKey set a plaintext POST is refused however well it is signed. The
// refusals create no user and no invite; the emulator, which signs with its own
// current time, keeps working.
func TestCallbackTrust(t *testing.T) {
	t.Parallel()
	key := "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	scenario(t, harness.Options{EncodingAESKey: key}, func(t *testing.T, a *app) {
		_, bA, _ := a.loggedIn("阿强")
		q := bA.qrcode()
		F := a.newPerson("伪造者")
		s0 := a.stats()
		now := time.Now().Unix()
		push := subscribeXML(F.OpenID, q.Scene, now)
		aes := url.Values{"encrypt_type": {"aes"}, "msg_signature": {strings.Repeat("0", 40)}}
		for _, tc := range []struct {
			name   string
			method string
			ts     int64
			extra  url.Values
		}{
			{"GET, timestamp 6 minutes old", "GET", now - 360, url.Values{"echostr": {"hello"}}},
			{"GET, timestamp 6 minutes ahead", "GET", now + 360, url.Values{"echostr": {"hello"}}},
			{"POST, timestamp an hour old (a captured URL)", "POST", now - 3600, aes},
			{"POST, plaintext with a key set", "POST", now, nil},
			{"POST, encrypt_type=raw with a key set", "POST", now, url.Values{"encrypt_type": {"raw"}}},
		} {
			if resp, b := a.callbackAt(tc.method, tc.ts, tc.extra, push); resp.StatusCode != http.StatusForbidden || strings.Contains(string(b), "hello") {
				t.Errorf("%s: %d %q, want 403", tc.name, resp.StatusCode, b)
			}
		}
		if s := a.stats(); !statsEqual(s, s0) {
			t.Fatalf("refused requests changed the data: %+v → %+v", s0, s)
		}
		// A fresh GET verification still works, and so do the emulator's signed pushes.
		if resp, b := a.callbackAt("GET", now, url.Values{"echostr": {"hello"}}, ""); resp.StatusCode != http.StatusOK || string(b) != "hello" {
			t.Fatalf("verification now: %d %q", resp.StatusCode, b)
		}
		wantReplied(t, "F's genuine scan", a.scan(F, q.Ticket), thanks+"阿强")
		if v := a.metric(`wxinvite_callback_refusals_total{reason="timestamp_out_of_window"}`); v != 3 {
			t.Errorf("refusals{timestamp_out_of_window} = %v, want 3", v)
		}
		if v := a.metric(`wxinvite_callback_refusals_total{reason="plaintext_in_safe_mode"}`); v != 2 {
			t.Errorf("refusals{plaintext_in_safe_mode} = %v, want 2", v)
		}
	})
}

// Event order (issue 13 item 2): subscribe, unsubscribe, subscribe again, then a
// late copy of the unsubscribe (a retry that reached us late, a replay): the person
// still follows, because the follow state follows the events' own CreateTime.
func TestLateUnsubscribeKeepsFollowing(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		P := a.newPerson("回头客")
		t0 := time.Now().Unix() - 60
		deliver := func(event string, at int64, key string) {
			t.Helper()
			var res struct {
				Results []delivery `json:"results"`
			}
			a.emu("POST", "/deliver", map[string]any{"openid": P.OpenID, "event": event, "create_time": at, "event_key": key}, &res, http.StatusOK)
			if len(res.Results) != 1 || res.Results[0].Status == "http_error" {
				t.Fatalf("%s at %d: %+v", event, at, res)
			}
		}
		deliver("subscribe", t0, "")
		deliver("unsubscribe", t0+10, "")
		if s := a.stats(); s.Followers != 0 || s.Users != 1 {
			t.Fatalf("after the unsubscribe: %+v", s)
		}
		deliver("subscribe", t0+20, "")
		if s := a.stats(); s.Followers != 1 {
			t.Fatalf("after the re-subscribe: %+v", s)
		}
		// The late copy: same event and CreateTime as the unsubscribe. It carries an
		// EventKey so that this instance's dedup cache (which would otherwise answer
		// it without processing) does not hide what the store does with it; on another
		// instance (test/multiinstance) it is the identical copy.
		deliver("unsubscribe", t0+10, "late-copy")
		if s := a.stats(); s.Followers != 1 || s.Users != 1 {
			t.Fatalf("a late unsubscribe un-followed a person who followed again: %+v", s)
		}
		// A newer unsubscribe still applies.
		deliver("unsubscribe", t0+30, "")
		if s := a.stats(); s.Followers != 0 {
			t.Fatalf("after a newer unsubscribe: %+v", s)
		}
	})
}
