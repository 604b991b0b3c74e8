package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/test/harness"
)

// 1. A shares their link; B opens it in another browser, logs in and is A's invitee.
func TestLinkInvite(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		// The login redirect, as WeChat expects it.
		noFollow := &http.Client{Transport: a.tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, _ := do(t, noFollow, newReq(t, "GET", a.URL+"/auth/wechat/login?next=/me", nil))
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || loc.Path != "/_emulator/connect/oauth2/authorize" ||
			loc.Fragment != "wechat_redirect" || len(loc.Query().Get("state")) < 16 || loc.Query().Get("redirect_uri") != a.URL+"/auth/wechat/callback" {
			t.Fatalf("login redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Signed out: pages go to login, the API answers 401 JSON.
		resp, _ = do(t, noFollow, newReq(t, "GET", a.URL+"/me", nil))
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/wechat/login") {
			t.Fatalf("/me signed out: %d %q, want 302 to login", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := do(t, noFollow, newReq(t, "GET", a.URL+"/api/me", nil))
		var apiErr struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal(body, &apiErr) != nil || apiErr.Error.Code == "" {
			t.Fatalf("/api/me signed out: %d %s, want 401 {\"error\":{\"code\":…}}", resp.StatusCode, body)
		}

		A, bA, mA := a.loggedIn("阿强")
		if mA.InvitedBy != nil || mA.InviteeCount != 0 {
			t.Fatalf("A starts uninvited with no invitees, got %+v", mA)
		}
		if mA.InviteCode == "" || mA.InviteURL != a.URL+"/i/"+mA.InviteCode {
			t.Fatalf("invite_url %q, want %s/i/%s", mA.InviteURL, a.URL, mA.InviteCode)
		}

		B := a.newPerson("小美")
		bB := a.browser()
		bB.landOnMe(mA.InviteURL, B)
		mB := bB.me()
		if mB.OpenID != B.OpenID || mB.InvitedBy == nil || mB.InvitedBy.ID != mA.ID || mB.InvitedBy.Nickname != A.Nickname {
			t.Fatalf("B's /api/me: %+v (invited_by %+v), want invited by A id=%d %q", mB, mB.InvitedBy, mA.ID, A.Nickname)
		}
		_, page := bB.get("/me")
		if !bytes.Contains(page, []byte(html.EscapeString(A.Nickname))) {
			t.Errorf("B's /me page does not name the inviter %q", A.Nickname)
		}

		inv := bA.invitees()
		if len(inv) != 1 {
			t.Fatalf("A's invitees: %+v, want exactly B", inv)
		}
		if got := findInvitee(t, inv, mB.ID); got.Channel != "link" || got.Nickname != B.Nickname {
			t.Fatalf("A's invitee B: %+v, want channel link, nickname %q", got, B.Nickname)
		}
		if n := bA.me().InviteeCount; n != 1 {
			t.Errorf("A's invitee_count = %d, want 1", n)
		}
		s := a.stats()
		if s.InvitesByChannel["link"] != 1 || s.InvitesByChannel["scan"] != 0 || s.Invites != 1 || s.Users != 2 {
			t.Fatalf("stats %+v, want 2 users, 1 invite by link", s)
		}

		// Opening the link again, logged in, changes nothing.
		resp, _ = bB.get(mA.InviteURL)
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/me" {
			t.Fatalf("logged-in B reopening the link ended at %s %d, want /me", resp.Request.URL, resp.StatusCode)
		}
		if s2 := a.stats(); s2.Invites != 1 || s2.Users != 2 {
			t.Fatalf("stats after reopening: %+v", s2)
		}
	})
}

// scanInvite is scenarios 2 and 3: C scans A's permanent code, is thanked by A's
// name and becomes A's scan invitee.
func scanInvite(t *testing.T, a *app, safeMode bool) {
	A, bA, mA := a.loggedIn("王小明")
	q := bA.qrcode()
	if q.Kind != "permanent" || q.Ticket == "" || q.URL == "" || q.ImageURL == "" || q.Scene == "" || q.ExpiresAt != nil {
		t.Fatalf("/api/me/qrcode = %+v, want a permanent code with ticket, url, image_url and no expiry", q)
	}
	if again := bA.qrcode(); again.Ticket != q.Ticket || again.Scene != q.Scene {
		t.Fatalf("second /api/me/qrcode issued another code: %+v vs %+v", again, q)
	}
	resp, img := bA.get("/me/qrcode.png")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("/me/qrcode.png: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(img)); err != nil || cfg.Width < 100 {
		t.Fatalf("/me/qrcode.png is not a usable PNG: %v %+v", err, cfg)
	}
	resp, img = bA.get(q.ImageURL)
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(img, []byte("\x89PNG")) {
		t.Fatalf("image_url %s: %d, not a PNG (ticket not escaped?)", q.ImageURL, resp.StatusCode)
	}

	C := a.newPerson("扫码的小陈")
	d := a.scan(C, q.Ticket)
	wantReplied(t, "C scanning A's code", d, thanks+A.Nickname)
	if safeMode {
		// A push whose msg_signature does not bind its ciphertext is refused.
		ts := fmt.Sprint(time.Now().Unix())
		u := fmt.Sprintf("%s/wechat/callback?signature=%s&timestamp=%s&nonce=7&encrypt_type=aes&msg_signature=%s",
			a.URL, signature(a.inst.Config.Token, ts, "7"), ts, strings.Repeat("0", 40))
		forged := `<xml><ToUserName><![CDATA[gh_wxinvite_emu]]></ToUserName><Encrypt><![CDATA[AAAAAAAAAAAAAAAAAAAAAA==]]></Encrypt></xml>`
		if resp, b := do(t, a.api, newReq(t, "POST", u, strings.NewReader(forged))); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("safe mode, forged msg_signature: %d %s, want 403", resp.StatusCode, b)
		}
		if !a.emuStatus().SafeMode || d.Reply.Decrypted == "" || !strings.Contains(d.Reply.Raw, "<Encrypt>") {
			t.Fatalf("safe mode: the reply was not an encrypted envelope: raw=%.200q decrypted=%.200q", d.Reply.Raw, d.Reply.Decrypted)
		}
	} else if strings.Contains(d.Reply.Raw, "<Encrypt>") {
		t.Fatalf("plaintext mode answered encrypted: %.200q", d.Reply.Raw)
	}

	inv := bA.invitees()
	if len(inv) != 1 || inv[0].Channel != "scan" || inv[0].Nickname == "" {
		t.Fatalf("A's invitees = %+v, want exactly C by scan, with a display name", inv)
	}
	list := a.adminInvites()
	if len(list) != 1 || list[0].Inviter.ID != mA.ID || list[0].Invitee.ID != inv[0].ID || list[0].Channel != "scan" {
		t.Fatalf("admin invites = %+v, want one scan invite A(%d) → %d", list, mA.ID, inv[0].ID)
	}
	s := a.stats()
	if s.Users != 2 || s.Invites != 1 || s.InvitesByChannel["scan"] != 1 || s.InvitesByChannel["link"] != 0 || s.Followers != 1 {
		t.Fatalf("stats %+v, want 2 users, 1 scan invite, 1 follower (C)", s)
	}
}

