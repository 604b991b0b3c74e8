package bootstrap

import (
	"fmt"
	"io"
	"runtime/debug"
)

// variableHelp is what `wxinvite -h` says of each variable: the default shown in
// the flag list, and what it means. A variable missing here is listed with a
// generic line, so a new variable never breaks the help.
var variableHelp = map[string]struct{ def, meaning string }{
	"WXINVITE_ADDR":                    {"127.0.0.1:8080", "listen address (host:port)"},
	"WXINVITE_PUBLIC_URL":              {"", "external base URL of invite links and the OAuth redirect_uri (default http:// + the listen address)"},
	"WXINVITE_DATABASE_URL":            {"sqlite:wxinvite.db", "sqlite:PATH, sqlite::memory: or mysql://USER:PASS@HOST:PORT/DB"},
	"WXINVITE_ADMIN_TOKEN":             {"", "bearer token of /admin/api/* (unset: the admin API answers 404)"},
	"WXINVITE_SESSION_SECRET":          {"", "at least 32 characters signing the session cookies (unset: random per process, sessions end on restart)"},
	"WXINVITE_LOG_LEVEL":               {"info", "debug, info, warn or error"},
	"WECHAT_APPID":                     {"", "the official account's AppID (unset: built-in emulator mode)"},
	"WECHAT_APPSECRET":                 {"", "the official account's AppSecret"},
	"WECHAT_TOKEN":                     {"", "the callback Token set on the WeChat console (emulator mode: a built-in value)"},
	"WECHAT_ENCODING_AES_KEY":          {"", "43-character EncodingAESKey: safe mode (unset: plaintext mode)"},
	"WECHAT_PREVIOUS_ENCODING_AES_KEY": {"", "the key before the last rotation, still accepted during the change"},
	"WECHAT_API_BASE":                  {"https://api.weixin.qq.com", "base of the cgi-bin/* and sns/* calls"},
	"WECHAT_OAUTH_BASE":                {"https://open.weixin.qq.com", "base of connect/oauth2/authorize"},
	"WECHAT_OAUTH_SCOPE":               {"snsapi_userinfo", "snsapi_userinfo (nickname and avatar) or snsapi_base"},
	"WECHAT_TOKEN_ENDPOINT":            {"stable", "stable (cgi-bin/stable_token) or classic (cgi-bin/token)"},
	"WXINVITE_INVITE_REPLY":            {"感谢您的加入，邀请者是 {inviter}", "reply to a newcomer who followed through an invite QR code"},
	"WXINVITE_WELCOME_REPLY":           {"欢迎关注！", "reply to any other follow (a newcomer nobody invited, or someone known following again)"},
	"WXINVITE_CHAT_REPLY":              {"", "reply to a chat message that is not the campaign keyword (unset: no reply)"},
	"WXINVITE_QR_PERMANENT_QUOTA":      {"90000", "permanent QR codes to issue before falling back to temporary ones"},
	"WXINVITE_QR_REISSUE_DAYS":         {"7", "re-issue a temporary invite QR code this many days before it expires"},
	"WXINVITE_METRICS_ADDR":            {"", "separate listener for /metrics (unset: /metrics on the main listener)"},
	"WXINVITE_EMULATOR_PUBLIC":         {"false", "allow emulator mode on a non-loopback address"},
	"WXINVITE_WEBHOOK_ALLOW_PRIVATE":   {"false", "allow webhook URLs on loopback/private addresses"},
	"WXINVITE_AUDIT_RETENTION":         {"4320h", "audit events older than this are pruned"},
	"WXINVITE_TIMEZONE":                {"Asia/Shanghai", "time zone of pages, the CSV export and per-day figures"},
}

// usageOf is the flag's help line for a variable.
func usageOf(variable string) (def, usage string) {
	h, ok := variableHelp[variable]
	if !ok {
		return "", "sets $" + variable + " (see the README)"
	}
	return h.def, h.meaning + " ($" + variable + ")"
}

// Version is the module version and VCS revision the binary was built from.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "wxinvite (unknown version)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	rev, dirty := "", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	out := "wxinvite " + v
	if rev != "" {
		out += " " + rev + dirty
	}
	return out + " " + bi.GoVersion
}

// usageHead is the top of `wxinvite help` and `wxinvite -h`.
func usageHead(w io.Writer) {
	fmt.Fprint(w, `usage: wxinvite [flags] [command]

commands:
  serve     run the service (the default): migrates the database, then listens
  migrate   apply the database migrations, say which, and exit
  help      show this help
  version   print the version (also --version)

Configuration comes from the environment; each flag below overrides the variable
of the same name (--wxinvite-addr overrides $WXINVITE_ADDR).

flags:
`)
}
