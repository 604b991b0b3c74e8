package httpadapter

import (
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var dataChart = regexp.MustCompile(`id="([^"]+)" data-chart="([^"]*)"`)

// chartsOf decodes every chart spec on a page by element id.
func chartsOf(t *testing.T, body string) map[string]chartSpec {
	t.Helper()
	out := map[string]chartSpec{}
	for _, m := range dataChart.FindAllStringSubmatch(body, -1) {
		var c chartSpec
		if err := json.Unmarshal([]byte(html.UnescapeString(m[2])), &c); err != nil {
			t.Fatalf("chart %s: %v", m[1], err)
		}
		out[m[1]] = c
	}
	return out
}

func TestConsoleDashboard(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{})
	c, _ := e.consoleSignIn()
	empty := e.get(c, "/admin/")
	wantConsolePage(t, empty, `id="stat-users">0<`, "还没有人邀请好友", `src="/static/console/vendor/echarts.min.js"`, `src="/static/console/console.js"`)

	seedInvites(t, e) // Alice brought 3 by link, Bob 1
	// Within consoleDashboardTTL the page shows the figures it read, and says when.
	e.clock.Advance(consoleDashboardTTL - time.Second)
	wantConsolePage(t, e.get(c, "/admin/"), `id="stat-users">0<`, `<time datetime="2026-03-01T08:00:00Z">16:00:00</time>`)
	if n := e.histogramCount("wxinvite_console_dashboard_read_seconds"); n != 1 { // the sign-in's landing; the views after it are served from the memo
		t.Fatalf("fresh reads within the TTL: %d, want 1", n)
	}
	e.clock.Advance(time.Second)
	r := e.get(c, "/admin/")
	if n := e.histogramCount("wxinvite_console_dashboard_read_seconds"); n != 2 {
		t.Fatalf("fresh reads once the TTL is over: %d, want 2", n)
	}
	wantConsolePage(t, r, `id="stat-users">5<`, `id="stat-invites">4<`, `id="stat-link">4<`, `id="stat-scan">0<`, `id="stat-followers">0<`,
		`<td class="num">1</td><td>Alice</td><td class="num">3</td>`, `<td class="num">2</td><td>Bob</td><td class="num">1</td>`,
		`aria-current="page">概览`)
	ch := chartsOf(t, r.body)
	if pie := ch["chart-channel"]; pie.Kind != "pie" || strings.Join(pie.Labels, ",") != "链接,扫码" || len(pie.Series) != 1 ||
		pie.Series[0].Data[0] != 4 || pie.Series[0].Data[1] != 0 {
		t.Fatalf("channel chart %+v", pie)
	}
	if lb := ch["chart-leaders"]; lb.Kind != "hbar" || strings.Join(lb.Labels, ",") != "Alice,Bob" || lb.Series[0].Data[0] != 3 || lb.Series[0].Data[1] != 1 {
		t.Fatalf("leader chart %+v", lb)
	}
	// A hostile nickname is text, in the table and inside the chart's JSON.
	if strings.Contains(r.body, `<td>=HYPERLINK("x")</td>`) {
		t.Fatal("nickname not escaped")
	}
}

func TestConsoleInvites(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{})
	c, _ := e.consoleSignIn()
	wantConsolePage(t, e.get(c, "/admin/invites"), "还没有邀请记录", `href="/admin/invites.csv"`)
	seedInvites(t, e)
	r := e.get(c, "/admin/invites")
	wantConsolePage(t, r, "<td>Alice</td>", "<td>Bob</td>", "<td>Carol</td>", `<span class="tag link">链接</span>`, `aria-current="page">邀请记录`)
	if strings.Count(r.body, "<tr>") != 5 || strings.Contains(r.body, "下一页") {
		t.Fatalf("want 4 rows and one page:\n%s", r.body)
	}
	if r := e.get(c, "/admin/invites?cursor=!!bad"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "链接无效") {
		t.Fatalf("bad cursor: %d", r.status)
	}

	csvResp := e.get(c, "/admin/invites.csv")
	if csvResp.status != http.StatusOK || !strings.HasPrefix(csvResp.header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(csvResp.body, "\xef\xbb\xbf") {
		t.Fatalf("csv: %d %q %q", csvResp.status, csvResp.header.Get("Content-Type"), csvResp.body[:min(10, len(csvResp.body))])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvResp.body, "\xef\xbb\xbf"))).ReadAll()
	if err != nil || len(rows) != 5 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("csv rows %v %v", rows, err)
	}
}

func TestConsoleInvitesPages(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{})
	c, _ := e.consoleSignIn()
	_, alice := e.loggedIn("o_alice", "Alice")
	for i := 0; i < consoleInvitesPageSize+3; i++ {
		b := e.browser()
		e.get(b, "/i/"+alice.InviteCode)
		e.login(b, "o_f"+randomHex(4), "F", "")
	}
	first := e.get(c, "/admin/invites")
	wantConsolePage(t, first, "下一页")
	if n := strings.Count(first.body, "<tr>") - 1; n != consoleInvitesPageSize {
		t.Fatalf("first page %d rows", n)
	}
	m := regexp.MustCompile(`href="(/admin/invites\?cursor=[^"]+)"`).FindStringSubmatch(first.body)
	if m == nil {
		t.Fatal("no next link")
	}
	second := e.get(c, html.UnescapeString(m[1]))
	wantConsolePage(t, second, "回到最新")
	if n := strings.Count(second.body, "<tr>") - 1; n != 3 || strings.Contains(second.body, "下一页") {
		t.Fatalf("second page %d rows", n)
	}
}

func TestConsoleStaticAssets(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{})
	for path, want := range map[string]string{
		"/static/console/vendor/echarts.min.js":      "echarts",
		"/static/console/vendor/echarts.LICENSE.txt": "Apache License",
		"/static/console/console.js":                 "data-chart",
		"/static/console/console.css":                ".topbar",
	} {
		r := e.get(e.plain(), path)
		if r.status != http.StatusOK || !strings.Contains(r.body, want) {
			t.Fatalf("%s: %d", path, r.status)
		}
	}
}
