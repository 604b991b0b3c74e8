// Package wechat is the adapter between wxinvite and the WeChat Official Account
// platform: an outbound API client (access_token held centrally, parametric QR
// codes, follower info, web OAuth) and the inbound callback handler (signature,
// safe-mode decryption, message parsing, dedup, passive replies).
package wechat

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/wxinvite/wxinvite/application"
)

// Defaults for ClientConfig.
const (
	// DefaultAPIBase is WeChat's real API host.
	DefaultAPIBase = "https://api.weixin.qq.com"
	// DefaultOAuthBase is where WeChat serves the web authorisation page.
	DefaultOAuthBase = "https://open.weixin.qq.com"
	// DefaultScope asks for nickname and avatar, which user/info no longer gives.
	DefaultScope = "snsapi_userinfo"
	// DefaultHTTPTimeout bounds every API call so a hung WeChat cannot hold a request.
	DefaultHTTPTimeout = 5 * time.Second
	// DefaultRefreshAhead renews the token before WeChat's own 5-minute changeover ends.
	DefaultRefreshAhead = 5 * time.Minute
)

// CheckScope accepts the two web OAuth scopes WeChat offers an official account; the
// configuration calls it so that the rule lives here only.
func CheckScope(scope string) error {
	if scope != "snsapi_base" && scope != "snsapi_userinfo" {
		return fmt.Errorf("scope %q: want snsapi_base or snsapi_userinfo", scope)
	}
	return nil
}

// Token lease and wait bounds: one instance fetches, the others wait at most
// tokenWaitMax for it, polling the store every tokenPoll.
const (
	// tokenLeaseSlack is added to the HTTP timeout to make the refresh lease: long
	// enough for the holder's one fetch, short enough that a holder that died leaves
	// the others without a token for seconds, not half a minute.
	tokenLeaseSlack = 2 * time.Second
	tokenPoll       = 50 * time.Millisecond
	tokenWaitMax    = 5 * time.Second
	// maxResponse bounds what is read from WeChat; real answers are a few hundred bytes.
	maxResponse = 1 << 20
)

// ClientConfig configures the WeChat API client; zero values take the defaults.
type ClientConfig struct {
	AppID, AppSecret string
	// APIBase is the base of cgi-bin/* and sns/* calls (the emulator in dev and tests).
	APIBase string
	// OAuthBase is the base of connect/oauth2/authorize.
	OAuthBase string
	// Scope is snsapi_base or snsapi_userinfo.
	Scope string
	// ClassicToken uses cgi-bin/token instead of stable_token; only for accounts
	// whose other systems still use the classic token (the two are isolated).
	ClassicToken bool
	// HTTPClient defaults to one with a 5 s timeout.
	HTTPClient *http.Client
	// RefreshAhead renews the token this long before it expires (default 5 min).
	RefreshAhead time.Duration
	// InstanceID names this process as the holder of the refresh lease (default random).
	InstanceID string
}

// Client calls the WeChat API. It implements the WeChat ports of the application and
// is safe for concurrent use.
type Client struct {
	cfg     ClientConfig
	tokens  application.TokenStore
	clock   application.Clock
	http    *http.Client
	log     *slog.Logger
	metrics *clientMetrics
	mpBase  string // where showqrcode lives

	flight singleflight.Group
	access *held // the server access_token
	jsapi  *held // the JS-SDK jsapi_ticket
}

var (
	_ application.WeChatQRCodes   = (*Client)(nil)
	_ application.WeChatFollowers = (*Client)(nil)
	_ application.WeChatOAuth     = (*Client)(nil)
)