// 2. Scan invite, plaintext mode.
func TestScanInvite(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) { scanInvite(t, a, false) })
}

// 3. Scan invite in safe mode: encrypted pushes, encrypted reply, same text.
func TestScanInviteSafeMode(t *testing.T) {
	t.Parallel()
	key := "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	if len(key) != 43 {
		t.Fatal("test key must be 43 characters")
	}
	scenario(t, harness.Options{EncodingAESKey: key}, func(t *testing.T, a *app) { scanInvite(t, a, true) })
}

// 2b. With the permanent quota used up (0 here), invite codes are temporary: they
// carry an expiry and still credit the inviter.
func TestScanInviteTemporaryCode(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{Env: map[string]string{"WXINVITE_QR_PERMANENT_QUOTA": "0"}}, func(t *testing.T, a *app) {
		A, bA, _ := a.loggedIn("临时码")
		q := bA.qrcode()
		if q.Kind != "temporary" || q.ExpiresAt == nil || q.Ticket == "" || q.Scene == "" {
			t.Fatalf("/api/me/qrcode = %+v, want a temporary code with an expiry", q)
		}
		exp, err := time.Parse(time.RFC3339, *q.ExpiresAt)
		if err != nil || exp.Before(time.Now().Add(24*time.Hour)) {
			t.Fatalf("expires_at %q (%v): want a parseable instant days away", *q.ExpiresAt, err)
		}
		if again := bA.qrcode(); again.Ticket != q.Ticket {
			t.Fatalf("a valid temporary code was re-issued: %+v vs %+v", again, q)
		}
		C := a.newPerson("扫临时码")
		wantReplied(t, "C scanning A's temporary code", a.scan(C, q.Ticket), thanks+A.Nickname)
		if inv := bA.invitees(); len(inv) != 1 || inv[0].Channel != "scan" {
			t.Fatalf("A's invitees = %+v, want C by scan", inv)
		}
	})
}

