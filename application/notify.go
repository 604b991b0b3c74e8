package application

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// NoticeOutcome says what became of a notice.
type NoticeOutcome string

// Outcomes of Notifier.Notify.
const (
	NoticeSent      NoticeOutcome = "sent"      // a kefu message went out
	NoticeDeferred  NoticeOutcome = "deferred"  // stored for /me and the next interaction
	NoticeDuplicate NoticeOutcome = "duplicate" // the same event was already noticed
)

// maxPassiveNotices bounds the deferred notices folded into one passive reply,
// which WeChat shows as one message; the rest stay deferred for the next one.
const maxPassiveNoticeBytes = 1500

// Notifier tells users things inside WeChat within the platform's rules: a kefu
// message only when the user's shared window budget grants one (a conditional
// write, so any number of instances never exceed the quota), else the notice is
// deferred: shown on the user's page and delivered at their next interaction.
// A refused send is never retried; it is deferred.
type Notifier struct {
	notices NoticeStore
	windows KefuWindows
	kefu    WeChatKefu
	users   UserRepository
	clock   Clock
	audit   AuditLog
}

// SetAudit makes the notifier record notice_sent and notice_deferred in the audit
// trail of the notice's recipient.
func (s *Notifier) SetAudit(a AuditLog) { s.audit = a }

// record writes one notice outcome to the audit trail, when there is one; out is
// returned unchanged so callers keep the outcome even if the trail write fails.
func (s *Notifier) record(ctx context.Context, n domain.Notice, out NoticeOutcome) (NoticeOutcome, error) {
	t := domain.AuditNoticeDeferred
	if out == NoticeSent {
		t = domain.AuditNoticeSent
	}
	if s.audit == nil || out == NoticeDuplicate {
		return out, nil
	}
	if err := s.audit.Append(ctx, domain.AuditEvent{At: s.clock.Now(), Type: t, UserID: n.UserID}); err != nil {
		return out, fmt.Errorf("notice: audit: %w", err)
	}
	return out, nil
}

// NewNotifier builds the use case.
func NewNotifier(notices NoticeStore, windows KefuWindows, kefu WeChatKefu, users UserRepository, clock Clock) *Notifier {
	return &Notifier{notices: notices, windows: windows, kefu: kefu, users: users, clock: clock}
}

// Notify stores n (idempotent on its user and key) and sends it as a kefu text if
// the user's window allows one now; otherwise it stays deferred.
func (s *Notifier) Notify(ctx context.Context, n domain.Notice) (NoticeOutcome, error) {
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.clock.Now()
	}
	if err := n.Validate(); err != nil {
		return "", Errorf(KindInvalid, "invalid_notice", err, "the notice is not valid")
	}
	stored, added, err := s.notices.AddNotice(ctx, n)
	if err != nil {
		return "", err
	}
	if !added {
		return NoticeDuplicate, nil
	}
	open, err := s.budgetLeft(ctx, n.UserID)
	if err != nil {
		return NoticeDeferred, err
	}
	if !open {
		// The usual case for an inviter, who rarely just wrote to the account:
		// deferred without the claim, the spend and the undo it would take to learn
		// that (a window opening meanwhile delivers it at that interaction).
		return s.record(ctx, stored, NoticeDeferred)
	}
	u, err := s.users.ByID(ctx, n.UserID)
	if err != nil {
		return NoticeDeferred, err
	}
	out, err := s.send(ctx, u, stored)
	if err != nil {
		return out, err
	}
	return s.record(ctx, stored, out)
}

// budgetLeft says whether any of the user's windows has a message left now: one
// read, so a notice that cannot go out costs no writes. It decides nothing on its
// own — Consume's conditional write does — it only spares the attempt.
func (s *Notifier) budgetLeft(ctx context.Context, user domain.UserID) (bool, error) {
	ws, err := s.windows.Windows(ctx, user)
	if err != nil {
		return false, err
	}
	return domain.KefuBudgetAt(ws, s.clock.Now()) > 0, nil
}

