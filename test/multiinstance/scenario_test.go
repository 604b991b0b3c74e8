package multiinstance

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
	"github.com/wxinvite/wxinvite/test/harness"
)

// Scenario size: small enough for a 2-core machine under -race, large enough that
// every kind of cross-instance race happens many times.
const (
	nInviters     = 6  // log in before anything else; their codes are scanned and visited
	nLateInviters = 2  // log in after the access token was invalidated
	nFriends      = 6  // open an inviter's link on another instance
	nScanners     = 60 // brand-new persons scanning; half before the token expiry, half after
	nRedelivered  = 10 // one subscribe delivered three times at once
	nRacers       = 8  // link login and scan of one new person at the same moment
	nRefollowers  = 3  // follow, unfollow, follow again on three instances; a late unfollow copy on a fourth path
	maxInFlight   = 16 // concurrent scenario tasks

	inviteReplyPrefix = "感谢您的加入，邀请者是 " // the default invite reply, before {inviter}
)

// inviter is a user whose code others use.
type inviter struct {
	openid, nickname string
	home             int          // instance the login ran on
	hc               *http.Client // their browser
	id               int64
	code             string
	ticket, scene    string
	ready            chan struct{} // closed when setup ended (ticket is "" if it failed)
}

func (i *inviter) reply() string { return inviteReplyPrefix + i.nickname }

// racer is a new person whose link login (via link) and scan (via scan) raced.
type racer struct {
	openid     string
	link, scan *inviter
	scanRes    emulator.DeliveryResult
	scanErr    error
}

// expectations accumulate what the scenario did, to check the end state against.
type expectations struct {
	mu        sync.Mutex
	contacts  []string            // openids that made contact, each once
	invitedBy map[string]*inviter // invitee openid → inviter (racers excluded)
	channel   map[string]string   // invitee openid → link|scan (racers excluded)
	followers int
	racers    []*racer
}

func (e *expectations) contact(openid string, by *inviter, channel string, follows bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.contacts = append(e.contacts, openid)
	if by != nil {
		e.invitedBy[openid], e.channel[openid] = by, channel
	}
	if follows {
		e.followers++
	}
}

func (e *expectations) race(r *racer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.contacts = append(e.contacts, r.openid)
	e.followers++ // the scan makes them follow whichever path created the user
	e.racers = append(e.racers, r)
}

// runner runs tasks with bounded concurrency. A task may first wait for a signal;
// it takes a slot only after the signal, so waiting tasks never starve the ones
// they wait for.
type runner struct {
	wg  sync.WaitGroup
	sem chan struct{}
}

func (r *runner) run(after <-chan struct{}, f func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if after != nil {
			<-after
		}
		r.sem <- struct{}{}
		defer func() { <-r.sem }()
		f()
	}()
}

type cluster struct {
	t    *testing.T
	ctx  context.Context
	emu  *harness.Emulator
	inst [3]*harness.Instance
	urls [3]string // instance i's database URL (node i of a cluster)
	exp  *expectations
	// hooks receives every instance's webhooks (invite.created).
	hooks *hookReceiver
}

