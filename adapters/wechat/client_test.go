package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func mustQR(t *testing.T, kind domain.QRKind, scene domain.Scene, life time.Duration) domain.QRRequest {
	t.Helper()
	req, err := domain.NewQRRequest(kind, scene, life)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestErrcodeMapping(t *testing.T) {
	t.Parallel()
	type call func(ctx context.Context, c *Client) error
	qr := func(ctx context.Context, c *Client) error {
		_, err := c.CreateQRCode(ctx, domain.QRRequest{Kind: domain.QRPermanent, Scene: domain.Scene{Str: "inv_x"}})
		return err
	}
	info := func(ctx context.Context, c *Client) error { _, err := c.Follower(ctx, "oUser"); return err }
	exch := func(ctx context.Context, c *Client) error { _, err := c.Exchange(ctx, "CODE"); return err }
	prof := func(ctx context.Context, c *Client) error {
		_, err := c.Profile(ctx, application.OAuthIdentity{OpenID: "oUser", AccessToken: "uat"})
		return err
	}
	cases := []struct {
		name     string
		route    string
		call     call
		code     int
		kind     application.Kind
		appCode  string
		msgHas   string
		apiError bool
	}{
		{"qrcode daily quota", "POST /cgi-bin/qrcode/create", qr, 45009, application.KindUnavailable, "wechat_rate_limited", "", true},
		{"qrcode minute quota", "POST /cgi-bin/qrcode/create", qr, 45011, application.KindUnavailable, "wechat_rate_limited", "", true},
		{"qrcode busy", "POST /cgi-bin/qrcode/create", qr, -1, application.KindUnavailable, "wechat_busy", "", true},
		{"qrcode permanent quota", "POST /cgi-bin/qrcode/create", qr, 40053, application.KindConflict, "conflict", "", true},
		{"qrcode unknown code", "POST /cgi-bin/qrcode/create", qr, 61234, application.KindUnavailable, "wechat_error", "61234", true},
		{"qrcode 40003 is not not-found", "POST /cgi-bin/qrcode/create", qr, 40003, application.KindUnavailable, "wechat_error", "40003", true},
		{"user/info unknown openid", "GET /cgi-bin/user/info", info, 40003, application.KindNotFound, "not_found", "", true},
		{"user/info quota", "GET /cgi-bin/user/info", info, 45009, application.KindUnavailable, "wechat_rate_limited", "", true},
		{"oauth invalid code", "GET /sns/oauth2/access_token", exch, 40029, application.KindInvalid, "invalid_oauth_code", "", true},
		{"oauth used code", "GET /sns/oauth2/access_token", exch, 40163, application.KindInvalid, "invalid_oauth_code", "", true},
		{"oauth expired code", "GET /sns/oauth2/access_token", exch, 42003, application.KindInvalid, "invalid_oauth_code", "", true},
		{"oauth 40053 is not conflict", "GET /sns/oauth2/access_token", exch, 40053, application.KindUnavailable, "wechat_error", "40053", true},
		{"userinfo scope", "GET /sns/userinfo", prof, 48001, application.KindInvalid, "scope", "", true},
		{"userinfo busy", "GET /sns/userinfo", prof, -1, application.KindUnavailable, "wechat_busy", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeWeChat(t)
			f.handle(tc.route, errcode(tc.code))
			c := newTestClient(t, f, nil, nil)
			err := tc.call(context.Background(), c)
			if got := application.ErrorKind(err); got != tc.kind {
				t.Fatalf("kind = %s, want %s (err %v)", got, tc.kind, err)
			}
			var ae *application.Error
			if !errors.As(err, &ae) || ae.Code != tc.appCode {
				t.Fatalf("application code = %v, want %s", err, tc.appCode)
			}
			if !strings.Contains(err.Error(), tc.msgHas) {
				t.Fatalf("error %q does not mention %q", err, tc.msgHas)
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) != tc.apiError || (tc.apiError && apiErr.Code != tc.code) {
				t.Fatalf("errors.As APIError: %v (code want %d)", apiErr, tc.code)
			}
			if n := f.count(tc.route); n != 1 {
				t.Fatalf("%s called %d times, want exactly 1", tc.route, n)
			}
		})
	}
	t.Run("HTTP 502 is unavailable", func(t *testing.T) {
		t.Parallel()
		f := newFakeWeChat(t)
		f.handle("GET /cgi-bin/user/info", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "bad gateway", http.StatusBadGateway) })
		_, err := newTestClient(t, f, nil, nil).Follower(context.Background(), "oUser")
		if !application.IsKind(err, application.KindUnavailable) {
			t.Fatalf("err = %v, want unavailable", err)
		}
	})
	t.Run("not found matches the sentinel", func(t *testing.T) {
		t.Parallel()
		f := newFakeWeChat(t)
		f.handle("GET /cgi-bin/user/info", errcode(40003))
		_, err := newTestClient(t, f, nil, nil).Follower(context.Background(), "oUser")
		if !errors.Is(err, application.ErrNotFound) {
			t.Fatalf("errors.Is(%v, ErrNotFound) = false", err)
		}
	})
}

