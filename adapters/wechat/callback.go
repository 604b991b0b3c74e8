package wechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

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
)

const (
	dedupMaxEntries  = 100_000
	enrichTimeout    = 10 * time.Second
	enrichConcurrent = 16
	enrichMaxPending = 1024
)

// CallbackConfig configures the callback handler.
type CallbackConfig struct {
	// Token is the callback token set on the WeChat console; it signs every push.
	Token string
	// AppID is checked inside every decrypted payload (needed with an AES key).
	AppID string
	// EncodingAESKey enables safe and compatible mode; PreviousEncodingAESKey keeps
	// pushes sealed with the old key working during a rotation.
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
	join     *application.JoinService
	unfollow *application.UnfollowService
	enrich   *application.EnrichProfileService
	clock    application.Clock
	log      *slog.Logger
	metrics  *callbackMetrics

	flight singleflight.Group
	cache  *replyCache

	bgCtx     context.Context
	bgCancel  context.CancelFunc
	bg        sync.WaitGroup
	sem       chan struct{}
	pending   atomic.Int64
	closeOnce sync.Once
}

// NewCallback builds the handler from the use cases the pushes drive. Zero config
// fields take the defaults (an empty WelcomeReply means DefaultWelcomeReply; use
// NoWelcomeReply to answer uninvited newcomers with "success"). enrich may be nil
// (no background profile completion); metrics are registered on reg unless nil.
func NewCallback(cfg CallbackConfig, join *application.JoinService, unfollow *application.UnfollowService, enrich *application.EnrichProfileService, clock application.Clock, reg prometheus.Registerer, log *slog.Logger) (*Callback, error) {
	if cfg.Token == "" {
		return nil, errors.New("wechat callback: Token is required")
	}
	if join == nil || unfollow == nil {
		return nil, errors.New("wechat callback: join and unfollow services are required")
	}
	c := &Callback{cfg: cfg, join: join, unfollow: unfollow, enrich: enrich, clock: clock, log: log}
	if cfg.EncodingAESKey != "" {
		if cfg.AppID == "" {
			return nil, errors.New("wechat callback: AppID is required with an EncodingAESKey")
		}
		cur, err := wxcrypto.NewCipher(cfg.EncodingAESKey, cfg.AppID)
		if err != nil {
			return nil, fmt.Errorf("wechat callback: EncodingAESKey: %w", err)
		}
		c.keys.Current = cur
	}
	if cfg.PreviousEncodingAESKey != "" {
		if cfg.EncodingAESKey == "" {
			return nil, errors.New("wechat callback: PreviousEncodingAESKey needs an EncodingAESKey")
		}
		prev, err := wxcrypto.NewCipher(cfg.PreviousEncodingAESKey, cfg.AppID)
		if err != nil {
			return nil, fmt.Errorf("wechat callback: PreviousEncodingAESKey: %w", err)
		}
		c.keys.Previous = prev
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
	m, err := newCallbackMetrics(reg)
	if err != nil {
		return nil, err
	}
	c.metrics = m
	c.cache = newReplyCache(c.cfg.DedupTTL, dedupMaxEntries)
	c.sem = make(chan struct{}, enrichConcurrent)
	c.bgCtx, c.bgCancel = context.WithCancel(context.Background())
	return c, nil
}

// NoWelcomeReply, as CallbackConfig.WelcomeReply, answers uninvited newcomers with
// "success" (no message). The zero value cannot mean that, since it selects the default.
const NoWelcomeReply = "success"

// Close waits for background profile enrichment to finish until ctx ends, then
// cancels what is left; fx's OnStop calls it so no goroutine outlives the store.
func (c *Callback) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { c.bg.Wait(); close(done) }()
	select {
	case <-done:
		c.closeOnce.Do(c.bgCancel)
		return nil
	case <-ctx.Done():
		c.closeOnce.Do(c.bgCancel)
		<-done
		return fmt.Errorf("wechat callback: close: %w", ctx.Err())
	}
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

// verifyURL answers the console's server check: echostr back when signed by us.
func (c *Callback) verifyURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sig, ts, nonce := q.Get("signature"), q.Get("timestamp"), q.Get("nonce")
	if sig == "" || ts == "" || nonce == "" || !wxcrypto.Verify(sig, c.cfg.Token, ts, nonce) {
		c.metrics.deliveries.WithLabelValues("verify", "rejected").Inc()
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, q.Get("echostr"))
}