// runCluster runs the whole multi-instance scenario against three instances, instance
// i on database URL urls[i] (one database, or one node each of a cluster), all using
// one standalone emulated WeChat whose pushes are balanced over them.
func runCluster(t *testing.T, urls [3]string) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	emu := harness.StartEmulator(t, harness.EmulatorOptions{TokenTTL: 2 * time.Hour})
	c := &cluster{t: t, ctx: ctx, emu: emu, urls: urls, exp: &expectations{invitedBy: map[string]*inviter{}, channel: map[string]string{}}}
	extra := maxTxAttemptsOverride(t)
	for i := range c.inst {
		c.inst[i] = harness.Start(t, harness.Options{DatabaseURL: urls[i], WeChat: emu, Extra: extra, Env: map[string]string{
			// Temporary codes: every qrcode/create yields a new ticket, so instances
			// that each kept their own code would visibly disagree. (A permanent code
			// of one scene is the same code at WeChat whoever asks for it.)
			"WXINVITE_QR_PERMANENT_QUOTA": "0",
			// The webhook receiver of the scenario listens on loopback.
			"WXINVITE_WEBHOOK_ALLOW_PRIVATE": "true",
		}})
	}
	emu.Balance(c.inst[:]...)
	c.hooks = newHookReceiver(t)
	c.hooks.register(ctx, t, c.inst[0].URL)
	t.Logf("3 instances and the emulator up in %v", time.Since(began).Round(time.Millisecond))

	// Phase A: inviters log in, spread over the instances, and each asks for their
	// QR code on all three instances at once.
	phase := time.Now()
	inviters := make([]*inviter, nInviters+nLateInviters)
	for k := range inviters {
		p := emu.CreatePerson(emulator.PersonSpec{Nickname: fmt.Sprintf("邀请者%02d", k)})
		inviters[k] = &inviter{openid: p.OpenID, nickname: p.Nickname, home: k % 3, hc: newBrowser(), ready: make(chan struct{})}
	}
	early, late := inviters[:nInviters], inviters[nInviters:]
	var wg sync.WaitGroup
	for _, inv := range early {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.setupInviter(inv)
		}()
	}
	wg.Wait()
	for _, inv := range early {
		if inv.ticket == "" {
			t.Fatalf("inviter %s has no invite QR code; the rest of the scenario depends on it", inv.nickname)
		}
	}
	t.Logf("phase A (%d inviters: login, 3 concurrent QR requests each) took %v; stable_token calls so far %d",
		nInviters, time.Since(phase).Round(time.Millisecond), emu.Counters()["cgi-bin/stable_token"])

	// Phase B: everything at once. Halfway through the first half of the scans the
	// access token is invalidated; the late inviters and the second half run after.
	phase = time.Now()
	r := &runner{sem: make(chan struct{}, maxInFlight)}
	halfway, expired := make(chan struct{}), make(chan struct{})
	var firstHalfDone atomic.Int32
	for j := range nFriends {
		r.run(nil, func() { c.friend(j, early[j%nInviters]) })
	}
	for j := range nRedelivered {
		r.run(nil, func() { c.redelivered(j, early[(j+1)%nInviters]) })
	}
	for j := range nRacers {
		r.run(nil, func() { c.race(j, early[j%nInviters], early[(j+2)%nInviters]) })
	}
	for j := range nRefollowers {
		r.run(nil, func() { c.refollow(j) })
	}
	for _, inv := range late {
		r.run(expired, func() { c.setupInviter(inv) })
	}
	for j := range nScanners {
		target, after := early[j%nInviters], (<-chan struct{})(nil)
		if j >= nScanners/2 {
			after = expired
			if j%2 == 1 {
				target = late[(j/2)%nLateInviters]
				after = target.ready
			}
		}
		r.run(after, func() {
			c.scan(j, target)
			if j < nScanners/2 && firstHalfDone.Add(1) == nScanners/4 {
				close(halfway)
			}
		})
	}

	select {
	case <-halfway:
	case <-ctx.Done():
		t.Errorf("the first half of the scans did not get halfway: %v", ctx.Err())
	}
	counters, issued := emu.Counters(), emu.TokensIssued()
	t.Logf("before the token expiry: stable_token calls %d, token calls %d, tokens issued %d",
		counters["cgi-bin/stable_token"], counters["cgi-bin/token"], issued)
	if n := counters["cgi-bin/stable_token"] + counters["cgi-bin/token"]; n != 1 || issued != 1 {
		t.Errorf("before the expiry the cluster fetched the access token %d times (%d issued), want exactly 1: one fetch per token lifetime for the whole cluster", n, issued)
	}
	if err := postJSON(ctx, emu.URL+"/_emulator/api/tokens/expire", struct{}{}, nil); err != nil {
		t.Errorf("expiring tokens: %v", err)
	}
	close(expired)
	r.wg.Wait()
	t.Logf("phase B (%d friends, %d scans, %d×3 redeliveries, %d races, %d late inviters, token expiry) took %v",
		nFriends, nScanners, nRedelivered, nRacers, nLateInviters, time.Since(phase).Round(time.Millisecond))

	counters, issued = emu.Counters(), emu.TokensIssued()
	if n := counters["cgi-bin/stable_token"] + counters["cgi-bin/token"]; n != 2 || issued != 2 {
		t.Errorf("after one expiry the cluster fetched the access token %d times in all (%d issued), want exactly 2", n, issued)
	}
	for _, inv := range late {
		if inv.ticket == "" {
			t.Errorf("late inviter %s got no QR code after the token expiry", inv.nickname)
		}
	}

	phase = time.Now()
	c.kefuBudget()
	t.Logf("phase C (kefu budget shared by three instances) took %v", time.Since(phase).Round(time.Millisecond))

	c.verify(urls, inviters)
	t.Logf("scenario took %v in all", time.Since(began).Round(time.Millisecond))
}

