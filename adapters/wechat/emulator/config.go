// Package emulator is a built-in emulation of the WeChat Official Account
// platform. It exists so that wxinvite runs end to end on one machine with no
// WeChat account and no public URL: it issues access tokens, parametric QR
// codes and OAuth codes the way WeChat does, pushes signed (optionally
// encrypted) event XML to the service's callback, and offers a "simulated
// phone" page plus a JSON API to drive it, by hand or from tests.
package emulator

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

// Config describes the emulated official account and how the emulator
// behaves. Zero values get WeChat's own defaults so that New(Config{AppID:…,
// AppSecret:…, Token:…}) is enough.
type Config struct {
	// AppID and AppSecret are the emulated account's credentials; the
	// service uses them in emulator mode exactly as it would real ones.
	AppID, AppSecret string
	// Token is the callback token that signs every push.
	Token string
	// EncodingAESKey selects the push mode: "" sends plaintext pushes, a
	// 43-character key sends safe-mode pushes (encrypt_type=aes,
	// msg_signature) and requires encrypted replies.
	EncodingAESKey string
	// OriginalID is the account's gh_… id (ToUserName of pushes).
	OriginalID string
	// CallbackURL is where pushes go; it may be set later with
	// SetCallbackURL because the port is often known only after listen.
	CallbackURL string
	// BasePath is where the handler is mounted; links it builds start
	// with it. Default "/_emulator".
	BasePath string
	// PublicURL is the public base URL of the service the emulator stands
	// beside. /open goes only there (or to a path on the emulator's own
	// host), so the emulator is no open redirect. Empty: paths only.
	PublicURL string
	// TokenTTL is the life of an access_token (WeChat: 7200 s).
	TokenTTL time.Duration
	// DailyTokenQuota caps cgi-bin/token calls per emulated day (45009
	// beyond). Default 2000.
	DailyTokenQuota int
	// PermanentQuota caps the distinct permanent QR codes (40053 beyond).
	// Default 100000.
	PermanentQuota int
	// DeliveryTimeout is how long WeChat waits for a callback answer
	// before dropping the connection and retrying. Default 5 s.
	DeliveryTimeout time.Duration
	// DeliveryRetries is how many more attempts follow a timed-out first
	// one. Default 3. A negative value means no retry.
	DeliveryRetries int
	// Now is the emulator's clock; tests inject a fake one.
	Now func() time.Time
	// HTTPClient sends the pushes. Default: a plain client (timeouts come
	// from DeliveryTimeout).
	HTTPClient *http.Client
	// Logger receives one line per push attempt and per notable event.
	Logger *slog.Logger
	// StateFile, when set, keeps persons, chats, QR codes, tokens, tickets and the
	// persons' cookie jars across restarts (a JSON file, written shortly after
	// each change). Empty: everything lives in memory only.
	StateFile string
	// QROwner names whose code a QR scene is ("小明"), for the phone's scan list;
	// nil or "" leaves codes unlabelled.
	QROwner func(scene string) string
}

// Defaults used when a Config field is left zero.
const (
	DefaultOriginalID      = "gh_wxinvite_emu"
	DefaultBasePath        = "/_emulator"
	DefaultTokenTTL        = 7200 * time.Second
	DefaultDailyTokenQuota = 2000
	DefaultPermanentQuota  = 100000
	DefaultDeliveryTimeout = 5 * time.Second
	DefaultDeliveryRetries = 3
)

// Emulator is one emulated WeChat platform with one official account. All
// methods are safe for concurrent use.
type Emulator struct {
	cfg    Config
	cipher *wxcrypto.Cipher
	log    *slog.Logger
	done   chan struct{}
	once   sync.Once

	mu          sync.Mutex
	callbackURL string
	counters    map[string]int
	userInfo    Outage

	menu     *Menu                   // installed by menu/create
	media    map[string]*mediaRec    // media_id → file
	kefu     map[string]*kefuWindows // openid → kefu allowances
	tokens   tokenStore
	qrcodes  qrStore
	persons  personStore
	oauth    oauthStore
	handler  http.Handler
	pushWait sync.WaitGroup

	tickets map[string]jsTicket    // jsapi tickets by value
	jars    map[string][]jarCookie // site cookies put away per person

	saveMu     sync.Mutex // guards saveTimer and saveClosed only
	saveTimer  *time.Timer
	saveClosed bool
	saveIO     sync.Mutex // one write of the state file at a time
}

