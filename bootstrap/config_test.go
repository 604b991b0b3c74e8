package bootstrap

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DatabaseURL != "sqlite:wxinvite.db" || c.PublicURL != "" {
		t.Errorf("defaults: %+v", c)
	}
	if !c.Emulator() || c.Token != EmulatorToken {
		t.Errorf("no credentials must mean emulator mode with the emulator token, got emulator=%v token=%q", c.Emulator(), c.Token)
	}
	if c.APIBase != "https://api.weixin.qq.com" || c.OAuthBase != "https://open.weixin.qq.com" || c.OAuthScope != "snsapi_userinfo" {
		t.Errorf("wechat defaults: %+v", c)
	}
	if !strings.Contains(c.InviteReply, "{inviter}") || c.QRPolicy.PermanentQuota != 90000 {
		t.Errorf("reply/policy defaults: %+v", c)
	}
}

func TestLoadConfigRealAccount(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig(env(map[string]string{
		"WECHAT_APPID": "wx1234567890abcdef", "WECHAT_APPSECRET": "s3cret", "WECHAT_TOKEN": "tok123",
		"WECHAT_ENCODING_AES_KEY": strings.Repeat("a", 43), "WXINVITE_PUBLIC_URL": "https://invite.example.com/",
		"WXINVITE_DATABASE_URL": "mysql://u:p@db:3306/wx?tls=true", "WECHAT_TOKEN_ENDPOINT": "classic",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Emulator() || c.PublicURL != "https://invite.example.com" || !c.ClassicToken {
		t.Errorf("got %+v", c)
	}
}

func TestLoadConfigRejectsBadValues(t *testing.T) {
	t.Parallel()
	real := map[string]string{"WECHAT_APPID": "wx1234567890abcdef", "WECHAT_APPSECRET": "s", "WECHAT_TOKEN": "tok123"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range real {
			m[a] = b
		}
		m[k] = v
		return m
	}
	cases := []struct {
		env  map[string]string
		var_ string
	}{
		{map[string]string{"WXINVITE_ADDR": "nonsense"}, "WXINVITE_ADDR"},
		{map[string]string{"WXINVITE_ADDR": "127.0.0.1:99999"}, "WXINVITE_ADDR"},
		{map[string]string{"WXINVITE_PUBLIC_URL": "ftp://x"}, "WXINVITE_PUBLIC_URL"},
		{map[string]string{"WXINVITE_PUBLIC_URL": "invite.example.com"}, "WXINVITE_PUBLIC_URL"},
		{map[string]string{"WXINVITE_DATABASE_URL": "postgres://x/y"}, "WXINVITE_DATABASE_URL"},
		{map[string]string{"WXINVITE_DATABASE_URL": "sqlite:"}, "WXINVITE_DATABASE_URL"},
		{map[string]string{"WXINVITE_DATABASE_URL": "mysql://host:3306"}, "WXINVITE_DATABASE_URL"},
		{map[string]string{"WXINVITE_SESSION_SECRET": "short"}, "WXINVITE_SESSION_SECRET"},
		{map[string]string{"WXINVITE_LOG_LEVEL": "loud"}, "WXINVITE_LOG_LEVEL"},
		{map[string]string{"WECHAT_APPSECRET": "s"}, "WECHAT_APPID"},
		{map[string]string{"WECHAT_APPID": "wx1234567890abcdef", "WECHAT_TOKEN": "tok123"}, "WECHAT_APPSECRET"},
		{with("WECHAT_APPID", "not-an-appid"), "WECHAT_APPID"},
		{with("WECHAT_TOKEN", ""), "WECHAT_TOKEN"},
		{with("WECHAT_TOKEN", "has space"), "WECHAT_TOKEN"},
		{map[string]string{"WECHAT_ENCODING_AES_KEY": strings.Repeat("a", 42)}, "WECHAT_ENCODING_AES_KEY"},
		{map[string]string{"WECHAT_ENCODING_AES_KEY": strings.Repeat("a", 42) + "="}, "WECHAT_ENCODING_AES_KEY"},
		{map[string]string{"WECHAT_PREVIOUS_ENCODING_AES_KEY": strings.Repeat("a", 43)}, "WECHAT_PREVIOUS_ENCODING_AES_KEY"},
		{map[string]string{"WECHAT_API_BASE": "not a url"}, "WECHAT_API_BASE"},
		{map[string]string{"WECHAT_OAUTH_BASE": "http://x/?q=1"}, "WECHAT_OAUTH_BASE"},
		{map[string]string{"WECHAT_OAUTH_SCOPE": "snsapi_login"}, "WECHAT_OAUTH_SCOPE"},
		{map[string]string{"WECHAT_TOKEN_ENDPOINT": "fast"}, "WECHAT_TOKEN_ENDPOINT"},
		{map[string]string{"WXINVITE_INVITE_REPLY": "thanks"}, "WXINVITE_INVITE_REPLY"},
		{map[string]string{"WXINVITE_QR_PERMANENT_QUOTA": "100001"}, "WXINVITE_QR_PERMANENT_QUOTA"},
		{map[string]string{"WXINVITE_QR_PERMANENT_QUOTA": "-1"}, "WXINVITE_QR_PERMANENT_QUOTA"},
		{map[string]string{"WXINVITE_QR_REISSUE_DAYS": "x"}, "WXINVITE_QR_REISSUE_DAYS"},
		{map[string]string{"WXINVITE_QR_REISSUE_DAYS": "30"}, "WXINVITE_QR_REISSUE_DAYS"}, // not below the 30-day lifetime
		{map[string]string{"WXINVITE_METRICS_ADDR": "9090"}, "WXINVITE_METRICS_ADDR"},
		{map[string]string{"WXINVITE_ADDR": "0.0.0.0:8080"}, "WXINVITE_ADDR"}, // emulator mode in public
		{map[string]string{"WXINVITE_ADDR": ":8080"}, "WXINVITE_ADDR"},
		{map[string]string{"WXINVITE_EMULATOR_PUBLIC": "yes please"}, "WXINVITE_EMULATOR_PUBLIC"},
		{map[string]string{"WXINVITE_WEBHOOK_ALLOW_PRIVATE": "maybe"}, "WXINVITE_WEBHOOK_ALLOW_PRIVATE"},
		{map[string]string{"WXINVITE_AUDIT_RETENTION": "180d"}, "WXINVITE_AUDIT_RETENTION"},
		{map[string]string{"WXINVITE_AUDIT_RETENTION": "-1h"}, "WXINVITE_AUDIT_RETENTION"},
		{map[string]string{"WXINVITE_TIMEZONE": "Mars/Olympus"}, "WXINVITE_TIMEZONE"},
	}
	for _, tc := range cases {
		_, err := LoadConfig(env(tc.env))
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%v: want a ConfigError, got %v", tc.env, err)
			continue
		}
		if ce.Var != tc.var_ {
			t.Errorf("%v: error names %s, want %s (%v)", tc.env, ce.Var, tc.var_, err)
		}
		if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), tc.var_+": ") {
			t.Errorf("want one line starting with the variable, got %q", err.Error())
		}
	}
}