// setupInviter logs the inviter in on their home instance, reads /api/me on the next
// one, asks all three instances for the QR code at once (they must agree), and asks
// once more (it must be stable).
func (c *cluster) setupInviter(inv *inviter) {
	t, ctx := c.t, c.ctx
	defer close(inv.ready)
	home := c.inst[inv.home].URL
	if err := login(ctx, inv.hc, home+"/auth/wechat/login?next=/me", c.emu.URL, inv.openid, home); err != nil {
		t.Errorf("inviter %s: %v", inv.nickname, err)
		return
	}
	c.exp.contact(inv.openid, nil, "", false)
	var me meJSON
	if err := getJSON(ctx, inv.hc, c.inst[(inv.home+1)%3].URL+"/api/me", nil, &me); err != nil {
		t.Errorf("inviter %s: session on another instance: %v", inv.nickname, err)
		return
	}
	if me.OpenID != inv.openid || me.InviteCode == "" || me.InvitedBy != nil || me.Nickname != inv.nickname {
		t.Errorf("inviter %s: /api/me = %+v", inv.nickname, me)
		return
	}
	inv.id, inv.code = me.ID, me.InviteCode

	var qrs [3]qrJSON
	var errs [3]error
	var wg sync.WaitGroup
	for i := range c.inst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = getJSON(ctx, inv.hc, c.inst[i].URL+"/api/me/qrcode", nil, &qrs[i])
		}()
	}
	wg.Wait()
	for i := range qrs {
		if errs[i] != nil {
			t.Errorf("inviter %s: QR code on instance %d: %v", inv.nickname, i, errs[i])
			return
		}
	}
	if qrs[0].Ticket == "" || qrs[0].Scene == "" || qrs[1].Ticket != qrs[0].Ticket || qrs[2].Ticket != qrs[0].Ticket ||
		qrs[1].Scene != qrs[0].Scene || qrs[2].Scene != qrs[0].Scene {
		t.Errorf("inviter %s: three instances asked at once returned different QR codes: tickets %q / %q / %q, scenes %q / %q / %q",
			inv.nickname, qrs[0].Ticket, qrs[1].Ticket, qrs[2].Ticket, qrs[0].Scene, qrs[1].Scene, qrs[2].Scene)
		return
	}
	var again qrJSON
	if err := getJSON(ctx, inv.hc, c.inst[(inv.home+2)%3].URL+"/api/me/qrcode", nil, &again); err != nil {
		t.Errorf("inviter %s: QR code again: %v", inv.nickname, err)
		return
	}
	if again.Ticket != qrs[0].Ticket {
		t.Errorf("inviter %s: QR code changed from %q to %q on a later request", inv.nickname, qrs[0].Ticket, again.Ticket)
		return
	}
	inv.scene, inv.ticket = qrs[0].Scene, qrs[0].Ticket
}

