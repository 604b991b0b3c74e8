package browser

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wxinvite/wxinvite/test/harness"
)

// consoleErrors collects what the page wrote to the browser console as errors.
type consoleErrors struct {
	mu   sync.Mutex
	msgs []string
}

func (c *consoleErrors) add(m string) { c.mu.Lock(); c.msgs = append(c.msgs, m); c.mu.Unlock() }
func (c *consoleErrors) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

// consoleBrowser starts a Chromium at the given viewport and collects every console
// error (a CSP violation shows up there) into errs.
func consoleBrowser(t *testing.T, w, h int64) (context.Context, *consoleErrors) {
	t.Helper()
	dir := t.TempDir()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir), chromedp.WindowSize(int(w), int(h)),
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	errs := &consoleErrors{}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			// A refused sign-in answers 401 and /favicon.ico is 404: the browser logs
			// both as failed loads, which are not page errors.
			if (m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException) && !strings.HasPrefix(m.Text, "Failed to load resource") {
				errs.add(m.Text)
			}
		}
	}()
	return ctx, errs
}

// signInConsole opens /admin/, is sent to sign-in, enters the token and lands on
// the dashboard.
func signInConsole(t *testing.T, ctx context.Context, base, token string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		chromedp.SendKeys(chromedp.CSS(`#token`), token),
		chromedp.Click(chromedp.CSS(`form.signin button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#stat-users`)),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

// chartsDrawn waits until every chart on the page has a canvas with pixels.
func chartsDrawn(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`(() => { const c = document.querySelectorAll('[data-chart]'); return c.length > 0 && Array.from(c).every(e => e.getAttribute('data-drawn') === '1' && e.querySelector('canvas') && e.querySelector('canvas').width > 0); })()`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("%s: charts not drawn: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	// Read through the page's own DOM, waiting for the element: node ids from the
	// protocol can go stale across the redirect that lands on a page.
	js := `(() => { const e = document.querySelector(` + strconv.Quote(sel) + `); return e ? e.innerText : null; })()`
	s, err := chromedp.Run(ctx, chromedp.Poll[string](js, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("text of %s at %s: %v", sel, loc, err)
	}
	return strings.TrimSpace(s)
}

func fitsWidth(t *testing.T, ctx context.Context, w int, what string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if got > w {
		t.Errorf("%s: page is %d px wide at a %d px viewport", what, got, w)
	}
}

func TestConsoleInRealBrowser(t *testing.T) {
	needChromium(t)
	inst := harness.Start(t, harness.Options{})
	base := inst.URL

	// Two people join through A's link, so the dashboard has something to show.
	A := newPerson(t, base, "张阿强")
	B := newPerson(t, base, "李小美")
	pa := profile(t)
	if err := chromedp.Do(pa, chromedp.Navigate(base+"/auth/wechat/login?next=/me")); err != nil {
		t.Fatal(err)
	}
	consent(t, pa, A)
	link, err := chromedp.Run(pa, chromedp.Value(chromedp.ID("invite-url")))
	if err != nil {
		t.Fatal(err)
	}
	pb := profile(t)
	if err := chromedp.Do(pb, chromedp.Navigate(strings.TrimSpace(link))); err != nil {
		t.Fatal(err)
	}
	consent(t, pb, B)

	for _, vp := range []struct {
		w, h int64
		tag  string
	}{{1280, 900, "1280"}, {390, 844, "390"}} {
		t.Run(vp.tag, func(t *testing.T) {
			ctx, errs := consoleBrowser(t, vp.w, vp.h)
			// A wrong token first: refused, still on the sign-in form.
			if err := chromedp.Do(ctx,
				chromedp.Navigate(base+"/admin/signin"),
				chromedp.WaitVisible(chromedp.CSS(`#token`)),
				chromedp.SendKeys(chromedp.CSS(`#token`), "wrong"),
				chromedp.Click(chromedp.CSS(`form.signin button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#token-error`)),
			); err != nil {
				t.Fatalf("wrong token: %v", err)
			}
			if got := text(t, ctx, "#token-error"); got != "令牌不正确。" {
				t.Fatalf("wrong-token message %q", got)
			}
			screenshot(t, ctx, fmt.Sprintf("console-signin-%s.png", vp.tag))
			signInConsole(t, ctx, base, "admin-token")
			if got := text(t, ctx, "#stat-users"); got != "2" {
				t.Fatalf("users on the dashboard %q, want 2", got)
			}
			if got := text(t, ctx, "#stat-link"); got != "1" {
				t.Fatalf("link invites %q, want 1", got)
			}
			if got := text(t, ctx, "#leaderboard tbody td:nth-child(2)"); got != A.Nickname {
				t.Fatalf("leader %q, want %s", got, A.Nickname)
			}
			chartsDrawn(t, ctx, "dashboard")
			fitsWidth(t, ctx, int(vp.w), "dashboard")
			screenshot(t, ctx, fmt.Sprintf("console-dashboard-%s.png", vp.tag))

			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/invites"), chromedp.WaitVisible(chromedp.CSS(`#invites`))); err != nil {
				t.Fatalf("invites page: %v", err)
			}
			if got := text(t, ctx, "#invites tbody td:nth-child(3)"); got != B.Nickname {
				t.Fatalf("invitee %q, want %s", got, B.Nickname)
			}
			fitsWidth(t, ctx, int(vp.w), "invites")
			screenshot(t, ctx, fmt.Sprintf("console-invites-%s.png", vp.tag))

			// Sign out from the menu (behind the 菜单 button on a phone).
			if vp.w < 700 {
				if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`label.nav-btn`)), chromedp.WaitVisible(chromedp.CSS(`form.signout button`))); err != nil {
					t.Fatalf("open the menu: %v", err)
				}
				screenshot(t, ctx, "console-menu-390.png")
			}
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.CSS(`#token`)),
				chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.CSS(`#token`))); err != nil {
				t.Fatalf("sign out: %v", err)
			}
			if e := errs.all(); len(e) > 0 {
				t.Fatalf("browser console errors (CSP?): %q", e)
			}
		})
	}
}
