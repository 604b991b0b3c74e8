package httpadapter

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t, envOpt{})
	if r := e.get(e.plain(), "/healthz"); r.status != 200 || strings.TrimSpace(r.body) != "ok" {
		t.Fatalf("healthz %d %q", r.status, r.body)
	}
	if r := e.get(e.plain(), "/readyz"); r.status != 200 {
		t.Fatalf("readyz %d", r.status)
	}
	e.setReady(errors.New("dial mysql://wx:hunter2@db:3306/wx: connection refused"))
	r := e.get(e.plain(), "/readyz")
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "connection refused") || strings.Contains(r.body, "hunter2") {
		t.Fatalf("readyz %d %q", r.status, r.body)
	}
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.get(e.plain(), "/i/aaaaaaaaaaaaa")
	e.get(e.plain(), "/i/bbbbbbbbbbbbb")
	e.get(e.plain(), "/no/such/path/12345")
	e.do(e.plain(), "BREW", "/healthz", nil, nil)
	e.get(e.plain(), "/admin/api/stats")
	body := e.get(e.plain(), "/metrics").body
	for _, s := range []string{
		`wxinvite_http_requests_total{method="GET",route="/i/{code}",status="302"} 2`,
		`wxinvite_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`wxinvite_http_requests_total{method="OTHER",route="unmatched",status="405"} 1`,
		`wxinvite_http_request_seconds_bucket{route="/i/{code}"`,
		`wxinvite_http_requests_total{method="GET",route="/admin/api/stats",status="404"} 1`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("metrics lack %s", s)
		}
	}
	if strings.Contains(body, "aaaaaaaaaaaaa") || strings.Contains(body, "12345") {
		t.Error("raw path in metrics")
	}
}

func TestRequestIDAndMountLogging(t *testing.T) {
	var seen string
	mount := Mount{Name: "wechat", Path: "/wechat/callback", Methods: []string{"GET", "POST"}, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestID(r.Context())
		LoggerFrom(r.Context()).Info("mounted handler ran")
		w.Write([]byte("success"))
	})}
	boom := Mount{Name: "boom", Path: "/boom", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("kaboom") })}
	apiBoom := Mount{Name: "apiboom", Path: "/api/boom", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("kaboom") })}
	e := newEnv(t, envOpt{mounts: []Mount{mount, boom, apiBoom}})

	r := e.do(e.plain(), "POST", "/wechat/callback?signature=s", map[string]string{"X-Request-Id": "abc-123"}, nil)
	if r.body != "success" || r.header.Get("X-Request-Id") != "abc-123" || seen != "abc-123" {
		t.Fatalf("body %q id %q seen %q", r.body, r.header.Get("X-Request-Id"), seen)
	}
	if !strings.Contains(e.logs.String(), `"msg":"mounted handler ran","request_id":"abc-123"`) {
		t.Fatalf("mounted log lacks the request id: %s", e.logs.String())
	}
	if r := e.do(e.plain(), "PUT", "/wechat/callback", nil, nil); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("mount methods: %d", r.status)
	}
	r = e.do(e.plain(), "GET", "/healthz", map[string]string{"X-Request-Id": "bad id with spaces and {json}"}, nil)
	if id := r.header.Get("X-Request-Id"); len(id) != 24 || strings.Contains(id, " ") {
		t.Fatalf("insane id kept: %q", id)
	}
	if r := e.get(e.plain(), "/boom"); r.status != 500 || strings.Contains(r.body, "kaboom") {
		t.Fatalf("panic: %d %q", r.status, r.body)
	}
	e.wantAPIError(e.get(e.plain(), "/api/boom"), 500, "internal")
	logs := e.logs.String()
	if !strings.Contains(logs, `"panic":"kaboom"`) || !strings.Contains(logs, `"route":"/boom","status":500`) {
		t.Fatalf("panic not logged: %s", logs)
	}
	// The access log never carries query strings (signatures, codes, state).
	if strings.Contains(logs, "signature=s") {
		t.Fatal("query logged")
	}
}

func TestAccessLogOmitsSecrets(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.browser()
	state, _ := e.startLogin(c, "")
	code := e.oauth.code("o_secretive", "S", false)
	e.get(c, "/auth/wechat/callback?code="+code+"&state="+state)
	logs := e.logs.String()
	for _, s := range []string{code, state, "o_secretive", sessionValue(c, e.ts.URL)} {
		if strings.Contains(logs, s) {
			t.Fatalf("log contains %q", s)
		}
	}
	if !strings.Contains(logs, `"route":"/auth/wechat/callback"`) {
		t.Fatal("no access log line for the callback")
	}
}

func TestNewRouterValidatesConfig(t *testing.T) {
	e := newEnv(t, envOpt{})
	svc := e.srv.svc
	ok := Config{PublicURL: "https://invite.example.com", SessionSecret: testSecret}
	for name, cfg := range map[string]Config{
		"short secret":  {PublicURL: ok.PublicURL, SessionSecret: []byte("short")},
		"relative url":  {PublicURL: "/x", SessionSecret: testSecret},
		"ftp url":       {PublicURL: "ftp://x", SessionSecret: testSecret},
		"url with user": {PublicURL: "https://u:p@x", SessionSecret: testSecret},
		"tiny ttl":      {PublicURL: ok.PublicURL, SessionSecret: testSecret, SessionTTL: time.Second},
	} {
		if _, err := NewRouter(cfg, svc, nil, nil, nil, slog.Default()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewRouter(ok, Services{}, nil, nil, nil, nil); err == nil {
		t.Error("missing services accepted")
	}
	// Two routers on one registry share the collectors instead of failing.
	reg := prometheus.NewRegistry()
	for i := 0; i < 2; i++ {
		if _, err := NewRouter(ok, svc, nil, reg, reg, nil); err != nil {
			t.Fatal(err)
		}
	}
}
