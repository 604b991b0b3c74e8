package bootstrap

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	httpadapter "github.com/wxinvite/wxinvite/adapters/http"
	"github.com/wxinvite/wxinvite/adapters/wechat"
	"github.com/wxinvite/wxinvite/application"
)

// platform is where the WeChat adapter finds WeChat: the real platform, or the
// built-in emulator served by this very process.
type platform struct {
	AppID, AppSecret   string
	APIBase, OAuthBase string
	Emulated           bool
}

func newPlatform(cfg Config, ln *Listener) platform {
	if !cfg.Emulator() {
		return platform{AppID: cfg.AppID, AppSecret: cfg.AppSecret, APIBase: cfg.APIBase, OAuthBase: cfg.OAuthBase}
	}
	secret := cfg.EmulatorSecret
	if secret == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		secret = hex.EncodeToString(b)
	}
	return platform{
		AppID:     EmulatorAppID,
		AppSecret: secret,
		APIBase:   ln.LocalURL + "/_emulator",  // server-to-server calls stay on loopback
		OAuthBase: ln.PublicURL + "/_emulator", // the browser follows this one
		Emulated:  true,
	}
}

// WeChatModule is everything of the WeChat adapter: where WeChat is (the platform or
// this process's emulator), the API client with its metrics (bound to the
// application's WeChat ports), and the callback handler with its metrics, mounted at
// /wechat/callback (its background work is the application's EnrichWorker).
var WeChatModule = fx.Module("wechat",
	fx.Provide(
		newPlatform,
		newWeChatClient,
		func(c *wechat.Client) application.WeChatQRCodes { return c },
		func(c *wechat.Client) application.WeChatFollowers { return c },
		func(c *wechat.Client) application.WeChatOAuth { return c },
		func(c *wechat.Client) application.WeChatMenus { return c },
		func(c *wechat.Client) application.WeChatMedia { return c },
		func(c *wechat.Client) application.WeChatKefu { return c },
		func(c *wechat.Client) application.WeChatJSSDK { return c },
		newCallback,
		callbackMount,
	),
	// Text messages and menu taps reach the chat loop.
	fx.Invoke(func(cb *wechat.Callback, chat *application.ChatService) { cb.SetChat(chat) }),
)

func newWeChatClient(cfg Config, p platform, tokens application.TokenStore, clock application.Clock, reg prometheus.Registerer, log *slog.Logger) (*wechat.Client, error) {
	return wechat.NewClient(wechat.ClientConfig{
		AppID: p.AppID, AppSecret: p.AppSecret, APIBase: p.APIBase, OAuthBase: p.OAuthBase,
		Scope: cfg.OAuthScope, ClassicToken: cfg.ClassicToken,
	}, tokens, clock, reg, log)
}

// newCallback builds the callback handler over the use cases the pushes drive.
func newCallback(cfg Config, p platform, join *application.JoinService, unfollow *application.UnfollowService, enrich *application.EnrichWorker, clock application.Clock, reg prometheus.Registerer, log *slog.Logger) (*wechat.Callback, error) {
	cb, err := wechat.NewCallback(wechat.CallbackConfig{
		Token: cfg.Token, AppID: p.AppID,
		EncodingAESKey: cfg.EncodingAESKey, PreviousEncodingAESKey: cfg.PreviousEncodingAESKey,
		InviteReply: cfg.InviteReply, WelcomeReply: cfg.WelcomeReply,
	}, join, unfollow, enrich, clock, reg, log)
	if err != nil {
		return nil, &ConfigError{Var: "WECHAT_ENCODING_AES_KEY", Err: err}
	}
	return cb, nil
}

type callbackMountOut struct {
	fx.Out
	Mount httpadapter.Mount `group:"mounts"`
}

// callbackMount serves the callback at the URL entered on the WeChat console.
func callbackMount(cb *wechat.Callback) callbackMountOut {
	return callbackMountOut{Mount: httpadapter.Mount{Name: "wechat_callback", Path: "/wechat/callback", Methods: []string{http.MethodGet, http.MethodPost}, Handler: cb}}
}
