package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// held is one credential WeChat rations per account and that every instance shares
// through the central TokenStore: the server access_token, and the JS-SDK
// jsapi_ticket (stored under its own key). The same lease and compare-and-swap
// invalidation serve both, so each is fetched once per lifetime for all instances.
type held struct {
	name      string // for logs and errors: "access token", "jsapi ticket"
	key       string // TokenStore key
	code      string // error code when it cannot be had
	fetch     func(ctx context.Context) (string, time.Duration, error)
	refreshes *prometheus.CounterVec
	// before runs ahead of taking the lease (the ticket gets its access token there,
	// so that the lease only has to cover the ticket's own fetch); may be nil.
	before func(ctx context.Context) error

	mu     sync.Mutex
	cached domain.AccessToken
}

// AccessToken returns a usable server access_token, fetching one only when neither
// this process nor the central store has one. It is exported for tests and for
// operators' tooling; the API methods use it internally.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	return c.token(ctx)
}

func (c *Client) token(ctx context.Context) (string, error) { return c.get(ctx, c.access) }

// get returns h's value from the local cache, or from the store, or fetches it.
func (c *Client) get(ctx context.Context, h *held) (string, error) {
	h.mu.Lock()
	t := h.cached
	h.mu.Unlock()
	if t.Usable(c.clock.Now(), 0) { // ExpiresAt already keeps the refresh margin
		return t.Value, nil
	}
	// One acquisition per process at a time; it must not die with the first caller's
	// request, so it runs detached with its own bound and each caller waits on its own ctx.
	ch := c.flight.DoChan(h.key, func() (any, error) {
		// Room for the access token's own acquisition when the ticket needs one first.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*(tokenWaitMax+c.httpTimeout()))
		defer cancel()
		return c.acquire(actx, h)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(domain.AccessToken).Value, nil
	case <-ctx.Done():
		return "", application.Errorf(application.KindUnavailable, h.code, ctx.Err(), "gave up waiting for the %s", h.name)
	}
}

func (c *Client) httpTimeout() time.Duration {
	if c.http.Timeout > 0 {
		return c.http.Timeout
	}
	return DefaultHTTPTimeout
}

// acquire reads the central store; if it has no usable value, it takes the refresh
// lease and fetches one, or, when another instance holds the lease, polls the store
// until that instance has stored its value (taking over if its lease runs out).
func (c *Client) acquire(ctx context.Context, h *held) (domain.AccessToken, error) {
	waitUntil := time.Now().Add(tokenWaitMax)
	for {
		now := c.clock.Now()
		t, ok, err := c.stored(ctx, h, now)
		if err != nil {
			return domain.AccessToken{}, err
		}
		if ok {
			h.refreshes.WithLabelValues("adopted").Inc()
			return t, nil
		}
		if h.before != nil {
			if err := h.before(ctx); err != nil {
				return domain.AccessToken{}, err
			}
			now = c.clock.Now()
		}
		granted, err := c.tokens.AcquireLease(ctx, h.key, c.cfg.InstanceID, now, now.Add(c.httpTimeout()+tokenLeaseSlack))
		if err != nil {
			return domain.AccessToken{}, c.storeErr(h, "acquire lease", err)
		}
		if granted {
			return c.refreshHoldingLease(ctx, h)
		}
		if !time.Now().Before(waitUntil) {
			h.refreshes.WithLabelValues("timeout").Inc()
			return domain.AccessToken{}, application.Errorf(application.KindUnavailable, h.code, nil,
				"another instance is refreshing the %s and has not finished", h.name)
		}
		timer := time.NewTimer(tokenPoll)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			h.refreshes.WithLabelValues("timeout").Inc()
			return domain.AccessToken{}, application.Errorf(application.KindUnavailable, h.code, ctx.Err(), "gave up waiting for the %s", h.name)
		}
	}
}

// stored returns the central value when it is usable, caching it locally.
func (c *Client) stored(ctx context.Context, h *held, now time.Time) (domain.AccessToken, bool, error) {
	t, err := c.tokens.Token(ctx, h.key)
	if errors.Is(err, application.ErrNotFound) {
		return domain.AccessToken{}, false, nil
	}
	if err != nil {
		return domain.AccessToken{}, false, c.storeErr(h, "read", err)
	}
	if !t.Usable(now, 0) {
		return domain.AccessToken{}, false, nil
	}
	h.setCached(t)
	return t, true, nil
}

