package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/bootstrap"
	"github.com/wxinvite/wxinvite/domain"
	"github.com/wxinvite/wxinvite/test/galera"
	"github.com/wxinvite/wxinvite/test/harness"
)

// inviteReply is the service's default passive reply to an invited newcomer
// (CONTRACT.md, "Invite semantics").
const inviteReply = "感谢您的加入，邀请者是 {inviter}"

const adminToken = "admin-token" // harness default

// config is one benchmark run of one store mode.
type config struct {
	Store    string // sqlite | mysql | galera
	MySQLURL string // mysql://USER[:PASS]@HOST:PORT/DB?params (mysql mode)
	K, N, C  int    // inviters, invitees per inviter, concurrent senders
	AES      bool   // safe mode: encrypted pushes and replies
	// Campaign runs the scan path with a campaign running (every invite starts
	// pending, its hold from the follow), to compare with the path without one.
	Campaign bool
	// Joins, when > 0, is the long memory run: that many joins (rounded down to a
	// multiple of K) built as they are sent, resident memory sampled every 100k;
	// the bare and raw yardsticks are skipped.
	Joins int
	// Webhook registers a webhook endpoint (a receiver on loopback) for every event
	// type, so the scan path writes its outbox messages too.
	Webhook    bool
	Timeout    time.Duration
	ReqTimeout time.Duration
	LogLevel   string // instances' WXINVITE_LOG_LEVEL
	// Profiles of the measured app phase (whole process: the instances run in it).
	CPUProfile, MutexProfile, BlockProfile, Trace string
	// MemProfile, with Joins, writes a heap profile at the end of the long run.
	MemProfile string
	Logf       func(format string, args ...any)
}

func (c *config) defaults() {
	if c.K <= 0 {
		c.K = 20
	}
	if c.N <= 0 {
		c.N = 250
	}
	if c.C <= 0 {
		c.C = 64
	}
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Minute
	}
	if c.ReqTimeout <= 0 {
		c.ReqTimeout = 15 * time.Second
	}
	if c.LogLevel == "" {
		c.LogLevel = "error"
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// phase is one timed batch of requests (the app run, the bare handler run or the
// raw inserts).
type phase struct {
	N             int
	Elapsed       time.Duration
	Lat           []time.Duration // sorted
	Failures      int
	FirstFailures []string
}

// newPhase summarises one measured phase: latencies sorted for percentiles, and the
// failures counted with the first few kept for the report.
func newPhase(n int, elapsed time.Duration, lat []time.Duration, errs []error) phase {
	ph := phase{N: n, Elapsed: elapsed, Lat: lat}
	sort.Slice(ph.Lat, func(a, b int) bool { return ph.Lat[a] < ph.Lat[b] })
	for i, err := range errs {
		if err != nil {
			ph.Failures++
			if len(ph.FirstFailures) < 5 {
				ph.FirstFailures = append(ph.FirstFailures, fmt.Sprintf("#%d: %v", i, err))
			}
		}
	}
	return ph
}

func (p phase) rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.N-p.Failures) / p.Elapsed.Seconds()
}

func (p phase) pct(q float64) time.Duration {
	if len(p.Lat) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(p.Lat)))) - 1
	if i < 0 {
		i = 0
	}
	return p.Lat[i]
}

// result is everything one mode measured and verified.
type result struct {
	Mode      string
	Instances int
	K, N, C   int
	AES       bool
	App       phase
	Bare      phase
	Raw       *phase // nil: not measured (sqlite)
	// RawRetries counts raw insert transactions retried after 1213/1205.
	RawRetries int
	// Verified is the number of replies that passed every check.
	Verified int
	// Counts checks.
	Stats         statsJSON
	CountsOK      bool
	CountProblems []string
	// From every instance's /metrics.
	TxRetries float64
	Outcomes  map[string]float64
	// DB is the server's statement and commit counters per join during the app
	// phase, RawDB the same per row during the raw phase (MySQL modes).
	DB, RawDB map[string]float64
	// TokenFetches is how many access tokens the emulator issued (run included).
	TokenFetches int
	// Memory is the long run's resident memory (nil unless -joins).
	Memory *memoryRun
	// LongP99 is the long run's p99 (from a histogram: it keeps no per-request data).
	LongP99 time.Duration
}

type statsJSON struct {
	Users            int            `json:"users"`
	Invites          int            `json:"invites"`
	InvitesByChannel map[string]int `json:"invites_by_channel"`
	Followers        int            `json:"followers"`
}

