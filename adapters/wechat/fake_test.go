package wechat

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
)

// fakeWeChat is an httptest stand-in for the WeChat API that counts calls per path
// and lets each test script the answers.
type fakeWeChat struct {
	srv *httptest.Server

	mu     sync.Mutex
	calls  map[string]int
	bodies map[string][]string
	routes map[string]http.HandlerFunc

	tokenSeq   atomic.Int64
	tokenDelay time.Duration
}

func newFakeWeChat(t testing.TB) *fakeWeChat {
	f := &fakeWeChat{calls: map[string]int{}, bodies: map[string][]string{}, routes: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWeChat) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.calls[key]++
	f.bodies[key] = append(f.bodies[key], string(body))
	h := f.routes[key]
	f.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	switch key {
	case "GET /cgi-bin/token", "POST /cgi-bin/stable_token":
		time.Sleep(f.tokenDelay)
		writeJSON(w, map[string]any{"access_token": fmt.Sprintf("tok-%d", f.tokenSeq.Add(1)), "expires_in": 7200})
	default:
		writeJSON(w, map[string]any{"errcode": 40404, "errmsg": "not scripted: " + key})
	}
}

func (f *fakeWeChat) handle(key string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[key] = h
}

func (f *fakeWeChat) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

func (f *fakeWeChat) body(key string, i int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[key][i]
}

func (f *fakeWeChat) tokenFetches() int {
	return f.count("GET /cgi-bin/token") + f.count("POST /cgi-bin/stable_token")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func errcode(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"errcode": code, "errmsg": fmt.Sprintf("scripted %d", code)})
	}
}

func newTestClient(t testing.TB, f *fakeWeChat, tokens application.TokenStore, mod func(*ClientConfig)) *Client {
	t.Helper()
	if tokens == nil {
		tokens = memory.New().Tokens()
	}
	cfg := ClientConfig{AppID: "wxtestapp", AppSecret: "s3cret", APIBase: f.srv.URL, OAuthBase: "https://open.example.test"}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg, tokens, application.SystemClock, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// metricValue reads a counter or histogram sample count from a registry, summed over
// the series that match labels (the prometheus testutil package needs a module this
// repository does not carry).
func metricValue(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue metrics
				}
			}
			if h := m.GetHistogram(); h != nil {
				sum += float64(h.GetSampleCount())
				continue
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
