package wechat

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
	"github.com/wxinvite/wxinvite/domain"
)

func TestCallbackVerifyURL(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	q := signedQuery("1740830400", "abc")
	q.Set("echostr", "5837397520174916735")
	w := e.do(http.MethodGet, q, "")
	if w.Code != http.StatusOK || w.Body.String() != "5837397520174916735" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("good signature: %d %q %q", w.Code, w.Body, w.Header().Get("Content-Type"))
	}
	bad := url.Values{"signature": {strings.Repeat("0", 40)}, "timestamp": {"1740830400"}, "nonce": {"abc"}, "echostr": {"x"}}
	if w := e.do(http.MethodGet, bad, ""); w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "x\n") && w.Body.String() == "x" {
		t.Fatalf("bad signature: %d %q", w.Code, w.Body)
	}
	if w := e.do(http.MethodGet, url.Values{"echostr": {"x"}}, ""); w.Code != http.StatusForbidden {
		t.Fatalf("missing signature: %d", w.Code)
	}
	if w := e.do(http.MethodPut, q, ""); w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("PUT: %d", w.Code)
	}
}

func TestCallbackSubscribeWithInvite(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	alice, key := e.inviter(t, "oAlice", "Alice")
	w := e.postPlain(eventXML("oNewcomer", 1740830400, "subscribe", key))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d %q", w.Code, w.Body)
	}
	r := parseReply(t, w.Body.Bytes())
	if r.ToUserName != "oNewcomer" || r.FromUserName != testAccount || r.MsgType != "text" || r.CreateTime != e.clock.Now().Unix() {
		t.Fatalf("reply envelope %+v", r)
	}
	if r.Content != "感谢您的加入，邀请者是 Alice" {
		t.Fatalf("content %q", r.Content)
	}
	u := e.user(t, "oNewcomer")
	if !u.Following {
		t.Fatal("newcomer not marked following")
	}
	inv, ok := e.people.inviteOf(u.ID)
	if !ok || inv.InviterID != alice.ID || inv.Channel != domain.ChannelScan || inv.QRScene != domain.InviteScene(alice.InviteCode).Str {
		t.Fatalf("invite %+v, %v", inv, ok)
	}
	joins, _ := e.people.calls()
	if last := joins[len(joins)-1]; !last.FollowedAt.Equal(time.Unix(1740830400, 0)) || last.ContactKey == "" {
		t.Fatalf("JoinCommand %+v: want the push's CreateTime and its delivery key", last)
	}
	if q := e.enrich.queued(); len(q) != 1 || q[0] != "oNewcomer" {
		t.Fatalf("enrichment queued %v, want the newcomer", q)
	}
	if v := metricValue(t, e.reg, "wxinvite_callback_deliveries_total", map[string]string{"event": "subscribe", "outcome": "invited"}); v != 1 {
		t.Fatalf("deliveries{subscribe,invited} = %v", v)
	}
}

func TestCallbackConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	alice, key := e.inviter(t, "oAlice", "Alice")
	body := eventXML("oNewcomer", 1740830400, "subscribe", key)
	var wg sync.WaitGroup
	replies := make([][]byte, 3)
	for i := range replies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := e.postPlain(body)
			if w.Code != http.StatusOK {
				t.Errorf("status %d", w.Code)
			}
			replies[i] = w.Body.Bytes()
		}()
	}
	wg.Wait()
	for i := 1; i < len(replies); i++ {
		if !bytes.Equal(replies[0], replies[i]) {
			t.Fatalf("replies differ:\n%s\n%s", replies[0], replies[i])
		}
	}
	if c := parseReply(t, replies[0]).Content; !strings.Contains(c, "Alice") {
		t.Fatalf("content %q", c)
	}
	if n := e.invitesBy(t, alice.ID); n != 1 {
		t.Fatalf("invites = %d, want 1", n)
	}
	if n := e.userCount(t); n != 2 {
		t.Fatalf("users = %d, want 2", n)
	}
	if v := metricValue(t, e.reg, "wxinvite_callback_dedup_hits_total", nil); v != 2 {
		t.Fatalf("dedup hits = %v, want 2", v)
	}
}

