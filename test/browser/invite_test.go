// Package browser drives the personal centre with a real (headless) Chromium at a
// phone's width: two people, two browser profiles, one invite link.
package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wxinvite/wxinvite/test/harness"
)

const chromiumPath = "/usr/bin/chromium"

// Phone viewport (iPhone X class).
const width, height = 375, 812

type person struct {
	OpenID   string `json:"openid"`
	Nickname string `json:"nickname"`
}

func newPerson(t *testing.T, base, nickname string) person {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"nickname": nickname})
	resp, err := http.Post(base+"/_emulator/api/persons", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p person
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create person: %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.OpenID == "" {
		t.Fatalf("create person: %v %+v", err, p)
	}
	return p
}

// profile starts a separate Chromium with its own user-data-dir; everything it
// does is bounded by 60 s.
func profile(t *testing.T) context.Context {
	t.Helper()
	dir := t.TempDir() // registered first, so removed after the browser has exited
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(width, height),
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// consent is on the emulator's authorize page: pick p and press 允许, then wait for
// the service's /me page.
func consent(t *testing.T, ctx context.Context, p person) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("form#consent"))); err != nil {
		t.Fatalf("consent page: %v", err)
	}
	radio := chromedp.CSS(`form#consent input[type=radio][name=openid][value="` + p.OpenID + `"]`)
	if err := chromedp.Do(ctx, chromedp.Click(radio)); err != nil {
		t.Fatalf("choose %s on the consent page: %v", p.Nickname, err)
	}
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`form#consent button[name=action][value=allow]`)))
	if err != nil || strings.TrimSpace(label) != "允许" {
		t.Fatalf("allow button: %q %v", label, err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form#consent button[name=action][value=allow]`)))
	if err != nil {
		t.Fatalf("press 允许 as %s: %v", p.Nickname, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("after 允许 as %s: HTTP %d at %s", p.Nickname, resp.Status, resp.URL)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("h1.name"))); err != nil {
		t.Fatalf("/me after consent as %s: %v", p.Nickname, err)
	}
}

// onMe checks the tab shows base/me for p and returns the visible text of the page.
func onMe(t *testing.T, ctx context.Context, base string, p person) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasPrefix(loc, base+"/me") {
		t.Fatalf("location %q (%v), want %s/me", loc, err, base)
	}
	name, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1.name")))
	if err != nil || strings.TrimSpace(name) != p.Nickname {
		t.Fatalf("/me heading %q (%v), want %q", name, err, p.Nickname)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// qrLoaded waits until the invite QR image has loaded with real pixels.
func qrLoaded(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`(() => { const i = document.getElementById('invite-qr'); return !!i && i.complete && i.naturalWidth > 100 && i.offsetWidth > 0; })()`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("invite QR image did not load visibly: %v", err)
	}
}

// noHorizontalScroll checks the page fits the phone's width.
func noHorizontalScroll(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if w > width {
		t.Errorf("%s: page is %d px wide, wider than the %d px phone (horizontal scrolling)", what, w, width)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	if err != nil || cfg.Width < width/2 || cfg.Height < 100 {
		t.Fatalf("screenshot %s is not a sensible PNG: %v %+v", name, err, cfg)
	}
	dir := filepath.Join(repoRoot(t), "test", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("screenshot %s not written: %v", path, err)
	}
	t.Logf("screenshot %s: %dx%d", path, cfg.Width, cfg.Height)
	return path
}

// repoRoot walks up from this file to the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("go.mod not found above " + file)
		}
	}
}

func TestInviteLinkInRealBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", chromiumPath, err)
		}
		t.Skipf("\n*** BROWSER TEST SKIPPED: %s not found (apt-get install chromium) ***", chromiumPath)
	}
	inst := harness.Start(t, harness.Options{})
	base := inst.URL
	A := newPerson(t, base, "张阿强")
	B := newPerson(t, base, "李小美")

	// Profile 1: A logs in and reads the invite link off the page.
	p1 := profile(t)
	if err := chromedp.Do(p1, chromedp.Navigate(base+"/auth/wechat/login?next=/me")); err != nil {
		t.Fatalf("open login: %v", err)
	}
	consent(t, p1, A)
	onMe(t, p1, base, A)
	link, err := chromedp.Run(p1, chromedp.Value(chromedp.ID("invite-url")))
	if err != nil {
		t.Fatalf("read the invite link: %v", err)
	}
	link = strings.TrimSpace(link)
	if !strings.HasPrefix(link, base+"/i/") || len(link) <= len(base+"/i/") {
		t.Fatalf("invite link on the page %q, want %s/i/…", link, base)
	}

	// Profile 2: B opens the link, consents, and is told who invited them.
	p2 := profile(t)
	if err := chromedp.Do(p2, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open invite link: %v", err)
	}
	consent(t, p2, B)
	text := onMe(t, p2, base, B)
	if !strings.Contains(text, "邀请人") || !strings.Contains(text, A.Nickname) {
		t.Fatalf("B's /me does not say 邀请人 %s:\n%s", A.Nickname, text)
	}
	qrLoaded(t, p2)
	noHorizontalScroll(t, p2, "B's /me")
	screenshot(t, p2, "me-invitee.png")

	// Profile 1 reloads: B is in A's list.
	if err := chromedp.Do(p1, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("h1.name"))); err != nil {
		t.Fatalf("reload A's /me: %v", err)
	}
	onMe(t, p1, base, A)
	names, err := chromedp.Run(p1, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.list li .n')).map(e => e.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != B.Nickname {
		t.Fatalf("A's invitee list %q, want [%s]", names, B.Nickname)
	}
	qrLoaded(t, p1)
	noHorizontalScroll(t, p1, "A's /me")
	screenshot(t, p1, "me-inviter.png")
}