// send claims the notice (so no other instance delivers it too), spends one
// message of the user's budget and sends it; without budget, or when WeChat
// refuses, the claim is undone and the notice stays deferred.
func (s *Notifier) send(ctx context.Context, u domain.User, n domain.Notice) (NoticeOutcome, error) {
	now := s.clock.Now()
	won, err := s.notices.ClaimNotice(ctx, n.ID, now)
	if err != nil || !won {
		return NoticeDeferred, err // another instance is delivering it
	}
	unclaim := func(cause error) (NoticeOutcome, error) {
		if uerr := s.notices.UnclaimNotice(context.WithoutCancel(ctx), n.ID, now); uerr != nil {
			return NoticeDeferred, errors.Join(cause, uerr)
		}
		return NoticeDeferred, cause
	}
	granted, err := s.windows.Consume(ctx, u.ID, now)
	if err != nil || !granted {
		return unclaim(err)
	}
	if err := s.kefu.SendText(ctx, u.OpenID, n.Text); err != nil {
		if errors.Is(err, ErrKefuOutOfWindow) || errors.Is(err, ErrKefuQuota) {
			return unclaim(nil) // WeChat counts otherwise: wait for the next interaction
		}
		return unclaim(err)
	}
	return NoticeSent, nil
}

// Interacted records that the user did something that opens a kefu window (the
// push's own CreateTime as at). A redelivery changes nothing.
func (s *Notifier) Interacted(ctx context.Context, user domain.UserID, t domain.KefuTrigger, at time.Time) error {
	w, err := domain.OpenKefuWindow(t, at)
	if err != nil {
		return Errorf(KindInvalid, "invalid_trigger", err, "%v", err)
	}
	return s.windows.Open(ctx, user, w)
}

// TakeDeferredText claims the user's deferred notices, oldest first, as the text
// of a passive reply (which costs no kefu budget), up to what one reply shows.
// It returns "" when there is nothing to say.
func (s *Notifier) TakeDeferredText(ctx context.Context, user domain.UserID) (string, error) {
	pending, err := s.notices.Notices(ctx, user, true, 20)
	if err != nil {
		return "", err
	}
	now := s.clock.Now()
	var lines []string
	size := 0
	for i := len(pending) - 1; i >= 0; i-- { // oldest first
		n := pending[i]
		if size+len(n.Text)+1 > maxPassiveNoticeBytes && len(lines) > 0 {
			break
		}
		won, err := s.notices.ClaimNotice(ctx, n.ID, now)
		if err != nil {
			return strings.Join(lines, "\n"), err
		}
		if won {
			lines = append(lines, n.Text)
			size += len(n.Text) + 1
			if _, err := s.record(ctx, n, NoticeSent); err != nil {
				return strings.Join(lines, "\n"), err
			}
		}
	}
	return strings.Join(lines, "\n"), nil
}

// SendDeferred sends the user's deferred notices as kefu texts, oldest first, while
// the window budget lasts (after an interaction whose passive reply is taken by
// something else, e.g. the poster). It returns how many went out.
func (s *Notifier) SendDeferred(ctx context.Context, user domain.UserID) (int, error) {
	pending, err := s.notices.Notices(ctx, user, true, 20)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	u, err := s.users.ByID(ctx, user)
	if err != nil {
		return 0, err
	}
	sent := 0
	for i := len(pending) - 1; i >= 0; i-- {
		out, err := s.send(ctx, u, pending[i])
		if err != nil || out != NoticeSent {
			return sent, err
		}
		sent++
		if _, err := s.record(ctx, pending[i], out); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// Notices lists the user's notices for their page, newest first.
func (s *Notifier) Notices(ctx context.Context, user domain.UserID, limit int) ([]domain.Notice, error) {
	return s.notices.Notices(ctx, user, false, limit)
}