// New checks cfg, fills in defaults and returns a ready emulator.
func New(cfg Config) (*Emulator, error) {
	if cfg.AppID == "" || cfg.AppSecret == "" {
		return nil, errors.New("emulator: AppID and AppSecret are required")
	}
	if cfg.Token == "" {
		return nil, errors.New("emulator: Token is required (it signs the pushes)")
	}
	if cfg.OriginalID == "" {
		cfg.OriginalID = DefaultOriginalID
	}
	if cfg.BasePath == "" {
		cfg.BasePath = DefaultBasePath
	}
	cfg.BasePath = "/" + strings.Trim(cfg.BasePath, "/")
	if cfg.BasePath == "/" {
		cfg.BasePath = ""
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.DailyTokenQuota <= 0 {
		cfg.DailyTokenQuota = DefaultDailyTokenQuota
	}
	if cfg.PermanentQuota <= 0 {
		cfg.PermanentQuota = DefaultPermanentQuota
	}
	if cfg.DeliveryTimeout <= 0 {
		cfg.DeliveryTimeout = DefaultDeliveryTimeout
	}
	if cfg.DeliveryRetries == 0 {
		cfg.DeliveryRetries = DefaultDeliveryRetries
	} else if cfg.DeliveryRetries < 0 {
		cfg.DeliveryRetries = 0
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		// Its own transport, so Close can drop the idle connections it holds to the
		// server it pushes to (a server draining for shutdown waits for those).
		cfg.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := &Emulator{
		cfg:         cfg,
		log:         cfg.Logger.With("component", "wechat-emulator"),
		done:        make(chan struct{}),
		callbackURL: cfg.CallbackURL,
		counters:    map[string]int{},
		media:       map[string]*mediaRec{},
		kefu:        map[string]*kefuWindows{},
	}
	if cfg.EncodingAESKey != "" {
		c, err := wxcrypto.NewCipher(cfg.EncodingAESKey, cfg.AppID)
		if err != nil {
			return nil, err
		}
		e.cipher = c
	}
	e.tokens.init()
	e.qrcodes.init()
	e.persons.init()
	e.oauth.init()
	e.tickets = map[string]jsTicket{}
	e.jars = map[string][]jarCookie{}
	if cfg.StateFile != "" {
		if err := e.load(); err != nil {
			return nil, err
		}
	}
	e.handler = e.routes()
	return e, nil
}

// Handler serves the emulated platform: cgi-bin/*, sns/*, connect/oauth2/*,
// the simulated phone at "/" and its JSON API at /api/*. It works mounted
// with http.StripPrefix(BasePath, h) and also unstripped (it removes
// BasePath itself when the path still carries it).
func (e *Emulator) Handler() http.Handler { return e.handler }

// SetCallbackURL sets where pushes go, once the service's port is known.
func (e *Emulator) SetCallbackURL(u string) {
	e.mu.Lock()
	e.callbackURL = u
	e.mu.Unlock()
}

// CallbackURL reports where pushes currently go ("" when unset).
func (e *Emulator) CallbackURL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.callbackURL
}

// Config returns the effective configuration (defaults filled in), so the
// integrating code can point its WeChat adapter at the same credentials.
func (e *Emulator) Config() Config { return e.cfg }

// SafeMode reports whether pushes are encrypted (an EncodingAESKey is set).
func (e *Emulator) SafeMode() bool { return e.cipher != nil }

// Close releases requests held by a hanging user/info outage and waits for
// pushes in flight. Call it on shutdown; the emulator is unusable after.
func (e *Emulator) Close() {
	e.once.Do(func() { close(e.done) })
	e.pushWait.Wait()
	e.flush()
	e.cfg.HTTPClient.CloseIdleConnections()
}

// Counters returns how many calls each endpoint has received, keyed by the
// WeChat path (e.g. "cgi-bin/token") plus "push" for delivery attempts. It
// exists so tests can assert, for example, that the service caches tokens.
func (e *Emulator) Counters() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int, len(e.counters))
	for k, v := range e.counters {
		out[k] = v
	}
	return out
}

func (e *Emulator) count(name string) {
	e.mu.Lock()
	e.counters[name]++
	e.mu.Unlock()
}

func (e *Emulator) now() time.Time { return e.cfg.Now() }
