// Package binary runs the real wxinvite binary the way `make run` and an operator
// do: environment in, JSON logs out, SIGTERM to stop.
package binary

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wxinvite")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/wxinvite/wxinvite/bootstrap/cmd/wxinvite")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The emulator-mode start announces where to go, serves, and a SIGTERM stops it
// cleanly (exit status 0) within the shutdown bound.
func TestRunAnnouncesAndStopsOnSIGTERM(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WXINVITE_ADDR=127.0.0.1:0", "WXINVITE_DATABASE_URL=sqlite:"+filepath.Join(dir, "w.db"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) // only if the test failed half-way

	announce := make(chan map[string]any, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && strings.Contains(line["msg"].(string), "EMULATOR mode") {
				announce <- line
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	var line map[string]any
	select {
	case line = <-announce:
	case <-time.After(30 * time.Second):
		t.Fatal("no startup announcement within 30 s")
	}
	phone, _ := line["phone"].(string)
	me, _ := line["personal_centre"].(string)
	if !strings.HasSuffix(phone, "/_emulator/") || !strings.HasSuffix(me, "/me") || line["real_account"] == nil {
		t.Fatalf("announcement lacks the URLs to open or the way to a real account: %v", line)
	}
	for _, u := range []string{strings.TrimSuffix(me, "/me") + "/readyz", phone} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after SIGTERM the process exited with %v, want status 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after SIGTERM")
	}
}

// A bad value stops startup with one line that names the variable, and nothing runs.
func TestBadConfigStopsStartup(t *testing.T) {
	bin := build(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "WXINVITE_ADDR=127.0.0.1:0", "WECHAT_OAUTH_SCOPE=snsapi_login")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("want exit status 1, got %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "WECHAT_OAUTH_SCOPE") {
		t.Fatalf("want one line naming WECHAT_OAUTH_SCOPE, got %q", out)
	}
}