func TestCallbackDuplicateAfterCompletion(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	alice, key := e.inviter(t, "oAlice", "Alice")
	body := eventXML("oNewcomer", 1740830400, "subscribe", key)
	first := e.postPlain(body).Body.Bytes()
	e.clock.Advance(5 * time.Second) // WeChat's retry comes seconds later
	second := e.postPlain(body).Body.Bytes()
	if !bytes.Equal(first, second) {
		t.Fatalf("retry reply differs:\n%s\n%s", first, second)
	}
	if v := metricValue(t, e.reg, "wxinvite_callback_dedup_hits_total", nil); v != 1 {
		t.Fatalf("dedup hits = %v", v)
	}
	// Past the TTL the cache has forgotten; the ContactKey replay still names the inviter.
	e.clock.Advance(DefaultDedupTTL)
	third := e.postPlain(body).Body.Bytes()
	if c := parseReply(t, third).Content; c != "感谢您的加入，邀请者是 Alice" {
		t.Fatalf("replayed content %q", c)
	}
	if n := e.invitesBy(t, alice.ID); n != 1 {
		t.Fatalf("invites = %d, want 1", n)
	}
}

func TestCallbackReplayOnAnotherInstance(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	alice, key := e.inviter(t, "oAlice", "Alice")
	body := eventXML("oNewcomer", 1740830400, "subscribe", key)
	first := parseReply(t, e.postPlain(body).Body.Bytes())
	// A second instance (own dedup cache) over the same database gets the retry.
	e2 := newCBEnv(t, envOpt{people: e.people})
	second := parseReply(t, e2.postPlain(body).Body.Bytes())
	if first.Content != second.Content || second.ToUserName != "oNewcomer" {
		t.Fatalf("replay reply %+v, first %+v", second, first)
	}
	if n := e.invitesBy(t, alice.ID); n != 1 {
		t.Fatalf("invites = %d", n)
	}
}

func TestCallbackSafeModeRoundTrip(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{cfg: func(c *CallbackConfig) { c.EncodingAESKey = testAESKey }})
	alice, key := e.inviter(t, "oAlice", "Alice")
	q, body := aesRequest(t, testAESKey, testAppID, eventXML("oNewcomer", 1740830400, "subscribe", key))
	w := e.do(http.MethodPost, q, body)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d %q", w.Code, w.Body)
	}
	r := openReply(t, testAESKey, q, w.Body.Bytes())
	if r.Content != "感谢您的加入，邀请者是 Alice" || r.ToUserName != "oNewcomer" {
		t.Fatalf("reply %+v", r)
	}
	if n := e.invitesBy(t, alice.ID); n != 1 {
		t.Fatalf("invites = %d", n)
	}
	// The retry is re-encrypted (fresh random prefix) but carries the same reply.
	w2 := e.do(http.MethodPost, q, body)
	if bytes.Equal(w.Body.Bytes(), w2.Body.Bytes()) {
		t.Fatal("encrypted retry reply is byte-identical: random prefix reused")
	}
	if r2 := openReply(t, testAESKey, q, w2.Body.Bytes()); r2 != r {
		t.Fatalf("retry reply %+v, first %+v", r2, r)
	}
	// "success" stays plaintext in safe mode.
	q, body = aesRequest(t, testAESKey, testAppID, eventXML("oAlice", 1740830401, "unsubscribe", ""))
	if w := e.do(http.MethodPost, q, body); w.Body.String() != "success" {
		t.Fatalf("unsubscribe reply %q", w.Body)
	}
}

