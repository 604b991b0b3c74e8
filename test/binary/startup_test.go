package binary

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every start-up failure an operator meets first prints exactly one line that
// starts with the variable to fix and says the cause, and exits non-zero.
func TestStartupFailuresAreOneLine(t *testing.T) {
	bin := build(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := closed.Addr().String()
	closed.Close()

	type tc struct {
		name  string
		env   []string
		want  string // the whole line starts with this
		cause string // and contains this
	}
	cases := []tc{
		{"busy port", []string{"WXINVITE_ADDR=" + busy.Addr().String()}, "WXINVITE_ADDR: " + busy.Addr().String(), "is in use"},
		{"unreachable MySQL", []string{"WXINVITE_DATABASE_URL=mysql://root@" + deadAddr + "/x"}, "WXINVITE_DATABASE_URL: ", "nothing answers at " + deadAddr},
		{"SQLite directory missing", []string{"WXINVITE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "no", "such", "w.db")}, "WXINVITE_DATABASE_URL: ", "does not exist"},
		{"SQLite path not writable", []string{"WXINVITE_DATABASE_URL=sqlite:/proc/wxinvite-test.db"}, "WXINVITE_DATABASE_URL: ", "permission denied"},
		{"AES key with a bad character", []string{"WECHAT_ENCODING_AES_KEY=" + strings.Repeat("a", 42) + "="}, "WECHAT_ENCODING_AES_KEY: ", `character 43 is '='`},
	}
	if raw := os.Getenv("WXINVITE_TEST_MYSQL_URL"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		wrong := *u
		wrong.User = url.UserPassword(u.User.Username(), "certainly-wrong-password")
		unknown := *u
		unknown.Path = "/wxinvite_no_such_db_share"
		cases = append(cases,
			tc{"wrong MySQL password", []string{"WXINVITE_DATABASE_URL=" + wrong.String()}, "WXINVITE_DATABASE_URL: ", "wrong password"},
			tc{"unknown MySQL database", []string{"WXINVITE_DATABASE_URL=" + unknown.String()}, "WXINVITE_DATABASE_URL: ", `database "wxinvite_no_such_db_share" does not exist`},
		)
	} else {
		t.Log("WXINVITE_TEST_MYSQL_URL unset: the wrong-password and unknown-database cases are skipped")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin)
			cmd.Dir = t.TempDir()
			cmd.Env = append(append(os.Environ(), "WXINVITE_ADDR=127.0.0.1:0", "WXINVITE_DATABASE_URL=sqlite::memory:"), c.env...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("want a non-zero exit, got %v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "wxinvite: "+c.want) || !strings.Contains(lines[0], c.cause) || len(lines[0]) > 300 {
				t.Fatalf("want one short line starting %q and saying %q, got %d line(s):\n%s", c.want, c.cause, len(lines), out)
			}
		})
	}
}
