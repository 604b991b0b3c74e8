package binary

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func runBin(t *testing.T, bin string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(append(os.Environ(), "WXINVITE_ADDR=127.0.0.1:0"), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// help and -h list the commands and every flag with its default and meaning;
// --version and version print the version; migrate says what it applied.
func TestCommandLine(t *testing.T) {
	bin := build(t)
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		out, err := runBin(t, bin, nil, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		for _, want := range []string{"migrate", "version", "-wxinvite-addr", `(default "127.0.0.1:8080")`, "listen address",
			"-wxinvite-database-url", `(default "sqlite:wxinvite.db")`, "-wechat-appid", "emulator mode"} {
			if !strings.Contains(out, want) {
				t.Fatalf("%v output lacks %q:\n%s", args, want, out)
			}
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, err := runBin(t, bin, nil, args...)
		if err != nil || !strings.HasPrefix(out, "wxinvite ") || strings.Count(out, "\n") != 1 {
			t.Fatalf("%v: %v %q", args, err, out)
		}
	}
	db := "WXINVITE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "m.db")
	out, err := runBin(t, bin, []string{db}, "migrate")
	if err != nil || !strings.HasPrefix(out, "migrate: applied ") || !strings.Contains(out, "initial_schema") {
		t.Fatalf("first migrate: %v %q", err, out)
	}
	out, err = runBin(t, bin, []string{db}, "migrate")
	if err != nil || !strings.Contains(out, "nothing applied") {
		t.Fatalf("second migrate: %v %q", err, out)
	}
	if out, err := runBin(t, bin, nil, "bogus"); err == nil || !strings.Contains(out, `unknown command "bogus"`) {
		t.Fatalf("unknown command: %v %q", err, out)
	}
}

// A SIGTERM logs that the shutdown started and that it finished, in that order.
func TestShutdownIsLogged(t *testing.T) {
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
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	wait := func(what string) {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("output ended before %q", what)
				}
				if strings.Contains(l, what) {
					return
				}
			case <-timeout:
				t.Fatalf("no %q within 30 s", what)
			}
		}
	}
	wait("EMULATOR mode")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wait(`"msg":"shutting down`)
	wait(`"msg":"shutdown finished`)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}
