package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/domain"
)

// queryLog records the statements a bun handle sends.
type queryLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (l *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sql = append(l.sql, e.Query)
}

// TestCampaignReportsIndexOnly runs EXPLAIN on the statements the campaign reports
// send (the counts, the day-by-day activity, the leaderboard), captured as sent,
// over a table filled enough for the planner to care: each reads the campaign's
// invites from invites_campaign_cover_idx alone, no table row.
func TestCampaignReportsIndexOnly(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, url func(*testing.T) string) {
		db := sqltest.Open(t, url(t), sqlstore.Options{})
		ctx := context.Background()
		raw := db.Bun()
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 60 {
			if _, err := db.Users().Create(ctx, newTestUser(fmt.Sprintf("oReport%03d", i))); err != nil {
				t.Fatal(err)
			}
		}
		// 3,000 invites over 6 campaigns, by 20 inviters; a third qualified, a tenth revoked.
		for i := range 3000 {
			status, qualified, revoked := "pending", any(nil), any(nil)
			created := at.Add(time.Duration(i) * time.Minute)
			switch {
			case i%10 == 0:
				status, revoked = "revoked", created.Add(time.Hour)
			case i%3 == 0:
				status, qualified = "qualified", created.Add(72*time.Hour)
			}
			if _, err := raw.ExecContext(ctx, `INSERT INTO invites (inviter_id, invitee_id, channel, status, created_at, campaign_id,
				hold_started_at, hold_ends_at, qualified_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				i%20+1, 1000+i, []string{"link", "scan"}[i%2], status, created, i/500+1, created, created.Add(72*time.Hour), qualified, revoked); err != nil {
				t.Fatal(err)
			}
		}
		analyze := "ANALYZE"
		if db.Dialect() == sqlstore.DialectMySQL {
			analyze = "ANALYZE TABLE invites, users"
		}
		if _, err := raw.ExecContext(ctx, analyze); err != nil {
			t.Fatal(err)
		}
		log := &queryLog{}
		sqlstore.ReportDBForTest(db).AddQueryHook(log)
		lc, campaign, now := db.InviteLifecycle(), domain.CampaignID(3), at.Add(60*24*time.Hour)
		if _, _, err := lc.CampaignCounts(ctx, campaign, now); err != nil {
			t.Fatal(err)
		}
		if _, err := lc.CampaignActivity(ctx, campaign, now); err != nil {
			t.Fatal(err)
		}
		if _, err := lc.CampaignLeaderboard(ctx, campaign, now, now.Add(-7*24*time.Hour), 10); err != nil {
			t.Fatal(err)
		}
		if len(log.sql) != 3 {
			t.Fatalf("captured %d statements, want 3: %q", len(log.sql), log.sql)
		}
		for _, q := range log.sql {
			if db.Dialect() == sqlstore.DialectSQLite {
				rows, err := raw.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q)
				if err != nil {
					t.Fatal(err)
				}
				var plan []string
				for _, r := range explainRows(t, rows) {
					plan = append(plan, r["detail"])
				}
				all := strings.Join(plan, "; ")
				if !strings.Contains(all, "USING COVERING INDEX invites_campaign_cover_idx (campaign_id=?)") {
					t.Errorf("plan %q for %.80s…: want invites_campaign_cover_idx alone", all, q)
				}
				continue
			}
			rows, err := raw.QueryContext(ctx, "EXPLAIN "+q)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range explainRows(t, rows) {
				if r["table"] != "invite_row" && r["table"] != "i" {
					continue
				}
				found = true
				if r["key"] != "invites_campaign_cover_idx" || !strings.Contains(r["Extra"], "Using index") {
					t.Errorf("invites read through %q (%q) for %.80s…: want invites_campaign_cover_idx alone", r["key"], r["Extra"], q)
				}
			}
			if !found {
				t.Errorf("no invites row in the plan of %.80s…", q)
			}
		}
	})
}