// friend opens the inviter's link on an instance other than the inviter's, logs in
// there, and then sees the inviter on a third instance.
func (c *cluster) friend(j int, by *inviter) {
	t, ctx := c.t, c.ctx
	p := c.emu.CreatePerson(emulator.PersonSpec{Nickname: fmt.Sprintf("好友%02d", j)})
	c.exp.contact(p.OpenID, by, "link", false)
	x := (by.home + 1) % 3
	hc := newBrowser()
	if err := login(ctx, hc, c.inst[x].URL+"/i/"+by.code, c.emu.URL, p.OpenID, c.inst[x].URL); err != nil {
		t.Errorf("friend %d via %s's link on instance %d: %v", j, by.nickname, x, err)
		return
	}
	var me meJSON
	if err := getJSON(ctx, hc, c.inst[(x+1)%3].URL+"/api/me", nil, &me); err != nil {
		t.Errorf("friend %d: /api/me on another instance: %v", j, err)
		return
	}
	if me.InvitedBy == nil || me.InvitedBy.ID != by.id {
		t.Errorf("friend %d: invited_by = %+v, want %s (id %d)", j, me.InvitedBy, by.nickname, by.id)
	}
}

// scan makes a brand-new person scan the inviter's code, through the emulator's JSON
// API or its Go method (alternately); the push goes through the balancer.
func (c *cluster) scan(j int, by *inviter) {
	t, ctx := c.t, c.ctx
	if by.ticket == "" {
		t.Errorf("scanner %d: inviter %s has no QR code", j, by.nickname)
		return
	}
	p := c.emu.CreatePerson(emulator.PersonSpec{Nickname: fmt.Sprintf("扫码者%02d", j)})
	c.exp.contact(p.OpenID, by, "scan", true)
	var res emulator.DeliveryResult
	var err error
	if j%2 == 0 {
		err = postJSON(ctx, c.emu.URL+"/_emulator/api/persons/"+p.OpenID+"/scan", map[string]string{"ticket": by.ticket}, &res)
	} else {
		res, err = c.emu.Scan(p.OpenID, by.ticket)
	}
	if err != nil {
		t.Errorf("scanner %d: %v", j, err)
		return
	}
	if res.Status != emulator.StatusReplied || res.Reply.Content != by.reply() {
		t.Errorf("scanner %d scanning %s's code: status %s (%s), reply %q, want %q", j, by.nickname, res.Status, res.Error, res.Reply.Content, by.reply())
	}
}

// redelivered sends one subscribe push three times at once (WeChat's redelivery),
// spread over the instances by the balancer: every copy must get the same reply.
func (c *cluster) redelivered(j int, by *inviter) {
	t, ctx := c.t, c.ctx
	p := c.emu.CreatePerson(emulator.PersonSpec{Nickname: fmt.Sprintf("重投%02d", j)})
	c.exp.contact(p.OpenID, by, "scan", true)
	var out struct {
		Results []emulator.DeliveryResult `json:"results"`
	}
	d := emulator.Delivery{OpenID: p.OpenID, Event: "subscribe", EventKey: "qrscene_" + by.scene, Ticket: by.ticket, Copies: 3}
	if err := postJSON(ctx, c.emu.URL+"/_emulator/api/deliver", d, &out); err != nil {
		t.Errorf("redelivery %d: %v", j, err)
		return
	}
	if len(out.Results) != 3 {
		t.Errorf("redelivery %d: %d results, want 3", j, len(out.Results))
		return
	}
	for k, res := range out.Results {
		if res.Status != emulator.StatusReplied || res.Reply.Content != by.reply() {
			t.Errorf("redelivery %d, copy %d of 3: status %s (%s), reply %q; want every copy to get %q",
				j, k, res.Status, res.Error, res.Reply.Content, by.reply())
		}
	}
}

