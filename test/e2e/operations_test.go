package e2e

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/test/harness"
)

// metric returns the value of the first series of /metrics whose line starts with
// prefix (a name plus the start of its labels), or -1 when there is none.
func (a *app) metric(prefix string) float64 {
	a.t.Helper()
	resp, body := do(a.t, a.api, newReq(a.t, "GET", a.URL+"/metrics", nil))
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, prefix) {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				a.t.Fatalf("metric line %q: %v", line, err)
			}
			return v
		}
	}
	return -1
}

// What operators alert on must move with real traffic.
func TestMetricsFollowTraffic(t *testing.T) {
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		_, inviterBrowser, _ := a.loggedIn("阿强")
		ticket := inviterBrowser.qrcode().Ticket
		friend := a.newPerson("小红")
		wantReplied(t, "scan", a.scan(friend, ticket), "感谢您的加入，邀请者是 阿强")

		for _, c := range []struct {
			prefix string
			want   float64
		}{
			{`wxinvite_callback_deliveries_total{event="subscribe",outcome="invited"}`, 1},
			{`wxinvite_joins_total{channel="scan",result="new"}`, 1},
			{`wxinvite_invites_total{channel="scan"}`, 1},
			{`wxinvite_wechat_token_refreshes_total{result="fetched"}`, 1},
			{`wxinvite_http_requests_total{method="POST",route="/wechat/callback",status="200"}`, 1},
		} {
			if got := a.metric(c.prefix); got != c.want {
				t.Errorf("%s = %v, want %v", c.prefix, got, c.want)
			}
		}
		for _, name := range []string{
			`wxinvite_wechat_api_calls_total{endpoint="cgi-bin/qrcode/create"`,
			`wxinvite_http_request_seconds_bucket{route="/wechat/callback"`,
			`wxinvite_db_unique_conflicts_total`,
			`go_goroutines`,
		} {
			if a.metric(name) < 0 {
				t.Errorf("/metrics has no %s", name)
			}
		}
	})
}

// A stop during load (what SIGTERM triggers) finishes the deliveries in flight:
// every delivery that was answered with the thank-you has its invite, and every
// recorded invite was answered, so no WeChat retry is needed to repair anything.
func TestGracefulStopLosesNoAnsweredDelivery(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			dbURL := st.url(t)
			if dbURL == "" {
				dbURL = "sqlite:" + t.TempDir() + "/stop.db"
			}
			emu := harness.StartEmulator(t, harness.EmulatorOptions{})
			inst := harness.Start(t, harness.Options{DatabaseURL: dbURL, WeChat: emu})
			emu.Balance(inst)
			tr := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(tr.CloseIdleConnections)
			a := &app{t: t, inst: inst, URL: inst.URL, EmuURL: emu.URL, tr: tr, api: &http.Client{Transport: tr, Timeout: 60 * time.Second}}

			inviter, inviterBrowser, _ := a.loggedIn("阿强")
			ticket := inviterBrowser.qrcode().Ticket
			tr.CloseIdleConnections()

			const friends, parallel = 80, 16
			people := make([]person, friends)
			for i := range people {
				people[i] = a.newPerson("好友" + strconv.Itoa(i))
			}
			results := make([]delivery, friends)
			answered := make(chan struct{}, friends)
			var wg sync.WaitGroup
			sem := make(chan struct{}, parallel)
			for i := range people {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					results[i] = <-a.scanAsync(people[i], ticket)
					answered <- struct{}{}
				}(i)
			}
			// Stop once the load is under way, while deliveries are in flight.
			for range friends / 4 {
				<-answered
			}
			inst.Stop()
			wg.Wait()

			thanked := map[string]bool{}
			for i, d := range results {
				switch {
				case d.Status == "replied" && d.Reply.Content == "感谢您的加入，邀请者是 阿强":
					thanked[people[i].Nickname] = true
				case d.Status == "replied":
					t.Errorf("%s: answered %q, want the thank-you or no answer", people[i].Nickname, d.Reply.Content)
				}
			}
			if len(thanked) < friends/4 {
				t.Fatalf("only %d deliveries answered before the stop", len(thanked))
			}
			t.Logf("%d of %d deliveries answered before the stop", len(thanked), friends)

			// Look at what was recorded through a fresh instance on the same database.
			// Scan-path users have no nickname (WeChat no longer shares it), so the
			// check is by count: every thanked friend is a user with an invite from the
			// inviter, and nobody else is.
			after := harness.Start(t, harness.Options{DatabaseURL: dbURL, WeChat: emu})
			b := &app{t: t, inst: after, URL: after.URL, EmuURL: emu.URL, tr: tr, api: a.api}
			st := b.stats()
			if st.Invites != len(thanked) || st.Users != 1+len(thanked) {
				t.Errorf("after the stop: %d invites and %d users recorded, want %d and %d (one per answered delivery)",
					st.Invites, st.Users, len(thanked), 1+len(thanked))
			}
			for _, inv := range b.adminInvites() {
				if inv.Inviter.Nickname != inviter.Nickname {
					t.Errorf("invite %d credited to %q", inv.ID, inv.Inviter.Nickname)
				}
			}
		})
	}
}
