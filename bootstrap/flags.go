package bootstrap

import (
	"flag"
	"io"
	"os"
	"strings"
)

// Variables names every configuration variable LoadConfig reads, in the order the
// README documents them.
var Variables = []string{
	"WXINVITE_ADDR", "WXINVITE_PUBLIC_URL", "WXINVITE_DATABASE_URL", "WXINVITE_ADMIN_TOKEN",
	"WXINVITE_SESSION_SECRET", "WXINVITE_LOG_LEVEL",
	"WECHAT_APPID", "WECHAT_APPSECRET", "WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY",
	"WECHAT_PREVIOUS_ENCODING_AES_KEY", "WECHAT_API_BASE", "WECHAT_OAUTH_BASE", "WECHAT_OAUTH_SCOPE",
	"WECHAT_TOKEN_ENDPOINT", "WXINVITE_INVITE_REPLY", "WXINVITE_WELCOME_REPLY", "WXINVITE_CHAT_REPLY",
	"WXINVITE_QR_PERMANENT_QUOTA", "WXINVITE_QR_REISSUE_DAYS",
	"WXINVITE_METRICS_ADDR", "WXINVITE_EMULATOR_PUBLIC", "WXINVITE_WEBHOOK_ALLOW_PRIVATE",
	"WXINVITE_AUDIT_RETENTION", "WXINVITE_TIMEZONE",
}

// FlagName is the command-line mirror of a variable: WXINVITE_ADDR → wxinvite-addr.
func FlagName(variable string) string {
	return strings.ToLower(strings.ReplaceAll(variable, "_", "-"))
}

// ParseFlags reads flags mirroring the variables (--wxinvite-addr=…) from args and
// returns a getenv in which a flag given on the command line wins over the
// environment, plus the arguments left after the flags (the subcommand).
func ParseFlags(args []string, getenv func(string) string, usage io.Writer) (func(string) string, []string, error) {
	fs := flag.NewFlagSet("wxinvite", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.Usage = func() {
		usageHead(usage)
		fs.PrintDefaults()
	}
	vals := make(map[string]*string, len(Variables))
	for _, v := range Variables {
		// The default is for the help only: an unset flag leaves the variable alone.
		def, help := usageOf(v)
		vals[v] = fs.String(FlagName(v), def, help)
	}
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if *version {
		return nil, []string{"version"}, nil
	}
	if fs.NArg() > 0 && fs.Arg(0) == "help" {
		fs.Usage()
		return nil, nil, flag.ErrHelp
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return func(k string) string {
		if p, ok := vals[k]; ok && set[FlagName(k)] {
			return *p
		}
		return getenv(k)
	}, fs.Args(), nil
}

// OSEnv is os.Getenv, named for wiring.
var OSEnv = os.Getenv
