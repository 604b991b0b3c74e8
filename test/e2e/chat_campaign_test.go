package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
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
			`"notices":{"progress":"{friend} 已助力，共 {count} 人，{next}","reward":"恭喜获得 {reward}{code}"},`+
			`"poster":{"qr":{"x":420,"y":1000,"size":280},"avatar":{"x":40,"y":40,"size":120},"nickname":{"x":180,"y":70,"size":40,"color":"#ffffff"}}}`, http.StatusCreated, &c)
		if status, body := a.admin("PUT", fmt.Sprintf("/admin/api/campaigns/%d/poster/background", c.ID), "image/png", string(background(t))); status != http.StatusOK {
			t.Fatalf("background upload: HTTP %d %s", status, body)
		}
		p, b, _ := a.loggedIn("小红")
		a.followLongAgo(p)
		d := a.say(p, "  海报 ")
		if d.Status != "replied" || d.Reply.MsgType != "image" || d.Reply.MediaID == "" {
			t.Fatalf("keyword: %+v, want the poster", d)
		}
		poster := a.media(d.Reply.MediaID)
		if got, want := decodeQR(t, poster, image.Rect(420, 1000, 700, 1280)), b.qrcode().URL; got != want {
			t.Fatalf("keyword poster QR %q, want %q", got, want)
		}
		if img, _, err := image.Decode(bytes.NewReader(poster)); err != nil || img.Bounds().Dx() != 750 || img.Bounds().Dy() != 1334 {
			t.Fatalf("the poster is not drawn on the 750×1334 background: %v", err)
		} else if r, g, bl, _ := img.At(700, 600).RGBA(); r>>8 < 150 || g>>8 > 90 || bl>>8 > 90 {
			t.Errorf("the poster's background at (700,600) is %d,%d,%d, want the uploaded red", r>>8, g>>8, bl>>8)
		}
		if d := a.say(p, "海报呢"); d.Status != "no_reply" {
			t.Errorf("not the keyword: %+v, want no reply", d)
		}
		f := a.newPerson("小明")
		wantReplied(t, "friend scan", a.scan(f, b.qrcode().Ticket), thanks+"小红")
		t.Cleanup(func() {
			if t.Failed() {
				_, raw := b.get("/api/me/notices")
				t.Logf("inviter's kefu messages %q; notices %s", kefuTexts(a.chat(p)), raw)
			}
		})
		eventually(t, holdWait, "a progress and a reward notice by kefu", func() bool {
			texts := kefuTexts(a.chat(p))
			var progress, reward bool
			for _, s := range texts {
				// {next} is worked out when the notice is written: before the 1 s hold
				// ends the friend is pending, after it the only tier is reached.
				progress = progress || strings.Contains(s, "已助力，共 1 人，再邀请 1 人可得「五元券」") ||
					strings.Contains(s, "已助力，共 1 人，已达成全部奖励")
				reward = reward || strings.Contains(s, "恭喜获得 五元券")
			}
			return progress && reward
		})
		if n := a.emuStatus().Counters["kefu_45047"]; n != 0 {
			t.Errorf("%d kefu sends refused with 45047", n)
		}
	})
}

// background is a plain red 750×1334 PNG poster background.
func background(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 750, 1334))
	for y := 0; y < 1334; y++ {
		for x := 0; x < 750; x++ {
			img.SetRGBA(x, y, color.RGBA{R: 200, G: 40, B: 40, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