// Every invalid variable is reported at once, one line each, in the order of
// Variables whatever order the checks run in.
func TestLoadConfigReportsEveryError(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig(env(map[string]string{
		"WXINVITE_TIMEZONE":           "Nowhere/Special",
		"WXINVITE_QR_REISSUE_DAYS":    "45",
		"WECHAT_OAUTH_SCOPE":          "snsapi_login",
		"WXINVITE_LOG_LEVEL":          "loud",
		"WXINVITE_ADDR":               "nonsense",
		"WXINVITE_QR_PERMANENT_QUOTA": "100001",
		"WXINVITE_AUDIT_RETENTION":    "forever",
	}))
	want := []string{"WXINVITE_ADDR", "WXINVITE_LOG_LEVEL", "WECHAT_OAUTH_SCOPE",
		"WXINVITE_QR_PERMANENT_QUOTA", "WXINVITE_QR_REISSUE_DAYS", "WXINVITE_AUDIT_RETENTION", "WXINVITE_TIMEZONE"}
	var all ConfigErrors
	if !errors.As(err, &all) {
		t.Fatalf("want ConfigErrors, got %T %v", err, err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(all) != len(want) || len(lines) != len(want) {
		t.Fatalf("got %d errors:\n%v\nwant one for each of %v", len(all), err, want)
	}
	for i, ce := range all {
		if ce.Var != want[i] || !strings.HasPrefix(lines[i], want[i]+": ") {
			t.Errorf("error %d is %q, want it about %s", i, lines[i], want[i])
		}
	}
}

func TestLoadConfigSecondWaveVariables(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "" || c.EmulatorPublic || c.WebhookAllowPrivate || c.AuditRetention != 4320*time.Hour || c.Timezone.String() != "Asia/Shanghai" {
		t.Errorf("defaults: metrics %q public %v private %v retention %s tz %s", c.MetricsAddr, c.EmulatorPublic, c.WebhookAllowPrivate, c.AuditRetention, c.Timezone)
	}
	c, err = LoadConfig(env(map[string]string{
		"WXINVITE_ADDR": "0.0.0.0:8080", "WXINVITE_EMULATOR_PUBLIC": "true", "WXINVITE_METRICS_ADDR": "127.0.0.1:9090",
		"WXINVITE_WEBHOOK_ALLOW_PRIVATE": "true", "WXINVITE_AUDIT_RETENTION": "24h", "WXINVITE_TIMEZONE": "UTC",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.EmulatorPublic || c.MetricsAddr != "127.0.0.1:9090" || !c.WebhookAllowPrivate || c.AuditRetention != 24*time.Hour || c.Timezone != time.UTC {
		t.Errorf("set: %+v", c)
	}
	// A real account may listen anywhere.
	if _, err := LoadConfig(env(map[string]string{"WXINVITE_ADDR": "0.0.0.0:8080",
		"WECHAT_APPID": "wx1234567890abcdef", "WECHAT_APPSECRET": "s", "WECHAT_TOKEN": "tok123"})); err != nil {
		t.Errorf("real account on 0.0.0.0: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:8080", "[::1]:8080", "localhost:8080"} {
		if _, err := LoadConfig(env(map[string]string{"WXINVITE_ADDR": addr})); err != nil {
			t.Errorf("emulator on %s: %v", addr, err)
		}
	}
}

func TestEmulatorStateFile(t *testing.T) {
	for in, want := range map[string]string{
		"sqlite:wxinvite.db":               "wxinvite.db.emulator.json",
		"sqlite:/var/lib/w.db":             "/var/lib/w.db.emulator.json",
		"sqlite:file:/tmp/w.db?cache=x":    "/tmp/w.db.emulator.json",
		"sqlite::memory:":                  "",
		"mysql://root@127.0.0.1:3306/wx_x": "",
	} {
		if got := emulatorStateFile(in); got != want {
			t.Errorf("emulatorStateFile(%q) = %q, want %q", in, got, want)
		}
	}
}