// request is one authenticated, decoded push.
type request struct {
	msg       Message
	cipher    *wxcrypto.Cipher // the key that opened it; nil for plaintext
	timestamp string
	nonce     string
}

// httpError is a failure that ends the request with a status and nothing processed.
type httpError struct {
	status int
	msg    string
	err    error
}

// Error implements error.
func (e *httpError) Error() string { return fmt.Sprintf("%d %s: %v", e.status, e.msg, e.err) }

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *httpError) Unwrap() error { return e.err }

func (c *Callback) deliver(w http.ResponseWriter, r *http.Request) {
	req, herr := c.decode(w, r)
	if herr != nil {
		outcome := "rejected"
		c.metrics.deliveries.WithLabelValues("unknown", outcome).Inc()
		if herr.status != http.StatusForbidden {
			c.log.WarnContext(r.Context(), "wechat callback refused", "status", herr.status, "err", herr)
		}
		http.Error(w, herr.msg, herr.status)
		return
	}
	plain, outcome, status := c.handle(r.Context(), req)
	c.metrics.deliveries.WithLabelValues(eventLabel(req.msg), outcome).Inc()
	if status != http.StatusOK {
		http.Error(w, "temporarily unavailable", status)
		return
	}
	c.write(w, req, plain)
}

// decode authenticates and parses a POST. Plaintext pushes are verified before the
// body is read; encrypted ones need the body to check msg_signature.
func (c *Callback) decode(w http.ResponseWriter, r *http.Request) (request, *httpError) {
	q := r.URL.Query()
	ts, nonce, sig := q.Get("timestamp"), q.Get("nonce"), q.Get("signature")
	if ts == "" || nonce == "" {
		return request{}, &httpError{http.StatusForbidden, "forbidden", errors.New("no timestamp or nonce")}
	}
	// WeChat signs the URL in every mode; checking it first turns forgeries away
	// before any body is read or parsed. In safe mode msg_signature (checked once
	// the body is read) is what binds the ciphertext.
	if sig != "" && !wxcrypto.Verify(sig, c.cfg.Token, ts, nonce) {
		return request{}, &httpError{http.StatusForbidden, "forbidden", errors.New("bad signature")}
	}
	encType := strings.ToLower(q.Get("encrypt_type"))
	aes := false
	switch encType {
	case "", "raw":
		if sig == "" {
			return request{}, &httpError{http.StatusForbidden, "forbidden", errors.New("no signature")}
		}
	case "aes":
		aes = true
		if q.Get("msg_signature") == "" {
			return request{}, &httpError{http.StatusForbidden, "forbidden", errors.New("no msg_signature")}
		}
	default:
		return request{}, &httpError{http.StatusBadRequest, "unsupported encrypt_type", fmt.Errorf("encrypt_type %q", truncate(encType, 16))}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return request{}, &httpError{http.StatusRequestEntityTooLarge, "body too large", err}
		}
		return request{}, &httpError{http.StatusBadRequest, "cannot read body", err}
	}
	req := request{timestamp: ts, nonce: nonce}
	if !aes {
		if req.msg, err = ParseMessage(body); err != nil {
			return request{}, &httpError{http.StatusBadRequest, "malformed message", err}
		}
		return req, nil
	}
	msg, cipher, herr := c.decrypt(body, q.Get("msg_signature"), ts, nonce)
	if herr != nil {
		return request{}, herr
	}
	req.msg, req.cipher = msg, cipher
	return req, nil
}

