package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wxinvite/wxinvite/test/harness"
)

// With a campaign running, its keyword (trimmed) gets the poster; a friend's join
// brings a progress notice in the campaign's words and, once the hold ends and the
// tier is reached, a reward notice — both as kefu messages inside the window.
func TestChatCampaignKeywordAndRewardNotice(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		var c struct {
			ID int64 `json:"id"`
		}
		a.adminJSON("POST", "/admin/api/campaigns", `{"name":"海报活动","hold":"1s","keyword":"海报",`+
			`"tiers":[{"threshold":1,"reward":"五元券"}],`+
			`"notices":{"progress":"{friend} 已助力，共 {count} 人，{next}","reward":"恭喜获得 {reward}{code}"}}`, http.StatusCreated, &c)
		p, b, _ := a.loggedIn("小红")
		a.followLongAgo(p)
		d := a.say(p, "  海报 ")
		if d.Status != "replied" || d.Reply.MsgType != "image" || d.Reply.MediaID == "" {
			t.Fatalf("keyword: %+v, want the poster", d)
		}
		if got, want := decodeQR(t, a.media(d.Reply.MediaID)), b.qrcode().URL; got != want {
			t.Fatalf("keyword poster QR %q, want %q", got, want)
		}
		if d := a.say(p, "海报呢"); d.Status != "no_reply" {
			t.Errorf("not the keyword: %+v, want no reply", d)
		}
		f := a.newPerson("小明")
		wantReplied(t, "friend scan", a.scan(f, b.qrcode().Ticket), thanks+"小红")
		eventually(t, holdWait, "a progress and a reward notice by kefu", func() bool {
			texts := kefuTexts(a.chat(p))
			var progress, reward bool
			for _, s := range texts {
				progress = progress || strings.Contains(s, "已助力，共 1 人，再邀请 1 人可得「五元券」")
				reward = reward || strings.Contains(s, "恭喜获得 五元券")
			}
			return progress && reward
		})
		if n := a.emuStatus().Counters["kefu_45047"]; n != 0 {
			t.Errorf("%d kefu sends refused with 45047", n)
		}
	})
}
