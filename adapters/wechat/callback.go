package wechat

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
	"github.com/wxinvite/wxinvite/application"
)

// The callback is three parts, one file each:
//   - transport.go: who may talk to us and in which envelope (signature, timestamp
//     window, safe mode, decryption, the encrypted reply);
//   - delivery.go: each delivery processed once however many copies WeChat sends
//     (dedup cache, single-flight, the 5-second deadline);
//   - dispatch.go: what a push means, as a table from (MsgType, Event) to a handler.
// It depends only on the small interfaces in ports.go.

// Defaults for CallbackConfig.
const (
	// DefaultInviteReply names the inviter to the newcomer, as the contract requires.
	DefaultInviteReply = "感谢您的加入，邀请者是 {inviter}"
	// DefaultWelcomeReply greets a newcomer nobody invited.
	DefaultWelcomeReply = "欢迎关注！"
	// DefaultDeadline leaves WeChat's 5-second budget a margin for the network.
	DefaultDeadline = 4500 * time.Millisecond
	// DefaultDedupTTL covers WeChat's three retries (about 15 s) with room to spare.
	DefaultDedupTTL = 60 * time.Second
	// MaxBodyBytes bounds a push; real ones are a few KiB even in compatible mode.
	MaxBodyBytes = 1 << 20
	// MaxClockSkew is how far a push's timestamp may be from our clock, either way:
	// a captured callback URL stops working after it (contract, "Callback trust").
	MaxClockSkew = 5 * time.Minute
)

// dedupMaxEntries bounds the reply cache; at WeChat's peak rates a minute of
// deliveries is far below it.
const dedupMaxEntries = 100_000

// NoWelcomeReply, as CallbackConfig.WelcomeReply, answers uninvited newcomers with
// "success" (no message). The zero value cannot mean that, since it selects the default.
const NoWelcomeReply = "success"

// CallbackConfig configures the callback handler.
type CallbackConfig struct {
	// Token is the callback token set on the WeChat console; it signs every push.
	Token string
	// AppID is checked inside every decrypted payload (needed with an AES key).
	AppID string
	// EncodingAESKey enables safe mode: with it set, only encrypted pushes with a
	// valid msg_signature are accepted. PreviousEncodingAESKey keeps pushes sealed
	// with the old key working during a rotation.
	EncodingAESKey, PreviousEncodingAESKey string
	// InviteReply answers an invited newcomer; {inviter} is replaced by the inviter's name.
	InviteReply string
	// WelcomeReply answers a newcomer nobody invited (default DefaultWelcomeReply;
	// NoWelcomeReply answers "success", i.e. no message).
	WelcomeReply string
	// Deadline bounds the processing of one push before "success" is sent instead.
	Deadline time.Duration
	// DedupTTL is how long a processed delivery's reply is remembered for retries.
	DedupTTL time.Duration
}

// Callback is the http.Handler for /wechat/callback (GET verification and POST
// delivery). It is safe for concurrent use.
type Callback struct {
	cfg      CallbackConfig
	keys     wxcrypto.Keyring
	join     joiner
	unfollow unfollower
	enrich   enqueuer
	chat     chatter // nil: messages and menu taps get "success"
	clock    application.Clock
	log      *slog.Logger
	metrics  *callbackMetrics

	flight singleflight.Group
	cache  *expirable.LRU[string, result]
}

// NewCallback builds the handler from the use cases the pushes drive. Zero config
// fields take the defaults (an empty WelcomeReply means DefaultWelcomeReply; use
// NoWelcomeReply to answer uninvited newcomers with "success"). enrich may be nil
// (no background profile completion); metrics are registered on reg unless nil.
func NewCallback(cfg CallbackConfig, join joiner, unfollow unfollower, enrich enqueuer, clock application.Clock, reg prometheus.Registerer, log *slog.Logger) (*Callback, error) {
	if cfg.Token == "" {
		return nil, errors.New("wechat callback: Token is required")
	}
	if join == nil || unfollow == nil {
		return nil, errors.New("wechat callback: join and unfollow services are required")
	}
	c := &Callback{cfg: cfg, join: join, unfollow: unfollow, enrich: enrich, clock: clock, log: log}
	if err := c.loadKeys(); err != nil {
		return nil, err
	}
	if c.cfg.InviteReply == "" {
		c.cfg.InviteReply = DefaultInviteReply
	}
	if c.cfg.WelcomeReply == "" {
		c.cfg.WelcomeReply = DefaultWelcomeReply
	} else if c.cfg.WelcomeReply == NoWelcomeReply {
		c.cfg.WelcomeReply = ""
	}
	if c.cfg.Deadline <= 0 {
		c.cfg.Deadline = DefaultDeadline
	}
	if c.cfg.DedupTTL <= 0 {
		c.cfg.DedupTTL = DefaultDedupTTL
	}
	if c.clock == nil {
		c.clock = application.SystemClock
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	m, err := newCallbackMetrics(reg, enrich)
	if err != nil {
		return nil, err
	}
	c.metrics = m
	// The library's expiry runs on the wall clock, not the injected one: the TTL is
	// an optimisation (the ContactKey replay is what makes a late retry correct), so
	// tests never depend on it.
	c.cache = expirable.NewLRU[string, result](dedupMaxEntries, nil, c.cfg.DedupTTL)
	return c, nil
}

func (c *Callback) loadKeys() error {
	if c.cfg.EncodingAESKey != "" {
		if c.cfg.AppID == "" {
			return errors.New("wechat callback: AppID is required with an EncodingAESKey")
		}
		cur, err := wxcrypto.NewCipher(c.cfg.EncodingAESKey, c.cfg.AppID)
		if err != nil {
			return fmt.Errorf("wechat callback: EncodingAESKey: %w", err)
		}
		c.keys.Current = cur
	}
	if c.cfg.PreviousEncodingAESKey != "" {
		if c.cfg.EncodingAESKey == "" {
			return errors.New("wechat callback: PreviousEncodingAESKey needs an EncodingAESKey")
		}
		prev, err := wxcrypto.NewCipher(c.cfg.PreviousEncodingAESKey, c.cfg.AppID)
		if err != nil {
			return fmt.Errorf("wechat callback: PreviousEncodingAESKey: %w", err)
		}
		c.keys.Previous = prev
	}
	return nil
}

// ServeHTTP implements http.Handler.
func (c *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		c.verifyURL(w, r)
	case http.MethodPost:
		c.deliver(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// deliver is one POST: authenticated and decoded by the transport, processed once
// by the delivery layer, answered by the transport.
func (c *Callback) deliver(w http.ResponseWriter, r *http.Request) {
	req, ref := c.decode(w, r)
	if ref != nil {
		c.refuse(w, r, "unknown", ref)
		return
	}
	res := c.handle(r.Context(), req)
	c.metrics.deliveries.WithLabelValues(routeOf(req.msg).label, res.outcome).Inc()
	if res.status != http.StatusOK {
		http.Error(w, "temporarily unavailable", res.status)
		return
	}
	c.write(w, req, res.reply)
}
