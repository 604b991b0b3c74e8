package bootstrap

import (
	"io"
	"strings"
	"testing"
)

func TestParseFlagsMirrorTheEnvironment(t *testing.T) {
	env := map[string]string{"WXINVITE_ADDR": "127.0.0.1:9000", "WECHAT_OAUTH_SCOPE": "snsapi_base"}
	getenv, rest, err := ParseFlags([]string{"--wxinvite-addr=127.0.0.1:9999", "-wxinvite-log-level", "debug", "migrate"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 1 || rest[0] != "migrate" {
		t.Errorf("rest = %v, want [migrate]", rest)
	}
	for k, want := range map[string]string{
		"WXINVITE_ADDR":      "127.0.0.1:9999", // the flag wins
		"WXINVITE_LOG_LEVEL": "debug",
		"WECHAT_OAUTH_SCOPE": "snsapi_base", // from the environment
		"WECHAT_APPID":       "",
	} {
		if got := getenv(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	cfg, err := LoadConfig(getenv)
	if err != nil || cfg.Addr != "127.0.0.1:9999" {
		t.Fatalf("config from flags: %+v, %v", cfg.Addr, err)
	}
	if _, _, err := ParseFlags([]string{"--no-such-flag=1"}, getenv, io.Discard); err == nil {
		t.Error("an unknown flag must be an error")
	}
}

// Every variable LoadConfig reads has a flag, and the README documents it.
func TestEveryVariableIsListed(t *testing.T) {
	var asked []string
	_, _ = LoadConfig(func(k string) string { asked = append(asked, k); return "" })
	listed := strings.Join(Variables, " ")
	for _, k := range asked {
		if !strings.Contains(listed, k) {
			t.Errorf("%s is read by LoadConfig but has no flag", k)
		}
	}
}
