package httpadapter

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func TestConsolePeopleSearchAndPerson(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{services: withHooks})
	c, _ := e.consoleSignIn()
	wantConsolePage(t, e.get(c, "/admin/people"), `name="q"`, `aria-current="page">用户`, "输入昵称的开头")
	alice, bob := seedInvites(t, e) // Alice invited Bob, Carol and one more; Bob invited dave
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := e.store.Audit().Append(context.Background(),
		domain.AuditEvent{At: at, Type: domain.AuditLinkOpened, UserID: bob.ID, InviterID: alice.ID, Channel: domain.ChannelLink},
		domain.AuditEvent{At: at.Add(time.Second), Type: domain.AuditInviteRecorded, UserID: bob.ID, InviterID: alice.ID, Channel: domain.ChannelLink},
		domain.AuditEvent{At: at.Add(2 * time.Second), Type: domain.AuditInviteRefused, UserID: bob.ID, InviterID: alice.ID, Channel: domain.ChannelScan, Reason: domain.ReasonAlreadyInvited},
		domain.AuditEvent{At: at.Add(3 * time.Second), Type: domain.AuditInviteRevoked, UserID: bob.ID, InviterID: alice.ID, Reason: domain.AuditReason(domain.ReasonUnfollowedDuringHold)},
	); err != nil {
		t.Fatal(err)
	}

	r := e.get(c, "/admin/people?q=Bo")
	wantConsolePage(t, r, fmt.Sprintf(`href="/admin/people/%d">Bob</a>`, bob.ID), "<code>o_bob</code>", fmt.Sprintf(`href="/admin/people/%d">Alice</a>`, alice.ID))
	if r := e.get(c, "/admin/people?q=o_alice"); !strings.Contains(r.body, "<code>o_alice</code>") {
		t.Fatal("openid search")
	}
	if r := e.get(c, "/admin/people?q=nobody"); !strings.Contains(r.body, "没有找到") {
		t.Fatal("no match message")
	}
	if r := e.get(c, "/admin/people?q="+url.QueryEscape(strings.Repeat("长", 65))); r.status != http.StatusBadRequest || !strings.Contains(r.body, "1 到 64 个字") {
		t.Fatalf("overlong query: %d", r.status)
	}

	p := e.get(c, fmt.Sprintf("/admin/people/%d", bob.ID))
	wantConsolePage(t, p, "<h1 class=\"title\">Bob</h1>", fmt.Sprintf(`id="invited-by"><a href="/admin/people/%d">Alice</a>`, alice.ID),
		"打开了 Alice 的邀请链接", "记为 Alice 邀请的好友（链接）",
		"没有记为 Alice 的邀请：<strong>这位用户已经被别人邀请过了，一个人只能被邀请一次</strong>",
		"Alice 的这次邀请被撤销：<strong>在留存期内取消了关注</strong>", `<li class="bad">`)
	// Newest first.
	if strings.Index(p.body, "被撤销") > strings.Index(p.body, "打开了") {
		t.Fatal("timeline not newest first")
	}
	ap := e.get(c, fmt.Sprintf("/admin/people/%d", alice.ID))
	wantConsolePage(t, ap, "邀请的好友（3）", "<td>Bob</td>", "<td>Carol</td>", "直接加入")
	if r := e.get(c, "/admin/people/99999"); r.status != http.StatusNotFound {
		t.Fatalf("unknown person: %d", r.status)
	}
}

