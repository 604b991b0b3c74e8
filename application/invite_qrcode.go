package application

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// QRPolicy says which kind of invite code to hand out. Permanent codes never expire
// but WeChat caps them at 100,000 per account, so by default only 90,000 are used
// (the rest stay free for other purposes and for concurrent issuers overshooting the
// count); after that users get 30-day temporary codes re-issued when a week is left.
type QRPolicy struct {
	PermanentQuota    int
	TemporaryLifetime time.Duration
	ReissueBefore     time.Duration
}

// DefaultQRPolicy is the policy used unless configured otherwise.
var DefaultQRPolicy = QRPolicy{
	PermanentQuota:    90000,
	TemporaryLifetime: domain.MaxTemporaryLifetime,
	ReissueBefore:     7 * 24 * time.Hour,
}

// Validate checks the policy against WeChat's limits.
func (p QRPolicy) Validate() error {
	switch {
	case p.PermanentQuota < 0 || p.PermanentQuota > domain.PermanentCodesPerAccount:
		return fmt.Errorf("permanent quota %d outside 0..%d", p.PermanentQuota, domain.PermanentCodesPerAccount)
	case p.TemporaryLifetime < time.Minute || p.TemporaryLifetime > domain.MaxTemporaryLifetime || p.TemporaryLifetime%time.Second != 0:
		return fmt.Errorf("temporary lifetime %s outside 1m..%s or not whole seconds", p.TemporaryLifetime, domain.MaxTemporaryLifetime)
	case p.ReissueBefore < 0 || p.ReissueBefore >= p.TemporaryLifetime:
		return fmt.Errorf("reissue margin %s must be below the lifetime %s", p.ReissueBefore, p.TemporaryLifetime)
	}
	return nil
}

// issueTimeout bounds one shared get-or-issue, detached from the first caller's request.
const issueTimeout = 15 * time.Second

// InviteQRCodeService hands out a user's invite QR code, issuing it from WeChat only
// when there is none or the current one is about to expire.
type InviteQRCodeService struct {
	users  UserRepository
	codes  QRCodeRepository
	wechat WeChatQRCodes
	clock  Clock
	policy QRPolicy
	flight flight[domain.QRCode]
}

// NewInviteQRCodeService builds the use case.
func NewInviteQRCodeService(users UserRepository, codes QRCodeRepository, wechat WeChatQRCodes, clock Clock, policy QRPolicy) *InviteQRCodeService {
	return &InviteQRCodeService{users: users, codes: codes, wechat: wechat, clock: clock, policy: policy}
}

// InviteQRCode returns the user's current invite code, issuing a new one when needed.
// Concurrent requests for one user in this process make one WeChat call; across
// instances the store's compare-and-swap keeps one current code and losers adopt it.
func (s *InviteQRCodeService) InviteQRCode(ctx context.Context, owner domain.UserID) (domain.QRCode, error) {
	return s.flight.do(strconv.FormatInt(int64(owner), 10), func() (domain.QRCode, error) {
		// The shared call must not fail every waiter because the first caller left.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), issueTimeout)
		defer cancel()
		return s.getOrIssue(ctx, owner)
	})
}

func (s *InviteQRCodeService) getOrIssue(ctx context.Context, owner domain.UserID) (domain.QRCode, error) {
	now := s.clock.Now()
	cur, err := s.codes.Current(ctx, owner, domain.QRPurposeInvite)
	prev := ""
	switch {
	case err == nil && !cur.NeedsReissue(now, s.policy.ReissueBefore):
		return cur, nil
	case err == nil:
		prev = cur.Ticket
	case !errors.Is(err, ErrNotFound):
		return domain.QRCode{}, fmt.Errorf("invite qrcode: current: %w", err)
	}
	u, err := s.users.ByID(ctx, owner)
	if err != nil {
		return domain.QRCode{}, fmt.Errorf("invite qrcode: owner: %w", err)
	}
	req, err := s.request(ctx, u)
	if err != nil {
		return domain.QRCode{}, err
	}
	issued, err := s.wechat.CreateQRCode(ctx, req)
	if err != nil && req.Kind == domain.QRPermanent && IsKind(err, KindConflict) {
		// WeChat says the permanent quota is gone although our count said otherwise
		// (codes made outside this service): fall back to a temporary code.
		if req, err = domain.NewQRRequest(domain.QRTemporary, req.Scene, s.policy.TemporaryLifetime); err == nil {
			issued, err = s.wechat.CreateQRCode(ctx, req)
		}
	}
	if err != nil {
		return domain.QRCode{}, fmt.Errorf("invite qrcode: create: %w", err)
	}
	q := domain.QRCode{Kind: req.Kind, Scene: req.Scene, Purpose: domain.QRPurposeInvite, OwnerID: owner,
		Ticket: issued.Ticket, URL: issued.URL, IssuedAt: now}
	if req.Kind == domain.QRTemporary {
		q.ExpiresAt = now.Add(issued.ExpiresIn)
	}
	if err := s.codes.Save(ctx, q, prev); err != nil {
		if errors.Is(err, ErrConflict) {
			// Another instance issued one at the same moment; theirs is current.
			return s.codes.Current(ctx, owner, domain.QRPurposeInvite)
		}
		return domain.QRCode{}, fmt.Errorf("invite qrcode: save: %w", err)
	}
	return q, nil
}

func (s *InviteQRCodeService) request(ctx context.Context, u domain.User) (domain.QRRequest, error) {
	scene := domain.InviteScene(u.InviteCode)
	used, err := s.codes.CountPermanent(ctx)
	if err != nil {
		return domain.QRRequest{}, fmt.Errorf("invite qrcode: count permanent: %w", err)
	}
	if used < s.policy.PermanentQuota {
		return domain.NewQRRequest(domain.QRPermanent, scene, 0)
	}
	return domain.NewQRRequest(domain.QRTemporary, scene, s.policy.TemporaryLifetime)
}

// ImageURL is where WeChat serves the image of a code.
func (s *InviteQRCodeService) ImageURL(q domain.QRCode) string { return s.wechat.ImageURL(q.Ticket) }
