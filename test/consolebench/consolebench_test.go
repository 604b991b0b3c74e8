package consolebench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/test/harness"
)

// The size the issue asks for. Every invitee is a distinct user (a user is invited
// at most once), so 300,000 invites need 300,001 users at least; 100,000 of them
// invite.
var full = Size{Users: 300_001, Inviters: 100_000, Invites: 300_000, Campaigns: 20}

// page is one console page the benchmark fetches.
type page struct{ name, path string }

// pages are every console page, with the heaviest parameters an operator can pick.
func pages(t testing.TB, c *client, campaigns []int64) []page {
	running, old := campaigns[len(campaigns)-1], campaigns[0]
	return []page{
		{"dashboard", "/admin/"},
		// A key the memo has never seen: every fetch reads the figures afresh.
		{"dashboard_cold", "/admin/?campaign=cold%d"},
		{"dashboard_old_campaign", fmt.Sprintf("/admin/?campaign=%d", old)},
		{"invites", "/admin/invites"},
		{"invites_deep", c.deepInvitesPath(t)},
		{"campaigns", "/admin/campaigns"},
		{"campaign_edit", fmt.Sprintf("/admin/campaigns/%d", running)},
		{"rewards", "/admin/rewards"},
		{"rewards_filtered", fmt.Sprintf("/admin/rewards?campaign=%d&status=granted", old)},
		{"poster_editor", fmt.Sprintf("/admin/campaigns/%d/poster", running)},
		{"poster_preview_png", fmt.Sprintf("/admin/campaigns/%d/poster/preview.png", running)},
		{"people_search", "/admin/people?q=" + url.QueryEscape("用户1")},
		{"person_top_inviter", "/admin/people/1"},
		{"webhooks", "/admin/webhooks"},
		{"menu", "/admin/menu"},
	}
}

// client is a signed-in operator's browser.
type client struct {
	base string
	http *http.Client
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

func signIn(t testing.TB, base string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{base: base, http: &http.Client{Jar: jar, Timeout: time.Minute}}
	body := c.get(t, "/admin/signin")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf on the sign-in page")
	}
	res, err := c.http.PostForm(base+"/admin/signin", url.Values{"token": {"admin-token"}, "csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/admin/" || res.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended at %s with %d", res.Request.URL, res.StatusCode)
	}
	return c
}

func (c *client) get(t testing.TB, path string) string {
	t.Helper()
	res, err := c.http.Get(c.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

// deepInvitesPath follows "下一页" a few times, so paging deep is measured too.
func (c *client) deepInvitesPath(t testing.TB) string {
	path := "/admin/invites"
	next := regexp.MustCompile(`href="(/admin/invites\?cursor=[^"]+)"`)
	for i := 0; i < 20; i++ {
		m := next.FindStringSubmatch(c.get(t, path))
		if m == nil {
			t.Fatalf("no next page after %s", path)
		}
		path = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return path
}

// run seeds a fresh database, starts an instance on it and measures every page.
func run(b *testing.B, dbURL string, open func() (*bunDB, error)) {
	ctx := context.Background()
	inst := harness.Start(b, harness.Options{DatabaseURL: dbURL})
	db, err := open()
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if err := Seed(ctx, db, full, time.Now()); err != nil {
		b.Fatal(err)
	}
	campaigns, err := SeedCampaigns(ctx, db, inst.URL, "admin-token", full, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d users, %d invites, %d campaigns in %s", full.Users, full.Invites, len(campaigns), time.Since(start).Round(time.Millisecond))
	c := signIn(b, inst.URL)
	for _, p := range pages(b, c, campaigns) {
		b.Run(p.name, func(b *testing.B) {
			path := func(i int) string {
				if strings.Contains(p.path, "%d") {
					return fmt.Sprintf(p.path, i)
				}
				return p.path
			}
			c.get(b, path(-1)) // warm: first query plans, template buffers
			b.ResetTimer()
			t0 := time.Now()
			for i := 0; i < b.N; i++ {
				c.get(b, path(i))
			}
			b.ReportMetric(float64(time.Since(t0).Microseconds())/float64(b.N)/1000, "ms/page")
		})
	}
}

func BenchmarkConsolePagesSQLite(b *testing.B) {
	path := b.TempDir() + "/bench.db"
	run(b, "sqlite:"+path, func() (*bunDB, error) { return OpenSQLite(path) })
}

func BenchmarkConsolePagesMySQL(b *testing.B) {
	raw := os.Getenv("WXINVITE_TEST_MYSQL_URL")
	if raw == "" {
		b.Skip("WXINVITE_TEST_MYSQL_URL is not set")
	}
	u, err := url.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/") + "_bench"
	pass, _ := u.User.Password()
	server := u.User.Username() + ":" + pass + "@tcp(" + u.Host + ")/"
	admin, err := sql.Open("mysql", server)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	for _, q := range []string{"DROP DATABASE IF EXISTS `" + name + "`", "CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"} {
		if _, err := admin.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	if os.Getenv("WXINVITE_BENCH_KEEP") == "" { // keep it to EXPLAIN the queries afterwards
		b.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS `" + name + "`") })
	}
	u.Path = "/" + name
	run(b, u.String(), func() (*bunDB, error) { return OpenMySQL(server + name + "?parseTime=true") })
}