// 4. Someone who already follows scans A's code (SCAN event): nobody is credited.
func TestExistingFollowerScanIsNoInvite(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		_, bA, _ := a.loggedIn("阿强")
		q := bA.qrcode()
		C := a.newPerson("老粉丝")
		wantNoThanks(t, "C following from the profile", a.follow(C))
		if s := a.stats(); s.Users != 2 || s.Followers != 1 || s.Invites != 0 {
			t.Fatalf("after C follows: %+v, want 2 users, 1 follower, no invite", s)
		}
		wantNoThanks(t, "C (a follower) scanning A's code", a.scan(C, q.Ticket))
		if m := bA.me(); m.InviteeCount != 0 {
			t.Fatalf("A's invitee_count = %d, want 0", m.InviteeCount)
		}
		if inv := bA.invitees(); len(inv) != 0 {
			t.Fatalf("A's invitees = %+v, want none", inv)
		}
		if s := a.stats(); s.Invites != 0 || s.Users != 2 {
			t.Fatalf("stats %+v, want no invite", s)
		}

		// W is already known from a plain web login (not following): following
		// through A's code, or logging in through A's link, credits nobody.
		_, _, mW := a.loggedIn("先登录后关注")
		W := person{OpenID: mW.OpenID, Nickname: mW.Nickname}
		wantNoThanks(t, "known W following through A's code", a.scan(W, q.Ticket))
		bW2 := a.browser()
		bW2.landOnMe(bA.me().InviteURL, W)
		if m := bW2.me(); m.InvitedBy != nil {
			t.Fatalf("known W invited by %+v", m.InvitedBy)
		}
		if inv := bA.invitees(); len(inv) != 0 {
			t.Fatalf("A's invitees = %+v, want none", inv)
		}
		if s := a.stats(); s.Invites != 0 || s.Users != 3 || s.Followers != 2 {
			t.Fatalf("stats %+v, want 3 users, 2 followers, no invite", s)
		}
	})
}

// 5. A scans their own code, as a follower (SCAN) and as a re-follower (subscribe).
func TestSelfScanIsNoInvite(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		A, bA, _ := a.loggedIn("自己扫")
		q := bA.qrcode()
		wantNoThanks(t, "A following", a.follow(A))
		wantNoThanks(t, "A scanning own code while following", a.scan(A, q.Ticket))
		a.unfollow(A)
		waitNextSecond(t) // a person takes seconds to follow again; the same second is a copy
		wantNoThanks(t, "A following through own code", a.scan(A, q.Ticket))
		// A opens their own link in another browser and logs in again.
		b2 := a.browser()
		b2.landOnMe(bA.me().InviteURL, A)
		if m := b2.me(); m.InvitedBy != nil {
			t.Fatalf("A opening their own link: invited by %+v", m.InvitedBy)
		}
		m := bA.me()
		if m.InviteeCount != 0 || m.InvitedBy != nil {
			t.Fatalf("A after self-scans: %+v", m)
		}
		if s := a.stats(); s.Invites != 0 || s.Users != 1 || s.Followers != 1 {
			t.Fatalf("stats %+v, want 1 user, 1 follower, no invite", s)
		}
	})
}

// waitNextSecond returns once the wall clock has entered a new second. WeChat
// deduplicates events by (FromUserName, CreateTime): a genuine re-subscribe in the
// same second as the first one is, on the wire, identical to a redelivery. A person
// takes seconds to unfollow and scan again; the emulator does it in milliseconds.
func waitNextSecond(t testing.TB) {
	t.Helper()
	now := time.Now().Unix()
	eventually(t, 2*time.Second, "next second", func() bool { return time.Now().Unix() > now })
}

