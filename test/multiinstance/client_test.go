package multiinstance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// requestTimeout bounds every HTTP request of the scenario; a cluster under -race
// answers in well under a second, so anything near this is a hang, not slowness.
const requestTimeout = 60 * time.Second

// adminToken is harness.Start's default admin token.
const adminToken = "admin-token"

// newBrowser is one person's browser: its own cookie jar, following redirects. The
// jar keys cookies by host, not port, so a session set by one instance is sent to the
// others too, as a shared domain behind a load balancer would be.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: requestTimeout}
}

// plain is a client without cookies for the admin API, metrics and the emulator API.
var plain = &http.Client{Timeout: requestTimeout}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// do sends req and reads the whole body.
func do(hc *http.Client, req *http.Request) (*http.Response, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp, body, err
}

func get(ctx context.Context, hc *http.Client, u string, hdr map[string]string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return do(hc, req)
}

// getJSON GETs u and decodes a 200 JSON answer into v.
func getJSON(ctx context.Context, hc *http.Client, u string, hdr map[string]string, v any) error {
	resp, body, err := get(ctx, hc, u, hdr)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d: %s", u, resp.StatusCode, snippet(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w in %s", u, err, snippet(body))
	}
	return nil
}

// postJSON POSTs in as JSON and decodes a 200 answer into out.
func postJSON(ctx context.Context, u string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, body, err := do(plain, req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: HTTP %d: %s", u, resp.StatusCode, snippet(body))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("POST %s: %w in %s", u, err, snippet(body))
	}
	return nil
}

func adminGet(ctx context.Context, base, path string, v any) error {
	return getJSON(ctx, plain, base+path, map[string]string{"Authorization": "Bearer " + adminToken}, v)
}

// The emulator's consent page is plain HTML from its own template; its form is read
// the way a browser would submit it.
var (
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
	actionRe = regexp.MustCompile(`<form method="post" action="([^"]+)" id="consent">`)
)

// consent is the emulator's OAuth consent page as a browser holds it.
type consent struct {
	action      string     // absolute URL of the confirm form
	form        url.Values // hidden fields
	redirectURI *url.URL   // where the emulator will send the browser back
}

// openConsent GETs start (an instance's /auth/wechat/login or /i/{code}) and follows
// the redirects to the emulator's consent page.
func openConsent(ctx context.Context, hc *http.Client, start, emuURL string) (consent, error) {
	resp, body, err := get(ctx, hc, start, nil)
	if err != nil {
		return consent{}, fmt.Errorf("GET %s: %w", start, err)
	}
	final := resp.Request.URL
	if resp.StatusCode != http.StatusOK || final.Path != "/_emulator/connect/oauth2/authorize" ||
		!strings.HasPrefix(final.String(), emuURL) {
		return consent{}, fmt.Errorf("GET %s ended at %s with HTTP %d, want the emulator's consent page: %s",
			start, final, resp.StatusCode, snippet(body))
	}
	c := consent{form: url.Values{}}
	for _, m := range hiddenRe.FindAllStringSubmatch(string(body), -1) {
		c.form.Set(m[1], html.UnescapeString(m[2]))
	}
	m := actionRe.FindStringSubmatch(string(body))
	if m == nil || c.form.Get("state") == "" || c.form.Get("redirect_uri") == "" {
		return consent{}, fmt.Errorf("consent page at %s has no usable form: %s", final, snippet(body))
	}
	act, err := final.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return consent{}, fmt.Errorf("consent form action %q: %w", m[1], err)
	}
	c.action = act.String()
	if c.redirectURI, err = url.Parse(c.form.Get("redirect_uri")); err != nil {
		return consent{}, fmt.Errorf("consent redirect_uri %q: %w", c.form.Get("redirect_uri"), err)
	}
	return c, nil
}

// confirm allows the login as openid and follows the redirects back through the
// instance's OAuth callback; it succeeds when the browser lands on instanceURL/me.
func (c consent) confirm(ctx context.Context, hc *http.Client, openid, instanceURL string) error {
	form := url.Values{}
	for k, v := range c.form {
		form[k] = v
	}
	form.Set("openid", openid)
	form.Set("action", "allow")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.action, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body, err := do(hc, req)
	if err != nil {
		return fmt.Errorf("POST consent as %s: %w", openid, err)
	}
	final := resp.Request.URL
	if resp.StatusCode != http.StatusOK || final.Path != "/me" || !strings.HasPrefix(final.String(), instanceURL+"/") {
		return fmt.Errorf("login of %s ended at %s with HTTP %d, want %s/me: %s", openid, final, resp.StatusCode, instanceURL, snippet(body))
	}
	return nil
}