func (c *Client) refreshHoldingLease(ctx context.Context, h *held) (domain.AccessToken, error) {
	holder := c.cfg.InstanceID
	// The previous holder may have stored a value and released its lease between our
	// read and our acquisition: look again before spending quota.
	if t, ok, err := c.stored(ctx, h, c.clock.Now()); err != nil || ok {
		_ = c.tokens.ReleaseLease(context.WithoutCancel(ctx), h.key, holder)
		if ok {
			h.refreshes.WithLabelValues("adopted").Inc()
		}
		return t, err
	}
	now := c.clock.Now()
	value, expiresIn, err := h.fetch(ctx)
	if err != nil {
		if rerr := c.tokens.ReleaseLease(context.WithoutCancel(ctx), h.key, holder); rerr != nil {
			c.log.WarnContext(ctx, "cannot release the refresh lease", "credential", h.name, "err", rerr)
		}
		h.refreshes.WithLabelValues("error").Inc()
		return domain.AccessToken{}, err
	}
	// Stored as "use until": WeChat's expiry less the refresh margin, which is at most
	// half the lifetime so that short-lived values are still reused.
	margin := min(c.cfg.RefreshAhead, expiresIn/2)
	t := domain.AccessToken{Value: value, ExpiresAt: now.Add(expiresIn - margin)}
	if err := c.tokens.PutToken(ctx, h.key, holder, t); err != nil {
		// The value is good; other instances will fetch their own after the lease ends.
		c.log.WarnContext(ctx, "cannot store the credential centrally", "credential", h.name, "err", err)
	}
	h.setCached(t)
	h.refreshes.WithLabelValues("fetched").Inc()
	c.log.InfoContext(ctx, "fetched a new WeChat "+h.name, "expires_in", expiresIn, "instance", holder)
	return t, nil
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetchAccessToken calls WeChat for a token: stable_token by default (normal mode,
// which returns the current token and never invalidates one another system holds),
// or the classic endpoint when configured.
func (c *Client) fetchAccessToken(ctx context.Context) (string, time.Duration, error) {
	var r tokenResponse
	var err error
	endpoint := epStableToken
	if c.cfg.ClassicToken {
		endpoint = epToken
		q := url.Values{"grant_type": {"client_credential"}, "appid": {c.cfg.AppID}, "secret": {c.cfg.AppSecret}}
		err = c.call(ctx, endpoint, "GET", "/cgi-bin/token", q, nil, &r)
	} else {
		body := map[string]any{"grant_type": "client_credential", "appid": c.cfg.AppID, "secret": c.cfg.AppSecret, "force_refresh": false}
		err = c.call(ctx, endpoint, "POST", "/cgi-bin/stable_token", nil, body, &r)
	}
	if err != nil {
		return "", 0, classify(endpoint, err)
	}
	if r.AccessToken == "" || r.ExpiresIn <= 0 {
		return "", 0, application.Errorf(application.KindUnavailable, "wechat_error", nil, "WeChat %s returned no token", endpoint)
	}
	return r.AccessToken, time.Duration(r.ExpiresIn) * time.Second, nil
}

func (h *held) setCached(t domain.AccessToken) {
	h.mu.Lock()
	h.cached = t
	h.mu.Unlock()
}

// invalidate forgets a value WeChat rejected, locally and centrally, but only if it
// is still the current one: a newer value fetched meanwhile must survive.
func (c *Client) invalidate(ctx context.Context, h *held, value string) {
	h.mu.Lock()
	if h.cached.Value == value {
		h.cached = domain.AccessToken{}
	}
	h.mu.Unlock()
	if _, err := c.tokens.Invalidate(ctx, h.key, value); err != nil {
		c.log.WarnContext(ctx, "cannot invalidate the rejected credential", "credential", h.name, "err", err)
	}
}

func (c *Client) storeErr(h *held, op string, err error) error {
	h.refreshes.WithLabelValues("error").Inc()
	if application.ErrorKind(err) != application.KindInternal {
		return fmt.Errorf("wechat %s store: %s: %w", h.name, op, err)
	}
	return application.Errorf(application.KindUnavailable, "token_store_unavailable", err, "the token store failed")
}
