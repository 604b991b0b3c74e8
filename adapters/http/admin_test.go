package httpadapter

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

func TestAdminHiddenWithoutToken(t *testing.T) {
	e := newEnv(t, envOpt{})
	for _, p := range []string{"/admin/api/stats", "/admin/api/leaderboard", "/admin/api/invites", "/admin/api/invites.csv", "/admin/api/nope"} {
		r := e.do(e.plain(), "GET", p, map[string]string{"Authorization": "Bearer "}, nil)
		e.wantAPIError(r, http.StatusNotFound, "not_found")
	}
}

func TestAdminRequiresToken(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: "s3cret-token"})
	for name, h := range map[string]string{"missing": "", "wrong": "Bearer nope", "prefix": "Bearer s3cret", "basic": "Basic s3cret-token", "longer": "Bearer s3cret-token-x"} {
		hdr := map[string]string{}
		if h != "" {
			hdr["Authorization"] = h
		}
		for _, p := range []string{"/admin/api/stats", "/admin/api/invites.csv", "/admin/api/unknown"} {
			r := e.do(e.plain(), "GET", p, hdr, nil)
			e.wantAPIError(r, http.StatusUnauthorized, "unauthorized")
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("%s %s: WWW-Authenticate %q", name, p, r.header.Get("WWW-Authenticate"))
			}
		}
	}
	ok := map[string]string{"Authorization": "Bearer s3cret-token"}
	e.wantAPIError(e.do(e.plain(), "GET", "/admin/api/unknown", ok, nil), 404, "not_found")
}

// seedInvites builds: alice invited bob and carol (link) and "=cmd" (link); bob invited dave.
func seedInvites(t *testing.T, e *env) (alice, bob domain.User) {
	_, alice = e.loggedIn("o_alice", "Alice")
	for _, p := range []struct{ openid, nick, inviter string }{
		{"o_bob", "Bob", alice.InviteCode}, {"o_carol", "Carol", alice.InviteCode}, {"o_evil", "=HYPERLINK(\"x\")", alice.InviteCode},
	} {
		c := e.browser()
		e.get(c, "/i/"+p.inviter)
		e.login(c, p.openid, p.nick, "")
	}
	bob, _ = e.store.Users().ByOpenID(context.Background(), "o_bob")
	c := e.browser()
	e.get(c, "/i/"+bob.InviteCode)
	e.login(c, "o_dave", "", "")
	return alice, bob
}

func TestAdminStatsLeaderboardInvites(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: "tok"})
	alice, bob := seedInvites(t, e)
	auth := map[string]string{"Authorization": "Bearer tok"}

	st := e.jsonOf(e.do(e.plain(), "GET", "/admin/api/stats", auth, nil))
	if keys(st) != sortedKeys("users", "invites", "invites_by_channel", "followers") {
		t.Fatalf("stats keys %q", keys(st))
	}
	by := st["invites_by_channel"].(map[string]any)
	if st["users"] != float64(5) || st["invites"] != float64(4) || st["followers"] != float64(0) || keys(by) != "link,scan" ||
		by["link"] != float64(4) || by["scan"] != float64(0) {
		t.Fatalf("stats %v", st)
	}

	lb := e.jsonOf(e.do(e.plain(), "GET", "/admin/api/leaderboard?limit=1", auth, nil))
	items := lb["items"].([]any)
	first := items[0].(map[string]any)
	if keys(lb) != "items" || len(items) != 1 || keys(first) != sortedKeys("id", "nickname", "invitee_count") ||
		first["id"] != float64(alice.ID) || first["nickname"] != "Alice" || first["invitee_count"] != float64(3) {
		t.Fatalf("leaderboard %v", lb)
	}
	full := e.jsonOf(e.do(e.plain(), "GET", "/admin/api/leaderboard", auth, nil))["items"].([]any)
	if len(full) != 2 || full[1].(map[string]any)["id"] != float64(bob.ID) {
		t.Fatalf("leaderboard %v", full)
	}
	e.wantAPIError(e.do(e.plain(), "GET", "/admin/api/leaderboard?limit=abc", auth, nil), 400, "invalid_limit")
	e.wantAPIError(e.do(e.plain(), "GET", "/admin/api/leaderboard?limit=101", auth, nil), 400, "invalid_limit")

	inv := e.jsonOf(e.do(e.plain(), "GET", "/admin/api/invites?limit=3", auth, nil))
	if keys(inv) != "items,next_cursor" || inv["next_cursor"] == "" {
		t.Fatalf("invites %v", inv)
	}
	list := inv["items"].([]any)
	top := list[0].(map[string]any)
	if len(list) != 3 || keys(top) != sortedKeys("id", "inviter", "invitee", "channel", "created_at") {
		t.Fatalf("invites %v", list)
	}
	inviter, invitee := top["inviter"].(map[string]any), top["invitee"].(map[string]any)
	// Newest first: bob -> dave, and dave has no nickname, so a neutral name.
	if keys(inviter) != "id,nickname" || inviter["id"] != float64(bob.ID) || invitee["nickname"] != domain.DisplayName("o_dave", "") || top["channel"] != "link" {
		t.Fatalf("top invite %v", top)
	}
	rest := e.jsonOf(e.do(e.plain(), "GET", "/admin/api/invites?limit=3&cursor="+inv["next_cursor"].(string), auth, nil))
	if n := len(rest["items"].([]any)); n != 1 || rest["next_cursor"] != "" {
		t.Fatalf("second page %v", rest)
	}
	e.wantAPIError(e.do(e.plain(), "GET", "/admin/api/invites?cursor=!!", auth, nil), 400, "invalid_cursor")
}

