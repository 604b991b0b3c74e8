package httpadapter

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const consoleTestToken = "console-admin-token"

// sleeps records the delays the console asked for instead of waiting them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) record(_ *http.Request, d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}
func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newConsoleEnv is an env with an admin token whose console records its delays.
func newConsoleEnv(t *testing.T, opt envOpt) (*env, *sleeps) {
	t.Helper()
	if opt.adminToken == "" {
		opt.adminToken = consoleTestToken
	}
	e := newEnv(t, opt)
	sl := &sleeps{}
	e.srv.console.sleep = sl.record
	return e, sl
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrfOf returns the first form token on a page.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field on the page: %s", body)
	}
	return html.UnescapeString(m[1])
}

// postForm posts form values with the browser's cookies.
func (e *env) postForm(c *http.Client, path string, v url.Values, hdr map[string]string) resp {
	e.t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, x := range hdr {
		h[k] = x
	}
	return e.do(c, http.MethodPost, path, h, strings.NewReader(v.Encode()))
}

// consoleSignIn signs a fresh browser in and returns it with the CSRF token of
// its session (read from the dashboard's sign-out form).
func (e *env) consoleSignIn() (*http.Client, string) {
	e.t.Helper()
	c := e.browser()
	page := e.get(c, "/admin/signin")
	if page.status != http.StatusOK {
		e.t.Fatalf("sign-in page: %d", page.status)
	}
	r := e.postForm(c, "/admin/signin", url.Values{"token": {consoleTestToken}, "csrf": {csrfOf(e.t, page.body)}, "next": {"/admin/"}}, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/" {
		e.t.Fatalf("sign-in: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	dash := e.get(c, "/admin/")
	if dash.status != http.StatusOK {
		e.t.Fatalf("dashboard after sign-in: %d", dash.status)
	}
	return c, csrfOf(e.t, dash.body)
}

// consoleCookieOf returns the browser's console cookie value.
func consoleCookieOf(c *http.Client, base string) string {
	u, _ := url.Parse(base + "/admin/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == consoleCookie {
			return ck.Value
		}
	}
	return ""
}

// metricValue reads one labelled counter from the env's registry (0 when absent).
func (e *env) metricValue(name, label, value string) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// histogramCount is how many observations the histogram name holds.
func (e *env) histogramCount(name string) uint64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	return 0
}

// wantConsolePage checks a console page answered 200 as HTML under the strict CSP
// and contains every snippet.
func wantConsolePage(t *testing.T, r resp, snippets ...string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if r.header.Get("Content-Security-Policy") != consoleCSP || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", r.header)
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " onclick=") || strings.Contains(r.body, "style=") {
		t.Fatal("inline script or style on a console page")
	}
	for _, s := range snippets {
		if !strings.Contains(r.body, s) {
			t.Fatalf("page lacks %q:\n%s", s, r.body)
		}
	}
}
