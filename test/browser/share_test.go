package browser

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wxinvite/wxinvite/test/harness"
)

// lastReply is the last thing the account said in p's chat.
func lastReply(t *testing.T, base string, p person) string {
	t.Helper()
	resp, err := http.Get(base + "/_emulator/api/persons/" + p.OpenID + "/chat")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var chat struct {
		Items []struct{ From, Text string } `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&chat); err != nil {
		t.Fatal(err)
	}
	last := ""
	for _, m := range chat.Items {
		if m.From == "account" {
			last = m.Text
		}
	}
	return last
}

func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", chromiumPath, err)
		}
		t.Skipf("\n*** BROWSER TEST SKIPPED: %s not found (apt-get install chromium) ***", chromiumPath)
	}
}

// waitJS polls a JavaScript condition until it holds.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// inWeChat opens path in the emulator's in-WeChat browser as person p.
func inWeChat(t *testing.T, ctx context.Context, base string, p person, path string) {
	t.Helper()
	u := base + "/_emulator/open?" + url.Values{"openid": {p.OpenID}, "url": {path}}.Encode()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("open %s as %s: %v", path, p.Nickname, err)
	}
}

// phoneAs shows the emulator's phone with p selected.
func phoneAs(t *testing.T, ctx context.Context, base string, p person) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_emulator/")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "phone lists "+p.Nickname, `!!document.querySelector('#who option[value="`+p.OpenID+`"]')`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById('who'); s.value = '`+p.OpenID+`'; s.dispatchEvent(new Event('change')); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "phone shows "+p.Nickname, `document.getElementById('me-name').textContent === '`+p.Nickname+`'`)
}

// One phone, two people: 小明 shares his page through WeChat's ··· menu to 小刚;
// 小刚 opens the card on the same phone as himself (not as 小明, whose session the
// browser still holds), is credited to 小明, sees the follow prompt, follows by
// recognising its QR code, and the prompt goes away. Back as 小明, his own session
// is there again.
func TestShareMenuFollowPromptAndPersonSwitch(t *testing.T) {
	needChromium(t)
	inst := harness.Start(t, harness.Options{})
	base := inst.URL
	ming := newPerson(t, base, "小明")
	gang := newPerson(t, base, "小刚")
	ctx := profile(t)

	// 小明 opens his personal centre inside WeChat and logs in.
	inWeChat(t, ctx, base, ming, "/me")
	consent(t, ctx, ming)
	onMe(t, ctx, base, ming)
	link, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("invite-url")))
	if err != nil {
		t.Fatal(err)
	}
	// The page configured the JS-SDK and the emulator accepted its signature.
	waitJS(t, ctx, "wx.config accepted", `document.documentElement.getAttribute('data-wxemu-config') === 'ok'`)

	// ··· → 发送给朋友 → 小刚.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("wxemu-menu")), chromedp.Click(chromedp.ID("wxemu-send"))); err != nil {
		t.Fatalf("open the share menu: %v", err)
	}
	friend := chromedp.CSS(`.wxemu-friend[data-openid="` + gang.OpenID + `"]`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(friend), chromedp.Click(friend)); err != nil {
		t.Fatalf("send to 小刚: %v", err)
	}
	waitJS(t, ctx, "sent toast", `(document.getElementById('wxemu-toast') || {}).textContent === '已发送给 小刚'`)

	// On the phone, as 小刚: the card carries 小明's invite link, not his /me.
	phoneAs(t, ctx, base, gang)
	card := chromedp.CSS(`.link-card[data-link]`)
	waitJS(t, ctx, "card in 小刚's chat", `!!document.querySelector('.link-card[data-link]')`)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.link-card').getAttribute('data-link')`))
	if err != nil || got != link {
		t.Fatalf("shared card link %q (%v), want 小明's invite link %q", got, err, link)
	}
	title, _ := chromedp.Run(ctx, chromedp.Text(card))
	if !strings.Contains(title, "小明") {
		t.Fatalf("card %q does not name 小明", title)
	}
	screenshot(t, ctx, "phone-shared-card.png")

	// 小刚 opens it: the browser switches to 小刚's cookies, so he logs in as himself.
	if err := chromedp.Do(ctx, chromedp.Click(card)); err != nil {
		t.Fatal(err)
	}
	consent(t, ctx, gang)
	text := onMe(t, ctx, base, gang)
	if !strings.Contains(text, "邀请人：小明") {
		t.Fatalf("小刚 is not credited to 小明:\n%s", text)
	}

	// Follow prompt: 小刚 does not follow; he recognises the QR code and follows.
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("follow-prompt")), chromedp.WaitVisible(chromedp.CSS(".wxemu-scan"))); err != nil {
		t.Fatalf("follow prompt: %v", err)
	}
	noHorizontalScroll(t, ctx, "小刚's /me with the follow prompt")
	screenshot(t, ctx, "me-follow-prompt.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".wxemu-scan"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "scan delivered", `!!document.documentElement.getAttribute('data-wxemu-scanned')`)
	// Known to the service already (he logged in first), he is welcomed like a returning follower.
	if got := lastReply(t, base, gang); got != "欢迎关注！" {
		t.Fatalf("小刚's follow was answered %q, want the welcome text", got)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("h1.name"))); err != nil {
		t.Fatal(err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#follow-prompt').length`)); n != 0 {
		t.Fatal("follow prompt still shown after following")
	}

	// Back to 小明 on the same phone: his own session, no login, his own page.
	inWeChat(t, ctx, base, ming, "/me")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("h1.name"))); err != nil {
		t.Fatal(err)
	}
	text = onMe(t, ctx, base, ming)
	if !strings.Contains(text, "小刚") {
		t.Fatalf("小明's list does not show 小刚:\n%s", text)
	}

	// The phone's scan list says whose code each is.
	phoneAs(t, ctx, base, ming)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("scan-toggle"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "QR codes labelled with their owners",
		`(() => { const t = Array.from(document.querySelectorAll('#codes li span')).map(s => s.textContent); return t.some(x => x.startsWith('小明的二维码')) && t.some(x => x.startsWith('小刚的二维码')); })()`)
	noHorizontalScroll(t, ctx, "the phone's scan list")
	screenshot(t, ctx, "phone-scan-list.png")
}