type meJSON struct {
	ID         int64  `json:"id"`
	OpenID     string `json:"openid"`
	Nickname   string `json:"nickname"`
	InviteCode string `json:"invite_code"`
}

type qrJSON struct {
	Kind   string `json:"kind"`
	Scene  string `json:"scene"`
	Ticket string `json:"ticket"`
}

type inviter struct {
	me       meJSON
	qr       qrJSON
	expected string // the reply Content naming this inviter
}

// push is one prepared delivery.
type push struct {
	target  int // instance index
	query   string
	body    []byte
	openid  string
	inviter int
}

// runMode runs one mode end to end. Fatal set-up problems go through t.Fatalf;
// measurement problems are reported in the result.
func runMode(t testing.TB, cfg config) *result {
	t.Helper()
	cfg.defaults()
	ctx, cancel := context.WithTimeout(t.Context(), cfg.Timeout)
	t.Cleanup(cancel)
	logf := cfg.Logf

	var aesKey string
	var cipher *wxcrypto.Cipher
	if cfg.AES {
		aesKey = randomAESKey()
		c, err := wxcrypto.NewCipher(aesKey, bootstrap.EmulatorAppID)
		if err != nil {
			t.Fatalf("cipher: %v", err)
		}
		cipher = c
	}
	env := map[string]string{"WXINVITE_LOG_LEVEL": cfg.LogLevel}
	if cfg.Webhook {
		env["WXINVITE_WEBHOOK_ALLOW_PRIVATE"] = "true"
	}

	var (
		insts  []*harness.Instance
		emu    *emulator.Emulator
		rawDBs []*sql.DB
	)
	switch cfg.Store {
	case "sqlite":
		in := harness.Start(t, harness.Options{DatabaseURL: "sqlite:" + t.TempDir() + "/bench.db", EncodingAESKey: aesKey, Env: env})
		insts, emu = []*harness.Instance{in}, in.Emulator
	case "mysql":
		if cfg.MySQLURL == "" {
			t.Fatalf("mysql mode needs -mysql URL or WXINVITE_TEST_MYSQL_URL")
		}
		srv, err := parseMySQLURL(cfg.MySQLURL)
		if err != nil {
			t.Fatalf("%v", err)
		}
		db := createDatabase(ctx, t, srv.dsn(""))
		in := harness.Start(t, harness.Options{DatabaseURL: srv.appURL(db), EncodingAESKey: aesKey, Env: env})
		insts, emu = []*harness.Instance{in}, in.Emulator
		rawDBs = []*sql.DB{openRaw(t, srv.dsn(db), cfg.C)}
	case "galera":
		if ok, why := galera.Available(); !ok {
			t.Fatalf("galera not available: %s", why)
		}
		began := time.Now()
		c, err := galera.Start(ctx, galera.Options{Logf: logf, ReadyTimeout: 3 * time.Minute})
		if err != nil {
			t.Fatalf("galera: %v", err)
		}
		t.Cleanup(func() {
			if err := c.Stop(); err != nil {
				logf("galera stop: %v", err)
			}
		})
		logf("galera: 3 nodes up in %v", time.Since(began).Round(time.Second))
		db := createDatabase(ctx, t, c.DSN(0))
		wx := harness.StartEmulator(t, harness.EmulatorOptions{AESKey: aesKey})
		for i := range 3 {
			insts = append(insts, harness.Start(t, harness.Options{DatabaseURL: c.URL(i, db), WeChat: wx, Env: env}))
			per := cfg.C/3 + 1
			rawDBs = append(rawDBs, openRaw(t, c.DSN(i)+db+"?timeout=5s&readTimeout=30s&writeTimeout=30s&interpolateParams=true", per))
		}
		wx.Balance(insts...)
		emu = wx.Emulator
	default:
		t.Fatalf("unknown store %q (want sqlite, mysql or galera)", cfg.Store)
	}
	if emu == nil {
		t.Fatalf("no emulator: the instance must run in emulator mode or with a standalone emulator")
	}
	ecfg := emu.Config()
	res := &result{Mode: cfg.Store, Instances: len(insts), K: cfg.K, N: cfg.N, C: cfg.C, AES: cfg.AES}
	if cfg.AES {
		res.Mode += "+aes"
	}
	if cfg.Campaign {
		res.Mode += "+campaign"
	}
	if cfg.Webhook {
		res.Mode += "+webhook"
	}
	if cfg.Joins > 0 {
		res.Mode += "+memory"
		cfg.N = max(cfg.Joins/cfg.K, 1)
		res.N = cfg.N
	}

	// One client for everything timed: keep-alive connections for every sender.
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        4 * (cfg.C + 8),
		MaxIdleConnsPerHost: cfg.C + 8,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}

	// Inviters: each logs in through OAuth (first login creates the user) and reads
	// its invite code and invite QR code.
	began := time.Now()
	invs := make([]inviter, cfg.K)
	for i := range invs {
		p := emu.CreatePerson(emulator.PersonSpec{Nickname: fmt.Sprintf("bench邀请者%02d", i)})
		me, qr, err := login(ctx, insts[i%len(insts)].URL, p.OpenID)
		if err != nil {
			t.Fatalf("inviter %d: %v", i, err)
		}
		if me.InviteCode == "" {
			t.Fatalf("inviter %d: /api/me has no invite_code", i)
		}
		if want := domain.InviteScene(me.InviteCode).String(); qr.Scene != want {
			t.Fatalf("inviter %d: /api/me/qrcode scene %q, want %q", i, qr.Scene, want)
		}
		name := domain.DisplayName(me.OpenID, me.Nickname)
		invs[i] = inviter{me: me, qr: qr, expected: strings.ReplaceAll(inviteReply, "{inviter}", name)}
	}
	logf("%s: %d inviters logged in in %v", res.Mode, cfg.K, time.Since(began).Round(time.Millisecond))
	if cfg.Campaign {
		if err := startCampaign(ctx, insts[0].URL); err != nil {
			t.Fatalf("campaign: %v", err)
		}
	}
	if cfg.Webhook {
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(receiver.Close)
		if err := registerWebhook(ctx, insts[0].URL, receiver.URL); err != nil {
			t.Fatalf("webhook: %v", err)
		}
	}

	if cfg.Joins > 0 {
		runLong(ctx, res, cfg, client, insts, invs, cipher, ecfg.Token, ecfg.OriginalID)
		finish(ctx, res, insts, emu, invs, cfg)
		return res
	}

	// Every push prepared before anything is timed: signing and encrypting them is
	// the platform's work, not the service's.
	pushes := make([]push, 0, cfg.K*cfg.N)
	now := time.Now().Unix()
	ts := strconv.FormatInt(now, 10)
	for j := 0; j < cfg.N; j++ {
		for i := range invs {
			p := emu.CreatePerson(emulator.PersonSpec{})
			e := len(pushes)
			pu, err := buildPush(ecfg.Token, ecfg.OriginalID, p.OpenID, now, ts, "qrscene_"+invs[i].qr.Scene, invs[i].qr.Ticket, cipher)
			if err != nil {
				t.Fatalf("build push: %v", err)
			}
			pu.target, pu.inviter = e%len(insts), i
			pushes = append(pushes, pu)
		}
	}

	// 1. The bare handler: same client, same C, same requests, on loopback.
	res.Bare = runBare(ctx, client, pushes, cfg.C, cfg.ReqTimeout)
	logf("%s: bare handler %.0f events/s", res.Mode, res.Bare.rate())

	// 2. The database's raw single-row INSERT transaction rate.
	var statusDB *sql.DB
	if len(rawDBs) > 0 {
		statusDB = rawDBs[0]
		before, _ := serverStatus(ctx, statusDB)
		ph, retries, err := runRaw(ctx, rawDBs, len(pushes), cfg.C)
		if err != nil {
			t.Fatalf("raw inserts: %v", err)
		}
		after, _ := serverStatus(ctx, statusDB)
		res.RawDB = perOp(before, after, len(pushes))
		for _, db := range rawDBs {
			// Give the connections back: a shared server's max_connections must hold the
			// instances' pools during the app phase, not 64 idle yardstick connections.
			db.SetMaxIdleConns(1)
		}
		res.Raw, res.RawRetries = &ph, retries
		logf("%s: raw inserts %.0f rows/s", res.Mode, ph.rate())
	} else if cfg.Store == "sqlite" {
		ph, err := runRawSQLite(ctx, t.TempDir()+"/raw.db", len(pushes), cfg.C)
		if err != nil {
			t.Fatalf("raw sqlite inserts: %v", err)
		}
		res.Raw = &ph
		logf("%s: raw inserts %.0f rows/s", res.Mode, ph.rate())
	}

	// 3. The scan path itself.
	var dbBefore map[string]float64
	if statusDB != nil {
		dbBefore, _ = serverStatus(ctx, statusDB)
	}
	stopProf := startProfiles(t, cfg, res.Mode)
	var verified atomic.Int64
	base := make([]string, len(insts))
	for i, in := range insts {
		base[i] = in.URL + "/wechat/callback?"
	}
	res.App = fire(ctx, client, len(pushes), cfg.C, cfg.ReqTimeout, func(i int) (*http.Request, error) {
		p := pushes[i]
		return newPost(base[p.target]+p.query, p.body)
	}, func(i int, status int, body []byte) error {
		p := pushes[i]
		if status != http.StatusOK {
			return fmt.Errorf("HTTP %d: %s", status, truncate(string(body), 200))
		}
		if err := checkReply(body, ecfg.Token, ecfg.OriginalID, p.openid, invs[p.inviter].expected, cipher); err != nil {
			return err
		}
		verified.Add(1)
		return nil
	})
	stopProf()
	if statusDB != nil {
		dbAfter, _ := serverStatus(ctx, statusDB)
		res.DB = perOp(dbBefore, dbAfter, len(pushes))
	}
	res.Verified = int(verified.Load())
	logf("%s: %d events in %v, %.0f events/s, %d verified", res.Mode, res.App.N, res.App.Elapsed.Round(time.Millisecond), res.App.rate(), res.Verified)
	finish(ctx, res, insts, emu, invs, cfg)
	return res
}