func TestCallbackCompatibleModeTrustsOnlyEncrypt(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{cfg: func(c *CallbackConfig) { c.EncodingAESKey = testAESKey }})
	_, key := e.inviter(t, "oAlice", "Alice")
	q, body := aesRequest(t, testAESKey, testAppID, eventXML("oReal", 1740830400, "subscribe", key))
	// Compatible mode: plaintext fields next to Encrypt. They are unauthenticated.
	body = strings.Replace(body, "<Encrypt>", "<FromUserName><![CDATA[oForged]]></FromUserName><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event><Encrypt>", 1)
	w := e.do(http.MethodPost, q, body)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d %q", w.Code, w.Body)
	}
	if r := openReply(t, testAESKey, q, w.Body.Bytes()); r.ToUserName != "oReal" {
		t.Fatalf("reply to %q", r.ToUserName)
	}
	if _, ok := e.people.lookup("oForged"); ok {
		t.Fatal("the plaintext part was trusted")
	}
	e.user(t, "oReal")
}

func TestCallbackKeyRotation(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{cfg: func(c *CallbackConfig) {
		c.EncodingAESKey, c.PreviousEncodingAESKey = testAESKey, testOldAESKey
	}})
	_, key := e.inviter(t, "oAlice", "Alice")
	q, body := aesRequest(t, testOldAESKey, testAppID, eventXML("oLate", 1740830400, "subscribe", key))
	w := e.do(http.MethodPost, q, body)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d %q", w.Code, w.Body)
	}
	if r := openReply(t, testOldAESKey, q, w.Body.Bytes()); !strings.Contains(r.Content, "Alice") {
		t.Fatalf("reply %+v", r)
	}
	// Without the previous key the same push is refused.
	e2 := newCBEnv(t, envOpt{cfg: func(c *CallbackConfig) { c.EncodingAESKey = testAESKey }})
	if w := e2.do(http.MethodPost, q, body); w.Code != http.StatusBadRequest {
		t.Fatalf("old key without rotation config: %d", w.Code)
	}
}

func TestCallbackRejects(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{cfg: func(c *CallbackConfig) { c.EncodingAESKey = testAESKey }})
	_, key := e.inviter(t, "oAlice", "Alice")
	sub := eventXML("oNewcomer", 1740830400, "subscribe", key)
	aesQ, aesBody := aesRequest(t, testAESKey, testAppID, sub)

	forged := signedQuery("1740830400", "nonce123")
	forged.Set("signature", wxcrypto.Signature("not-the-token", "1740830400", "nonce123"))
	forgedAES := url.Values{}
	for k, v := range aesQ {
		forgedAES[k] = v
	}
	forgedAES.Set("msg_signature", wxcrypto.Signature(testToken, "1740830400", "n0nce", "other"))
	noSig := signedQuery("1740830400", "nonce123")
	noSig.Del("signature")

	badCipher := func() (url.Values, string) {
		enc := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
		q := signedQuery("1740830400", "n0nce")
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", wxcrypto.Signature(testToken, "1740830400", "n0nce", enc))
		return q, "<xml><ToUserName>" + testAccount + "</ToUserName><Encrypt>" + enc + "</Encrypt></xml>"
	}
	bcQ, bcBody := badCipher()
	otherAppQ, otherAppBody := aesRequest(t, testAESKey, "wxotherapp", sub)
	mismatchQ, mismatchBody := aesRequest(t, testAESKey, testAppID, sub)
	mismatchBody = strings.Replace(mismatchBody, testAccount, "gh_someoneelse", 1)
	wrongKeyQ, wrongKeyBody := aesRequest(t, testOldAESKey, testAppID, sub)

	cases := []struct {
		name   string
		q      url.Values
		body   string
		status int
	}{
		{"forged signature", forged, sub, http.StatusForbidden},
		{"missing signature", noSig, sub, http.StatusForbidden},
		{"forged msg_signature", forgedAES, aesBody, http.StatusForbidden},
		{"plaintext with a key set", signedQuery("1740830400", "nonce123"), sub, http.StatusForbidden},
		{"bad ciphertext", bcQ, bcBody, http.StatusBadRequest},
		{"other appid", otherAppQ, otherAppBody, http.StatusBadRequest},
		{"ToUserName mismatch", mismatchQ, mismatchBody, http.StatusBadRequest},
		{"unknown key", wrongKeyQ, wrongKeyBody, http.StatusBadRequest},
		{"unknown encrypt_type", url.Values{"signature": forged["signature"], "timestamp": {"1"}, "nonce": {"2"}, "encrypt_type": {"rot13"}}, sub, http.StatusForbidden},
	}
	for _, tc := range cases {
		w := e.do(http.MethodPost, tc.q, tc.body)
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d (%q)", tc.name, w.Code, tc.status, w.Body)
		}
		if strings.Contains(w.Body.String(), "<xml>") || w.Body.String() == "success" {
			t.Errorf("%s: a reply was written: %q", tc.name, w.Body)
		}
	}
	if n := e.userCount(t); n != 1 {
		t.Fatalf("users = %d after rejected pushes, want 1 (the inviter)", n)
	}
	if v := metricValue(t, e.reg, "wxinvite_callback_deliveries_total", map[string]string{"outcome": "rejected"}); v != float64(len(cases)) {
		t.Fatalf("rejected deliveries = %v, want %d", v, len(cases))
	}
}

