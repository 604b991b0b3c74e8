package wechat

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
	"github.com/wxinvite/wxinvite/domain"
)

const (
	testToken     = "cbtoken"
	testAppID     = "wxtestapp"
	testAccount   = "gh_0123456789ab"
	testAESKey    = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testOldAESKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
)

// testClock is a settable clock shared by the store, the use cases and the handler.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type cbEnv struct {
	people *fakePeople
	enrich *fakeEnqueuer
	clock  *testClock
	reg    *prometheus.Registry
	cb     *Callback
}

type envOpt struct {
	cfg func(*CallbackConfig)
	// people is shared with another env (a second instance over the same data).
	people *fakePeople
}

func newCBEnv(t testing.TB, o envOpt) *cbEnv {
	t.Helper()
	e := &cbEnv{people: o.people, enrich: &fakeEnqueuer{}, clock: &testClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}, reg: prometheus.NewRegistry()}
	if e.people == nil {
		e.people = newFakePeople()
	}
	cfg := CallbackConfig{Token: testToken, AppID: testAppID}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	cb, err := NewCallback(cfg, e.people, e.people, e.enrich, e.clock, e.reg, nil)
	if err != nil {
		t.Fatalf("NewCallback: %v", err)
	}
	e.cb = cb
	return e
}

// inviter makes a user who can invite, returning them and the EventKey of a
// subscribe through their QR code.
func (e *cbEnv) inviter(t testing.TB, openID, nickname string) (domain.User, string) {
	t.Helper()
	u := e.people.add(openID, nickname)
	return u, "qrscene_" + domain.InviteScene(u.InviteCode).Str
}

func eventXML(from string, createTime int64, event, key string) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[%s]]></Event>`+
		`<EventKey><![CDATA[%s]]></EventKey><Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xLzAyTjJ5]]></Ticket></xml>`,
		testAccount, from, createTime, event, key)
}

func signedQuery(ts, nonce string) url.Values {
	return url.Values{"signature": {wxcrypto.Signature(testToken, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "openid": {"ignored"}}
}

func (e *cbEnv) do(method string, q url.Values, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/wechat/callback?"+q.Encode(), strings.NewReader(body))
	w := httptest.NewRecorder()
	e.cb.ServeHTTP(w, r)
	return w
}

func (e *cbEnv) postPlain(body string) *httptest.ResponseRecorder {
	return e.do(http.MethodPost, signedQuery("1740830400", "nonce123"), body)
}

// aesRequest seals body as WeChat does in safe mode.
func aesRequest(t testing.TB, key, appID, inner string) (url.Values, string) {
	t.Helper()
	c, err := wxcrypto.NewCipher(key, appID)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.Encrypt([]byte(inner), nil)
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := "1740830400", "n0nce"
	q := signedQuery(ts, nonce)
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", wxcrypto.Signature(testToken, ts, nonce, enc))
	return q, "<xml><ToUserName><![CDATA[" + testAccount + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
}

type replyXML struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Content      string
}

func parseReply(t testing.TB, body []byte) replyXML {
	t.Helper()
	var r replyXML
	if err := xml.Unmarshal(body, &r); err != nil {
		t.Fatalf("reply %q is not XML: %v", body, err)
	}
	return r
}

type encReplyXML struct {
	Encrypt      string
	MsgSignature string
	TimeStamp    string
	Nonce        string
}

// openReply checks an encrypted reply's signature and decrypts it with key.
func openReply(t testing.TB, key string, q url.Values, body []byte) replyXML {
	t.Helper()
	var env encReplyXML
	if err := xml.Unmarshal(body, &env); err != nil {
		t.Fatalf("encrypted reply %q: %v", body, err)
	}
	if env.TimeStamp != q.Get("timestamp") || env.Nonce != q.Get("nonce") {
		t.Fatalf("reply timestamp/nonce = %s/%s, want the request's", env.TimeStamp, env.Nonce)
	}
	if !wxcrypto.Verify(env.MsgSignature, testToken, env.TimeStamp, env.Nonce, env.Encrypt) {
		t.Fatal("reply MsgSignature does not verify")
	}
	c, err := wxcrypto.NewCipher(key, testAppID)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := c.Decrypt(env.Encrypt)
	if err != nil {
		t.Fatalf("decrypt reply: %v", err)
	}
	return parseReply(t, plain)
}

func (e *cbEnv) user(t testing.TB, openID string) domain.User {
	t.Helper()
	u, ok := e.people.lookup(openID)
	if !ok {
		t.Fatalf("user %s unknown", openID)
	}
	return u
}

func (e *cbEnv) invitesBy(t testing.TB, id domain.UserID) int {
	t.Helper()
	return e.people.invitesBy(id)
}

func (e *cbEnv) userCount(t testing.TB) int {
	t.Helper()
	return e.people.count()
}