// decrypt opens a safe/compatible-mode body. Compatible-mode bodies also carry the
// plaintext fields; only the authenticated Encrypt part is trusted.
func (c *Callback) decrypt(body []byte, msgSig, ts, nonce string) (Message, *wxcrypto.Cipher, *httpError) {
	outer, err := decodeXML(body)
	if err != nil {
		return Message{}, nil, &httpError{http.StatusBadRequest, "malformed message", err}
	}
	enc := strings.TrimSpace(outer.Encrypt)
	if enc == "" {
		return Message{}, nil, &httpError{http.StatusBadRequest, "no Encrypt element", errMalformed}
	}
	if !wxcrypto.Verify(msgSig, c.cfg.Token, ts, nonce, enc) {
		return Message{}, nil, &httpError{http.StatusForbidden, "forbidden", errors.New("bad msg_signature")}
	}
	if c.keys.Current == nil {
		return Message{}, nil, &httpError{http.StatusBadRequest, "encryption not configured", errors.New("encrypted push but no EncodingAESKey")}
	}
	plain, used, err := c.keys.Decrypt(enc)
	if err != nil {
		return Message{}, nil, &httpError{http.StatusBadRequest, "cannot decrypt", err}
	}
	msg, err := ParseMessage(plain)
	if err != nil {
		return Message{}, nil, &httpError{http.StatusBadRequest, "malformed message", err}
	}
	if to := strings.TrimSpace(outer.ToUserName); to != msg.ToUserName {
		return Message{}, nil, &httpError{http.StatusBadRequest, "ToUserName mismatch",
			fmt.Errorf("%w: outer ToUserName %q, inner %q", errMalformed, truncate(to, 64), truncate(msg.ToUserName, 64))}
	}
	return msg, used, nil
}

// result is the shared outcome of processing one delivery.
type result struct {
	reply   []byte // plaintext reply (passive XML or "success")
	outcome string
	status  int
}

// handle processes a delivery once, however many copies of it arrive: a cached
// reply answers a late retry, concurrent twins share one processing, and whatever
// is not done within the deadline is answered with "success" while it finishes.
func (c *Callback) handle(ctx context.Context, req request) ([]byte, string, int) {
	key := req.msg.DeliveryKey()
	if hit, ok := c.cache.get(key, c.clock.Now()); ok {
		c.metrics.dedupHits.Inc()
		return hit.reply, "duplicate", http.StatusOK
	}
	timer := time.NewTimer(c.cfg.Deadline)
	defer timer.Stop()
	var led atomic.Bool
	ch := c.flight.DoChan(key, func() (any, error) {
		led.Store(true)
		if hit, ok := c.cache.get(key, c.clock.Now()); ok {
			return result{reply: hit.reply, outcome: "duplicate", status: http.StatusOK}, nil
		}
		// Detached from the first caller: its twins wait for this, and if the deadline
		// passes the work still completes so the retry finds the real reply.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Deadline)
		defer cancel()
		res := c.process(pctx, req.msg, key)
		if res.status == http.StatusOK {
			c.cache.put(key, res.reply, res.outcome, c.clock.Now())
		}
		return res, nil
	})
	select {
	case r := <-ch:
		res := r.Val.(result)
		if !led.Load() || res.outcome == "duplicate" {
			c.metrics.dedupHits.Inc()
			return res.reply, "duplicate", res.status
		}
		return res.reply, res.outcome, res.status
	case <-timer.C:
		c.log.WarnContext(ctx, "wechat callback over its deadline; answering success", "key", key)
		return successReply, "timeout", http.StatusOK
	case <-ctx.Done():
		return successReply, "timeout", http.StatusOK
	}
}

// process runs the use case a push asks for and renders the reply.
func (c *Callback) process(ctx context.Context, m Message, key string) result {
	if !strings.EqualFold(m.MsgType, "event") {
		return result{reply: successReply, outcome: "ignored", status: http.StatusOK}
	}
	switch strings.ToLower(m.Event) {
	case "subscribe", "scan":
		cmd := application.JoinCommand{OpenID: m.FromUserName, FollowedAt: eventTime(m, c.clock), ContactKey: key}
		if strings.EqualFold(m.Event, "subscribe") {
			// Only a follow can be an invite; a SCAN comes from someone already following.
			if scene, ok := sceneFromEventKey(m.Event, m.EventKey); ok {
				cmd.Attribution, _ = domain.ScanAttribution(scene) // not an invite scene: no attribution
			}
		}
		res, err := c.join.Join(ctx, cmd)
		if err != nil {
			return c.failed(ctx, m, err)
		}
		if res.IsNew || res.Replayed {
			c.startEnrich(m.FromUserName)
		}
		return c.joinReply(m, res)
	case "unsubscribe":
		if _, err := c.unfollow.Unfollow(ctx, m.FromUserName, eventTime(m, c.clock)); err != nil {
			return c.failed(ctx, m, err)
		}
		return result{reply: successReply, outcome: "unfollowed", status: http.StatusOK}
	}
	return result{reply: successReply, outcome: "ignored", status: http.StatusOK}
}

