package multiinstance

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mysqlConfig turns a WXINVITE_DATABASE_URL (mysql://USER:PASS@HOST:PORT/DB) into a
// driver configuration.
func mysqlConfig(raw string) (*mysql.Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" || u.User == nil {
		return nil, fmt.Errorf("not a mysql:// URL: %q", raw)
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr = u.Host + ":3306"
	}
	cfg.DBName = strings.Trim(u.Path, "/")
	cfg.Timeout = 5 * time.Second
	cfg.ParseTime = true
	return cfg, nil
}

// conn opens one connection to the URL's server; on a Galera node it waits for the
// node to have applied every write set committed anywhere before each read.
func conn(ctx context.Context, raw string) (*sql.DB, *sql.Conn, error) {
	cfg, err := mysqlConfig(raw)
	if err != nil {
		return nil, nil, err
	}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, nil, err
	}
	db := sql.OpenDB(c)
	cn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	var on sql.NullString
	if err := cn.QueryRowContext(ctx, "SELECT @@wsrep_on").Scan(&on); err == nil && (on.String == "1" || on.String == "ON") {
		if _, err := cn.ExecContext(ctx, "SET SESSION wsrep_sync_wait = 1"); err != nil {
			cn.Close()
			db.Close()
			return nil, nil, err
		}
	}
	return db, cn, nil
}

// readDB reads users, invites and invite QR codes straight from the tables.
func readDB(ctx context.Context, raw string) (*dbState, error) {
	db, cn, err := conn(ctx, raw)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	defer cn.Close()
	st := &dbState{users: map[string]int64{}, invites: map[int64]dbInvite{}, tickets: map[int64][]string{}}

	dups := func(q string) ([]dup, error) {
		rows, err := cn.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []dup
		for rows.Next() {
			var d dup
			if err := rows.Scan(&d.key, &d.n); err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, rows.Err()
	}
	if st.dupOpenIDs, err = dups("SELECT openid, COUNT(*) FROM users GROUP BY openid HAVING COUNT(*) > 1"); err != nil {
		return nil, err
	}
	if st.dupInvitees, err = dups("SELECT CAST(invitee_id AS CHAR), COUNT(*) FROM invites GROUP BY invitee_id HAVING COUNT(*) > 1"); err != nil {
		return nil, err
	}

	rows, err := cn.QueryContext(ctx, "SELECT id, openid FROM users")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var openid string
		if err := rows.Scan(&id, &openid); err != nil {
			rows.Close()
			return nil, err
		}
		st.users[openid] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = cn.QueryContext(ctx, "SELECT invitee_id, inviter_id, channel FROM invites")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var invitee int64
		var inv dbInvite
		if err := rows.Scan(&invitee, &inv.inviterID, &inv.channel); err != nil {
			rows.Close()
			return nil, err
		}
		st.invites[invitee] = inv
		st.inviteRows++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = cn.QueryContext(ctx, "SELECT owner_id, ticket FROM qr_codes WHERE purpose = 'invite'")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var owner int64
		var ticket string
		if err := rows.Scan(&owner, &ticket); err != nil {
			rows.Close()
			return nil, err
		}
		st.tickets[owner] = append(st.tickets[owner], ticket)
	}
	rows.Close()
	return st, rows.Err()
}

// logGaleraConflicts logs each Galera node's certification failures and brute-force
// aborts: the conflicts the store's retries absorbed. Nothing on a plain server.
func logGaleraConflicts(ctx context.Context, t *testing.T, urls [3]string) {
	seen := map[string]bool{}
	for i, u := range urls {
		if seen[u] {
			continue
		}
		seen[u] = true
		db, cn, err := conn(ctx, u)
		if err != nil {
			t.Logf("node %d: %v", i, err)
			continue
		}
		var on sql.NullString
		if cn.QueryRowContext(ctx, "SELECT @@wsrep_on").Scan(&on) != nil || (on.String != "1" && on.String != "ON") {
			cn.Close()
			db.Close()
			continue // not a Galera node
		}
		rows, err := cn.QueryContext(ctx, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_cert_failures','wsrep_local_bf_aborts','wsrep_cluster_size')")
		if err == nil {
			var parts []string
			for rows.Next() {
				var k, v string
				if rows.Scan(&k, &v) == nil {
					parts = append(parts, k+"="+v)
				}
			}
			rows.Close()
			if len(parts) > 0 {
				t.Logf("node %d: %s", i, strings.Join(parts, " "))
			}
		}
		cn.Close()
		db.Close()
	}
}