// NewClient builds the API client. tokens is the central store shared by every
// instance, so the account's token quota is spent once for all of them; metrics are
// registered on reg unless it is nil.
func NewClient(cfg ClientConfig, tokens application.TokenStore, clock application.Clock, reg prometheus.Registerer, log *slog.Logger) (*Client, error) {
	if cfg.AppID == "" || cfg.AppSecret == "" {
		return nil, errors.New("wechat client: AppID and AppSecret are required")
	}
	if tokens == nil {
		return nil, errors.New("wechat client: a token store is required")
	}
	if cfg.APIBase == "" {
		cfg.APIBase = DefaultAPIBase
	}
	if cfg.OAuthBase == "" {
		cfg.OAuthBase = DefaultOAuthBase
	}
	cfg.APIBase = strings.TrimRight(cfg.APIBase, "/")
	cfg.OAuthBase = strings.TrimRight(cfg.OAuthBase, "/")
	for name, base := range map[string]string{"APIBase": cfg.APIBase, "OAuthBase": cfg.OAuthBase} {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("wechat client: %s %q is not an http(s) URL", name, base)
		}
	}
	if cfg.Scope == "" {
		cfg.Scope = DefaultScope
	}
	if err := CheckScope(cfg.Scope); err != nil {
		return nil, fmt.Errorf("wechat client: %w", err)
	}
	if cfg.RefreshAhead <= 0 {
		cfg.RefreshAhead = DefaultRefreshAhead
	}
	if cfg.InstanceID == "" {
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("wechat client: instance id: %w", err)
		}
		cfg.InstanceID = "wxinvite-" + hex.EncodeToString(b)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if clock == nil {
		clock = application.SystemClock
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newClientMetrics(reg)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, tokens: tokens, clock: clock, http: hc, log: log, metrics: m, mpBase: cfg.APIBase}
	c.access = &held{name: "access token", key: cfg.AppID, code: "wechat_token_unavailable", fetch: c.fetchAccessToken, refreshes: m.refreshes}
	c.jsapi = &held{name: "jsapi ticket", key: cfg.AppID + jsapiKeySuffix, code: "wechat_ticket_unavailable",
		fetch: c.fetchJSAPITicket, refreshes: m.ticketRefreshes, before: func(ctx context.Context) error { _, err := c.token(ctx); return err }}
	if u, _ := url.Parse(cfg.APIBase); u.Host == "api.weixin.qq.com" {
		// The real platform serves QR images from the mp host, not the API host.
		c.mpBase = "https://mp.weixin.qq.com"
	}
	return c, nil
}

// apiStatus is the error part every WeChat JSON answer may carry.
type apiStatus struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// call makes one HTTP request to WeChat and decodes the JSON answer into out. It
// returns the raw failure (*APIError, *httpStatusError or a transport error); the
// caller classifies it once retries are over.
func (c *Client) call(ctx context.Context, endpoint, method, path string, query url.Values, body, out any) error {
	start := time.Now()
	err := c.roundTrip(ctx, endpoint, method, path, query, body, out)
	c.metrics.calls.WithLabelValues(endpoint, errLabel(err)).Inc()
	c.metrics.seconds.WithLabelValues(endpoint).Observe(time.Since(start).Seconds())
	return err
}

func (c *Client) roundTrip(ctx context.Context, endpoint, method, path string, query url.Values, body, out any) error {
	u := c.cfg.APIBase + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("wechat %s: encode request: %w", endpoint, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("wechat %s: build request: %w", endpoint, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("wechat %s: %w", endpoint, redactURLError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("wechat %s: read response: %w", endpoint, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &httpStatusError{Endpoint: endpoint, Status: resp.StatusCode}
	}
	var st apiStatus
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("wechat %s: decode response: %w", endpoint, err)
	}
	if st.ErrCode != 0 {
		return &APIError{Endpoint: endpoint, Code: st.ErrCode, Msg: st.ErrMsg}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("wechat %s: decode response: %w", endpoint, err)
		}
	}
	return nil
}

// redactURLError strips the query string (access_token, secret, code) from a
// transport error before it reaches a log line.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

// withToken runs fn with the server access_token. When WeChat rejects the token
// (40001/40014/42001) it invalidates exactly that token in the central store, gets a
// fresh one and retries fn once; any other failure is returned as is, never looped.
func (c *Client) withToken(ctx context.Context, endpoint string, fn func(token string) error) error {
	tok, err := c.token(ctx)
	if err != nil {
		return err
	}
	err = fn(tok)
	var ae *APIError
	if !errors.As(err, &ae) || !tokenRejected(ae.Code) {
		return classify(endpoint, err)
	}
	c.log.WarnContext(ctx, "wechat rejected the access token; refreshing", "endpoint", endpoint, "errcode", ae.Code)
	c.invalidate(ctx, c.access, tok)
	if tok, err = c.token(ctx); err != nil {
		return err
	}
	return classify(endpoint, fn(tok))
}
