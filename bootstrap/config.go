// Package bootstrap reads the configuration and wires every adapter to the use cases
// with fx. It is the only package that imports everything.
package bootstrap

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

// Emulator-mode constants: the built-in WeChat emulator stands in for an account
// with these credentials. They mean nothing to the real platform.
const (
	EmulatorAppID = "wx0e0mu1a700000000"
	EmulatorToken = "wxinviteemulator"
)

// Config is the whole configuration, read from the environment (CONTRACT.md).
type Config struct {
	Addr          string
	PublicURL     string // "" → http:// + the listen address, resolved once listening
	DatabaseURL   string
	AdminToken    string
	SessionSecret string // "" → random per process, with a warning
	LogLevel      string

	AppID, AppSecret       string // both empty → emulator mode
	Token                  string
	EncodingAESKey         string
	PreviousEncodingAESKey string
	APIBase, OAuthBase     string
	OAuthScope             string
	ClassicToken           bool // cgi-bin/token instead of stable_token

	InviteReply, WelcomeReply string
	QRPolicy                  application.QRPolicy

	// EmulatorTokenTTL shortens the emulator's token lifetime (tests of refresh).
	EmulatorTokenTTL time.Duration
	// EmulatorSecret fixes the emulated AppSecret (default: random per process) so
	// that other instances in a test can use this one's emulator as their WeChat.
	EmulatorSecret string
}

// Emulator reports whether the built-in WeChat emulator replaces the real platform.
func (c Config) Emulator() bool { return c.AppID == "" }

// ConfigError names the variable that is wrong, so startup stops with one clear line.
type ConfigError struct {
	Var string
	Err error
}

// Error implements error.
func (e *ConfigError) Error() string { return e.Var + ": " + e.Err.Error() }

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *ConfigError) Unwrap() error { return e.Err }

