package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// AccessToken returns a usable server access_token, fetching one only when neither
// this process nor the central store has one. It is exported for tests and for
// operators' tooling; the API methods use it internally.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	return c.token(ctx)
}

func (c *Client) token(ctx context.Context) (string, error) {
	c.mu.Lock()
	t := c.cached
	c.mu.Unlock()
	if t.Usable(c.clock.Now(), 0) { // ExpiresAt already keeps the refresh margin
		return t.Value, nil
	}
	// One acquisition per process at a time; it must not die with the first caller's
	// request, so it runs detached with its own bound and each caller waits on its own ctx.
	ch := c.flight.DoChan("token", func() (any, error) {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenWaitMax+c.httpTimeout())
		defer cancel()
		return c.acquire(actx)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(domain.AccessToken).Value, nil
	case <-ctx.Done():
		return "", application.Errorf(application.KindUnavailable, "wechat_token_unavailable", ctx.Err(), "gave up waiting for the access token")
	}
}

func (c *Client) httpTimeout() time.Duration {
	if c.http.Timeout > 0 {
		return c.http.Timeout
	}
	return DefaultHTTPTimeout
}

// acquire reads the central store; if it has no usable token, it takes the refresh
// lease and fetches one, or, when another instance holds the lease, polls the store
// until that instance has stored its token (taking over if its lease runs out).
func (c *Client) acquire(ctx context.Context) (domain.AccessToken, error) {
	waitUntil := time.Now().Add(tokenWaitMax)
	appID := c.cfg.AppID
	for {
		now := c.clock.Now()
		t, ok, err := c.stored(ctx, now)
		if err != nil {
			return domain.AccessToken{}, err
		}
		if ok {
			c.metrics.refreshes.WithLabelValues("adopted").Inc()
			return t, nil
		}
		granted, err := c.tokens.AcquireLease(ctx, appID, c.cfg.InstanceID, now, now.Add(c.httpTimeout()+tokenLeaseSlack))
		if err != nil {
			return domain.AccessToken{}, c.storeErr("acquire lease", err)
		}
		if granted {
			return c.refreshHoldingLease(ctx)
		}
		if !time.Now().Before(waitUntil) {
			c.metrics.refreshes.WithLabelValues("timeout").Inc()
			return domain.AccessToken{}, application.Errorf(application.KindUnavailable, "wechat_token_unavailable", nil,
				"another instance is refreshing the access token and has not finished")
		}
		timer := time.NewTimer(tokenPoll)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			c.metrics.refreshes.WithLabelValues("timeout").Inc()
			return domain.AccessToken{}, application.Errorf(application.KindUnavailable, "wechat_token_unavailable", ctx.Err(), "gave up waiting for the access token")
		}
	}
}

// stored returns the central token when it is usable, caching it locally.
func (c *Client) stored(ctx context.Context, now time.Time) (domain.AccessToken, bool, error) {
	t, err := c.tokens.Token(ctx, c.cfg.AppID)
	if errors.Is(err, application.ErrNotFound) {
		return domain.AccessToken{}, false, nil
	}
	if err != nil {
		return domain.AccessToken{}, false, c.storeErr("read", err)
	}
	if !t.Usable(now, 0) {
		return domain.AccessToken{}, false, nil
	}
	c.setCached(t)
	return t, true, nil
}

func (c *Client) refreshHoldingLease(ctx context.Context) (domain.AccessToken, error) {
	appID, holder := c.cfg.AppID, c.cfg.InstanceID
	// The previous holder may have stored a token and released its lease between our
	// read and our acquisition: look again before spending quota.
	if t, ok, err := c.stored(ctx, c.clock.Now()); err != nil || ok {
		_ = c.tokens.ReleaseLease(context.WithoutCancel(ctx), appID, holder)
		if ok {
			c.metrics.refreshes.WithLabelValues("adopted").Inc()
		}
		return t, err
	}
	now := c.clock.Now()
	value, expiresIn, err := c.fetch(ctx)
	if err != nil {
		if rerr := c.tokens.ReleaseLease(context.WithoutCancel(ctx), appID, holder); rerr != nil {
			c.log.WarnContext(ctx, "cannot release the token lease", "err", rerr)
		}
		c.metrics.refreshes.WithLabelValues("error").Inc()
		return domain.AccessToken{}, err
	}
	// Stored as "use until": WeChat's expiry less the refresh margin, which is at most
	// half the lifetime so that short-lived tokens are still reused.
	margin := min(c.cfg.RefreshAhead, expiresIn/2)
	t := domain.AccessToken{Value: value, ExpiresAt: now.Add(expiresIn - margin)}
	if err := c.tokens.PutToken(ctx, appID, holder, t); err != nil {
		// The token is good; other instances will fetch their own after the lease ends.
		c.log.WarnContext(ctx, "cannot store the access token centrally", "err", err)
	}
	c.setCached(t)
	c.metrics.refreshes.WithLabelValues("fetched").Inc()
	c.log.InfoContext(ctx, "fetched a new WeChat access token", "expires_in", expiresIn, "instance", holder)
	return t, nil
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetch calls WeChat for a token: stable_token by default (normal mode, which
// returns the current token and never invalidates one another system holds), or
// the classic endpoint when configured.
func (c *Client) fetch(ctx context.Context) (string, time.Duration, error) {
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

func (c *Client) setCached(t domain.AccessToken) {
	c.mu.Lock()
	c.cached = t
	c.mu.Unlock()
}

// invalidate forgets a token WeChat rejected, locally and centrally, but only if it
// is still the current one: a newer token fetched meanwhile must survive.
func (c *Client) invalidate(ctx context.Context, value string) {
	c.mu.Lock()
	if c.cached.Value == value {
		c.cached = domain.AccessToken{}
	}
	c.mu.Unlock()
	if _, err := c.tokens.Invalidate(ctx, c.cfg.AppID, value); err != nil {
		c.log.WarnContext(ctx, "cannot invalidate the rejected access token", "err", err)
	}
}

func (c *Client) storeErr(op string, err error) error {
	c.metrics.refreshes.WithLabelValues("error").Inc()
	if application.ErrorKind(err) != application.KindInternal {
		return fmt.Errorf("wechat token store: %s: %w", op, err)
	}
	return application.Errorf(application.KindUnavailable, "token_store_unavailable", err, "the token store failed")
}