// race makes a brand-new person finish a link login (link's code) on one instance
// while their scan of scan's code is pushed through the balancer at the same moment.
func (c *cluster) race(j int, link, scan *inviter) {
	t, ctx := c.t, c.ctx
	p := c.emu.CreatePerson(emulator.PersonSpec{Nickname: fmt.Sprintf("竞速%02d", j)})
	rc := &racer{openid: p.OpenID, link: link, scan: scan}
	c.exp.race(rc)
	x := (link.home + 1 + j) % 3
	hc := newBrowser()
	cons, err := openConsent(ctx, hc, c.inst[x].URL+"/i/"+link.code, c.emu.URL)
	if err != nil {
		t.Errorf("racer %d: %v", j, err)
		return
	}
	// Everything up to the instance's OAuth callback happens first: from there on,
	// both paths are one exchange with WeChat away from Join.
	callback, err := cons.approve(ctx, hc, p.OpenID)
	if err != nil {
		t.Errorf("racer %d: %v", j, err)
		return
	}
	start := make(chan struct{})
	var loginErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-start
		loginErr = finish(ctx, hc, callback, c.inst[x].URL)
	}()
	go func() {
		defer wg.Done()
		<-start
		// The login still has an OAuth exchange to make before its Join, the scan a
		// push through the balancer: staggering the scans by 0–2·(nRacers-1) ms lets
		// either path win some races. Only the ordering varies; nothing waits for a
		// result.
		time.Sleep(time.Duration(j) * 2 * time.Millisecond)
		rc.scanRes, rc.scanErr = c.emu.Scan(p.OpenID, scan.ticket)
	}()
	close(start)
	wg.Wait()
	if loginErr != nil {
		t.Errorf("racer %d: link login: %v", j, loginErr)
	}
	if rc.scanErr != nil {
		t.Errorf("racer %d: scan: %v", j, rc.scanErr)
	}
	if loginErr != nil {
		return
	}
	var me meJSON
	if err := getJSON(ctx, hc, c.inst[(x+1)%3].URL+"/api/me", nil, &me); err != nil {
		t.Errorf("racer %d: /api/me: %v", j, err)
		return
	}
	if me.InvitedBy == nil || (me.InvitedBy.ID != link.id && me.InvitedBy.ID != scan.id) {
		t.Errorf("racer %d: invited_by = %+v, want %s (link, id %d) or %s (scan, id %d)", j, me.InvitedBy, link.nickname, link.id, scan.nickname, scan.id)
	}
}