// LoadConfig reads the configuration through getenv (os.Getenv in production, a map
// in tests) and validates every value.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Addr:                   get("WXINVITE_ADDR", "127.0.0.1:8080"),
		PublicURL:              strings.TrimRight(get("WXINVITE_PUBLIC_URL", ""), "/"),
		DatabaseURL:            get("WXINVITE_DATABASE_URL", "sqlite:wxinvite.db"),
		AdminToken:             get("WXINVITE_ADMIN_TOKEN", ""),
		SessionSecret:          get("WXINVITE_SESSION_SECRET", ""),
		LogLevel:               get("WXINVITE_LOG_LEVEL", "info"),
		AppID:                  get("WECHAT_APPID", ""),
		AppSecret:              get("WECHAT_APPSECRET", ""),
		Token:                  get("WECHAT_TOKEN", ""),
		EncodingAESKey:         get("WECHAT_ENCODING_AES_KEY", ""),
		PreviousEncodingAESKey: get("WECHAT_PREVIOUS_ENCODING_AES_KEY", ""),
		APIBase:                strings.TrimRight(get("WECHAT_API_BASE", "https://api.weixin.qq.com"), "/"),
		OAuthBase:              strings.TrimRight(get("WECHAT_OAUTH_BASE", "https://open.weixin.qq.com"), "/"),
		OAuthScope:             get("WECHAT_OAUTH_SCOPE", "snsapi_userinfo"),
		InviteReply:            get("WXINVITE_INVITE_REPLY", "感谢您的加入，邀请者是 {inviter}"),
		WelcomeReply:           get("WXINVITE_WELCOME_REPLY", "欢迎关注！"),
		QRPolicy:               application.DefaultQRPolicy,
	}
	var errs []error
	fail := func(name string, err error) { errs = append(errs, &ConfigError{Var: name, Err: err}) }

	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		fail("WXINVITE_ADDR", fmt.Errorf("%q is not host:port: %w", c.Addr, err))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		fail("WXINVITE_ADDR", fmt.Errorf("%q has no valid port", c.Addr))
	}
	if c.PublicURL != "" {
		if err := checkBaseURL(c.PublicURL); err != nil {
			fail("WXINVITE_PUBLIC_URL", err)
		}
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		fail("WXINVITE_DATABASE_URL", err)
	}
	if c.SessionSecret != "" && len(c.SessionSecret) < 32 {
		fail("WXINVITE_SESSION_SECRET", fmt.Errorf("must be at least 32 characters, got %d", len(c.SessionSecret)))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		fail("WXINVITE_LOG_LEVEL", fmt.Errorf("%q: want debug, info, warn or error", c.LogLevel))
	}
	switch {
	case c.AppID == "" && c.AppSecret != "":
		fail("WECHAT_APPID", fmt.Errorf("is required when WECHAT_APPSECRET is set"))
	case c.AppID != "" && c.AppSecret == "":
		fail("WECHAT_APPSECRET", fmt.Errorf("is required when WECHAT_APPID is set"))
	case c.AppID != "" && !isAppID(c.AppID):
		fail("WECHAT_APPID", fmt.Errorf("%q does not look like an AppID (wx followed by 16 letters or digits)", c.AppID))
	}
	if c.Token == "" {
		if c.AppID != "" {
			fail("WECHAT_TOKEN", fmt.Errorf("is required with real credentials (the Token from the WeChat console)"))
		}
		c.Token = EmulatorToken
	} else if !isConsoleToken(c.Token) {
		fail("WECHAT_TOKEN", fmt.Errorf("must be 3 to 32 letters or digits, as the WeChat console requires"))
	}
	for name, key := range map[string]string{"WECHAT_ENCODING_AES_KEY": c.EncodingAESKey, "WECHAT_PREVIOUS_ENCODING_AES_KEY": c.PreviousEncodingAESKey} {
		if key != "" && !isAESKey(key) {
			fail(name, aesKeyError(key))
		}
	}
	if c.PreviousEncodingAESKey != "" && c.EncodingAESKey == "" {
		fail("WECHAT_PREVIOUS_ENCODING_AES_KEY", fmt.Errorf("needs WECHAT_ENCODING_AES_KEY too"))
	}
	for name, base := range map[string]string{"WECHAT_API_BASE": c.APIBase, "WECHAT_OAUTH_BASE": c.OAuthBase} {
		if err := checkBaseURL(base); err != nil {
			fail(name, err)
		}
	}
	if c.OAuthScope != "snsapi_base" && c.OAuthScope != "snsapi_userinfo" {
		fail("WECHAT_OAUTH_SCOPE", fmt.Errorf("%q: want snsapi_base or snsapi_userinfo", c.OAuthScope))
	}
	switch v := strings.ToLower(get("WECHAT_TOKEN_ENDPOINT", "stable")); v {
	case "stable":
	case "classic":
		c.ClassicToken = true
	default:
		fail("WECHAT_TOKEN_ENDPOINT", fmt.Errorf("%q: want stable or classic", v))
	}
	if !strings.Contains(c.InviteReply, "{inviter}") {
		fail("WXINVITE_INVITE_REPLY", fmt.Errorf("must contain {inviter}"))
	}
	if n, err := intVar(getenv, "WXINVITE_QR_PERMANENT_QUOTA", c.QRPolicy.PermanentQuota); err != nil {
		fail("WXINVITE_QR_PERMANENT_QUOTA", err)
	} else {
		c.QRPolicy.PermanentQuota = n
	}
	if n, err := intVar(getenv, "WXINVITE_QR_REISSUE_DAYS", int(c.QRPolicy.ReissueBefore/(24*time.Hour))); err != nil {
		fail("WXINVITE_QR_REISSUE_DAYS", err)
	} else {
		c.QRPolicy.ReissueBefore = time.Duration(n) * 24 * time.Hour
	}
	if err := c.QRPolicy.Validate(); err != nil {
		fail("WXINVITE_QR_PERMANENT_QUOTA", err)
	}
	if len(errs) > 0 {
		return Config{}, errs[0]
	}
	return c, nil
}

func intVar(getenv func(string) string, name string, def int) (int, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a non-negative integer", v)
	}
	return n, nil
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

func checkDatabaseURL(s string) error {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		if strings.TrimPrefix(s, "sqlite:") == "" {
			return fmt.Errorf("%q: sqlite needs a path (sqlite:PATH or sqlite::memory:)", s)
		}
		return nil
	case strings.HasPrefix(s, "mysql://"):
		u, err := url.Parse(s)
		if err != nil {
			return fmt.Errorf("not a valid mysql URL: %w", err)
		}
		if u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return fmt.Errorf("want mysql://USER:PASS@HOST:PORT/DB")
		}
		return nil
	}
	return fmt.Errorf("want sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB")
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