func TestCallbackAESWithoutKeyConfigured(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	q, body := aesRequest(t, testAESKey, testAppID, eventXML("oX", 1, "subscribe", ""))
	if w := e.do(http.MethodPost, q, body); w.Code != http.StatusBadRequest {
		t.Fatalf("status %d", w.Code)
	}
}

func TestCallbackScanByExistingFollowerRecordsNoInvite(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	alice, aliceKey := e.inviter(t, "oAlice", "Alice")
	if w := e.postPlain(eventXML("oBob", 1740830400, "subscribe", "")); parseReply(t, w.Body.Bytes()).Content != DefaultWelcomeReply {
		t.Fatalf("plain follow reply %q", w.Body)
	}
	// Bob, already following, scans Alice's code: SCAN carries the scene without prefix.
	w := e.postPlain(eventXML("oBob", 1740830500, "SCAN", strings.TrimPrefix(aliceKey, "qrscene_")))
	if w.Code != http.StatusOK || w.Body.String() != "success" {
		t.Fatalf("SCAN reply %d %q", w.Code, w.Body)
	}
	// Even a SCAN from someone we never met (followed before the service) is no invite.
	if w := e.postPlain(eventXML("oOldFollower", 1740830600, "scan", strings.TrimPrefix(aliceKey, "qrscene_"))); w.Code != http.StatusOK {
		t.Fatalf("SCAN by unknown: %d", w.Code)
	}
	if n := e.invitesBy(t, alice.ID); n != 0 {
		t.Fatalf("invites = %d, want 0", n)
	}
	if !e.user(t, "oOldFollower").Following {
		t.Fatal("SCAN did not mark the follower")
	}
	if v := metricValue(t, e.reg, "wxinvite_callback_deliveries_total", map[string]string{"event": "scan", "outcome": "existing"}); v != 1 {
		t.Fatalf("deliveries{scan,existing} = %v", v)
	}
}

func TestCallbackUnsubscribe(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	_, key := e.inviter(t, "oAlice", "Alice")
	e.postPlain(eventXML("oBob", 1740830400, "subscribe", key))
	w := e.postPlain(eventXML("oBob", 1740830900, "unsubscribe", ""))
	if w.Code != http.StatusOK || w.Body.String() != "success" {
		t.Fatalf("reply %d %q", w.Code, w.Body)
	}
	bob := e.user(t, "oBob")
	if bob.Following {
		t.Fatal("still following")
	}
	if _, ok := e.people.inviteOf(bob.ID); !ok {
		t.Fatal("the invite must survive an unfollow")
	}
	if _, unf := e.people.calls(); len(unf) != 1 || !unf[0].at.Equal(time.Unix(1740830900, 0)) {
		t.Fatalf("Unfollow calls %+v, want one at the push's CreateTime", unf)
	}
	// An unfollow from a stranger is fine.
	if w := e.postPlain(eventXML("oStranger", 1740830901, "unsubscribe", "")); w.Code != http.StatusOK {
		t.Fatalf("stranger: %d", w.Code)
	}
}