func TestConsoleWebhooks(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{services: withHooks})
	c, tok := e.consoleSignIn()
	wantConsolePage(t, e.get(c, "/admin/webhooks"), "还没有接收地址", `name="event_types" value="invite.qualified"`)

	r := e.postForm(c, "/admin/webhooks", url.Values{"csrf": {tok}, "url": {"https://hooks.example.com/in"}, "event_types": {"invite.created", "reward.granted"}}, nil)
	wantConsolePage(t, r, `id="webhook-secret">whsec_`, "只显示这一次", "<code>https://hooks.example.com/in</code>", "新邀请、发放奖励")
	es, _ := e.srv.svc.Webhooks.List(context.Background())
	// The secret is base64: html/template writes its + as &#43;, so compare unescaped.
	if len(es) != 1 || !strings.Contains(html.UnescapeString(r.body), es[0].Secret) {
		t.Fatalf("endpoints %+v", es)
	}
	// The list never shows the secret again.
	if l := e.get(c, "/admin/webhooks"); strings.Contains(html.UnescapeString(l.body), es[0].Secret) || !strings.Contains(l.body, "hooks.example.com") {
		t.Fatal("the secret is shown again, or the endpoint is missing")
	}
	// A refused URL says why next to the field and keeps what was typed.
	bad := e.postForm(c, "/admin/webhooks", url.Values{"csrf": {tok}, "url": {"http://127.0.0.1/x"}, "event_types": {"user.followed"}}, nil)
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "没有添加") || !strings.Contains(bad.body, `value="http://127.0.0.1/x"`) ||
		!strings.Contains(bad.body, `value="user.followed" checked`) {
		t.Fatalf("refused url: %d %s", bad.status, bad.body)
	}

	d := e.get(c, fmt.Sprintf("/admin/webhooks/%d/deliveries", es[0].ID))
	wantConsolePage(t, d, "还没有投递记录", "hooks.example.com")
	if r := e.postForm(c, fmt.Sprintf("/admin/webhooks/%d/deliveries/1/retry", es[0].ID), url.Values{"csrf": {tok}}, nil); r.status != http.StatusNotFound {
		t.Fatalf("retry unknown delivery: %d", r.status)
	}
	for _, path := range []string{"/admin/webhooks", fmt.Sprintf("/admin/webhooks/%d/delete", es[0].ID), fmt.Sprintf("/admin/webhooks/%d/deliveries/1/retry", es[0].ID)} {
		if r := e.postForm(c, path, url.Values{"url": {"https://x.example"}}, nil); r.status != http.StatusForbidden {
			t.Fatalf("%s without csrf: %d", path, r.status)
		}
	}
	if r := e.postForm(c, fmt.Sprintf("/admin/webhooks/%d/delete", es[0].ID), url.Values{"csrf": {tok}}, nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if es, _ := e.srv.svc.Webhooks.List(context.Background()); len(es) != 0 {
		t.Fatal("not deleted")
	}
}

func TestConsolePersonRewards(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{services: withHooks})
	c, tok := e.consoleSignIn()
	_, gs := seedGrants(t, e, tok, c) // Alice: granted with CODE-A
	r := e.get(c, fmt.Sprintf("/admin/people/%d", gs[0].UserID))
	wantConsolePage(t, r, `id="person-rewards"`, "春季邀请 第 1 档：小礼品", "<code>CODE-A</code>", "待发放")
	if r := e.get(c, fmt.Sprintf("/admin/people/%d", gs[2].UserID)); !strings.Contains(r.body, "库存不足") {
		t.Fatal("Carol's out-of-stock reward is missing")
	}
}

// /me answers "为什么没算上" with the masked friend and the reason in plain words.
func TestMeAttempts(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{services: withHooks})
	c, alice := e.loggedIn("o_alice", "Alice")
	if strings.Contains(e.get(c, "/me").body, `id="attempts"`) {
		t.Fatal("attempts section without attempts")
	}
	_, friend := e.loggedIn("o_friend", "小明")
	if err := e.store.Audit().Append(context.Background(),
		domain.AuditEvent{At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Type: domain.AuditInviteRefused, UserID: friend.ID, InviterID: alice.ID,
			Channel: domain.ChannelLink, Reason: domain.ReasonNotNew}); err != nil {
		t.Fatal(err)
	}
	r := e.get(c, "/me")
	if !strings.Contains(r.body, `id="attempts"`) || !strings.Contains(r.body, "小*<small class=\"why\">TA 之前就关注过或来过</small>") ||
		!strings.Contains(r.body, "03-01 17:00") || strings.Contains(r.body, "小明") {
		t.Fatalf("/me attempts:\n%s", r.body)
	}
}

// The dashboard's funnel starts with the audit trail's contacts in the campaign's window.
func TestConsoleDashboardFunnelContacts(t *testing.T) {
	later := application.ClockFunc(func() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) })
	e, _ := newConsoleEnv(t, envOpt{services: func(svc *Services, st *memory.Store, clock application.Clock) {
		withHooks(svc, st, clock)
		svc.Campaigns.Funnel = application.NewCampaignFunnelQuery(st.Campaigns(), st.Audit(), later)
	}})
	c, tok := e.consoleSignIn()
	seedGrants(t, e, tok, c) // the campaign starts 2026-03-01 08:00 UTC; two rewards granted
	_, u := e.loggedIn("o_x", "X")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, typ := range []domain.AuditType{domain.AuditScan, domain.AuditLinkOpened, domain.AuditSubscribe} {
		if err := e.store.Audit().Append(context.Background(), domain.AuditEvent{At: at, Type: typ, UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(consoleDashboardTTL)
	f := chartsOf(t, e.get(c, "/admin/").body)["chart-funnel"]
	if strings.Join(f.Labels, ",") != "扫码/打开链接,关注,邀请,达标,奖励" || f.Series[0].Data[0] != 3 || f.Series[0].Data[1] != 1 || f.Series[0].Data[4] != 2 {
		t.Fatalf("funnel %+v", f)
	}
}
