package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // posters
	_ "image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/wxinvite/wxinvite/test/harness"
)

// chatDelivery is emulator.DeliveryResult with the image reply's media_id.
type chatDelivery struct {
	Reply struct {
		MsgType string `json:"msg_type"`
		Content string `json:"content"`
		MediaID string `json:"media_id"`
	} `json:"reply"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

type chatEntry struct {
	From    string `json:"from"`
	MsgType string `json:"msg_type"`
	Text    string `json:"text"`
	MediaID string `json:"media_id"`
	Kefu    bool   `json:"kefu"`
}

type noticeItem struct {
	Kind        string  `json:"kind"`
	Text        string  `json:"text"`
	DeliveredAt *string `json:"delivered_at"`
}

func (a *app) click(p person, key string) chatDelivery {
	a.t.Helper()
	var d chatDelivery
	a.emu("POST", "/persons/"+p.OpenID+"/click", map[string]string{"key": key}, &d, http.StatusOK)
	return d
}

func (a *app) say(p person, text string) chatDelivery {
	a.t.Helper()
	var d chatDelivery
	a.emu("POST", "/persons/"+p.OpenID+"/message", map[string]string{"content": text}, &d, http.StatusOK)
	return d
}

// followLongAgo makes p follow with a push dated two minutes ago: their 1-minute
// follow window has closed, so only what they do next opens one.
func (a *app) followLongAgo(p person) {
	a.t.Helper()
	a.emu("POST", "/persons/"+p.OpenID+"/follow", map[string]any{"create_time": time.Now().Add(-2 * time.Minute).Unix()}, nil, http.StatusOK)
}

func (a *app) chat(p person) []chatEntry {
	a.t.Helper()
	var out struct {
		Items []chatEntry `json:"items"`
	}
	a.emu("GET", "/persons/"+p.OpenID+"/chat", nil, &out, http.StatusOK)
	return out.Items
}

func kefuTexts(chat []chatEntry) []string {
	var out []string
	for _, c := range chat {
		if c.Kefu && c.MsgType == "text" {
			out = append(out, c.Text)
		}
	}
	return out
}

func (b *browser) notices() []noticeItem {
	var out struct {
		Items []noticeItem `json:"items"`
	}
	b.getJSON("/api/me/notices", &out)
	return out.Items
}

// decodeQR finds the QR code in an image and returns its content.
func decodeQR(t *testing.T, data []byte, box image.Rectangle) string {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an image (%d bytes): %v", len(data), err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// Search the whole picture, as a phone's scanner does. gozxing's locator is
	// fooled by about one symbol in 250 (a misplaced alignment pattern) that WeChat
	// reads; those are decoded exactly from the layout's box, where the poster must
	// have put the code.
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	if res, err := gzqr.NewQRCodeReader().Decode(bmp, hints); err == nil {
		return res.GetText()
	}
	crop, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		t.Fatalf("no QR code in the poster, and it cannot be cropped")
	}
	if bmp, err = gozxing.NewBinaryBitmapFromImage(crop.SubImage(box)); err != nil {
		t.Fatal(err)
	}
	pure := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, pure)
	if err != nil {
		t.Fatalf("no QR code in the poster's box %v: %v", box, err)
	}
	return res.GetText()
}

// defaultQRBox is where the default poster design puts the QR code.
var defaultQRBox = image.Rect(225, 900, 525, 1200)

// media fetches an image the account sent, as the phone page shows it.
func (a *app) media(id string) []byte {
	a.t.Helper()
	resp, b := do(a.t, a.api, newReq(a.t, "GET", a.emuBase()+"/media/"+id, nil))
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("media %s: HTTP %d", id, resp.StatusCode)
	}
	return b
}

// chatAdmin calls the admin API with the token and a JSON body.
func (a *app) chatAdmin(method, path, body string) (int, []byte) {
	a.t.Helper()
	req := newReq(a.t, method, a.URL+"/admin/api"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, b := do(a.t, a.api, req)
	return resp.StatusCode, b
}

// waitFor polls cond every 100 ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return cond()
}

// The poster menu button answers with the user's poster as a passive image whose
// QR code is the user's own invite code; ten asks cost one upload; the web page
// serves the same poster.
func TestChatPosterFromMenu(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		var menu struct {
			Button []struct {
				Type, Name, Key, URL string
			} `json:"button"`
		}
		a.emu("GET", "/menu", nil, &menu, http.StatusOK)
		if len(menu.Button) != 2 || menu.Button[0].Key != "wxinvite.poster" || menu.Button[1].URL != a.URL+"/me" {
			t.Fatalf("default menu = %+v", menu)
		}
		p, b, _ := a.loggedIn("小红")
		a.follow(p)
		qrURL := b.qrcode().URL
		d := a.click(p, "wxinvite.poster")
		if d.Status != "replied" || d.Reply.MsgType != "image" || d.Reply.MediaID == "" {
			t.Fatalf("poster click: %+v", d)
		}
		if got := decodeQR(t, a.media(d.Reply.MediaID), defaultQRBox); got != qrURL {
			t.Fatalf("the poster's QR code says %q, want the user's invite QR %q", got, qrURL)
		}
		for i := range 9 {
			if d2 := a.click(p, "wxinvite.poster"); d2.Reply.MediaID != d.Reply.MediaID {
				t.Fatalf("ask %d: media %q, want the cached %q (%+v)", i+2, d2.Reply.MediaID, d.Reply.MediaID, d2)
			}
		}
		if n := a.emuStatus().Counters["cgi-bin/media/upload"]; n != 1 {
			t.Errorf("ten asks cost %d uploads, want 1", n)
		}
		resp, img := b.get("/me/poster.png")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
			t.Fatalf("/me/poster.png: HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if got := decodeQR(t, img, defaultQRBox); got != qrURL {
			t.Errorf("/me/poster.png QR says %q, want %q", got, qrURL)
		}
		if d := a.click(p, "something.else"); d.Status != "no_reply" {
			t.Errorf("another click key: %+v, want success (no reply)", d)
		}
		if d := a.say(p, "你好"); d.Status != "no_reply" {
			t.Errorf("a plain message: %+v, want success (no reply)", d)
		}
	})
}

// PUT /admin/api/menu checks WeChat's limits before installing with menu/create.
func TestChatAdminMenu(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		before := a.emuStatus().Counters["cgi-bin/menu/create"]
		status, body := a.chatAdmin("PUT", "/menu", `{"button":[{"type":"click","name":"我的海报","key":"wxinvite.poster"},{"name":"更多","sub_button":[{"type":"view","name":"进度","url":"`+a.URL+`/me"},{"type":"click","name":"x","key":""}]}]}`)
		if status != http.StatusBadRequest || !strings.Contains(string(body), `button[2].sub_button[2]`) || !strings.Contains(string(body), "needs key") {
			t.Fatalf("bad menu: HTTP %d %s", status, body)
		}
		status, body = a.chatAdmin("PUT", "/menu", `{"button":[{"type":"click","name":"a","key":"k"},{"type":"click","name":"b","key":"k"},{"type":"click","name":"c","key":"k"},{"type":"click","name":"d","key":"k"}]}`)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "at most 3 top-level") {
			t.Fatalf("four buttons: HTTP %d %s", status, body)
		}
		if n := a.emuStatus().Counters["cgi-bin/menu/create"]; n != before {
			t.Fatalf("refused menus cost %d menu/create calls", n-before)
		}
		good := `{"button":[{"type":"click","name":"我的海报","key":"wxinvite.poster"},{"name":"更多","sub_button":[{"type":"view","name":"邀请进度","url":"` + a.URL + `/me"}]}]}`
		if status, body = a.chatAdmin("PUT", "/menu", good); status != http.StatusOK {
			t.Fatalf("good menu: HTTP %d %s", status, body)
		}
		status, body = a.chatAdmin("GET", "/menu", "")
		var got struct {
			Button []struct {
				Name      string `json:"name"`
				SubButton []struct {
					URL string `json:"url"`
				} `json:"sub_button"`
			} `json:"button"`
		}
		if err := json.Unmarshal(body, &got); status != http.StatusOK || err != nil || len(got.Button) != 2 || got.Button[1].SubButton[0].URL != a.URL+"/me" {
			t.Fatalf("GET /admin/api/menu: HTTP %d %s", status, body)
		}
	})
}

// Six friends join an inviter who wrote to the account: five progress notices go
// out as kefu messages (the 48 h quota), the sixth is deferred, shown on /me, and
// delivered as the passive reply to the inviter's next message.
func TestChatSixFriendsFiveNotices(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		p, b, _ := a.loggedIn("小红")
		a.followLongAgo(p)
		if d := a.say(p, "你好"); d.Status != "no_reply" {
			t.Fatalf("first message: %+v", d)
		}
		ticket := b.qrcode().Ticket
		for i := range 6 {
			f := a.newPerson(fmt.Sprint("朋友", i))
			wantReplied(t, "friend scan", a.scan(f, ticket), thanks+"小红")
			if i == 0 && !waitFor(10*time.Second, func() bool { return len(kefuTexts(a.chat(p))) == 1 }) {
				t.Fatal("no progress notice within 10 s of a friend's join")
			}
		}
		settled := func() bool {
			waiting := 0
			for _, n := range b.notices() {
				if n.DeliveredAt == nil {
					waiting++
				}
			}
			return len(b.notices()) == 6 && waiting == 1 && len(kefuTexts(a.chat(p))) == 5
		}
		if !waitFor(10*time.Second, settled) {
			t.Fatalf("notices %+v, kefu %q", b.notices(), kefuTexts(a.chat(p)))
		}
		time.Sleep(300 * time.Millisecond) // nothing more may arrive
		texts := kefuTexts(a.chat(p))
		if len(texts) != 5 || !strings.Contains(texts[0], "通过你的邀请关注了，你已邀请 1 人") {
			t.Fatalf("kefu messages %q, want 5 progress notices", texts)
		}
		if sent, deferred := a.metric(`wxinvite_notices_total{outcome="sent"}`), a.metric(`wxinvite_notices_total{outcome="deferred"}`); sent != 5 || deferred != 1 {
			t.Errorf("wxinvite_notices_total: sent %v, deferred %v; want 5 and 1", sent, deferred)
		}
		counters := a.emuStatus().Counters
		if counters["kefu_45047"] != 0 || counters["kefu_45015"] != 0 {
			t.Errorf("WeChat refused kefu messages (45047: %d, 45015: %d): the budget was overspent", counters["kefu_45047"], counters["kefu_45015"])
		}
		var waiting []string
		for _, n := range b.notices() {
			if n.DeliveredAt == nil {
				waiting = append(waiting, n.Text)
			}
		}
		if len(waiting) != 1 || !strings.Contains(waiting[0], "通过你的邀请关注了") {
			t.Fatalf("deferred notices %q, want one progress notice", waiting)
		}
		if _, page := b.get("/me"); !bytes.Contains(page, []byte(waiting[0])) {
			t.Errorf("/me does not show the deferred notice %q", waiting[0])
		}
		d := a.say(p, "在吗")
		if d.Status != "replied" || d.Reply.Content != waiting[0] {
			t.Fatalf("next message: %+v, want the deferred notice as the reply", d)
		}
		for _, n := range b.notices() {
			if n.DeliveredAt == nil {
				t.Errorf("still deferred after the next interaction: %q", n.Text)
			}
		}
	})
}

// An inviter with no open window gets no kefu call: the notice waits on /me.
func TestChatNoWindowNoKefu(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		p, b, _ := a.loggedIn("小红")
		a.followLongAgo(p)
		f := a.newPerson("小明")
		wantReplied(t, "friend scan", a.scan(f, b.qrcode().Ticket), thanks+"小红")
		// The notice is claimed for a moment while its send is tried; then it waits.
		if !waitFor(10*time.Second, func() bool { ns := b.notices(); return len(ns) == 1 && ns[0].DeliveredAt == nil }) {
			t.Fatalf("no deferred notice: %+v", b.notices())
		}
		n := b.notices()[0]
		if n.Kind != "progress" || !strings.Contains(n.Text, "通过你的邀请关注了，你已邀请 1 人") {
			t.Fatalf("notice %+v, want a progress notice", n)
		}
		if c := a.emuStatus().Counters["cgi-bin/message/custom/send"]; c != 0 {
			t.Errorf("%d kefu calls for an inviter without a window", c)
		}
		// The notice may still be claimed by its one send attempt (which finds no
		// window and puts it back); once it waits, /me shows it.
		if !waitFor(10*time.Second, func() bool {
			_, page := b.get("/me")
			return bytes.Contains(page, []byte(n.Text)) && bytes.Contains(page, []byte("新消息"))
		}) {
			t.Error("/me does not show the deferred notice")
		}
		if c := a.emuStatus().Counters["cgi-bin/message/custom/send"]; c != 0 {
			t.Errorf("%d kefu calls for an inviter without a window", c)
		}
	})
}