// 6. Unfollow and re-follow through a code: still one invite, same inviter.
func TestRefollowKeepsTheOneInvite(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		A, bA, mA := a.loggedIn("阿强")
		q := bA.qrcode()
		_, bX, _ := a.loggedIn("另一个邀请人")
		qX := bX.qrcode()
		C := a.newPerson("来回关注")
		wantReplied(t, "C's first scan", a.scan(C, q.Ticket), thanks+A.Nickname)
		if s := a.stats(); s.Followers != 1 || s.Invites != 1 {
			t.Fatalf("after C joins: %+v", s)
		}
		before := a.adminInvites()

		waitNextSecond(t)
		a.unfollow(C)
		if s := a.stats(); s.Followers != 0 || s.Invites != 1 || s.Users != 3 {
			t.Fatalf("after C unfollows: %+v, want 0 followers, 1 invite, 3 users", s)
		}
		waitNextSecond(t)
		d := a.scan(C, q.Ticket)
		wantNoThanks(t, "C re-following through A's code", d)
		if s := a.stats(); s.Followers != 1 || s.Invites != 1 {
			t.Fatalf("after C re-follows via A: %+v, want 1 follower, 1 invite", s)
		}
		waitNextSecond(t)
		a.unfollow(C)
		waitNextSecond(t)
		wantNoThanks(t, "C re-following through X's code", a.scan(C, qX.Ticket))

		after := a.adminInvites()
		if len(after) != 1 || after[0] != before[0] || after[0].Inviter.ID != mA.ID {
			t.Fatalf("invites changed by re-follows: before %+v, after %+v", before, after)
		}
		if n := len(bX.invitees()); n != 0 {
			t.Fatalf("X has %d invitees, want 0", n)
		}
		if s := a.stats(); s.Followers != 1 || s.Invites != 1 || s.InvitesByChannel["scan"] != 1 {
			t.Fatalf("final stats %+v", s)
		}
	})
}

// 7. B, invited by A's link, later scans X's code: B's inviter stays A.
func TestLinkInviteeScanningAnotherCode(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		A, _, mA := a.loggedIn("阿强")
		_, bX, _ := a.loggedIn("路人甲")
		qX := bX.qrcode()
		B := a.newPerson("小美")
		bB := a.browser()
		bB.landOnMe(mA.InviteURL, B)
		wantNoThanks(t, "B scanning X's code", a.scan(B, qX.Ticket))
		m := bB.me()
		if m.InvitedBy == nil || m.InvitedBy.ID != mA.ID || m.InvitedBy.Nickname != A.Nickname {
			t.Fatalf("B's inviter changed: %+v", m.InvitedBy)
		}
		// B, on a new phone, opens X's link and logs in: still A's invitee.
		bB2 := a.browser()
		bB2.landOnMe(bX.me().InviteURL, B)
		if m := bB2.me(); m.InvitedBy == nil || m.InvitedBy.ID != mA.ID {
			t.Fatalf("B logging in through X's link: inviter %+v, want A", m.InvitedBy)
		}
		if n := len(bX.invitees()); n != 0 {
			t.Fatalf("X has %d invitees, want 0", n)
		}
		if s := a.stats(); s.Invites != 1 || s.InvitesByChannel["link"] != 1 || s.InvitesByChannel["scan"] != 0 || s.Followers != 1 {
			t.Fatalf("stats %+v, want one link invite and B following", s)
		}
	})
}

// 8. WeChat delivers the same subscribe three times at once, then once more late.
func TestConcurrentRedelivery(t *testing.T) {
	t.Parallel()
	t.Run("plaintext", func(t *testing.T) { t.Parallel(); concurrentRedelivery(t, harness.Options{}) })
	t.Run("safe", func(t *testing.T) {
		t.Parallel()
		concurrentRedelivery(t, harness.Options{EncodingAESKey: "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"})
	})
}

func concurrentRedelivery(t *testing.T, opt harness.Options) {
	scenario(t, opt, func(t *testing.T, a *app) {
		A, bA, _ := a.loggedIn("阿强")
		q := bA.qrcode()
		D := a.newPerson("重复推送")
		ct := time.Now().Unix()
		push := map[string]any{"openid": D.OpenID, "event": "subscribe", "event_key": "qrscene_" + q.Scene,
			"ticket": q.Ticket, "create_time": ct, "copies": 3}
		var res struct {
			Results []delivery `json:"results"`
		}
		a.emu("POST", "/deliver", push, &res, http.StatusOK)
		if len(res.Results) != 3 {
			t.Fatalf("deliver returned %d results, want 3", len(res.Results))
		}
		for i, d := range res.Results {
			wantReplied(t, fmt.Sprintf("copy %d", i), d, thanks+A.Nickname)
		}
		push["copies"] = 1
		a.emu("POST", "/deliver", push, &res, http.StatusOK)
		wantReplied(t, "late retry", res.Results[0], thanks+A.Nickname)

		if inv := bA.invitees(); len(inv) != 1 || inv[0].Channel != "scan" {
			t.Fatalf("A's invitees = %+v, want exactly D", inv)
		}
		if s := a.stats(); s.Users != 2 || s.Invites != 1 {
			t.Fatalf("stats %+v, want 2 users and 1 invite", s)
		}
	})
}

