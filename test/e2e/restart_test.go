package e2e

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/test/harness"
)

// shareAttr reads a data attribute of /me's #wx-share element.
func shareAttr(t *testing.T, body []byte, name string) string {
	t.Helper()
	m := regexp.MustCompile(`id="wx-share"[^>]*\s` + name + `="([^"]*)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("/me has no #wx-share %s: %.600s", name, body)
	}
	return html.UnescapeString(string(m[1]))
}

// `make run` restarted on the same SQLite file: the emulator still knows its persons
// (小明 is one user, not two), an old QR URL still scans, and the jsapi_ticket the
// service stored before the restart still signs pages the emulator accepts, with no
// new ticket fetched.
func TestRestartKeepsTheEmulatorsState(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + t.TempDir() + "/wxinvite.db"
	first := harness.Start(t, harness.Options{DatabaseURL: db})
	a := &app{t: t, inst: first, URL: first.URL, tr: http.DefaultTransport.(*http.Transport).Clone()}
	a.api = &http.Client{Transport: a.tr, Timeout: 30 * time.Second}
	ming, b, _ := a.loggedIn("小明")
	code := b.qrcode()
	if resp, _ := b.get("/me"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/me before the restart: %d", resp.StatusCode)
	}
	if n := a.emuStatus().Counters["cgi-bin/ticket/getticket"]; n != 1 {
		t.Fatalf("getticket calls before the restart = %d, want 1", n)
	}
	a.tr.CloseIdleConnections()
	first.Stop()

	second := harness.Start(t, harness.Options{DatabaseURL: db})
	a.inst, a.URL = second, second.URL
	var persons struct{ Items []person }
	a.emu("GET", "/persons", nil, &persons, http.StatusOK)
	if len(persons.Items) != 1 || persons.Items[0].OpenID != ming.OpenID {
		t.Fatalf("persons after the restart: %+v, want only 小明 %s", persons.Items, ming.OpenID)
	}
	hong := a.newPerson("小红")
	var d delivery
	a.emu("POST", "/persons/"+hong.OpenID+"/scan", map[string]string{"url": code.URL}, &d, http.StatusOK)
	wantReplied(t, "小红 scans 小明's pre-restart code", d, "感谢您的加入，邀请者是 小明")

	resp, body := b.get("/me") // same session secret: 小明 is still logged in
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/me after the restart: %d", resp.StatusCode)
	}
	ts, _ := strconv.ParseInt(shareAttr(t, body, "data-timestamp"), 10, 64)
	var check struct {
		OK     bool   `json:"ok"`
		ErrMsg string `json:"errMsg"`
	}
	a.emu("POST", "/jssdk/config", map[string]any{
		"appId": shareAttr(t, body, "data-app-id"), "timestamp": ts, "nonceStr": shareAttr(t, body, "data-nonce-str"),
		"signature": shareAttr(t, body, "data-signature"), "url": second.URL + "/me",
	}, &check, http.StatusOK)
	if !check.OK {
		t.Fatalf("the emulator refuses the page's wx.config after the restart: %s", check.ErrMsg)
	}
	if n := a.emuStatus().Counters["cgi-bin/ticket/getticket"]; n != 0 {
		t.Fatalf("getticket calls after the restart = %d, want 0 (the stored ticket is reused)", n)
	}
	if s := a.stats(); s.Users != 2 || s.Invites != 1 {
		t.Fatalf("stats after the restart %+v, want 2 users and 1 invite", s)
	}
	a.tr.CloseIdleConnections()
}