func TestTokenRejectedRefreshesAndRetriesOnce(t *testing.T) {
	t.Parallel()
	for _, code := range []int{40001, 40014, 42001} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			f := newFakeWeChat(t)
			f.handle("POST /cgi-bin/qrcode/create", func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("access_token") == "tok-1" {
					errcode(code)(w, r)
					return
				}
				writeJSON(w, map[string]any{"ticket": "T2", "expire_seconds": 60, "url": "http://weixin.qq.com/q/x"})
			})
			store := memory.New().Tokens()
			c := newTestClient(t, f, store, nil)
			got, err := c.CreateQRCode(context.Background(), mustQR(t, domain.QRTemporary, domain.Scene{Str: "inv_a"}, time.Minute))
			if err != nil {
				t.Fatalf("CreateQRCode: %v", err)
			}
			if got.Ticket != "T2" || got.ExpiresIn != time.Minute {
				t.Fatalf("got %+v", got)
			}
			if n := f.tokenFetches(); n != 2 {
				t.Fatalf("token fetches = %d, want 2", n)
			}
			if n := f.count("POST /cgi-bin/qrcode/create"); n != 2 {
				t.Fatalf("qrcode calls = %d, want 2", n)
			}
			if tok, _ := store.Token(context.Background(), "wxtestapp"); tok.Value != "tok-2" {
				t.Fatalf("stored token = %q, want tok-2", tok.Value)
			}
		})
	}
	t.Run("rejected twice is surfaced, not looped", func(t *testing.T) {
		t.Parallel()
		f := newFakeWeChat(t)
		f.handle("GET /cgi-bin/user/info", errcode(40001))
		_, err := newTestClient(t, f, nil, nil).Follower(context.Background(), "oUser")
		if !application.IsKind(err, application.KindUnavailable) {
			t.Fatalf("err = %v", err)
		}
		if n := f.count("GET /cgi-bin/user/info"); n != 2 {
			t.Fatalf("user/info calls = %d, want 2", n)
		}
		if n := f.tokenFetches(); n != 2 {
			t.Fatalf("token fetches = %d, want 2", n)
		}
	})
}