// failed maps a use-case error to the answer WeChat gets. A push that can never
// succeed (an invalid openid) is acknowledged so WeChat stops retrying; a transient
// failure answers 503 and is not cached, so WeChat's retry runs it again.
func (c *Callback) failed(ctx context.Context, m Message, err error) result {
	c.log.ErrorContext(ctx, "wechat callback processing failed", "event", m.Event, openIDAttr(m.FromUserName), "err", err)
	if application.IsKind(err, application.KindInvalid) {
		return result{reply: successReply, outcome: "rejected", status: http.StatusOK}
	}
	return result{reply: successReply, outcome: "error", status: http.StatusServiceUnavailable}
}

func (c *Callback) joinReply(m Message, res application.JoinResult) result {
	now := c.clock.Now().Unix()
	switch {
	case (res.IsNew || res.Replayed) && res.Invite != nil && res.Inviter != nil:
		text := strings.ReplaceAll(c.cfg.InviteReply, "{inviter}", res.Inviter.DisplayName())
		return result{reply: textReply(m, now, text), outcome: "invited", status: http.StatusOK}
	case res.IsNew || res.Replayed:
		if c.cfg.WelcomeReply == "" {
			return result{reply: successReply, outcome: "joined", status: http.StatusOK}
		}
		return result{reply: textReply(m, now, c.cfg.WelcomeReply), outcome: "joined", status: http.StatusOK}
	}
	return result{reply: successReply, outcome: "existing", status: http.StatusOK}
}

// startEnrich completes the new user's profile from user/info in the background:
// the reply never waits for it, and at most enrichConcurrent calls run at once.
// Under a flood beyond enrichMaxPending waiting jobs, enrichment is skipped (it is
// best effort: WeChat no longer returns nicknames there anyway).
func (c *Callback) startEnrich(openID string) {
	if c.enrich == nil || c.bgCtx.Err() != nil {
		return
	}
	if c.pending.Add(1) > enrichMaxPending {
		c.pending.Add(-1)
		c.log.Warn("profile enrichment queue full; skipping", openIDAttr(openID))
		return
	}
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		defer c.pending.Add(-1)
		select {
		case c.sem <- struct{}{}:
		case <-c.bgCtx.Done():
			return
		}
		defer func() { <-c.sem }()
		ctx, cancel := context.WithTimeout(c.bgCtx, enrichTimeout)
		defer cancel()
		if err := c.enrich.EnrichProfile(ctx, openID); err != nil {
			c.log.Warn("profile enrichment failed", openIDAttr(openID), "err", err)
		}
	}()
}

// write sends the reply, encrypting it with the key that opened the request.
// "success" is always plaintext.
func (c *Callback) write(w http.ResponseWriter, req request, plain []byte) {
	if req.cipher == nil || string(plain) == string(successReply) {
		if string(plain) == string(successReply) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		}
		_, _ = w.Write(plain)
		return
	}
	enc, err := req.cipher.Encrypt(plain, nil)
	if err != nil {
		c.log.Error("cannot encrypt the passive reply; answering success", "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(successReply)
		return
	}
	sig := wxcrypto.Signature(c.cfg.Token, req.timestamp, req.nonce, enc)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write(encryptedReply(enc, sig, req.timestamp, req.nonce))
}

// eventLabel keeps the metrics label set bounded whatever WeChat sends.
func eventLabel(m Message) string {
	if !strings.EqualFold(m.MsgType, "event") {
		return "message"
	}
	switch e := strings.ToLower(m.Event); e {
	case "subscribe", "scan", "unsubscribe":
		return e
	}
	return "other"
}
