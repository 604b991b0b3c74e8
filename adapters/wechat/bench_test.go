package wechat

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// benchmarkCallback measures one subscribe push through the handler: verify,
// (decrypt), parse, dedup, dispatch to a fake Join with an invite, reply (encrypted
// in AES mode). The fake scans linearly, so it is replaced every 64 pushes
// (untimed) to keep the measurement about the handler rather than a growing map.
func benchmarkCallback(b *testing.B, aes bool) {
	const perStore = 64
	var e *cbEnv
	var key string
	setup := func() {
		e = newCBEnv(b, envOpt{cfg: func(c *CallbackConfig) {
			if aes {
				c.EncodingAESKey = testAESKey
			}
		}})
		_, key = e.inviter(b, "oInviter", "Alice")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%perStore == 0 {
			b.StopTimer()
			setup()
			b.StartTimer()
		}
		inner := eventXML("oBench"+strconv.Itoa(i), 1740830400, "subscribe", key)
		var q = signedQuery("1740830400", "nonce123")
		body := inner
		if aes {
			b.StopTimer() // sealing the request is WeChat's work, not ours
			q, body = aesRequest(b, testAESKey, testAppID, inner)
			b.StartTimer()
		}
		r := httptest.NewRequest(http.MethodPost, "/wechat/callback?"+q.Encode(), strings.NewReader(body))
		w := httptest.NewRecorder()
		e.cb.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<xml>") {
			b.Fatalf("status %d %q", w.Code, w.Body)
		}
		i++
	}
}

func BenchmarkCallbackPlain(b *testing.B) { benchmarkCallback(b, false) }
func BenchmarkCallbackAES(b *testing.B)   { benchmarkCallback(b, true) }
