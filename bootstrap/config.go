// Package bootstrap reads the configuration and wires every adapter to the use cases
// with fx. It is the only package that imports everything.
package bootstrap

import (
	"strings"
	"time"
	_ "time/tzdata" // WXINVITE_TIMEZONE must load on hosts without a zoneinfo database

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/wechat"
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
	MetricsAddr   string // "" → /metrics on the main listener
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
	// ChatReply answers a chat message that asks for nothing ("" : success).
	ChatReply string
	QRPolicy  application.QRPolicy

	// EmulatorPublic allows emulator mode on a non-loopback address: anyone who
	// reaches it can act as any emulated user, so it must be asked for.
	EmulatorPublic bool
	// WebhookAllowPrivate allows webhook URLs on loopback and private addresses.
	WebhookAllowPrivate bool
	// AuditRetention is how long audit events are kept.
	AuditRetention time.Duration
	// Timezone is the zone of pages, CSV exports and per-day figures.
	Timezone *time.Location

	// EmulatorTokenTTL shortens the emulator's token lifetime (tests of refresh).
	EmulatorTokenTTL time.Duration
	// EmulatorSecret fixes the emulated AppSecret (default: random per process) so
	// that other instances in a test can use this one's emulator as their WeChat.
	EmulatorSecret string
}

// Emulator reports whether the built-in WeChat emulator replaces the real platform.
func (c Config) Emulator() bool { return c.AppID == "" }

