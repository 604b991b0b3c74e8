package bootstrap

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"
)

// The graph must resolve in both modes without starting anything.
func TestValidateApp(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"emulator": {"WXINVITE_ADDR": "127.0.0.1:0", "WXINVITE_DATABASE_URL": "sqlite::memory:"},
		"real": {"WXINVITE_ADDR": "127.0.0.1:0", "WXINVITE_DATABASE_URL": "sqlite::memory:",
			"WECHAT_APPID": "wx1234567890abcdef", "WECHAT_APPSECRET": "s", "WECHAT_TOKEN": "tok123"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := LoadConfig(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if err := fx.ValidateApp(Options(cfg)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// With real credentials the emulator must not exist at all.
func TestRealModeHasNoEmulator(t *testing.T) {
	env := map[string]string{"WXINVITE_ADDR": "127.0.0.1:0", "WXINVITE_DATABASE_URL": "sqlite::memory:",
		"WECHAT_APPID": "wx1234567890abcdef", "WECHAT_APPSECRET": "s", "WECHAT_TOKEN": "tok123"}
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var ln *Listener
	app := fx.New(Options(cfg, fx.NopLogger, fx.Populate(&ln)))
	if err := app.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer app.Stop(context.Background())
	for _, path := range []string{"/_emulator/", "/_emulator/cgi-bin/token?grant_type=client_credential", "/_emulator/api/status"} {
		resp, err := http.Get(ln.PublicURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s in real mode: status %d, want 404", path, resp.StatusCode)
		}
	}
	resp, err := http.Get(ln.PublicURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "/_emulator/") {
		t.Error("the landing page links to the emulator in real mode")
	}
}
