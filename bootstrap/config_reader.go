package bootstrap

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ConfigError names the variable that is wrong, so startup stops with one clear line.
type ConfigError struct {
	Var string
	Err error
}

// Error implements error. A cause that already names the variable (the store's URL
// parser does) is not prefixed twice.
func (e *ConfigError) Error() string {
	return e.Var + ": " + strings.Replace(e.Err.Error(), e.Var+": ", "", 1)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *ConfigError) Unwrap() error { return e.Err }

// ConfigErrors is every invalid variable of one configuration, in the order of
// Variables, one line each: an operator fixes them all in one go.
type ConfigErrors []*ConfigError

// Error implements error: one line per variable.
func (e ConfigErrors) Error() string {
	lines := make([]string, len(e))
	for i, ce := range e {
		lines[i] = ce.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each *ConfigError (the first one first).
func (e ConfigErrors) Unwrap() []error {
	errs := make([]error, len(e))
	for i, ce := range e {
		errs[i] = ce
	}
	return errs
}

// reader reads variables and collects what is wrong with them.
type reader struct {
	getenv func(string) string
	errs   ConfigErrors
}

func (r *reader) get(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

func (r *reader) fail(name, format string, args ...any) {
	r.errs = append(r.errs, &ConfigError{Var: name, Err: fmt.Errorf(format, args...)})
}

// check records err against name and reports whether there was none.
func (r *reader) check(name string, err error) bool {
	if err != nil {
		r.errs = append(r.errs, &ConfigError{Var: name, Err: err})
	}
	return err == nil
}

// err is nil or every error, sorted by the variable's place in Variables (stable,
// so two errors of one variable keep the order they were found in).
func (r *reader) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(r.errs, func(a, b *ConfigError) int {
		return slices.Index(Variables, a.Var) - slices.Index(Variables, b.Var)
	})
	return r.errs
}

func (r *reader) intVar(name string, def int) (int, bool) {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.fail(name, "%q is not a non-negative integer", v)
		return 0, false
	}
	return n, true
}

func (r *reader) boolVar(name string) bool {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, "%q: want true or false", v)
	}
	return b
}

func (r *reader) durationVar(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, "%q: want a positive duration such as 4320h", v)
		return def
	}
	return d
}

func (r *reader) timezone(name, def string) *time.Location {
	v := r.get(name, def)
	loc, err := time.LoadLocation(v)
	if err != nil || v == "Local" {
		r.fail(name, "%q: want an IANA time zone such as Asia/Shanghai", v)
		return time.UTC
	}
	return loc
}

func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port", addr)
	}
	return nil
}

// isLoopback reports whether a host:port listens on loopback only. An empty host
// (":8080") listens on every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q: want an absolute http(s) URL without query or fragment", s)
	}
	return nil
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func isAppID(s string) bool { return len(s) == 18 && strings.HasPrefix(s, "wx") && isAlnum(s) }

func isConsoleToken(s string) bool {
	return len(s) >= 3 && len(s) <= 32 && isAlnum(s)
}

func isAESKey(s string) bool { return len(s) == 43 && isAlnum(s) }