func TestInvalidateIsCompareAndSwap(t *testing.T) {
	t.Parallel()
	// Instance A holds tok-1 in memory; instance B already replaced it centrally with
	// tok-2. A's rejection of tok-1 must not erase tok-2, and A must adopt tok-2.
	f := newFakeWeChat(t)
	f.handle("GET /cgi-bin/user/info", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("access_token") != "tok-2" {
			errcode(40001)(w, r)
			return
		}
		writeJSON(w, map[string]any{"subscribe": 1, "openid": "oUser"})
	})
	store := memory.New().Tokens()
	a := newTestClient(t, f, store, func(c *ClientConfig) { c.InstanceID = "a" })
	if tok, err := a.AccessToken(context.Background()); err != nil || tok != "tok-1" {
		t.Fatalf("AccessToken = %q, %v", tok, err)
	}
	if err := store.PutToken(context.Background(), "wxtestapp", "b", domain.AccessToken{Value: "tok-2", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.tokenSeq.Store(2)
	if _, err := a.Follower(context.Background(), "oUser"); err != nil {
		t.Fatalf("Follower: %v", err)
	}
	if n := f.tokenFetches(); n != 1 {
		t.Fatalf("token fetches = %d, want 1 (tok-2 adopted from the store)", n)
	}
}

func TestQuotaErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.handle("POST /cgi-bin/qrcode/create", errcode(45009))
	c := newTestClient(t, f, nil, nil)
	_, err := c.CreateQRCode(context.Background(), mustQR(t, domain.QRPermanent, domain.Scene{Str: "inv_a"}, 0))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 45009 || apiErr.Endpoint != epQRCreate {
		t.Fatalf("err = %v, want APIError 45009", err)
	}
	if !application.IsKind(err, application.KindUnavailable) {
		t.Fatalf("kind = %s", application.ErrorKind(err))
	}
	if n := f.count("POST /cgi-bin/qrcode/create"); n != 1 {
		t.Fatalf("qrcode calls = %d, want 1", n)
	}
	if n := f.tokenFetches(); n != 1 {
		t.Fatalf("token fetches = %d, want 1", n)
	}
}

func TestTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.handle("GET /cgi-bin/user/info", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	c := newTestClient(t, f, nil, func(cfg *ClientConfig) { cfg.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond} })
	start := time.Now()
	_, err := c.Follower(context.Background(), "oUser")
	if !application.IsKind(err, application.KindUnavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %s, the 100ms client timeout was not applied", el)
	}
	if strings.Contains(err.Error(), "tok-") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error leaks a credential: %v", err)
	}
}

func TestTokenEndpointSelection(t *testing.T) {
	t.Parallel()
	t.Run("stable_token by default", func(t *testing.T) {
		t.Parallel()
		f := newFakeWeChat(t)
		tok, err := newTestClient(t, f, nil, nil).AccessToken(context.Background())
		if err != nil || tok != "tok-1" {
			t.Fatalf("AccessToken = %q, %v", tok, err)
		}
		if f.count("POST /cgi-bin/stable_token") != 1 || f.count("GET /cgi-bin/token") != 0 {
			t.Fatalf("calls: %v", f.calls)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(f.body("POST /cgi-bin/stable_token", 0)), &body); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"grant_type": "client_credential", "appid": "wxtestapp", "secret": "s3cret", "force_refresh": false}
		for k, v := range want {
			if body[k] != v {
				t.Fatalf("body[%s] = %v, want %v (body %v)", k, body[k], v, body)
			}
		}
	})
	t.Run("classic token on request", func(t *testing.T) {
		t.Parallel()
		f := newFakeWeChat(t)
		f.handle("GET /cgi-bin/token", func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if q.Get("grant_type") != "client_credential" || q.Get("appid") != "wxtestapp" || q.Get("secret") != "s3cret" {
				errcode(40002)(w, r)
				return
			}
			writeJSON(w, map[string]any{"access_token": "classic", "expires_in": 7200})
		})
		tok, err := newTestClient(t, f, nil, func(c *ClientConfig) { c.ClassicToken = true }).AccessToken(context.Background())
		if err != nil || tok != "classic" {
			t.Fatalf("AccessToken = %q, %v", tok, err)
		}
		if f.count("POST /cgi-bin/stable_token") != 0 {
			t.Fatal("stable_token was called")
		}
	})
}

func TestTokenCachedAndRefreshedAhead(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := application.ClockFunc(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	c, err := NewClient(ClientConfig{AppID: "wxtestapp", AppSecret: "s", APIBase: f.srv.URL}, memory.New().Tokens(), clock, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if tok, err := c.AccessToken(ctx); err != nil || tok != "tok-1" {
			t.Fatalf("AccessToken = %q, %v", tok, err)
		}
	}
	mu.Lock()
	now = now.Add(7200*time.Second - DefaultRefreshAhead) // inside the refresh margin
	mu.Unlock()
	if tok, err := c.AccessToken(ctx); err != nil || tok != "tok-2" {
		t.Fatalf("AccessToken after expiry margin = %q, %v", tok, err)
	}
	if n := f.tokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2", n)
	}
}

