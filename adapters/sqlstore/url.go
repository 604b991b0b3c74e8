package sqlstore

import (
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/wxinvite/wxinvite/application"
)

// The dialects Open understands, as reported by DB.Dialect.
const (
	DialectSQLite = "sqlite"
	DialectMySQL  = "mysql"
)

// target is a parsed WXINVITE_DATABASE_URL.
type target struct {
	dialect string
	// sqlitePath is the file, or ":memory:".
	sqlitePath string
	// mysql is the driver configuration with wxinvite's required settings applied.
	mysql *mysql.Config
}

// reservedMySQLParams are set by wxinvite because the store's correctness depends on
// them (times in UTC, utf8mb4 for emoji nicknames, matched-row counts for the
// compare-and-swap updates); a URL may not override them.
var reservedMySQLParams = []string{"parseTime", "loc", "charset", "collation", "clientFoundRows", "interpolateParams", "multiStatements"}

func invalidURL(format string, args ...any) error {
	return application.Errorf(application.KindInvalid, "invalid_database_url", nil,
		"WXINVITE_DATABASE_URL: "+format+" (want sqlite:PATH, sqlite::memory: or mysql://USER:PASS@HOST:PORT/DB?params)", args...)
}

// parseURL parses exactly the forms of the contract: sqlite:PATH, sqlite::memory:
// and mysql://USER:PASS@HOST:PORT/DB?extra=params.
func parseURL(raw string) (target, error) {
	switch {
	case raw == "":
		return target{}, invalidURL("empty")
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(raw, "sqlite:")
		if path == "" {
			return target{}, invalidURL("sqlite: needs a file path")
		}
		if strings.HasPrefix(path, "//") {
			return target{}, invalidURL("sqlite takes a plain path, not a URL: write sqlite:/abs/path or sqlite:rel/path")
		}
		if strings.ContainsAny(path, "?#") {
			return target{}, invalidURL("sqlite path %q must not contain '?' or '#'", path)
		}
		return target{dialect: DialectSQLite, sqlitePath: path}, nil
	case strings.HasPrefix(raw, "mysql://"):
		return parseMySQLURL(raw)
	}
	scheme, _, _ := strings.Cut(raw, ":")
	return target{}, invalidURL("unknown scheme %q", scheme)
}

func parseMySQLURL(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only the reason.
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return target{}, invalidURL("mysql URL does not parse: %v", err)
	}
	if u.User == nil || u.User.Username() == "" {
		return target{}, invalidURL("mysql URL needs a user (mysql://USER:PASS@HOST:PORT/DB)")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return target{}, invalidURL("mysql URL needs a host")
	}
	if port == "" {
		if strings.HasSuffix(u.Host, ":") {
			return target{}, invalidURL("mysql URL has an empty port")
		}
		port = "3306"
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" {
		return target{}, invalidURL("mysql URL needs a database name after the host (/DB)")
	}
	if strings.Contains(db, "/") {
		return target{}, invalidURL("mysql database name %q must not contain '/'", db)
	}
	if u.Fragment != "" {
		return target{}, invalidURL("mysql URL must not have a #fragment")
	}
	pass, _ := u.User.Password()

	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = u.User.Username(), pass
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", net.JoinHostPort(host, port), db
	extra := u.Query()
	for _, k := range reservedMySQLParams {
		if _, ok := extra[k]; ok {
			return target{}, invalidURL("mysql parameter %q is set by wxinvite and cannot be overridden", k)
		}
	}
	if len(extra) > 0 {
		// Let the driver validate and apply the extra parameters, exactly as it would
		// from a DSN: known options (timeout, tls, …) and session system variables.
		withExtra, err := mysql.ParseDSN(cfg.FormatDSN() + "?" + extra.Encode())
		if err != nil {
			return target{}, invalidURL("mysql parameters: %v", err)
		}
		cfg = withExtra
	}
	// Defaults unless the URL chose its own: fail fast when the server is unreachable,
	// never hang a request forever on a dead connection.
	setDefault := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	setDefault(&cfg.Timeout, 5*time.Second)
	setDefault(&cfg.ReadTimeout, 30*time.Second)
	setDefault(&cfg.WriteTimeout, 30*time.Second)
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.ClientFoundRows = true // RowsAffected counts matched rows: CAS updates depend on it
	cfg.InterpolateParams = false
	// Only the store's deferred appends (deferred.go) send several statements at
	// once: every statement is rendered by bun with its values escaped, never
	// concatenated from input, so the capability adds no injection path.
	cfg.MultiStatements = true
	return target{dialect: DialectMySQL, mysql: cfg}, nil
}

// CheckURL validates a WXINVITE_DATABASE_URL by the rules Open applies, without
// opening anything, so the configuration reports a bad URL at startup with the
// store's own parser (one source of truth).
func CheckURL(raw string) error {
	_, err := parseURL(raw)
	return err
}