// verify checks the end state through the database on every node, the admin API of
// every instance and their metrics.
func (c *cluster) verify(urls [3]string, inviters []*inviter) {
	t, ctx := c.t, c.ctx
	exp := c.exp
	exp.mu.Lock()
	defer exp.mu.Unlock()

	wantInvites := len(exp.invitedBy) + len(exp.racers)
	byID := map[int64]*inviter{}
	for _, inv := range inviters {
		byID[inv.id] = inv
	}

	// The database, on every distinct URL (every node of a cluster).
	seen := map[string]bool{}
	var first *dbState
	for i, u := range urls {
		if seen[u] {
			continue
		}
		seen[u] = true
		st, err := readDB(ctx, u)
		if err != nil {
			t.Errorf("database via instance %d's URL: %v", i, err)
			continue
		}
		c.checkDB(i, st, inviters)
		if first == nil {
			first = st
		} else if !st.sameAs(first) {
			t.Errorf("node %d holds different users/invites than node 0 (users %d vs %d, invites %d vs %d)",
				i, len(st.users), len(first.users), len(st.invites), len(first.invites))
		}
	}
	if first == nil {
		t.Fatal("no database could be read")
	}
	c.hooks.verify(ctx, t, first)

	// Which path won each race, from the database.
	link, scan := len(exp.invitedBy)-countChannel(exp.channel, "scan"), countChannel(exp.channel, "scan")
	wantCount := map[int64]int{}
	for _, by := range exp.invitedBy {
		wantCount[by.id]++
	}
	raceWins := map[string]int{}
	for k, rc := range exp.racers {
		inv, ok := first.invites[first.users[rc.openid]]
		if !ok {
			continue // reported by checkDB
		}
		raceWins[inv.channel]++
		switch inv.channel {
		case "link":
			link++
			wantCount[rc.link.id]++
			if rc.scanErr == nil && rc.scanRes.Reply.Content == rc.scan.reply() {
				t.Errorf("racer %d: the link login won, yet the scan was answered %q as if it had invited them", k, rc.scanRes.Reply.Content)
			}
		case "scan":
			scan++
			wantCount[rc.scan.id]++
			if rc.scanErr == nil && (rc.scanRes.Status != emulator.StatusReplied || rc.scanRes.Reply.Content != rc.scan.reply()) {
				t.Errorf("racer %d: the scan won the race but its reply was %s %q, want %q", k, rc.scanRes.Status, rc.scanRes.Reply.Content, rc.scan.reply())
			}
		}
	}
	t.Logf("races won: %d by the link login, %d by the scan", raceWins["link"], raceWins["scan"])

	// The admin API of every instance agrees with the scenario.
	for i, in := range c.inst {
		var st statsJSON
		if err := adminGet(ctx, in.URL, "/admin/api/stats", &st); err != nil {
			t.Errorf("instance %d: %v", i, err)
			continue
		}
		if st.Users != len(exp.contacts) || st.Invites != wantInvites || st.InvitesByChannel["link"] != link ||
			st.InvitesByChannel["scan"] != scan || st.Followers != exp.followers {
			t.Errorf("instance %d: stats %+v, want users %d, invites %d (link %d, scan %d), followers %d",
				i, st, len(exp.contacts), wantInvites, link, scan, exp.followers)
		}
	}
	var lb leaderboardJSON
	if err := adminGet(ctx, c.inst[1].URL, "/admin/api/leaderboard?limit=100", &lb); err != nil {
		t.Errorf("leaderboard: %v", err)
	} else {
		sum, got := 0, map[int64]int{}
		for _, it := range lb.Items {
			sum += it.InviteeCount
			got[it.ID] = it.InviteeCount
		}
		if sum != wantInvites {
			t.Errorf("leaderboard sums to %d invitees, want %d", sum, wantInvites)
		}
		for id, n := range wantCount {
			if got[id] != n {
				t.Errorf("leaderboard: %s (id %d) has %d invitees, want %d", byID[id].nickname, id, got[id], n)
			}
		}
		for id, n := range got {
			if _, ok := wantCount[id]; !ok && n != 0 {
				t.Errorf("leaderboard: user %d has %d invitees but invited nobody", id, n)
			}
		}
	}
	c.checkCSV(first, wantInvites)

	// Retries: counted, not asserted (a single server rarely needs them).
	var retries float64
	for i, in := range c.inst {
		text, err := fetchMetrics(ctx, in.URL)
		if err != nil {
			t.Errorf("instance %d metrics: %v", i, err)
			continue
		}
		n, by := metricSum(text, "wxinvite_db_tx_retries_total")
		_, refreshes := metricSum(text, "wxinvite_wechat_token_refreshes_total")
		_, dedup := metricSum(text, "wxinvite_callback_dedup_hits_total")
		retries += n
		t.Logf("instance %d: wxinvite_db_tx_retries_total %v %v; token refreshes %v; callback dedup hits %v", i, n, by, refreshes, dedup)
	}
	t.Logf("wxinvite_db_tx_retries_total summed over the 3 instances: %v", retries)
	logGaleraConflicts(ctx, t, urls)
}

func countChannel(m map[string]string, ch string) int {
	n := 0
	for _, v := range m {
		if v == ch {
			n++
		}
	}
	return n
}

