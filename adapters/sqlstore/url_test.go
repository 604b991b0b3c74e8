package sqlstore

import (
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	good := []struct {
		url, dialect, path, addr, db, user, pass string
		check                                    func(t *testing.T, tg target)
	}{
		{url: "sqlite:wxinvite.db", dialect: DialectSQLite, path: "wxinvite.db"},
		{url: "sqlite:/var/lib/wxinvite/data.db", dialect: DialectSQLite, path: "/var/lib/wxinvite/data.db"},
		{url: "sqlite::memory:", dialect: DialectSQLite, path: ":memory:"},
		{url: "mysql://root@127.0.0.1:3306/wxinvite", dialect: DialectMySQL, addr: "127.0.0.1:3306", db: "wxinvite", user: "root"},
		{url: "mysql://app:s3cr%40t%2F%3F@db.internal/wx", dialect: DialectMySQL, addr: "db.internal:3306", db: "wx", user: "app", pass: "s3cr@t/?"},
		{url: "mysql://app:pw@[::1]:3307/wx?tls=skip-verify&timeout=2s&wsrep_sync_wait=3", dialect: DialectMySQL, addr: "[::1]:3307", db: "wx", user: "app", pass: "pw",
			check: func(t *testing.T, tg target) {
				c := tg.mysql
				if c.TLSConfig != "skip-verify" || c.Timeout != 2*time.Second || c.Params["wsrep_sync_wait"] != "3" {
					t.Errorf("extra params not passed to the driver: tls %q timeout %v params %v", c.TLSConfig, c.Timeout, c.Params)
				}
				if c.ReadTimeout != 30*time.Second {
					t.Errorf("default readTimeout lost: %v", c.ReadTimeout)
				}
			}},
	}
	for _, tc := range good {
		tg, err := parseURL(tc.url)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tc.url, err)
			continue
		}
		if tg.dialect != tc.dialect || tg.sqlitePath != tc.path {
			t.Errorf("parseURL(%q) = %s %q", tc.url, tg.dialect, tg.sqlitePath)
		}
		if c := tg.mysql; c != nil {
			if c.Addr != tc.addr || c.DBName != tc.db || c.User != tc.user || c.Passwd != tc.pass {
				t.Errorf("parseURL(%q) = addr %q db %q user %q pass %q", tc.url, c.Addr, c.DBName, c.User, c.Passwd)
			}
			if !c.ParseTime || c.Loc != time.UTC || !c.ClientFoundRows || !strings.HasPrefix(c.Collation, "utf8mb4") || c.Timeout == 0 || c.WriteTimeout == 0 {
				t.Errorf("parseURL(%q): required settings missing: %+v", tc.url, c)
			}
		}
		if tc.check != nil {
			tc.check(t, tg)
		}
	}

	bad := []struct{ url, says string }{
		{"", "empty"},
		{"postgres://u@h/db", `unknown scheme "postgres"`},
		{"wxinvite.db", "unknown scheme"},
		{"sqlite:", "needs a file path"},
		{"sqlite://data.db", "plain path"},
		{"sqlite:data.db?mode=ro", "must not contain"},
		{"mysql://127.0.0.1:3306/wx", "needs a user"},
		{"mysql://root@/wx", "needs a host"},
		{"mysql://root@h:3306", "needs a database name"},
		{"mysql://root@h:3306/", "needs a database name"},
		{"mysql://root@h:3306/a/b", "must not contain '/'"},
		{"mysql://root@h:notaport/wx", "does not parse"},
		{"mysql://root@h/wx?parseTime=false", `"parseTime" is set by wxinvite`},
		{"mysql://root@h/wx?charset=latin1", `"charset" is set by wxinvite`},
		{"mysql://root@h/wx?timeout=soon", "mysql parameters"},
	}
	for _, tc := range bad {
		_, err := parseURL(tc.url)
		if err == nil {
			t.Errorf("parseURL(%q) succeeded, want an error saying %q", tc.url, tc.says)
			continue
		}
		if !application.IsKind(err, application.KindInvalid) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "WXINVITE_DATABASE_URL") {
			t.Errorf("parseURL(%q) = %v (kind %s), want KindInvalid naming WXINVITE_DATABASE_URL and saying %q", tc.url, err, application.ErrorKind(err), tc.says)
		}
		if strings.Contains(err.Error(), "s3cr") {
			t.Errorf("error leaks a password: %v", err)
		}
	}
}
