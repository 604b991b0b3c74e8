package application

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// DefaultPosterPendingText is the passive reply when the poster is not ready inside
// the reply budget; the image follows as a kefu message.
const DefaultPosterPendingText = "你的专属海报正在生成，稍后发送给你～"

// DefaultPosterFailedText is the passive reply when the poster cannot be made
// (WeChat's upload failed): the user is told, and asking again tries again.
const DefaultPosterFailedText = "海报暂时无法生成，请稍后再试"

// DefaultPosterWait is how long a callback waits for the poster before answering
// with DefaultPosterPendingText; WeChat's whole budget is 5 s.
const DefaultPosterWait = 2500 * time.Millisecond

// CampaignKeywords tells the running campaign's keyword.
type CampaignKeywords interface {
	// Keyword returns the keyword of the campaign running at at, "" when none runs
	// or it has no keyword.
	Keyword(ctx context.Context, at time.Time) (string, error)
}

// ChatAnswer is what to answer a chat interaction with: a passive image, a
// passive text, or nothing ("success") when both are empty. An answer may come
// with an error: the user is still answered, and the error is logged.
type ChatAnswer struct {
	MediaID string
	Text    string
}

// ChatConfig words the chat loop's answers.
type ChatConfig struct {
	// AutoReply answers a message that asks for nothing ("" : success).
	AutoReply string
	// PosterPending is the text when the poster is not ready in time.
	PosterPending string
	// PosterWait bounds how long an answer waits for the poster.
	PosterWait time.Duration
}

// ChatService answers what a follower does in the chat: a text message or a menu
// tap. Each interaction opens or renews the user's kefu window; the campaign's
// keyword or the poster button gets the poster; a deferred notice rides on the
// next answer (as its text, or as kefu messages inside the new window).
type ChatService struct {
	cfg      ChatConfig
	users    UserRepository
	notifier *Notifier
	poster   *PosterService
	keywords CampaignKeywords
	clock    Clock
	audit    AuditLog
}

// SetAudit makes the chat loop record keyword and menu_click contacts in the audit
// trail (they change nothing else, so each is one insert of its own).
func (s *ChatService) SetAudit(a AuditLog) { s.audit = a }

// contact records a chat contact of u in the audit trail, when there is one.
func (s *ChatService) contact(ctx context.Context, u domain.User, t domain.AuditType, at time.Time) error {
	if s.audit == nil {
		return nil
	}
	if err := s.audit.Append(ctx, domain.AuditEvent{At: at, Type: t, UserID: u.ID}); err != nil {
		return fmt.Errorf("chat: audit: %w", err)
	}
	return nil
}

// NewChatService builds the use case; keywords may be nil (no campaign keyword).
func NewChatService(cfg ChatConfig, users UserRepository, notifier *Notifier, poster *PosterService, keywords CampaignKeywords, clock Clock) *ChatService {
	if cfg.PosterPending == "" {
		cfg.PosterPending = DefaultPosterPendingText
	}
	if cfg.PosterWait <= 0 {
		cfg.PosterWait = DefaultPosterWait
	}
	if clock == nil {
		clock = SystemClock
	}
	return &ChatService{cfg: cfg, users: users, notifier: notifier, poster: poster, keywords: keywords, clock: clock}
}

// Message answers a text message sent at at (the push's CreateTime).
func (s *ChatService) Message(ctx context.Context, openID, content string, at time.Time) (ChatAnswer, error) {
	u, err := s.interacted(ctx, openID, domain.TriggerMessage, at)
	if err != nil {
		return ChatAnswer{}, err
	}
	if s.keywords != nil {
		// The campaign running now (CreateTime has whole seconds: a campaign that
		// started this second would look not yet started at it).
		kw, err := s.keywords.Keyword(ctx, s.clock.Now())
		if err != nil {
			return ChatAnswer{}, err
		}
		if kw = strings.TrimSpace(kw); kw != "" && strings.TrimSpace(content) == kw {
			if err := s.contact(ctx, u, domain.AuditKeyword, at); err != nil {
				return ChatAnswer{}, err
			}
			return s.posterAnswer(ctx, u)
		}
	}
	return s.plainAnswer(ctx, u, s.cfg.AutoReply)
}

// Click answers a click-type menu tap with the button's key.
func (s *ChatService) Click(ctx context.Context, openID, key string, at time.Time) (ChatAnswer, error) {
	u, err := s.interacted(ctx, openID, domain.TriggerClick, at)
	if err != nil {
		return ChatAnswer{}, err
	}
	if err := s.contact(ctx, u, domain.AuditMenuClick, at); err != nil {
		return ChatAnswer{}, err
	}
	if key == domain.PosterMenuKey {
		return s.posterAnswer(ctx, u)
	}
	return s.plainAnswer(ctx, u, "")
}

// Followed records a follow or scan (it opens the short window) and sends the
// user's deferred notices inside it; the follow's own reply is the invite text.
func (s *ChatService) Followed(ctx context.Context, user domain.UserID, t domain.KefuTrigger, at time.Time) error {
	if err := s.notifier.Interacted(ctx, user, t, at); err != nil {
		return err
	}
	_, err := s.notifier.SendDeferred(ctx, user)
	return err
}

// interacted finds the user and opens their window. A person WeChat lets chat
// follows the account; one unknown here (followed before this service existed)
// has no invite history to keep, so nothing is answered for them but "success".
func (s *ChatService) interacted(ctx context.Context, openID string, t domain.KefuTrigger, at time.Time) (domain.User, error) {
	u, err := s.users.ByOpenID(ctx, openID)
	if err != nil {
		return domain.User{}, err
	}
	return u, s.notifier.Interacted(ctx, u.ID, t, at)
}

// plainAnswer replies with the user's deferred notices if any (a passive reply
// costs no kefu budget), else with fallback.
func (s *ChatService) plainAnswer(ctx context.Context, u domain.User, fallback string) (ChatAnswer, error) {
	text, err := s.notifier.TakeDeferredText(ctx, u.ID)
	if err != nil {
		return ChatAnswer{}, err
	}
	if text == "" {
		text = fallback
	}
	return ChatAnswer{Text: text}, nil
}

// posterAnswer replies with the poster (or, when it takes too long, a short text
// and the image later by kefu); deferred notices then go out by kefu inside the
// window just opened.
func (s *ChatService) posterAnswer(ctx context.Context, u domain.User) (ChatAnswer, error) {
	ans, err := s.poster.PosterReply(ctx, u.ID, s.cfg.PosterWait, nil)
	if err != nil {
		return ChatAnswer{Text: DefaultPosterFailedText}, err
	}
	// A notice that cannot go out now stays deferred; it must not cost the poster.
	_, _ = s.notifier.SendDeferred(ctx, u.ID)
	if ans.Later {
		return ChatAnswer{Text: s.cfg.PosterPending}, nil
	}
	return ChatAnswer{MediaID: ans.MediaID}, nil
}
