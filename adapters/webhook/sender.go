package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Options tunes a Sender; the zero value is the production setting.
type Options struct {
	// AllowPrivate turns the address checks off (WXINVITE_WEBHOOK_ALLOW_PRIVATE):
	// for tests and for receivers on an intranet.
	AllowPrivate bool
	// ConnectTimeout bounds connecting (default 5 s), Timeout the whole request
	// including the answer (default 10 s).
	ConnectTimeout, Timeout time.Duration
	// MaxResponseBytes bounds how much of an answer is read (default 4 KiB); the rest
	// is dropped with the connection. The status code is what counts.
	MaxResponseBytes int64
	// Resolver resolves hosts when an endpoint is registered (default net.DefaultResolver).
	Resolver Resolver
}

// userAgent names the sender to receivers.
const userAgent = "wxinvite-webhooks/1"

// Sender implements application.WebhookSender over HTTP.
type Sender struct {
	client *http.Client
	opts   Options
}

var _ application.WebhookSender = (*Sender)(nil)

// New builds a sender.
func New(opts Options) *Sender {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = 4 << 10
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	dialer := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		dialer.Control = dialControl
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would make the connection-time check meaningless
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		// A redirect is an answer, not an instruction: following it would let a
		// receiver point the service anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Sender{client: client, opts: opts}
}

// CheckURL implements application.WebhookSender.
func (s *Sender) CheckURL(ctx context.Context, rawURL string) error {
	if err := domain.ValidateWebhookURL(rawURL); err != nil {
		return application.Errorf(application.KindInvalid, "invalid_webhook_url", err, "%v", err)
	}
	if s.opts.AllowPrivate {
		return nil
	}
	u, _ := url.Parse(rawURL)
	ctx, cancel := context.WithTimeout(ctx, s.opts.ConnectTimeout)
	defer cancel()
	if err := checkHost(ctx, s.opts.Resolver, u); err != nil {
		return application.Errorf(application.KindInvalid, "webhook_url_refused", err, "%v", err)
	}
	return nil
}

// Send implements application.WebhookSender: one signed POST, the answer's status
// and how long it took. Failures to connect (a refused address among them) come
// back as Err with StatusCode 0.
func (s *Sender) Send(ctx context.Context, r application.WebhookRequest) application.WebhookResponse {
	start := time.Now()
	fail := func(err error) application.WebhookResponse {
		return application.WebhookResponse{Duration: time.Since(start), Err: err}
	}
	if err := domain.ValidateWebhookURL(r.URL); err != nil {
		return fail(err)
	}
	sig, err := Sign(r.Secret, r.MessageID, r.Timestamp, r.Body)
	if err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderID, r.MessageID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(r.Timestamp.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is the operator's own; keep the cause short
		}
		return fail(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, s.opts.MaxResponseBytes))
	_ = resp.Body.Close()
	return application.WebhookResponse{StatusCode: resp.StatusCode, Duration: time.Since(start)}
}