func TestCallbackRepliesAndIgnored(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{cfg: func(c *CallbackConfig) { c.WelcomeReply = NoWelcomeReply; c.InviteReply = "谢谢 {inviter}！" }})
	_, key := e.inviter(t, "oAlice", "a]]>b<&")
	if w := e.postPlain(eventXML("oPlain", 1740830400, "subscribe", "")); w.Body.String() != "success" {
		t.Fatalf("NoWelcomeReply: %q", w.Body)
	}
	w := e.postPlain(eventXML("oInvited", 1740830400, "subscribe", key))
	if r := parseReply(t, w.Body.Bytes()); r.Content != "谢谢 a]]>b<&！" {
		t.Fatalf("escaped content %q from %s", r.Content, w.Body)
	}
	text := `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[oAlice]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1234567890123456</MsgId></xml>`
	if w := e.postPlain(text); w.Code != http.StatusOK || w.Body.String() != "success" {
		t.Fatalf("text: %d %q", w.Code, w.Body)
	}
	if w := e.postPlain(eventXML("oAlice", 1740830400, "CLICK", "MENU_1")); w.Body.String() != "success" {
		t.Fatalf("CLICK: %q", w.Body)
	}
	if w := e.postPlain(eventXML("bad openid!", 1740830400, "subscribe", "")); w.Code != http.StatusOK || w.Body.String() != "success" {
		t.Fatalf("invalid openid: %d %q", w.Code, w.Body)
	}
}

func TestCallbackDeadlineAnswersSuccessThenRetryGetsResult(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{cfg: func(c *CallbackConfig) { c.Deadline = 100 * time.Millisecond }})
	_, key := e.inviter(t, "oAlice", "Alice")
	gate := make(chan struct{}) // a stalled use case: any handler that waited would hang
	e.people.gate = gate
	body := eventXML("oSlow", 1740830400, "subscribe", key)
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- e.postPlain(body) }()
	var w *httptest.ResponseRecorder
	select {
	case w = <-done:
	case <-time.After(10 * time.Second):
		close(gate)
		t.Fatal("the reply waited for the stalled use case")
	}
	if w.Code != http.StatusOK || w.Body.String() != "success" {
		t.Fatalf("over deadline: %d %q", w.Code, w.Body)
	}
	if v := metricValue(t, e.reg, "wxinvite_callback_deliveries_total", map[string]string{"outcome": "timeout"}); v != 1 {
		t.Fatalf("deliveries{timeout} = %v", v)
	}
	close(gate)
	// The processing finishes in the background (its own context), and WeChat's
	// retry gets the real reply from the cache or the ContactKey replay.
	deadline := time.Now().Add(10 * time.Second)
	for {
		w = e.postPlain(body)
		if w.Body.String() != "success" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := parseReply(t, w.Body.Bytes()); !strings.Contains(r.Content, "Alice") {
		t.Fatalf("retry reply %q", w.Body)
	}
}