// 9. Access tokens expire mid-run: every request still succeeds, and each expiry
// costs exactly one token fetch.
func TestTokenExpiryMidRun(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		A, bA, _ := a.loggedIn("阿强")
		q := bA.qrcode() // needs a token: qrcode/create
		f0 := a.emuStatus().tokenFetches()
		if f0 < 1 {
			t.Fatalf("no token fetched for qrcode/create: %+v", a.emuStatus())
		}

		// Expiry 1, discovered by a synchronous qrcode/create.
		a.emu("POST", "/tokens/expire", nil, nil, http.StatusOK)
		_, bB, _ := a.loggedIn("小美")
		if qB := bB.qrcode(); qB.Ticket == "" || qB.Ticket == q.Ticket {
			t.Fatalf("B's code after expiry: %+v", qB)
		}
		if f := a.emuStatus().tokenFetches(); f != f0+1 {
			t.Fatalf("token fetches after expiry 1: %d, want %d", f, f0+1)
		}

		// Expiry 2, discovered by the background user/info of a scan newcomer.
		ui0 := a.emuStatus().Counters["cgi-bin/user/info"]
		a.emu("POST", "/tokens/expire", nil, nil, http.StatusOK)
		C := a.newPerson("扫码一")
		wantReplied(t, "C after expiry 2", a.scan(C, q.Ticket), thanks+A.Nickname)
		eventually(t, 10*time.Second, "a token fetch after expiry 2", func() bool { return a.emuStatus().tokenFetches() >= f0+2 })
		// The rejected user/info and its retry with the new token.
		eventually(t, 10*time.Second, "C's user/info retried", func() bool { return a.emuStatus().Counters["cgi-bin/user/info"] >= ui0+2 })

		D := a.newPerson("扫码二")
		wantReplied(t, "D, no expiry", a.scan(D, q.Ticket), thanks+A.Nickname)
		eventually(t, 10*time.Second, "D's user/info", func() bool { return a.emuStatus().Counters["cgi-bin/user/info"] >= ui0+3 })

		// Expiry 3, discovered by qrcode/create again.
		a.emu("POST", "/tokens/expire", nil, nil, http.StatusOK)
		_, bE, _ := a.loggedIn("小艾")
		if qE := bE.qrcode(); qE.Ticket == "" {
			t.Fatalf("E's code after expiry 3: %+v", qE)
		}
		st := a.emuStatus()
		if f := st.tokenFetches(); f != f0+3 {
			t.Fatalf("token fetches: %d after 3 expiries, want exactly %d (counters %v)", f, f0+3, st.Counters)
		}
		if inv := bA.invitees(); len(inv) != 2 {
			t.Fatalf("A's invitees = %+v, want C and D", inv)
		}
	})
}

// 10. user/info is down (or hangs): the newcomer is still thanked at once, by name.
func TestUserInfoOutage(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		A, bA, _ := a.loggedIn("阿强")
		q := bA.qrcode()
		for i, mode := range []string{"error", "hang"} {
			a.emu("POST", "/status/userinfo", map[string]any{"down": true, "mode": mode}, nil, http.StatusOK)
			P := a.newPerson(fmt.Sprintf("故障%d", i))
			began := time.Now()
			d := a.scan(P, q.Ticket)
			took := time.Since(began)
			wantReplied(t, "scan with user/info "+mode, d, thanks+A.Nickname)
			if took > 4500*time.Millisecond {
				t.Errorf("user/info %s: the reply took %s, beyond WeChat's budget", mode, took)
			}
			if n := len(bA.invitees()); n != i+1 {
				t.Fatalf("user/info %s: A has %d invitees, want %d", mode, n, i+1)
			}
		}
		a.emu("POST", "/status/userinfo", map[string]any{"down": false}, nil, http.StatusOK)
		if s := a.stats(); s.Invites != 2 || s.InvitesByChannel["scan"] != 2 {
			t.Fatalf("stats %+v, want 2 scan invites", s)
		}
	})
}