// runLong is the long memory run's measured phase (see memory.go).
func runLong(ctx context.Context, res *result, cfg config, client *http.Client, insts []*harness.Instance, invs []inviter, cipher *wxcrypto.Cipher, token, originalID string) {
	var verified atomic.Int64
	base := make([]string, len(insts))
	for i, in := range insts {
		base[i] = in.URL + "/wechat/callback?"
	}
	build := longPushBuilder(token, originalID, invs, len(insts), cipher)
	joins := cfg.K * cfg.N
	debug.FreeOSMemory() // what earlier modes left behind is not this run's
	app, mem, hist := fireLong(ctx, client, joins, cfg.C, cfg.ReqTimeout, build, base, func(p push, status int, body []byte) error {
		if status != http.StatusOK {
			return fmt.Errorf("HTTP %d: %s", status, truncate(string(body), 200))
		}
		if err := checkReply(body, token, originalID, p.openid, invs[p.inviter].expected, cipher); err != nil {
			return err
		}
		verified.Add(1)
		return nil
	})
	res.App, res.Memory, res.LongP99 = app, mem, hist.pct(.99)
	res.Verified = int(verified.Load())
	cfg.Logf("%s: %d joins in %v, %.0f/s, RSS %s MiB", res.Mode, joins, app.Elapsed.Round(time.Second), app.rate(), rssCurve(mem.Samples))
	if cfg.MemProfile != "" {
		f, err := os.Create(cfg.MemProfile + "." + strings.ReplaceAll(res.Mode, "+", "-") + ".pprof")
		if err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
}

// finish checks that the counts add up and reads every instance's metrics and the
// emulator's token counter.
func finish(ctx context.Context, res *result, insts []*harness.Instance, emu *emulator.Emulator, invs []inviter, cfg config) {
	// 4. The counts must add up exactly.
	verifyCounts(ctx, res, insts[0].URL, invs, cfg)
	c := emu.Counters()
	res.TokenFetches = c["cgi-bin/token"] + c["cgi-bin/stable_token"]
	res.Outcomes = map[string]float64{}
	for _, in := range insts {
		m, err := scrapeMetrics(ctx, in.URL)
		if err != nil {
			res.CountProblems = append(res.CountProblems, "metrics: "+err.Error())
			continue
		}
		res.TxRetries += m.sum("wxinvite_db_tx_retries_total", "", "")
		for _, o := range []string{"invited", "joined", "existing", "duplicate", "rejected", "error", "timeout"} {
			if v := m.sum("wxinvite_callback_deliveries_total", "outcome", o); v > 0 {
				res.Outcomes[o] += v
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Inviters through OAuth

// login runs the browser flow against one instance as the emulated person openid:
// /auth/wechat/login → emulator consent (allow as that person) → /auth/wechat/callback
// → /api/me, then /api/me/qrcode.
func login(ctx context.Context, base, openid string) (meJSON, qrJSON, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp, b, err
	}
	var me meJSON
	var qr qrJSON
	resp, _, err := get(base + "/auth/wechat/login?next=/api/me")
	if err != nil {
		return me, qr, err
	}
	if resp.StatusCode != http.StatusFound {
		return me, qr, fmt.Errorf("login: HTTP %d, want 302", resp.StatusCode)
	}
	authz, err := resp.Location()
	if err != nil {
		return me, qr, fmt.Errorf("login: %w", err)
	}
	q := authz.Query()
	form := url.Values{"openid": {openid}, "action": {"allow"}}
	for _, k := range []string{"appid", "redirect_uri", "response_type", "scope", "state"} {
		form.Set(k, q.Get(k))
	}
	confirm := *authz
	confirm.Path = strings.TrimSuffix(authz.Path, "/") + "/confirm"
	confirm.RawQuery, confirm.Fragment = "", ""
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, confirm.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return me, qr, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		return me, qr, fmt.Errorf("consent: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return me, qr, fmt.Errorf("consent: HTTP %d, want 302", resp.StatusCode)
	}
	cb, err := resp.Location()
	if err != nil {
		return me, qr, fmt.Errorf("consent: %w", err)
	}
	resp, body, err := get(cb.String())
	if err != nil {
		return me, qr, fmt.Errorf("oauth callback: %w", err)
	}
	if resp.StatusCode != http.StatusFound {
		return me, qr, fmt.Errorf("oauth callback: HTTP %d: %s", resp.StatusCode, truncate(string(body), 300))
	}
	for _, step := range []struct {
		path string
		v    any
	}{{"/api/me", &me}, {"/api/me/qrcode", &qr}} {
		resp, body, err = get(base + step.path)
		if err != nil {
			return me, qr, fmt.Errorf("%s: %w", step.path, err)
		}
		if resp.StatusCode != http.StatusOK {
			return me, qr, fmt.Errorf("%s: HTTP %d: %s", step.path, resp.StatusCode, truncate(string(body), 300))
		}
		if err := json.Unmarshal(body, step.v); err != nil {
			return me, qr, fmt.Errorf("%s: %w", step.path, err)
		}
	}
	if me.OpenID != openid {
		return me, qr, fmt.Errorf("/api/me openid %q, want %q", me.OpenID, openid)
	}
	return me, qr, nil
}

// ---------------------------------------------------------------------------
// Pushes and replies

func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// buildPush renders a signed subscribe push as WeChat sends it (wechat-protocol.md
// §1), encrypted in safe mode (§2) when cipher is set.
func buildPush(token, originalID, openid string, createTime int64, ts, eventKey, ticket string, cipher *wxcrypto.Cipher) (push, error) {
	var b strings.Builder
	b.WriteString("<xml><ToUserName>" + cdata(originalID) + "</ToUserName>")
	b.WriteString("<FromUserName>" + cdata(openid) + "</FromUserName>")
	b.WriteString("<CreateTime>" + strconv.FormatInt(createTime, 10) + "</CreateTime>")
	b.WriteString("<MsgType>" + cdata("event") + "</MsgType>")
	b.WriteString("<Event>" + cdata("subscribe") + "</Event>")
	b.WriteString("<EventKey>" + cdata(eventKey) + "</EventKey>")
	if ticket != "" {
		b.WriteString("<Ticket>" + cdata(ticket) + "</Ticket>")
	}
	b.WriteString("</xml>")
	nonce := strconv.FormatUint(1e9+randUint64()%1e9, 10)
	q := url.Values{}
	q.Set("signature", wxcrypto.Signature(token, ts, nonce))
	q.Set("timestamp", ts)
	q.Set("nonce", nonce)
	q.Set("openid", openid)
	body := b.String()
	if cipher != nil {
		enc, err := cipher.Encrypt([]byte(body), nil)
		if err != nil {
			return push{}, err
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", wxcrypto.Signature(token, ts, nonce, enc))
		body = "<xml><ToUserName>" + cdata(originalID) + "</ToUserName><Encrypt>" + cdata(enc) + "</Encrypt></xml>"
	}
	return push{query: q.Encode(), body: []byte(body), openid: openid}, nil
}

type replyXML struct {
	XMLName      xml.Name
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   string `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	Encrypt      string `xml:"Encrypt"`
	MsgSignature string `xml:"MsgSignature"`
	TimeStamp    string `xml:"TimeStamp"`
	Nonce        string `xml:"Nonce"`
}

// checkReply verifies a passive text reply to openid naming the inviter; in safe
// mode it checks the MsgSignature and decrypts first.
func checkReply(body []byte, token, originalID, openid, want string, cipher *wxcrypto.Cipher) error {
	var r replyXML
	if err := xml.Unmarshal(body, &r); err != nil || r.XMLName.Local != "xml" {
		return fmt.Errorf("reply is not a passive reply XML: %q", truncate(string(body), 200))
	}
	if cipher != nil {
		if r.Encrypt == "" {
			return errors.New("safe mode: reply not encrypted")
		}
		if !wxcrypto.Verify(r.MsgSignature, token, r.TimeStamp, r.Nonce, r.Encrypt) {
			return errors.New("safe mode: reply MsgSignature does not verify")
		}
		plain, err := cipher.Decrypt(r.Encrypt)
		if err != nil {
			return fmt.Errorf("safe mode: reply does not decrypt: %w", err)
		}
		r = replyXML{}
		if err := xml.Unmarshal(plain, &r); err != nil || r.XMLName.Local != "xml" {
			return fmt.Errorf("decrypted reply is not XML: %q", truncate(string(plain), 200))
		}
	} else if r.Encrypt != "" {
		return errors.New("plaintext mode: encrypted reply")
	}
	switch {
	case r.MsgType != "text":
		return fmt.Errorf("MsgType %q, want text", r.MsgType)
	case r.ToUserName != openid:
		return fmt.Errorf("ToUserName %q, want %q", r.ToUserName, openid)
	case r.FromUserName != originalID:
		return fmt.Errorf("FromUserName %q, want %q", r.FromUserName, originalID)
	case r.Content != want:
		return fmt.Errorf("Content %q, want %q", r.Content, want)
	}
	return nil
}

func newPost(u string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "Mozilla/4.0 (wxinvite loadbench)")
	return req, nil
}

// fire sends n requests with c concurrent senders, timing each one. mk builds
// request i; check judges its answer.
func fire(ctx context.Context, client *http.Client, n, c int, reqTimeout time.Duration,
	mk func(i int) (*http.Request, error), check func(i, status int, body []byte) error) phase {
	lat := make([]time.Duration, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if ctx.Err() != nil {
					errs[i] = ctx.Err()
					continue
				}
				req, err := mk(i)
				if err != nil {
					errs[i] = err
					continue
				}
				rctx, cancel := context.WithTimeout(ctx, reqTimeout)
				req = req.WithContext(rctx)
				start := time.Now()
				resp, err := client.Do(req)
				var body []byte
				if err == nil {
					body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
					resp.Body.Close()
				}
				lat[i] = time.Since(start)
				cancel()
				if err != nil {
					errs[i] = err
					continue
				}
				errs[i] = check(i, resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	return newPhase(n, time.Since(began), lat, errs)
}

// runBare measures a bare net/http handler that reads the push and returns a fixed
// reply: the ceiling of this client and loopback on this machine.
func runBare(ctx context.Context, client *http.Client, pushes []push, c int, reqTimeout time.Duration) phase {
	fixed := []byte("<xml><ToUserName><![CDATA[o]]></ToUserName><FromUserName><![CDATA[gh]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return phase{N: len(pushes), Failures: len(pushes), FirstFailures: []string{err.Error()}}
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		_, _ = w.Write(fixed)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String() + "/wechat/callback?"
	return fire(ctx, client, len(pushes), c, reqTimeout, func(i int) (*http.Request, error) {
		return newPost(base+pushes[i].query, pushes[i].body)
	}, func(_, status int, body []byte) error {
		if status != http.StatusOK || !bytes.Equal(body, fixed) {
			return fmt.Errorf("bare handler: HTTP %d", status)
		}
		return nil
	})
}

// ---------------------------------------------------------------------------
// MySQL / Galera

type mysqlServer struct {
	cfg    *mysql.Config // DBName empty
	scheme string        // mysql://USER[:PASS]@HOST:PORT
	params string        // raw query of the URL, without '?'
}

func parseMySQLURL(raw string) (*mysqlServer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" || u.Host == "" || u.User == nil {
		return nil, fmt.Errorf("mysql URL %q: want mysql://USER[:PASS]@HOST:PORT/DB", raw)
	}
	c := mysql.NewConfig()
	c.User = u.User.Username()
	c.Passwd, _ = u.User.Password()
	c.Net, c.Addr = "tcp", u.Host
	if u.Port() == "" {
		c.Addr = u.Host + ":3306"
	}
	c.Timeout, c.ReadTimeout, c.WriteTimeout = 5*time.Second, 30*time.Second, 30*time.Second
	c.InterpolateParams = true // one round trip per statement, as the store does
	return &mysqlServer{cfg: c, scheme: "mysql://" + u.User.String() + "@" + c.Addr, params: u.RawQuery}, nil
}

func (s *mysqlServer) dsn(db string) string {
	c := s.cfg.Clone()
	c.DBName = db
	return c.FormatDSN()
}

func (s *mysqlServer) appURL(db string) string {
	u := s.scheme + "/" + db
	if s.params != "" {
		u += "?" + s.params
	}
	return u
}

// createDatabase creates a fresh wxinvite_bench_* database through serverDSN (no
// database selected) and drops it in cleanup.
func createDatabase(ctx context.Context, t testing.TB, serverDSN string) string {
	t.Helper()
	admin, err := sql.Open("mysql", serverDSN)
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	name := "wxinvite_bench_" + randHex(6)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(cctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(dctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			fmt.Fprintf(os.Stderr, "loadbench: drop database %s: %v\n", name, err)
		}
		admin.Close()
	})
	return name
}

func openRaw(t testing.TB, dsn string, conns int) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	t.Cleanup(func() { db.Close() })
	return db
}

// runRaw measures durable single-row INSERT transactions (BEGIN; INSERT; COMMIT)
// into a scratch table with c concurrent writers spread over dbs (the Galera
// nodes). Deadlocks/certification failures are retried, as the store does.
func runRaw(ctx context.Context, dbs []*sql.DB, rows, c int) (phase, int, error) {
	const table = "loadbench_raw"
	if _, err := dbs[0].ExecContext(ctx, "CREATE TABLE "+table+` (
		id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
		openid VARCHAR(64) NOT NULL,
		invite_code VARCHAR(32) NOT NULL,
		created_at DATETIME(6) NOT NULL,
		UNIQUE KEY uq_openid (openid)
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`); err != nil {
		return phase{}, 0, err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = dbs[0].ExecContext(dctx, "DROP TABLE IF EXISTS "+table)
	}()
	if len(dbs) > 1 {
		// Let the DDL reach every node before writing there.
		for _, db := range dbs[1:] {
			for try := 0; try < 50; try++ {
				if _, err := db.ExecContext(ctx, "SELECT 1 FROM "+table+" LIMIT 1"); err == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	prefix := randHex(4)
	lat := make([]time.Duration, rows)
	errs := make([]error, rows)
	var retries atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for w := range c {
		db := dbs[w%len(dbs)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= rows {
					return
				}
				start := time.Now()
				for attempt := 0; attempt < 8; attempt++ {
					if ctx.Err() != nil {
						errs[i] = ctx.Err()
						break
					}
					errs[i] = insertOne(ctx, db, table, fmt.Sprintf("raw-%s-%07d", prefix, i))
					var me *mysql.MySQLError
					if errs[i] == nil || !errors.As(errs[i], &me) || (me.Number != 1213 && me.Number != 1205) {
						break
					}
					retries.Add(1)
					time.Sleep(time.Duration(attempt+1) * time.Millisecond)
				}
				lat[i] = time.Since(start)
			}
		}()
	}
	wg.Wait()
	return newPhase(rows, time.Since(began), lat, errs), int(retries.Load()), nil
}

func insertOne(ctx context.Context, db *sql.DB, table, openid string) error {
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tx, err := db.BeginTx(ictx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ictx, "INSERT INTO "+table+" (openid, invite_code, created_at) VALUES (?, ?, ?)", openid, randHex(6), time.Now().UTC()); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ---------------------------------------------------------------------------
// Counts and metrics

func adminGet(ctx context.Context, base, path string, v any) error {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, truncate(string(b), 300))
	}
	return json.Unmarshal(b, v)
}

// registerWebhook registers receiver for every event type and waits out the other
// instances' view of the endpoints (at most a second old).
func registerWebhook(ctx context.Context, base, receiver string) error {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, base+"/admin/api/webhooks", strings.NewReader(`{"url":"`+receiver+`","event_types":[]}`))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("POST /admin/api/webhooks: HTTP %d: %s", resp.StatusCode, b)
	}
	time.Sleep(1100 * time.Millisecond)
	return nil
}

// startCampaign creates a campaign running from now on, with a hold long enough that
// no hold ends during the run: the measured path is the one every friend takes.
func startCampaign(ctx context.Context, base string) error {
	body := `{"name":"loadbench","hold":"72h","tiers":[{"threshold":5,"reward":"bench","stock":3}]}`
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, base+"/admin/api/campaigns", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST /admin/api/campaigns: HTTP %d: %s", resp.StatusCode, truncate(string(b), 300))
	}
	// Let every instance's campaign cache see it before the clock starts.
	time.Sleep(2500 * time.Millisecond)
	return nil
}

func verifyCounts(ctx context.Context, res *result, base string, invs []inviter, cfg config) {
	problem := func(format string, args ...any) {
		res.CountProblems = append(res.CountProblems, fmt.Sprintf(format, args...))
	}
	want := cfg.K * cfg.N
	if err := adminGet(ctx, base, "/admin/api/stats", &res.Stats); err != nil {
		problem("stats: %v", err)
	} else {
		if res.Stats.Invites != want {
			problem("stats invites = %d, want K*N = %d", res.Stats.Invites, want)
		}
		if got := res.Stats.InvitesByChannel["scan"]; got != want {
			problem("stats invites_by_channel.scan = %d, want %d", got, want)
		}
		if res.Stats.Users != cfg.K+want {
			problem("stats users = %d, want K+K*N = %d", res.Stats.Users, cfg.K+want)
		}
	}
	limit := min(cfg.K, application.MaxPageSize)
	var lb struct {
		Items []struct {
			ID           int64  `json:"id"`
			Nickname     string `json:"nickname"`
			InviteeCount int    `json:"invitee_count"`
		} `json:"items"`
	}
	if err := adminGet(ctx, base, "/admin/api/leaderboard?limit="+strconv.Itoa(limit), &lb); err != nil {
		problem("leaderboard: %v", err)
	} else {
		ours := map[int64]bool{}
		for _, in := range invs {
			ours[in.me.ID] = true
		}
		if len(lb.Items) != limit {
			problem("leaderboard has %d entries, want %d", len(lb.Items), limit)
		}
		for _, it := range lb.Items {
			if !ours[it.ID] {
				problem("leaderboard names user %d, not one of the inviters", it.ID)
			} else if it.InviteeCount != cfg.N {
				problem("leaderboard: inviter %d has %d invitees, want N = %d", it.ID, it.InviteeCount, cfg.N)
			}
		}
	}
	res.CountsOK = len(res.CountProblems) == 0
}

type metrics []metricLine

type metricLine struct {
	name   string
	labels string
	value  float64
}

func scrapeMetrics(ctx context.Context, base string) (metrics, error) {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: HTTP %d", resp.StatusCode)
	}
	var out metrics
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		name, labels := line[:sp], ""
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name, labels = name[:i], name[i:]
		}
		out = append(out, metricLine{name, labels, v})
	}
	return out, nil
}

// sum adds the samples of name, optionally only those with label=value.
func (m metrics) sum(name, label, value string) float64 {
	var s float64
	for _, l := range m {
		if l.name != name {
			continue
		}
		if label != "" && !strings.Contains(l.labels, label+`="`+value+`"`) {
			continue
		}
		s += l.value
	}
	return s
}

// ---------------------------------------------------------------------------
// Profiles

func startProfiles(t testing.TB, cfg config, mode string) func() {
	var stops []func()
	name := func(prefix string) string {
		return prefix + "." + strings.ReplaceAll(mode, "+", "-") + ".pprof"
	}
	if cfg.CPUProfile != "" {
		f, err := os.Create(name(cfg.CPUProfile))
		if err != nil {
			t.Fatalf("cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			t.Fatalf("cpuprofile: %v", err)
		}
		stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
	}
	if cfg.Trace != "" {
		f, err := os.Create(strings.TrimSuffix(name(cfg.Trace), ".pprof") + ".trace")
		if err != nil {
			t.Fatalf("trace: %v", err)
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			t.Fatalf("trace: %v", err)
		}
		stops = append(stops, func() { trace.Stop(); f.Close() })
	}
	for _, p := range []struct {
		file, name string
		on, off    func()
	}{
		{cfg.MutexProfile, "mutex", func() { runtime.SetMutexProfileFraction(5) }, func() { runtime.SetMutexProfileFraction(0) }},
		{cfg.BlockProfile, "block", func() { runtime.SetBlockProfileRate(int(100 * time.Microsecond)) }, func() { runtime.SetBlockProfileRate(0) }},
	} {
		if p.file == "" {
			continue
		}
		p.on()
		stops = append(stops, func() {
			p.off()
			f, err := os.Create(name(p.file))
			if err != nil {
				fmt.Fprintf(os.Stderr, "loadbench: %s profile: %v\n", p.name, err)
				return
			}
			defer f.Close()
			_ = pprof.Lookup(p.name).WriteTo(f, 0)
		})
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}

// ---------------------------------------------------------------------------
// Helpers

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

func randomAESKey() string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 43)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
