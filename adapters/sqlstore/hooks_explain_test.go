package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/domain"
)

// TestHooksIndexesMySQL runs EXPLAIN on MySQL for the audit and outbox queries (the
// same statements the store sends, with the table filled enough for the optimizer
// to care) and checks each reads through the index meant for it, without a
// filesort where the index gives the order.
func TestHooksIndexesMySQL(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t, sqltest.MySQLURL(t), sqlstore.Options{})
	ctx := context.Background()
	raw := db.Bun()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// 300 users with nicknames, 6,000 audit events, 2,000 messages and deliveries.
	for i := range 300 {
		u := newTestUser(fmt.Sprintf("oExplain%03d", i))
		u.Nickname = fmt.Sprintf("nick%03d", i)
		if _, err := db.Users().Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	var ev []domain.AuditEvent
	for i := range 6000 {
		e := domain.AuditEvent{At: at.Add(time.Duration(i) * time.Minute), Type: domain.AuditScan, UserID: domain.UserID(i%300 + 1)}
		if i%3 == 0 {
			e.Type, e.InviterID = domain.AuditInviteRecorded, domain.UserID(i%7+1)
		}
		if i%10 == 0 {
			e.Type, e.InviterID, e.Reason = domain.AuditInviteRefused, domain.UserID(i%7+1), domain.ReasonNotNew
		}
		ev = append(ev, e)
		if len(ev) == 500 {
			if err := db.Audit().Append(ctx, ev...); err != nil {
				t.Fatal(err)
			}
			ev = ev[:0]
		}
	}
	for i := range 2000 {
		status := "delivered"
		if i%50 == 0 {
			status = "pending"
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO webhook_messages (msg_id, event_type, body, created_at, routed) VALUES (?, 'invite.created', '{}', ?, ?)`,
			fmt.Sprint("msg_", i), at, i < 1990); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO webhook_deliveries (message_id, endpoint_id, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, 1, ?, ?)`,
			i+1, i%3+1, status, at, at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.ExecContext(ctx, "ANALYZE TABLE users, audit_events, webhook_messages, webhook_deliveries"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query string
		args        []any
		key         string
		noFilesort  bool
	}{
		{"a person's trail", "SELECT * FROM audit_events WHERE user_id = ? ORDER BY at ASC, id ASC LIMIT 1000", []any{7}, "audit_events_user_idx", true},
		{"an inviter's attempts", `SELECT e.id FROM audit_events AS e LEFT JOIN users AS u ON u.id = e.user_id
			WHERE e.inviter_id = ? AND e.type IN ('invite_refused', 'invite_revoked') ORDER BY e.at DESC, e.id DESC LIMIT 100`, []any{3}, "audit_events_inviter_idx", false},
		{"prune", "DELETE FROM audit_events WHERE id < ? ORDER BY id LIMIT 500", []any{40}, "PRIMARY", true},
		{"nickname search", sqlstore.NicknameSearchSQLForTest(db, "nick12"), nil, "users_nickname_idx", true},
		{"openid search", "SELECT u.id FROM users AS u WHERE u.openid = ? LIMIT 1", []any{"oExplain001"}, "users_openid_uq", true},
		{"unrouted messages", "SELECT * FROM webhook_messages WHERE routed = FALSE ORDER BY id ASC LIMIT 200", nil, "webhook_messages_routed_idx", true},
		{"due deliveries", `SELECT d.id, d.attempts FROM webhook_deliveries AS d WHERE d.status = 'pending' AND d.next_attempt_at <= ?
			AND (d.lease_until IS NULL OR d.lease_until <= ?) ORDER BY d.next_attempt_at ASC LIMIT 128`, []any{at, at}, "webhook_deliveries_due_idx", true},
		{"an endpoint's deliveries", "SELECT d.id FROM webhook_deliveries AS d WHERE d.endpoint_id = ? ORDER BY d.created_at DESC, d.id DESC LIMIT 21", []any{2}, "webhook_deliveries_endpoint_idx", true},
	}
	for _, tc := range tests {
		rows, err := raw.QueryContext(ctx, "EXPLAIN "+tc.query, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		plan := explainRows(t, rows)
		first := plan[0]
		if first["key"] != tc.key {
			t.Errorf("%s: reads %q (%v), want index %s", tc.name, first["key"], plan, tc.key)
		}
		if tc.noFilesort && strings.Contains(first["Extra"], "filesort") {
			t.Errorf("%s: filesort (%s)", tc.name, first["Extra"])
		}
		t.Logf("%s: key=%s rows=%s extra=%q", tc.name, first["key"], first["rows"], first["Extra"])
	}
}

// TestNicknameSearchIndexSQLite checks on SQLite's query plan that the people
// search's nickname prefix is a range on users_nickname_idx (COLLATE NOCASE) that
// also gives the order: without it every match is read and sorted.
func TestNicknameSearchIndexSQLite(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{})
	ctx := context.Background()
	for i := range 50 {
		u := newTestUser(fmt.Sprintf("oPlan%03d", i))
		u.Nickname = fmt.Sprintf("nick%03d", i)
		if _, err := db.Users().Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Bun().ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Bun().QueryContext(ctx, "EXPLAIN QUERY PLAN "+sqlstore.NicknameSearchSQLForTest(db, "nick1"))
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for _, r := range explainRows(t, rows) {
		plan = append(plan, r["detail"])
	}
	all := strings.Join(plan, "; ")
	if !strings.Contains(all, "users_nickname_idx (nickname>? AND nickname<?)") {
		t.Errorf("nickname search plan %q: want a range on users_nickname_idx", all)
	}
	if strings.Contains(all, "TEMP B-TREE") {
		t.Errorf("nickname search plan %q sorts: want the index order", all)
	}
	// The range's upper bound is the prefix then the byte 0xFF, so a prefix continued
	// by a 4-byte character (beyond U+FFFD, which bun writes for an invalid byte)
	// still matches. (MariaDB's own LIKE range misses it: not a SQLite matter.)
	u := newTestUser("oEmoji")
	u.Nickname = "yy\U0001F600x"
	if _, err := db.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"yy", "YY\U0001F600"} {
		got, err := db.Audit().SearchPeople(ctx, q, 10)
		if err != nil || len(got) != 1 || got[0].User.OpenID != "oEmoji" {
			t.Errorf("SearchPeople(%q) = %+v, %v; want oEmoji", q, got, err)
		}
	}
}

// explainRows reads an EXPLAIN result as one map of column to value per row.
func explainRows(t *testing.T, rows *sql.Rows) []map[string]string {
	t.Helper()
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, c := range cols {
			m[c] = vals[i].String
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		t.Fatal("empty EXPLAIN")
	}
	return out
}