// 11. Forged and malformed input changes nothing; an unknown invite code still lets
// the visitor in, uninvited.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		_, bA, mA := a.loggedIn("阿强")
		q := bA.qrcode()
		token := a.inst.Config.Token
		s0 := a.stats()

		F := a.newPerson("伪造")
		push := fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_wxinvite_emu]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
			`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>`+
			`<EventKey><![CDATA[qrscene_%s]]></EventKey><Ticket><![CDATA[%s]]></Ticket></xml>`, F.OpenID, time.Now().Unix(), q.Scene, q.Ticket)
		if resp, b := a.postCallback("", push); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("forged signature: %d %s, want 403", resp.StatusCode, b)
		}
		if resp, b := a.postCallback("wrongtoken", push); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("signature with the wrong token: %d %s, want 403", resp.StatusCode, b)
		}
		if resp, b := a.postCallback(token, "<xml><ToUserName><![CDATA[gh_"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("malformed XML: %d %s, want 400", resp.StatusCode, b)
		}
		if s := a.stats(); !statsEqual(s, s0) {
			t.Fatalf("stats changed by bad input: %+v → %+v", s0, s)
		}

		// Server verification: a good signature echoes, a bad one is refused.
		ts, nonce := fmt.Sprint(time.Now().Unix()), "42"
		resp, b := do(t, a.api, newReq(t, "GET", fmt.Sprintf("%s/wechat/callback?signature=%s&timestamp=%s&nonce=%s&echostr=hello123",
			a.URL, signature(token, ts, nonce), ts, nonce), nil))
		if resp.StatusCode != http.StatusOK || string(b) != "hello123" {
			t.Fatalf("verification: %d %q", resp.StatusCode, b)
		}
		resp, _ = do(t, a.api, newReq(t, "GET", fmt.Sprintf("%s/wechat/callback?signature=%s&timestamp=%s&nonce=%s&echostr=hello123",
			a.URL, signature("nope", ts, nonce), ts, nonce), nil))
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("verification with a bad signature: %d, want 403", resp.StatusCode)
		}

		// The genuine push still works afterwards (the forgery was not remembered).
		wantReplied(t, "F's genuine scan", a.scan(F, q.Ticket), thanks+"阿强")

		// A newcomer whose scene names nobody (a junk scene, a numeric campaign code, an
		// unknown invite scene) is welcomed, not credited.
		scenePrefix := strings.TrimSuffix(q.Scene, mA.InviteCode)
		for i, key := range []string{"qrscene_junk", "qrscene_123", "qrscene_" + scenePrefix + unknownCode(t, mA.InviteCode)} {
			s1 := a.stats()
			N := a.newPerson(fmt.Sprintf("未知场景%d", i))
			var res struct {
				Results []delivery `json:"results"`
			}
			a.emu("POST", "/deliver", map[string]any{"openid": N.OpenID, "event": "subscribe", "event_key": key}, &res, http.StatusOK)
			if len(res.Results) != 1 {
				t.Fatalf("deliver: %+v", res)
			}
			wantNoThanks(t, "newcomer with "+key, res.Results[0])
			if s := a.stats(); s.Invites != s1.Invites || s.Users != s1.Users+1 {
				t.Fatalf("%s: stats %+v → %+v, want one more user, no invite", key, s1, s)
			}
		}

		for i, code := range []string{unknownCode(t, mA.InviteCode), "not-a-code!"} {
			s1 := a.stats()
			E := a.newPerson(fmt.Sprintf("无名访客%d", i))
			bE := a.browser()
			bE.landOnMe(a.URL+"/i/"+code, E)
			if m := bE.me(); m.InvitedBy != nil {
				t.Fatalf("/i/%s: visitor invited by %+v, want nobody", code, m.InvitedBy)
			}
			if s := a.stats(); s.Invites != s1.Invites || s.Users != s1.Users+1 {
				t.Fatalf("/i/%s: stats %+v → %+v, want one more user and no invite", code, s1, s)
			}
		}
	})
}