func TestTokenEconomyAcrossInstances(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.tokenDelay = 30 * time.Millisecond
	f.handle("GET /cgi-bin/user/info", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("access_token") != "tok-1" {
			errcode(40014)(w, r)
			return
		}
		writeJSON(w, map[string]any{"subscribe": 1, "openid": r.URL.Query().Get("openid")})
	})
	store := memory.New().Tokens()
	clients := make([]*Client, 3)
	for i := range clients {
		clients[i] = newTestClient(t, f, store, func(c *ClientConfig) {
			c.InstanceID = "instance-" + string(rune('a'+i))
			c.HTTPClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
		})
	}
	const calls = 1000
	start := make(chan struct{})
	errs := make(chan error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := clients[i%3].Follower(context.Background(), "oUser")
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Follower: %v", err)
		}
	}
	if n := f.tokenFetches(); n != 1 {
		t.Fatalf("token fetches = %d, want exactly 1", n)
	}
	if n := f.count("GET /cgi-bin/user/info"); n != calls {
		t.Fatalf("user/info calls = %d, want %d", n, calls)
	}
}

func TestCreateQRCodeRequestShape(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		req  domain.QRRequest
		want string
	}{
		{"temporary string", domain.QRRequest{Kind: domain.QRTemporary, Scene: domain.Scene{Str: "inv_abc"}, Lifetime: 2592000 * time.Second},
			`{"expire_seconds":2592000,"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"inv_abc"}}}`},
		{"temporary numeric", domain.QRRequest{Kind: domain.QRTemporary, Scene: domain.Scene{ID: 7}, Lifetime: 60 * time.Second},
			`{"expire_seconds":60,"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":7}}}`},
		{"permanent string", domain.QRRequest{Kind: domain.QRPermanent, Scene: domain.Scene{Str: "inv_abc"}},
			`{"action_name":"QR_LIMIT_STR_SCENE","action_info":{"scene":{"scene_str":"inv_abc"}}}`},
		{"permanent numeric", domain.QRRequest{Kind: domain.QRPermanent, Scene: domain.Scene{ID: 100000}},
			`{"action_name":"QR_LIMIT_SCENE","action_info":{"scene":{"scene_id":100000}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeWeChat(t)
			f.handle("POST /cgi-bin/qrcode/create", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"ticket": "gQH+/=", "url": "http://weixin.qq.com/q/abc"})
			})
			got, err := newTestClient(t, f, nil, nil).CreateQRCode(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if b := f.body("POST /cgi-bin/qrcode/create", 0); b != tc.want {
				t.Fatalf("body = %s\nwant   %s", b, tc.want)
			}
			if got.Ticket != "gQH+/=" || got.URL != "http://weixin.qq.com/q/abc" || got.ExpiresIn != tc.req.Lifetime {
				t.Fatalf("got %+v", got)
			}
		})
	}
	t.Run("invalid scene never reaches WeChat", func(t *testing.T) {
		t.Parallel()
		f := newFakeWeChat(t)
		_, err := newTestClient(t, f, nil, nil).CreateQRCode(context.Background(), domain.QRRequest{Kind: domain.QRPermanent, Scene: domain.Scene{ID: 100001}})
		if !application.IsKind(err, application.KindInvalid) || f.count("POST /cgi-bin/qrcode/create") != 0 {
			t.Fatalf("err = %v, calls %v", err, f.calls)
		}
	})
}

func TestImageURL(t *testing.T) {
	t.Parallel()
	real, err := NewClient(ClientConfig{AppID: "a", AppSecret: "s"}, memory.New().Tokens(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	const ticket = "gQH47joAAAAAAAAAASxodHRwOi8+vd2VpeGluLnFxLmNvbS9x/==="
	want := "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH47joAAAAAAAAAASxodHRwOi8%2Bvd2VpeGluLnFxLmNvbS9x%2F%3D%3D%3D"
	if got := real.ImageURL(ticket); got != want {
		t.Fatalf("real ImageURL = %s\nwant %s", got, want)
	}
	emu, err := NewClient(ClientConfig{AppID: "a", AppSecret: "s", APIBase: "http://127.0.0.1:8080/_emulator/"}, memory.New().Tokens(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := emu.ImageURL("a+b/c="); got != "http://127.0.0.1:8080/_emulator/cgi-bin/showqrcode?ticket=a%2Bb%2Fc%3D" {
		t.Fatalf("emulator ImageURL = %s", got)
	}
}

func TestAuthorizeURL(t *testing.T) {
	t.Parallel()
	c, err := NewClient(ClientConfig{AppID: "wx1234", AppSecret: "s"}, memory.New().Tokens(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := c.AuthorizeURL("https://invite.example.com/auth/wechat/callback?next=/me&x=1", "St4te")
	want := "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234" +
		"&redirect_uri=https%3A%2F%2Finvite.example.com%2Fauth%2Fwechat%2Fcallback%3Fnext%3D%2Fme%26x%3D1" +
		"&response_type=code&scope=snsapi_userinfo&state=St4te#wechat_redirect"
	if got != want {
		t.Fatalf("AuthorizeURL =\n%s\nwant\n%s", got, want)
	}
	base, _ := NewClient(ClientConfig{AppID: "wx1234", AppSecret: "s", Scope: "snsapi_base", OAuthBase: "http://127.0.0.1:9/_emulator"}, memory.New().Tokens(), nil, nil, nil)
	if got := base.AuthorizeURL("http://x/cb", "s"); got != "http://127.0.0.1:9/_emulator/connect/oauth2/authorize?appid=wx1234&redirect_uri=http%3A%2F%2Fx%2Fcb&response_type=code&scope=snsapi_base&state=s#wechat_redirect" {
		t.Fatalf("base scope URL = %s", got)
	}
	if _, err := NewClient(ClientConfig{AppID: "a", AppSecret: "s", Scope: "snsapi_login"}, memory.New().Tokens(), nil, nil, nil); err == nil {
		t.Fatal("an unknown scope was accepted")
	}
}

func TestExchangeAndProfile(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.handle("GET /sns/oauth2/access_token", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("appid") != "wxtestapp" || q.Get("secret") != "s3cret" || q.Get("grant_type") != "authorization_code" {
			errcode(40013)(w, r)
			return
		}
		switch q.Get("code") {
		case "snap":
			writeJSON(w, map[string]any{"access_token": "uat", "openid": "oSnap", "scope": "snsapi_base", "is_snapshotuser": 1})
		default:
			writeJSON(w, map[string]any{"access_token": "uat", "openid": "oReal", "scope": "snsapi_userinfo", "unionid": "uid1", "refresh_token": "rt", "expires_in": 7200})
		}
	})
	f.handle("GET /sns/userinfo", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("access_token") != "uat" || q.Get("openid") != "oReal" || q.Get("lang") != "zh_CN" {
			errcode(40001)(w, r)
			return
		}
		writeJSON(w, map[string]any{"openid": "oReal", "nickname": "小明", "headimgurl": "https://thirdwx.qlogo.cn/x/132", "unionid": "uid1"})
	})
	c := newTestClient(t, f, nil, nil)
	ctx := context.Background()
	snap, err := c.Exchange(ctx, "snap")
	if err != nil || !snap.Snapshot || snap.OpenID != "oSnap" {
		t.Fatalf("snapshot exchange = %+v, %v", snap, err)
	}
	id, err := c.Exchange(ctx, "good")
	if err != nil || id.Snapshot || id.OpenID != "oReal" || id.UnionID != "uid1" || id.Scope != "snsapi_userinfo" || id.AccessToken != "uat" {
		t.Fatalf("exchange = %+v, %v", id, err)
	}
	p, err := c.Profile(ctx, id)
	if err != nil || p != (domain.Profile{UnionID: "uid1", Nickname: "小明", AvatarURL: "https://thirdwx.qlogo.cn/x/132"}) {
		t.Fatalf("profile = %+v, %v", p, err)
	}
	if f.tokenFetches() != 0 {
		t.Fatal("OAuth calls must not fetch the server token")
	}
}

func TestFollowerEmptyProfile(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.handle("GET /cgi-bin/user/info", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("access_token") != "tok-1" || q.Get("openid") != "oUser" || q.Get("lang") != "zh_CN" {
			errcode(40003)(w, r)
			return
		}
		w.Write([]byte(`{"subscribe":1,"openid":"oUser","nickname":"","sex":0,"headimgurl":"","unionid":"u9","subscribe_scene":"ADD_SCENE_QR_CODE"}`))
	})
	got, err := newTestClient(t, f, nil, nil).Follower(context.Background(), "oUser")
	if err != nil || got != (application.Follower{Subscribed: true, Profile: domain.Profile{UnionID: "u9"}}) {
		t.Fatalf("Follower = %+v, %v", got, err)
	}
}

func TestClientMetrics(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.handle("GET /cgi-bin/user/info", errcode(45009))
	reg := prometheus.NewRegistry()
	store := memory.New().Tokens()
	a, err := NewClient(ClientConfig{AppID: "wxtestapp", AppSecret: "s", APIBase: f.srv.URL}, store, nil, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewClient(ClientConfig{AppID: "wxtestapp", AppSecret: "s", APIBase: f.srv.URL}, store, nil, reg, nil); err != nil {
		t.Fatalf("second client on the same registry: %v", err)
	}
	_, _ = a.Follower(context.Background(), "oUser")
	if v := metricValue(t, reg, "wxinvite_wechat_api_calls_total", map[string]string{"endpoint": epUserInfo, "errcode": "45009"}); v != 1 {
		t.Fatalf("calls{user/info,45009} = %v", v)
	}
	if v := metricValue(t, reg, "wxinvite_wechat_api_calls_total", map[string]string{"endpoint": epStableToken, "errcode": "0"}); v != 1 {
		t.Fatalf("calls{stable_token,0} = %v", v)
	}
	if v := metricValue(t, reg, "wxinvite_wechat_token_refreshes_total", map[string]string{"result": "fetched"}); v != 1 {
		t.Fatalf("refreshes{fetched} = %v", v)
	}
	if v := metricValue(t, reg, "wxinvite_wechat_api_seconds", map[string]string{"endpoint": epUserInfo}); v != 1 {
		t.Fatalf("histogram count{user/info} = %v", v)
	}
}

// crashingStore is the token store as seen by an instance that dies right after it
// fetched: its token and its lease release never reach the store.
type crashingStore struct{ application.TokenStore }

func (crashingStore) PutToken(context.Context, string, string, domain.AccessToken) error { return nil }
func (crashingStore) ReleaseLease(context.Context, string, string) error                 { return nil }

// An instance that took the refresh lease and died must not keep the others without
// a token beyond one fetch's time (HTTP timeout + slack).
func TestDeadLeaseHolderIsTakenOver(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := application.ClockFunc(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	tokens := memory.New().Tokens()
	ctx := context.Background()
	cfg := ClientConfig{AppID: "wxtestapp", AppSecret: "s", APIBase: f.srv.URL}
	cfg.InstanceID = "doomed"
	doomed, err := NewClient(cfg, crashingStore{tokens}, clock, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := doomed.AccessToken(ctx); err != nil { // takes the lease, fetches, "dies"
		t.Fatal(err)
	}
	cfg.InstanceID = "survivor"
	survivor, err := NewClient(cfg, tokens, clock, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(DefaultHTTPTimeout + tokenLeaseSlack) // one fetch's time later
	mu.Unlock()
	if _, err := survivor.AccessToken(ctx); err != nil {
		t.Fatalf("the survivor is still locked out one fetch's time after the crash: %v", err)
	}
	if n := f.tokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2 (the dead one's and the survivor's)", n)
	}
}
