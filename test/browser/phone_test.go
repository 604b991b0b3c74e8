package browser

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wxinvite/wxinvite/test/harness"
)

// The simulated phone in Chromium: a follower taps 我的海报 in the menu bar and the
// poster arrives as an image message that opens full size.
func TestPhoneMenuTapShowsPoster(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", chromiumPath, err)
		}
		t.Skipf("\n*** BROWSER TEST SKIPPED: %s not found (apt-get install chromium) ***", chromiumPath)
	}
	inst := harness.Start(t, harness.Options{})
	base := inst.URL
	p := newPerson(t, base, "王小红")
	resp, err := http.Post(base+"/_emulator/api/persons/"+p.OpenID+"/follow", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("follow: %v %v", err, resp)
	}
	resp.Body.Close()

	ctx := profile(t)
	// Logged in once, the service knows 王小红's nickname and head image: the poster
	// shows both.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/auth/wechat/login?next=/me")); err != nil {
		t.Fatalf("open login: %v", err)
	}
	consent(t, ctx, p)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/me/poster.png"), chromedp.WaitVisible(chromedp.CSS("img"))); err != nil {
		t.Fatalf("open /me/poster.png: %v", err)
	}
	screenshot(t, ctx, "me-poster.png")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_emulator/")); err != nil {
		t.Fatalf("open the phone: %v", err)
	}
	// The menu bar shows the account's default menu once the follower is selected.
	tapPoster := `(() => { const b = Array.from(document.querySelectorAll('#menu button')).find(b => b.textContent.trim() === '我的海报' && !b.disabled); if (!b) return false; b.click(); return true; })()`
	var tapped bool
	for deadline := time.Now().Add(15 * time.Second); !tapped && time.Now().Before(deadline); {
		if tapped, err = chromedp.Run(ctx, chromedp.Evaluate[bool](tapPoster)); err != nil {
			t.Fatalf("menu bar: %v", err)
		}
		if !tapped {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !tapped {
		t.Fatal("no enabled 我的海报 button in the menu bar")
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#chat img.pic"))); err != nil {
		t.Fatalf("no image message after the tap: %v", err)
	}
	var w int
	for deadline := time.Now().Add(10 * time.Second); w == 0 && time.Now().Before(deadline); {
		if w, err = chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { const i = document.querySelector('#chat img.pic'); return i && i.complete ? i.naturalWidth : 0; })()`)); err != nil {
			t.Fatal(err)
		}
		if w == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if w != 750 {
		t.Fatalf("the poster image is %d px wide, want the 750 px poster", w)
	}
	if taps, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#chat"))); err != nil || !strings.Contains(taps, "点击菜单「我的海报」") {
		t.Errorf("the chat does not show the tap: %q %v", taps, err)
	}
	noHorizontalScroll(t, ctx, "phone")
	screenshot(t, ctx, "phone-poster.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#chat img.pic")), chromedp.WaitVisible(chromedp.CSS("#viewer img"))); err != nil {
		t.Fatalf("open the poster full size: %v", err)
	}
	screenshot(t, ctx, "phone-poster-viewer.png")
}
