package wechat

import (
	"context"
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

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
	"github.com/wxinvite/wxinvite/application"
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
	store *memory.Store
	clock *testClock
	reg   *prometheus.Registry
	cb    *Callback
	join  *application.JoinService
}

type envOpt struct {
	cfg       func(*CallbackConfig)
	followers application.WeChatFollowers
	tx        application.Transactor
}

func newCBEnv(t testing.TB, o envOpt) *cbEnv {
	t.Helper()
	e := &cbEnv{store: memory.New(), clock: &testClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}, reg: prometheus.NewRegistry()}
	var tx application.Transactor = e.store
	if o.tx != nil {
		tx = o.tx
	}
	e.join = application.NewJoinService(tx, e.store.Users(), e.store.Invites(), e.clock, application.SystemRandom)
	var enrich *application.EnrichProfileService
	if o.followers != nil {
		enrich = application.NewEnrichProfileService(e.store.Users(), o.followers)
	}
	cfg := CallbackConfig{Token: testToken, AppID: testAppID}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	cb, err := NewCallback(cfg, e.join, application.NewUnfollowService(e.store.Users()), enrich, e.clock, e.reg, nil)
	if err != nil {
		t.Fatalf("NewCallback: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = cb.Close(ctx)
	})
	e.cb = cb
	return e
}

// inviter makes a user who can invite, returning them and the EventKey of a
// subscribe through their QR code.
func (e *cbEnv) inviter(t testing.TB, openID, nickname string) (domain.User, string) {
	t.Helper()
	res, err := e.join.Join(context.Background(), application.JoinCommand{OpenID: openID, Profile: domain.Profile{Nickname: nickname}})
	if err != nil {
		t.Fatal(err)
	}
	return res.User, "qrscene_" + domain.InviteScene(res.User.InviteCode).Str
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
	u, err := e.store.Users().ByOpenID(context.Background(), openID)
	if err != nil {
		t.Fatalf("user %s: %v", openID, err)
	}
	return u
}

func (e *cbEnv) invitesBy(t testing.TB, id domain.UserID) int {
	t.Helper()
	n, err := e.store.Invites().CountByInviter(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *cbEnv) userCount(t testing.TB) int {
	t.Helper()
	n, _, err := e.store.Users().Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