// readCSV checks the export starts with a UTF-8 BOM (Excel needs it for Chinese
// names) and parses the rest with encoding/csv.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rest, ok := strings.CutPrefix(body, "\xef\xbb\xbf")
	if !ok {
		t.Fatalf("CSV does not start with a UTF-8 BOM: %q", body[:min(len(body), 20)])
	}
	rows, err := csv.NewReader(strings.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

const csvColumns = "id,inviter_id,inviter_openid,inviter_nickname,invitee_id,invitee_openid,invitee_nickname,invitee_following,channel,created_at,utc_offset"

func TestAdminCSVExport(t *testing.T) {
	for _, tc := range []struct {
		name string
		loc  *time.Location
		want *time.Location // nil: the default, Asia/Shanghai
		zone string
	}{
		{"default Asia/Shanghai", nil, time.FixedZone("CST", 8*3600), "+08:00"},
		{"configured zone", time.FixedZone("X", -5*3600), time.FixedZone("X", -5*3600), "-05:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpt{adminToken: "tok", location: tc.loc})
			alice, bob := seedInvites(t, e)
			dave, _ := e.store.Users().ByOpenID(context.Background(), "o_dave")
			if _, err := e.store.Users().SetFollowing(context.Background(), dave.ID, true, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			r := e.do(e.plain(), "GET", "/admin/api/invites.csv", map[string]string{"Authorization": "Bearer tok"}, nil)
			if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
				!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment; filename=") {
				t.Fatalf("status %d headers %v", r.status, r.header)
			}
			rows := readCSV(t, r.body)
			top := e.jsonOf(e.do(e.plain(), "GET", "/admin/api/invites?limit=1", map[string]string{"Authorization": "Bearer tok"}, nil))["items"].([]any)[0].(map[string]any)
			created, err := time.Parse(time.RFC3339, top["created_at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			at := created.In(tc.want).Format("2006-01-02 15:04:05")
			if strings.Join(rows[0], ",") != csvColumns || len(rows) != 5 {
				t.Fatalf("rows %v", rows)
			}
			want := []string{"", fmt.Sprint(bob.ID), "o_bob", "Bob", fmt.Sprint(dave.ID), "o_dave", domain.DisplayName("o_dave", ""), "true", "link", at, tc.zone}
			want[0] = rows[1][0]
			if fmt.Sprint(rows[1]) != fmt.Sprint(want) {
				t.Fatalf("newest row %v\nwant       %v", rows[1], want)
			}
			var evil []string
			for _, row := range rows[1:] {
				if row[1] != fmt.Sprint(alice.ID) && row[1] != fmt.Sprint(bob.ID) {
					t.Fatalf("row %v", row)
				}
				if strings.Contains(row[6], "HYPERLINK") {
					evil = row
				}
			}
			if evil == nil || evil[6] != `'=HYPERLINK("x")` || evil[7] != "false" {
				t.Fatalf("formula not neutralised or wrong follow state: %v", evil)
			}
			plain := e.do(e.plain(), "GET", "/admin/api/invites.csv?bom=0", map[string]string{"Authorization": "Bearer tok"}, nil)
			if !strings.HasPrefix(plain.body, "id,") {
				t.Fatal("bom=0 still has a BOM")
			}
		})
	}
}

func TestAdminCSVEmpty(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: "tok"})
	r := e.do(e.plain(), "GET", "/admin/api/invites.csv", map[string]string{"Authorization": "Bearer tok"}, nil)
	if r.status != 200 || r.body != "\xef\xbb\xbf"+csvColumns+"\n" {
		t.Fatalf("%d %q", r.status, r.body)
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "Alice": "Alice", "": "", "a=b": "a=b"} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
