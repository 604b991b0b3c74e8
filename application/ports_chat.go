package application

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// Errors of the kefu (customer-service message) port. WeChat refuses a kefu
// message outside the user's window (45015) or past its quota (45047); either way
// the notice is deferred, never retried.
var (
	// ErrKefuOutOfWindow is WeChat's 45015: no open window, or the user unfollowed.
	ErrKefuOutOfWindow = &Error{Kind: KindConflict, Code: "kefu_out_of_window", Message: "the user's kefu window is closed"}
	// ErrKefuQuota is WeChat's 45047: the window's message quota is used up.
	ErrKefuQuota = &Error{Kind: KindConflict, Code: "kefu_quota", Message: "the user's kefu quota is used up"}
)

// WeChatMenus installs and reads the official account's custom menu.
type WeChatMenus interface {
	// CreateMenu installs m (menu/create). KindInvalid when WeChat refuses the menu;
	// KindUnavailable when WeChat is down.
	CreateMenu(ctx context.Context, m domain.Menu) error
	// Menu returns the installed menu (menu/get); ErrNotFound when none is installed.
	Menu(ctx context.Context) (domain.Menu, error)
}

// WeChatMedia uploads temporary media.
type WeChatMedia interface {
	// UploadImage uploads a PNG or JPEG (media/upload, type image) and returns its
	// media_id. KindInvalid when WeChat refuses the file; KindUnavailable when down.
	UploadImage(ctx context.Context, filename string, data []byte) (string, error)
}

// WeChatKefu sends customer-service messages.
type WeChatKefu interface {
	// SendText sends a kefu text. ErrKefuOutOfWindow (45015) or ErrKefuQuota (45047)
	// when WeChat refuses it for the user's window; KindUnavailable when down.
	SendText(ctx context.Context, openID, text string) error
	// SendImage sends a kefu image by media_id, with the same errors as SendText.
	SendImage(ctx context.Context, openID, mediaID string) error
}

// KefuWindows keeps every user's kefu windows for all instances, so the quota is
// counted once across them: a send is granted by one conditional write.
type KefuWindows interface {
	// Open records the window an interaction opened. It replaces the user's window
	// of the same slot only if w is strictly newer (w.Replaces), so a redelivered or
	// late interaction never resets what was spent.
	Open(ctx context.Context, user domain.UserID, w domain.KefuWindow) error
	// Consume takes one message from the user's windows at now, drawing in
	// domain.KefuSlotsByUrgency order, and reports whether one was granted. Any
	// number of concurrent callers on any number of instances are granted at most
	// the windows' quota in total.
	Consume(ctx context.Context, user domain.UserID, now time.Time) (bool, error)
	// Windows lists the user's windows (open or not), for pages and tests.
	Windows(ctx context.Context, user domain.UserID) ([]domain.KefuWindow, error)
}

// PosterMediaCache remembers uploaded posters so a user asking ten times costs one
// upload.
type PosterMediaCache interface {
	// PosterMedia returns the media uploaded for key strictly after cutoff
	// (domain.PosterMediaCutoff); ErrNotFound when there is none that recent.
	PosterMedia(ctx context.Context, key domain.PosterKey, cutoff time.Time) (domain.PosterMedia, error)
	// PutPosterMedia stores m as the media of its key, unless a newer upload is
	// already stored.
	PutPosterMedia(ctx context.Context, m domain.PosterMedia) error
}

// NoticeStore keeps notices to users; each is delivered at most once.
type NoticeStore interface {
	// AddNotice stores n (validated by the caller) and returns it with its ID and
	// true; when a notice with the same user and key exists it returns that one and
	// false, so redeliveries and other instances never notify twice.
	AddNotice(ctx context.Context, n domain.Notice) (domain.Notice, bool, error)
	// ClaimNotice marks a deferred notice delivered at the given instant, if it
	// still is deferred (compare-and-swap), and reports whether this caller won it.
	// Claim before sending: a notice is never sent twice.
	ClaimNotice(ctx context.Context, id domain.NoticeID, at time.Time) (bool, error)
	// UnclaimNotice returns a claimed notice to deferred after its send failed; it
	// changes nothing unless the notice is still marked delivered at at.
	UnclaimNotice(ctx context.Context, id domain.NoticeID, at time.Time) error
	// Notices lists the user's notices, newest first; deferredOnly keeps those not
	// yet delivered.
	Notices(ctx context.Context, user domain.UserID, deferredOnly bool, limit int) ([]domain.Notice, error)
}

// PosterBox is a square placed on a poster, in background pixels.
type PosterBox struct {
	X, Y, Size int
}

// PosterText is where and how a line of text is drawn, in background pixels; Y is
// the baseline, Color a #rrggbb string ("" for the default).
type PosterText struct {
	X, Y, Size int
	Color      string
}

// PosterSpec is everything a poster shows.
type PosterSpec struct {
	// Background is a PNG or JPEG; nil draws the default design (and ignores the
	// positions below in favour of its own).
	Background []byte
	QR         PosterBox
	Avatar     *PosterBox  // nil: no avatar
	Nickname   *PosterText // nil: no nickname
	// QRContent is what the QR code encodes: the user's invite QR URL.
	QRContent string
	// AvatarImage is the user's head image (PNG or JPEG); nil or undecodable: none.
	AvatarImage  []byte
	NicknameText string
}

// Poster is a rendered poster.
type Poster struct {
	Data        []byte
	ContentType string // image/png or image/jpeg
}

// PosterRenderer draws posters.
type PosterRenderer interface {
	// Render draws spec. KindInvalid when the background is not a PNG or JPEG or
	// a position lies outside it.
	Render(ctx context.Context, spec PosterSpec) (Poster, error)
}
