// Package harness starts assembled wxinvite instances and a WeChat emulator for the
// end-to-end, multi-instance and load tests. Everything listens on 127.0.0.1:0 and is
// driven only over HTTP, like a deployment.
package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
	"github.com/wxinvite/wxinvite/bootstrap"
)

// Options configure one instance. Zero values give the `make run` defaults on an
// in-memory SQLite database with the built-in emulator.
type Options struct {
	DatabaseURL    string // default sqlite in t.TempDir()
	EncodingAESKey string
	AdminToken     string // default "admin-token"
	SessionSecret  string // default a fixed 32-byte test secret (shared by instances)
	// WeChat, when set, makes the instance use that emulator as "the real WeChat"
	// (credentials mode) instead of its own built-in one.
	WeChat *Emulator
	// EmulatorTokenTTL shortens the built-in emulator's token lifetime.
	EmulatorTokenTTL time.Duration
	// Env adds raw environment values (WXINVITE_*, WECHAT_*) on top.
	Env map[string]string
	// Extra fx options (fx.Decorate, fx.Populate).
	Extra []fx.Option
}

// Instance is one running app.
type Instance struct {
	URL      string // base URL, e.g. http://127.0.0.1:41234
	Emulator *emulator.Emulator
	Config   bootstrap.Config
	app      *fx.App
	stopOnce sync.Once
}

// TestSessionSecret is shared by instances in one test so a browser session works on any of them.
const TestSessionSecret = "test-session-secret-0123456789abcdef"

// Start assembles and starts an instance; it is stopped in t.Cleanup.
func Start(t testing.TB, opt Options) *Instance {
	t.Helper()
	env := map[string]string{
		"WXINVITE_ADDR":           "127.0.0.1:0",
		"WXINVITE_ADMIN_TOKEN":    "admin-token",
		"WXINVITE_SESSION_SECRET": TestSessionSecret,
		"WXINVITE_LOG_LEVEL":      "warn",
	}
	if opt.DatabaseURL != "" {
		env["WXINVITE_DATABASE_URL"] = opt.DatabaseURL
	} else {
		env["WXINVITE_DATABASE_URL"] = "sqlite:" + t.TempDir() + "/wxinvite.db"
	}
	if opt.AdminToken != "" {
		env["WXINVITE_ADMIN_TOKEN"] = opt.AdminToken
	}
	if opt.SessionSecret != "" {
		env["WXINVITE_SESSION_SECRET"] = opt.SessionSecret
	}
	if opt.EncodingAESKey != "" {
		env["WECHAT_ENCODING_AES_KEY"] = opt.EncodingAESKey
	}
	if opt.WeChat != nil {
		env["WECHAT_APPID"] = bootstrap.EmulatorAppID
		env["WECHAT_APPSECRET"] = opt.WeChat.Secret
		env["WECHAT_TOKEN"] = bootstrap.EmulatorToken
		env["WECHAT_API_BASE"] = opt.WeChat.URL + "/_emulator"
		env["WECHAT_OAUTH_BASE"] = opt.WeChat.URL + "/_emulator"
		if opt.WeChat.AESKey != "" {
			env["WECHAT_ENCODING_AES_KEY"] = opt.WeChat.AESKey
		}
	}
	for k, v := range opt.Env {
		env[k] = v
	}
	cfg, err := bootstrap.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("harness config: %v", err)
	}
	cfg.EmulatorTokenTTL = opt.EmulatorTokenTTL

	inst := &Instance{Config: cfg}
	var ln *bootstrap.Listener
	var emu *emulator.Emulator
	opts := []fx.Option{fx.Populate(&ln), fx.NopLogger}
	if cfg.Emulator() { // with real credentials the emulator is not in the graph
		opts = append(opts, fx.Populate(&emu))
	}
	opts = append(opts, opt.Extra...)
	inst.app = bootstrap.New(cfg, opts...)
	if err := inst.app.Err(); err != nil {
		t.Fatalf("harness: build app: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := inst.app.Start(ctx); err != nil {
		t.Fatalf("harness: start app: %v", err)
	}
	inst.URL, inst.Emulator = ln.PublicURL, emu
	t.Cleanup(inst.Stop)
	return inst
}

// Stop stops the instance gracefully (idempotent).
func (i *Instance) Stop() {
	i.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = i.app.Stop(ctx)
	})
}

// Emulator is a standalone emulated WeChat platform shared by several instances, as
// the real platform is. Its pushes go to a round-robin balancer over the instances.
type Emulator struct {
	*emulator.Emulator
	URL    string
	Secret string
	AESKey string
	lb     *Balancer
}

// EmulatorOptions configure a standalone emulator.
type EmulatorOptions struct {
	AESKey   string
	TokenTTL time.Duration
}

// StartEmulator serves an emulator on 127.0.0.1:0 under /_emulator/.
func StartEmulator(t testing.TB, opt EmulatorOptions) *Emulator {
	t.Helper()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	secret := hex.EncodeToString(b)
	lb := &Balancer{}
	lbSrv := httptest.NewServer(lb)
	t.Cleanup(lbSrv.Close)
	e, err := emulator.New(emulator.Config{
		AppID: bootstrap.EmulatorAppID, AppSecret: secret, Token: bootstrap.EmulatorToken,
		EncodingAESKey: opt.AESKey, TokenTTL: opt.TokenTTL, CallbackURL: lbSrv.URL + "/wechat/callback",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("harness: emulator: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/_emulator/", http.StripPrefix("/_emulator", e.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(e.Close)
	return &Emulator{Emulator: e, URL: srv.URL, Secret: secret, AESKey: opt.AESKey, lb: lb}
}

// Balance makes the emulator's pushes go round-robin to these instances.
func (e *Emulator) Balance(instances ...*Instance) { e.lb.Set(instances...) }

// Balancer is a round-robin reverse proxy, standing in for the load balancer in
// front of several instances.
type Balancer struct {
	mu      sync.RWMutex
	proxies []*httputil.ReverseProxy
	next    atomic.Uint64
}

// Set replaces the backends.
func (b *Balancer) Set(instances ...*Instance) {
	ps := make([]*httputil.ReverseProxy, 0, len(instances))
	for _, in := range instances {
		u, _ := url.Parse(in.URL)
		p := httputil.NewSingleHostReverseProxy(u)
		p.ErrorLog = log.New(io.Discard, "", 0) // a stopped backend is part of the tests
		ps = append(ps, p)
	}
	b.mu.Lock()
	b.proxies = ps
	b.mu.Unlock()
}

// ServeHTTP forwards to the next backend.
func (b *Balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.RLock()
	ps := b.proxies
	b.mu.RUnlock()
	if len(ps) == 0 {
		http.Error(w, "no backends", http.StatusBadGateway)
		return
	}
	ps[int(b.next.Add(1)-1)%len(ps)].ServeHTTP(w, r)
}