// LoadConfig reads the configuration through getenv (os.Getenv in production, a map
// in tests) and validates every value. All invalid variables are reported at once,
// as ConfigErrors in the order of Variables, each naming its variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := &reader{getenv: getenv}
	c := Config{
		Addr:                   r.get("WXINVITE_ADDR", "127.0.0.1:8080"),
		PublicURL:              strings.TrimRight(r.get("WXINVITE_PUBLIC_URL", ""), "/"),
		MetricsAddr:            r.get("WXINVITE_METRICS_ADDR", ""),
		DatabaseURL:            r.get("WXINVITE_DATABASE_URL", "sqlite:wxinvite.db"),
		AdminToken:             r.get("WXINVITE_ADMIN_TOKEN", ""),
		SessionSecret:          r.get("WXINVITE_SESSION_SECRET", ""),
		LogLevel:               r.get("WXINVITE_LOG_LEVEL", "info"),
		AppID:                  r.get("WECHAT_APPID", ""),
		AppSecret:              r.get("WECHAT_APPSECRET", ""),
		Token:                  r.get("WECHAT_TOKEN", ""),
		EncodingAESKey:         r.get("WECHAT_ENCODING_AES_KEY", ""),
		PreviousEncodingAESKey: r.get("WECHAT_PREVIOUS_ENCODING_AES_KEY", ""),
		APIBase:                strings.TrimRight(r.get("WECHAT_API_BASE", wechat.DefaultAPIBase), "/"),
		OAuthBase:              strings.TrimRight(r.get("WECHAT_OAUTH_BASE", wechat.DefaultOAuthBase), "/"),
		OAuthScope:             r.get("WECHAT_OAUTH_SCOPE", wechat.DefaultScope),
		InviteReply:            r.get("WXINVITE_INVITE_REPLY", "感谢您的加入，邀请者是 {inviter}"),
		WelcomeReply:           r.get("WXINVITE_WELCOME_REPLY", "欢迎关注！"),
		ChatReply:              r.get("WXINVITE_CHAT_REPLY", ""),
		QRPolicy:               application.DefaultQRPolicy,
	}

	r.check("WXINVITE_ADDR", checkHostPort(c.Addr))
	if c.PublicURL != "" {
		r.check("WXINVITE_PUBLIC_URL", checkBaseURL(c.PublicURL))
	}
	if c.MetricsAddr != "" {
		r.check("WXINVITE_METRICS_ADDR", checkHostPort(c.MetricsAddr))
	}
	r.check("WXINVITE_DATABASE_URL", sqlstore.CheckURL(c.DatabaseURL))
	if c.SessionSecret != "" && len(c.SessionSecret) < 32 {
		r.fail("WXINVITE_SESSION_SECRET", "must be at least 32 characters, got %d", len(c.SessionSecret))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		r.fail("WXINVITE_LOG_LEVEL", "%q: want debug, info, warn or error", c.LogLevel)
	}
	r.wechat(&c)
	if !strings.Contains(c.InviteReply, "{inviter}") {
		r.fail("WXINVITE_INVITE_REPLY", "must contain {inviter}")
	}
	r.qrPolicy(&c.QRPolicy)

	c.EmulatorPublic = r.boolVar("WXINVITE_EMULATOR_PUBLIC")
	if c.Emulator() && !c.EmulatorPublic && !isLoopback(c.Addr) && checkHostPort(c.Addr) == nil {
		r.fail("WXINVITE_ADDR", "%q is not a loopback address, and emulator mode (no WECHAT_APPID) lets anyone who reaches it act as any user: listen on 127.0.0.1, configure a real account, or set WXINVITE_EMULATOR_PUBLIC=true", c.Addr)
	}
	c.WebhookAllowPrivate = r.boolVar("WXINVITE_WEBHOOK_ALLOW_PRIVATE")
	c.AuditRetention = r.durationVar("WXINVITE_AUDIT_RETENTION", 4320*time.Hour)
	c.Timezone = r.timezone("WXINVITE_TIMEZONE", "Asia/Shanghai")

	if err := r.err(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// wechat reads and checks the WeChat account variables.
func (r *reader) wechat(c *Config) {
	switch {
	case c.AppID == "" && c.AppSecret != "":
		r.fail("WECHAT_APPID", "is required when WECHAT_APPSECRET is set")
	case c.AppID != "" && c.AppSecret == "":
		r.fail("WECHAT_APPSECRET", "is required when WECHAT_APPID is set")
	case c.AppID != "" && !isAppID(c.AppID):
		r.fail("WECHAT_APPID", "%q does not look like an AppID (wx followed by 16 letters or digits)", c.AppID)
	}
	if c.Token == "" {
		if c.AppID != "" {
			r.fail("WECHAT_TOKEN", "is required with real credentials (the Token from the WeChat console)")
		}
		c.Token = EmulatorToken
	} else if !isConsoleToken(c.Token) {
		r.fail("WECHAT_TOKEN", "must be 3 to 32 letters or digits, as the WeChat console requires")
	}
	if c.EncodingAESKey != "" && !isAESKey(c.EncodingAESKey) {
		r.fail("WECHAT_ENCODING_AES_KEY", "%v", aesKeyError(c.EncodingAESKey))
	}
	if c.PreviousEncodingAESKey != "" && !isAESKey(c.PreviousEncodingAESKey) {
		r.fail("WECHAT_PREVIOUS_ENCODING_AES_KEY", "%v", aesKeyError(c.PreviousEncodingAESKey))
	} else if c.PreviousEncodingAESKey != "" && c.EncodingAESKey == "" {
		r.fail("WECHAT_PREVIOUS_ENCODING_AES_KEY", "needs WECHAT_ENCODING_AES_KEY too")
	}
	r.check("WECHAT_API_BASE", checkBaseURL(c.APIBase))
	r.check("WECHAT_OAUTH_BASE", checkBaseURL(c.OAuthBase))
	r.check("WECHAT_OAUTH_SCOPE", wechat.CheckScope(c.OAuthScope))
	switch v := strings.ToLower(r.get("WECHAT_TOKEN_ENDPOINT", "stable")); v {
	case "stable":
	case "classic":
		c.ClassicToken = true
	default:
		r.fail("WECHAT_TOKEN_ENDPOINT", "%q: want stable or classic", v)
	}
}

// qrPolicy reads the two QR policy variables and checks each against the
// application's own rule with the other at its default, so an error names the
// variable that broke it.
func (r *reader) qrPolicy(p *application.QRPolicy) {
	def := *p
	if n, ok := r.intVar("WXINVITE_QR_PERMANENT_QUOTA", def.PermanentQuota); ok {
		try := def
		try.PermanentQuota = n
		if r.check("WXINVITE_QR_PERMANENT_QUOTA", try.Validate()) {
			p.PermanentQuota = n
		}
	}
	if n, ok := r.intVar("WXINVITE_QR_REISSUE_DAYS", int(def.ReissueBefore/(24*time.Hour))); ok {
		try := def
		try.ReissueBefore = time.Duration(n) * 24 * time.Hour
		if r.check("WXINVITE_QR_REISSUE_DAYS", try.Validate()) {
			p.ReissueBefore = try.ReissueBefore
		}
	}
}
