package browser

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wxinvite/wxinvite/test/harness"
)

// scan makes p scan the QR code with ticket in the emulator (a subscribe with the scene).
func scan(t *testing.T, base string, p person, ticket string) {
	t.Helper()
	resp, err := http.Post(base+"/_emulator/api/persons/"+p.OpenID+"/scan", "application/json", strings.NewReader(`{"ticket":"`+ticket+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scan as %s: %d %s", p.Nickname, resp.StatusCode, b)
	}
}

// myTicket reads the invite QR ticket of the person signed in on ctx.
func myTicket(t *testing.T, ctx context.Context, base string) string {
	t.Helper()
	js := `fetch('/api/me/qrcode', {credentials: 'same-origin'}).then(r => r.json()).then(j => j.ticket)`
	tk, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil || tk == "" {
		t.Fatalf("read the QR ticket: %q %v", tk, err)
	}
	return tk
}

// waitText reloads the page until sel's text is want (the sweep runs every few seconds).
func waitText(t *testing.T, ctx context.Context, sel, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector(`+strconv.Quote(sel)+`); return e ? e.innerText : ''; })()`))
		if err == nil && strings.TrimSpace(got) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q (%v), want %q", sel, got, err, want)
		}
		time.Sleep(time.Second)
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatal(err)
		}
	}
}

// writePNG writes a plain w×h PNG to path.
func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: 0xfd, G: 0xe6, B: uint8(0x8a + y%64), A: 0xff})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// waitFlash waits for the page after a form to say want. It asks again after a
// navigation cuts an evaluation short.
func waitFlash(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	js := `(() => { const e = document.querySelector('.flash'); return e ? e.innerText.trim() : ''; })()`
	deadline := time.Now().Add(10 * time.Second)
	got := ""
	for time.Now().Before(deadline) {
		if s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js)); err == nil {
			if got = s; got == want {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waiting for %q: the page says %q", want, got)
}

func TestConsoleCampaignInRealBrowser(t *testing.T) {
	needChromium(t)
	inst := harness.Start(t, harness.Options{})
	base := inst.URL
	ctx, errs := consoleBrowser(t, 1280, 900)
	signInConsole(t, ctx, base, "admin-token")

	// Create a campaign with two tiers that runs from now, holding 1 s.
	now := time.Now().In(time.FixedZone("CST", 8*3600)).Add(-time.Minute).Format("2006-01-02T15:04")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/campaigns"), chromedp.Click(chromedp.CSS("#new-campaign")),
		chromedp.WaitVisible(chromedp.CSS("#campaign-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "春季邀请"),
		chromedp.SetValue(chromedp.CSS("#starts_at"), now),
		chromedp.SetValue(chromedp.CSS("#hold"), "1s"),
		chromedp.SendKeys(chromedp.CSS(`[name=tier_threshold_0]`), "1"),
		chromedp.SendKeys(chromedp.CSS(`[name=tier_reward_0]`), "入门礼"),
		chromedp.SendKeys(chromedp.CSS(`[name=tier_threshold_1]`), "2"),
		chromedp.SendKeys(chromedp.CSS(`[name=tier_reward_1]`), "大礼包"),
		chromedp.SendKeys(chromedp.CSS(`[name=tier_stock_1]`), "5"),
	); err != nil {
		t.Fatalf("fill the campaign form: %v", err)
	}
	screenshot(t, ctx, "console-campaign-new-1280.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#save-campaign"))); err != nil {
		t.Fatalf("create the campaign: %v", err)
	}
	waitFlash(t, ctx, "活动已创建。")
	// Codes for tier 1.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#codes-1"), "GIFT-1\nGIFT-2\nGIFT-1"),
		chromedp.Submit(chromedp.CSS("#codes-1"))); err != nil {
		t.Fatalf("upload codes: %v", err)
	}
	waitFlash(t, ctx, "第 1 档兑换码：新增 2 个，重复 1 个。")
	screenshot(t, ctx, "console-campaign-edit-1280.png")

	// The poster: upload a background, move the QR code, see the service draw it.
	bg := filepath.Join(t.TempDir(), "bg.png")
	writePNG(t, bg, 750, 1334)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href$="/poster"]`)), chromedp.WaitVisible(chromedp.CSS("#background-form")),
		chromedp.SetUploadFiles(chromedp.CSS("#background"), []string{bg}), chromedp.Submit(chromedp.CSS("#background"))); err != nil {
		t.Fatalf("upload the background: %v", err)
	}
	waitFlash(t, ctx, "海报背景已更新。")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#qr_x"), ""), chromedp.SendKeys(chromedp.CSS("#qr_x"), "60")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`(() => { const i = document.getElementById('poster-preview'); return i.src.includes('qr_x=60') && i.complete && i.naturalWidth >= 700; })()`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the live preview did not redraw with the new position: %v", err)
	}
	screenshot(t, ctx, "console-poster-1280.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#save-layout"))); err != nil {
		t.Fatal(err)
	}
	waitFlash(t, ctx, "已保存。")

	// A signs in on a phone and two friends scan A's code and follow.
	A := newPerson(t, base, "张阿强")
	pa := profile(t)
	if err := chromedp.Do(pa, chromedp.Navigate(base+"/auth/wechat/login?next=/me")); err != nil {
		t.Fatal(err)
	}
	consent(t, pa, A)
	ticket := myTicket(t, pa, base)
	for _, n := range []string{"李小美", "王大力"} {
		scan(t, base, newPerson(t, base, n), ticket)
	}

	// The dashboard shows them qualify (hold 1 s, sweep within 10 s) and the rewards.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/")); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#c-qualified", "2", 20*time.Second)
	waitText(t, ctx, "#c-granted", "2", 20*time.Second)
	funnel, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('chart-funnel').getAttribute('data-chart')`))
	if err != nil || !strings.Contains(funnel, "扫码/打开链接") || !strings.Contains(funnel, `"data":[`) {
		t.Fatalf("funnel %s %v", funnel, err)
	}
	chartsDrawn(t, ctx, "dashboard with a campaign")
	days, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('chart-days').getAttribute('data-chart')`))
	if err != nil || !strings.Contains(days, `"data":[2]`) {
		t.Fatalf("day chart %s %v", days, err)
	}
	fitsWidth(t, ctx, 1280, "dashboard")
	screenshot(t, ctx, "console-dashboard-campaign-1280.png")

	// Fulfil tier 1's reward, then export the CSV.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/rewards?status=granted"), chromedp.WaitVisible(chromedp.CSS("#rewards"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "console-rewards-1280.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#rewards tbody tr:first-child button`))); err != nil {
		t.Fatalf("fulfil: %v", err)
	}
	waitFlash(t, ctx, "已标记 1 个奖励为已发放。")
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch('/admin/rewards.csv').then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(csv, "fulfilled") || !strings.Contains(csv, "GIFT-") {
		t.Fatalf("csv: %q %v", csv, err)
	}

	// A's /me at 375 px shows the reward with its code.
	if err := chromedp.Do(pa, chromedp.Navigate(base+"/me"), chromedp.WaitVisible(chromedp.CSS("#campaign"))); err != nil {
		t.Fatalf("A's /me: %v", err)
	}
	me, _ := chromedp.Run(pa, chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(me, "入门礼") || !strings.Contains(me, "GIFT-") {
		t.Fatalf("A's /me lacks the reward and its code:\n%s", me)
	}
	noHorizontalScroll(t, pa, "A's /me")
	screenshot(t, pa, "me-campaign-375.png")
	// Every console page at both widths: it draws, fits the width, no page errors.
	phone, phoneErrs := consoleBrowser(t, 390, 844)
	signInConsole(t, phone, base, "admin-token")
	for _, pg := range []struct{ name, path, ready string }{
		{"dashboard-campaign", "/admin/", "#campaign-dash"},
		{"campaigns", "/admin/campaigns", "#campaigns"},
		{"campaign-edit", "/admin/campaigns/1", "#campaign-form"},
		{"poster", "/admin/campaigns/1/poster", "#layout-form"},
		{"rewards", "/admin/rewards", "#rewards"},
		{"invites", "/admin/invites", "#invites"},
		{"menu", "/admin/menu", "#menu-form"},
		{"people", "/admin/people?q=" + url.QueryEscape("张"), "#people"},
		{"person", "/admin/people/1", "#timeline"},
		{"webhooks", "/admin/webhooks", "#webhook-form"},
	} {
		for _, v := range []struct {
			ctx context.Context
			w   int
		}{{ctx, 1280}, {phone, 390}} {
			if err := chromedp.Do(v.ctx, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.ready))); err != nil {
				t.Fatalf("%s at %d px: %v", pg.name, v.w, err)
			}
			if strings.HasPrefix(pg.name, "dashboard") {
				chartsDrawn(t, v.ctx, pg.name)
			}
			fitsWidth(t, v.ctx, v.w, pg.name)
			screenshot(t, v.ctx, fmt.Sprintf("console-%s-%d.png", pg.name, v.w))
		}
	}
	if e := append(errs.all(), phoneErrs.all()...); len(e) > 0 {
		t.Fatalf("browser console errors: %q", e)
	}
}