func statsEqual(a, b stats) bool {
	return a.Users == b.Users && a.Invites == b.Invites && a.Followers == b.Followers &&
		a.InvitesByChannel["link"] == b.InvitesByChannel["link"] && a.InvitesByChannel["scan"] == b.InvitesByChannel["scan"]
}

// unknownCode makes a well-formed invite code (same length and alphabet as a real
// one) that is not real's.
func unknownCode(t testing.TB, real string) string {
	t.Helper()
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	for {
		b := make([]byte, len(real))
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		if s := string(b); s != real {
			return s
		}
	}
}

// 9b. With short-lived tokens (harness EmulatorTokenTTL), a token is reused while it
// is valid and replaced once it has expired: one fetch per lifetime, not per call.
func TestShortLivedTokenReusedWhileValid(t *testing.T) {
	t.Parallel()
	const ttl = 8 * time.Second
	scenario(t, harness.Options{EmulatorTokenTTL: ttl}, func(t *testing.T, a *app) {
		_, bA, _ := a.loggedIn("阿强")
		bA.qrcode()
		fetched := time.Now()
		f0 := a.emuStatus().tokenFetches()

		_, bB, _ := a.loggedIn("小美")
		bB.qrcode()
		if since := time.Since(fetched); since < ttl/4 {
			if f := a.emuStatus().tokenFetches(); f != f0 {
				t.Fatalf("token fetched again %s after the first one although it is valid for %s: fetches %d → %d", since.Round(time.Millisecond), ttl, f0, f)
			}
		} else {
			t.Logf("inconclusive: B's code came %s after the fetch", since)
		}

		// Once the token has expired, the next call fetches exactly one new token.
		eventually(t, ttl+5*time.Second, "the first token's lifetime to pass", func() bool { return time.Since(fetched) > ttl })
		f1 := a.emuStatus().tokenFetches()
		_, bC, _ := a.loggedIn("小陈")
		if q := bC.qrcode(); q.Ticket == "" {
			t.Fatalf("C's code: %+v", q)
		}
		if f := a.emuStatus().tokenFetches(); f != f1+1 {
			t.Fatalf("after expiry: fetches %d → %d, want exactly one new fetch", f1, f)
		}
	})
}

// 12. The same person arrives through A's link and X's code at the same moment:
// exactly one invite, and what they are told agrees with what was recorded.
func TestLinkAndScanRace(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		A, _, mA := a.loggedIn("链接邀请人")
		X, bX, mX := a.loggedIn("扫码邀请人")
		qX := bX.qrcode()
		const n = 8
		for i := range n {
			P := a.newPerson(fmt.Sprintf("两路并发%d", i))
			b := a.browser()
			form := b.openConsent(mA.InviteURL, P)
			scanned := a.scanAsync(P, qX.Ticket) // races the login below
			resp, body := b.submitConsent(form)
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/me" {
				t.Fatalf("%s: login ended at %s %d: %.300s", P.Nickname, resp.Request.URL, resp.StatusCode, body)
			}
			d := <-scanned
			if d.Status != "replied" && d.Status != "no_reply" {
				t.Fatalf("%s: scan %+v", P.Nickname, d)
			}
			m := b.me()
			if m.InvitedBy == nil {
				t.Fatalf("%s: no inviter recorded", P.Nickname)
			}
			switch m.InvitedBy.ID {
			case mX.ID: // the scan created the user: thanked by X's name
				if d.Reply.Content != thanks+X.Nickname {
					t.Fatalf("%s: recorded as X's invitee but told %q", P.Nickname, d.Reply.Content)
				}
			case mA.ID: // the login created the user: the follow is not an invite
				if strings.HasPrefix(d.Reply.Content, strings.TrimSpace(thanks)) {
					t.Fatalf("%s: recorded as A's invitee but told %q", P.Nickname, d.Reply.Content)
				}
			default:
				t.Fatalf("%s: inviter %+v is neither A nor X", P.Nickname, m.InvitedBy)
			}
		}
		s := a.stats()
		if s.Invites != n || s.InvitesByChannel["link"]+s.InvitesByChannel["scan"] != n || s.Users != n+2 || s.Followers != n {
			t.Fatalf("stats %+v, want %d invites, %d users, %d followers", s, n, n+2, n)
		}
		t.Logf("link won %d, scan won %d (A=%s)", s.InvitesByChannel["link"], s.InvitesByChannel["scan"], A.Nickname)
	})
}