func TestCallbackEnrichmentIsQueuedNotRun(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	_, key := e.inviter(t, "oAlice", "Alice")
	e.postPlain(eventXML("oNew", 1740830400, "subscribe", key))
	e.postPlain(eventXML("oNew", 1740830400, "subscribe", key)) // a retry: answered from the cache
	e.postPlain(eventXML("oAlice", 1740830401, "SCAN", "7"))    // an existing follower: nothing to learn
	if q := e.enrich.queued(); len(q) != 1 || q[0] != "oNew" {
		t.Fatalf("queued %v, want [oNew]", q)
	}
	// A full queue drops (the application counts it); the reply does not change.
	e.enrich.full = true
	w := e.postPlain(eventXML("oOther", 1740830402, "subscribe", key))
	if r := parseReply(t, w.Body.Bytes()); !strings.Contains(r.Content, "Alice") {
		t.Fatalf("reply with a full queue %q", w.Body)
	}
	if v := metricValue(t, e.reg, "wxinvite_enrich_dropped_total", nil); v != 1 {
		t.Fatalf("wxinvite_enrich_dropped_total = %v, want 1", v)
	}
}

func TestNewCallbackConfig(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	bad := []CallbackConfig{
		{},
		{Token: "t", EncodingAESKey: testAESKey},
		{Token: "t", AppID: "a", EncodingAESKey: "short"},
		{Token: "t", AppID: "a", PreviousEncodingAESKey: testAESKey},
	}
	for _, cfg := range bad {
		if _, err := NewCallback(cfg, e.people, e.people, nil, nil, nil, nil); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

// A person the service already knows who follows (again) hears the welcome text:
// a re-follow, a follow after using the web page first, a follow through one's own
// code. A redelivery gets the same answer; a SCAN by a follower gets none.
func TestCallbackReturningFollowerIsWelcomed(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	alice, aliceKey := e.inviter(t, "oAlice", "Alice") // known from the web page, not following
	_, carolKey := e.inviter(t, "oCarol", "Carol")
	e.people.add("oDave", "Dave")
	e.postPlain(eventXML("oBob", 1740830400, "subscribe", ""))
	e.postPlain(eventXML("oBob", 1740830500, "unsubscribe", ""))
	tests := []struct {
		name, from, event, key string
		at                     int64
		want                   string // reply content, "" for success
	}{
		{"follow after the web page", "oDave", "subscribe", "", 1740830600, DefaultWelcomeReply},
		{"re-follow", "oBob", "subscribe", "", 1740830700, DefaultWelcomeReply},
		{"re-follow redelivered", "oBob", "subscribe", "", 1740830700, DefaultWelcomeReply},
		{"follow through one's own code", "oAlice", "subscribe", aliceKey, 1740830800, DefaultWelcomeReply},
		{"known person through another's code", "oDave", "subscribe", carolKey, 1740830900, DefaultWelcomeReply},
		{"SCAN by a follower", "oAlice", "SCAN", strings.TrimPrefix(aliceKey, "qrscene_"), 1740831000, ""},
	}
	for _, tc := range tests {
		w := e.postPlain(eventXML(tc.from, tc.at, tc.event, tc.key))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", tc.name, w.Code)
		}
		got := ""
		if w.Body.String() != "success" {
			got = parseReply(t, w.Body.Bytes()).Content
		}
		if got != tc.want {
			t.Errorf("%s: reply %q, want %q", tc.name, got, tc.want)
		}
	}
	if n := e.invitesBy(t, alice.ID); n != 0 {
		t.Fatalf("a self-scan recorded %d invites", n)
	}
	if v := metricValue(t, e.reg, "wxinvite_callback_deliveries_total", map[string]string{"event": "subscribe", "outcome": "returned"}); v != 4 {
		t.Fatalf("deliveries{subscribe,returned} = %v, want 4", v)
	}
	// With NoWelcomeReply, a returning follower gets no message either.
	quiet := newCBEnv(t, envOpt{cfg: func(c *CallbackConfig) { c.WelcomeReply = NoWelcomeReply }})
	quiet.people.add("oDave", "Dave")
	if w := quiet.postPlain(eventXML("oDave", 1740830600, "subscribe", "")); w.Body.String() != "success" {
		t.Fatalf("NoWelcomeReply, returning follower: %q", w.Body)
	}
}