// checkDB checks one node's copy of the data against the scenario.
func (c *cluster) checkDB(node int, st *dbState, inviters []*inviter) {
	t, exp := c.t, c.exp
	for _, d := range st.dupOpenIDs {
		t.Errorf("node %d: openid %s has %d users, want exactly one", node, d.key, d.n)
	}
	for _, d := range st.dupInvitees {
		t.Errorf("node %d: invitee %s has %d invites, want at most one", node, d.key, d.n)
	}
	if len(st.users) != len(exp.contacts) {
		t.Errorf("node %d: %d users, want %d (one per person that made contact)", node, len(st.users), len(exp.contacts))
	}
	for _, o := range exp.contacts {
		if _, ok := st.users[o]; !ok {
			t.Errorf("node %d: no user for openid %s", node, o)
		}
	}
	wantInvites := len(exp.invitedBy) + len(exp.racers)
	if len(st.invites) != wantInvites || st.inviteRows != wantInvites {
		t.Errorf("node %d: %d invites (%d rows), want %d", node, len(st.invites), st.inviteRows, wantInvites)
	}
	for openid, by := range exp.invitedBy {
		inv, ok := st.invites[st.users[openid]]
		switch {
		case !ok:
			t.Errorf("node %d: %s made contact through %s's %s but has no invite", node, openid, by.nickname, exp.channel[openid])
		case inv.inviterID != by.id || inv.channel != exp.channel[openid]:
			t.Errorf("node %d: %s invited by user %d via %s, want %s (id %d) via %s", node, openid, inv.inviterID, inv.channel, by.nickname, by.id, exp.channel[openid])
		}
	}
	for k, rc := range exp.racers {
		inv, ok := st.invites[st.users[rc.openid]]
		switch {
		case !ok:
			t.Errorf("node %d: racer %d (%s) has no invite; the first of link login and scan must record one", node, k, rc.openid)
		case inv.channel == "link" && inv.inviterID == rc.link.id:
		case inv.channel == "scan" && inv.inviterID == rc.scan.id:
		default:
			t.Errorf("node %d: racer %d invited by user %d via %s, want %d via link or %d via scan", node, k, inv.inviterID, inv.channel, rc.link.id, rc.scan.id)
		}
	}
	for _, inv := range inviters {
		if _, ok := st.invites[inv.id]; ok && inv.id != 0 {
			t.Errorf("node %d: inviter %s, who logged in without an invite, is recorded as invited", node, inv.nickname)
		}
		if inv.ticket == "" {
			continue
		}
		if got := st.tickets[inv.id]; len(got) != 1 || got[0] != inv.ticket {
			t.Errorf("node %d: inviter %s has invite QR rows %q, want exactly the ticket the API returned (%q)", node, inv.nickname, got, inv.ticket)
		}
	}
}

// checkCSV reads the invite export and compares it with the database.
func (c *cluster) checkCSV(st *dbState, want int) {
	t, ctx := c.t, c.ctx
	resp, body, err := get(ctx, plain, c.inst[2].URL+"/admin/api/invites.csv", map[string]string{"Authorization": "Bearer " + adminToken})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("invites.csv: %v %v %s", err, resp, snippet(body))
		return
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Errorf("invites.csv does not parse: %v", err)
		return
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"inviter_id", "invitee_id", "channel"} {
		if _, ok := col[h]; !ok {
			t.Errorf("invites.csv header %v lacks %s", rows[0], h)
			return
		}
	}
	rows = rows[1:]
	if len(rows) != want {
		t.Errorf("invites.csv has %d invites, want %d", len(rows), want)
	}
	seen := map[int64]bool{}
	for _, r := range rows {
		invitee, _ := strconv.ParseInt(r[col["invitee_id"]], 10, 64)
		inviterID, _ := strconv.ParseInt(r[col["inviter_id"]], 10, 64)
		if seen[invitee] {
			t.Errorf("invites.csv lists invitee %d twice", invitee)
		}
		seen[invitee] = true
		if db, ok := st.invites[invitee]; !ok || db.inviterID != inviterID || db.channel != r[col["channel"]] {
			t.Errorf("invites.csv row %v disagrees with the database (%+v)", r, db)
		}
	}
}

type dup struct {
	key string
	n   int
}

type dbInvite struct {
	inviterID int64
	channel   string
}

// dbState is what one node holds.
type dbState struct {
	users       map[string]int64   // openid → id
	invites     map[int64]dbInvite // invitee id → invite
	inviteRows  int
	tickets     map[int64][]string // owner id → tickets of invite QR rows
	dupOpenIDs  []dup
	dupInvitees []dup
}

func (s *dbState) sameAs(o *dbState) bool {
	if len(s.users) != len(o.users) || len(s.invites) != len(o.invites) {
		return false
	}
	for k, v := range s.users {
		if o.users[k] != v {
			return false
		}
	}
	for k, v := range s.invites {
		if o.invites[k] != v {
			return false
		}
	}
	return true
}