// approve allows the login as openid without following the emulator's redirect: it
// returns the instance callback URL (carrying the one-time code) the browser would go
// to next, so that a test can time that last step exactly.
func (c consent) approve(ctx context.Context, hc *http.Client, openid string) (string, error) {
	form := url.Values{}
	for k, v := range c.form {
		form[k] = v
	}
	form.Set("openid", openid)
	form.Set("action", "allow")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.action, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	noFollow := *hc
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, body, err := do(&noFollow, req)
	if err != nil {
		return "", fmt.Errorf("POST consent as %s: %w", openid, err)
	}
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		return "", fmt.Errorf("consent as %s answered HTTP %d (Location %v), want a 302 back with a code: %s", openid, resp.StatusCode, loc, snippet(body))
	}
	return loc.String(), nil
}

// finish follows the OAuth callback URL; it succeeds when the browser lands on
// instanceURL/me.
func finish(ctx context.Context, hc *http.Client, callback, instanceURL string) error {
	resp, body, err := get(ctx, hc, callback, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", callback, err)
	}
	final := resp.Request.URL
	if resp.StatusCode != http.StatusOK || final.Path != "/me" || !strings.HasPrefix(final.String(), instanceURL+"/") {
		return fmt.Errorf("OAuth callback ended at %s with HTTP %d, want %s/me: %s", final, resp.StatusCode, instanceURL, snippet(body))
	}
	return nil
}

// login runs the whole web OAuth round trip from start on instanceURL as openid.
func login(ctx context.Context, hc *http.Client, start, emuURL, openid, instanceURL string) error {
	c, err := openConsent(ctx, hc, start, emuURL)
	if err != nil {
		return err
	}
	if got := c.redirectURI.Scheme + "://" + c.redirectURI.Host; got != instanceURL {
		return fmt.Errorf("redirect_uri %s does not return to the instance the login started on (%s)", c.redirectURI, instanceURL)
	}
	return c.confirm(ctx, hc, openid, instanceURL)
}

// meJSON is GET /api/me.
type meJSON struct {
	ID         int64  `json:"id"`
	OpenID     string `json:"openid"`
	Nickname   string `json:"nickname"`
	InviteCode string `json:"invite_code"`
	InviteURL  string `json:"invite_url"`
	InvitedBy  *struct {
		ID       int64  `json:"id"`
		Nickname string `json:"nickname"`
	} `json:"invited_by"`
	InviteeCount int `json:"invitee_count"`
}

// qrJSON is GET /api/me/qrcode.
type qrJSON struct {
	Kind   string `json:"kind"`
	Scene  string `json:"scene"`
	Ticket string `json:"ticket"`
	URL    string `json:"url"`
}

type statsJSON struct {
	Users            int            `json:"users"`
	Invites          int            `json:"invites"`
	InvitesByChannel map[string]int `json:"invites_by_channel"`
	Followers        int            `json:"followers"`
}

type leaderboardJSON struct {
	Items []struct {
		ID           int64  `json:"id"`
		Nickname     string `json:"nickname"`
		InviteeCount int    `json:"invitee_count"`
	} `json:"items"`
}

// metricSum adds up every sample of the named counter in a Prometheus text exposition.
func metricSum(text, name string) (float64, map[string]float64) {
	var sum float64
	by := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue // another metric sharing the prefix
		}
		i := strings.LastIndexByte(rest, ' ')
		v, err := strconv.ParseFloat(strings.TrimSpace(rest[i+1:]), 64)
		if err != nil {
			continue
		}
		sum += v
		by[strings.TrimSpace(rest[:i])] += v
	}
	return sum, by
}

func fetchMetrics(ctx context.Context, base string) (string, error) {
	resp, body, err := get(ctx, plain, base+"/metrics", nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", errors.New("GET /metrics: HTTP " + strconv.Itoa(resp.StatusCode))
	}
	return string(body), nil
}
