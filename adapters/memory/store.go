// Package memory implements every storage port in memory with the same semantics as
// the SQL store (unique openid, invite code, unionid and invitee; compare-and-swap
// saves; all-or-nothing transactions). Application tests run against it, and the
// shared contract suite keeps it honest.
package memory

import (
	"context"
	"sync"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Store holds the state behind every repository; one mutex serialises writers, which
// makes each transaction trivially isolated.
type Store struct {
	mu    sync.Mutex
	state state
}

type state struct {
	users   []domain.User // index = id-1
	invites []domain.Invite
	qrcodes map[qrKey]domain.QRCode
	tokens  map[string]tokenRow
	revoked map[string]time.Time // logged-out session ids → until
	nextQR  int
	chat    chatState     // kefu windows, poster media, notices (chat.go)
	camp    campaignState // campaigns, grants, codes (campaigns.go)
	hooks   hookState     // audit trail and webhooks (audit.go, webhooks.go)
}

type qrKey struct {
	owner   domain.UserID
	purpose domain.QRPurpose
}

type tokenRow struct {
	token       domain.AccessToken
	leaseHolder string
	leaseUntil  time.Time
}

// New returns an empty store.
func New() *Store {
	return &Store{state: state{qrcodes: map[qrKey]domain.QRCode{}, tokens: map[string]tokenRow{}, revoked: map[string]time.Time{}}}
}

func (s state) clone() state {
	c := state{
		users:   append([]domain.User(nil), s.users...),
		invites: append([]domain.Invite(nil), s.invites...),
		qrcodes: make(map[qrKey]domain.QRCode, len(s.qrcodes)),
		tokens:  make(map[string]tokenRow, len(s.tokens)),
		revoked: make(map[string]time.Time, len(s.revoked)),
		nextQR:  s.nextQR,
		chat:    s.chat.clone(),
		camp:    s.camp.clone(),
		hooks:   s.hooks.clone(),
	}
	for k, v := range s.revoked {
		c.revoked[k] = v
	}
	for k, v := range s.qrcodes {
		c.qrcodes[k] = v
	}
	for k, v := range s.tokens {
		c.tokens[k] = v
	}
	return c
}

// norm stores times as the SQL store does: UTC, microsecond precision.
func norm(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

type txKey struct{}

// InTx runs fn holding the store's lock; on error the state is restored, so nothing
// fn did is visible. A nested call joins the outer transaction.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if ctx.Value(txKey{}) == s {
		return fn(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	saved := s.state.clone()
	if err := fn(context.WithValue(ctx, txKey{}, s)); err != nil {
		s.state = saved
		return err
	}
	return nil
}

// with runs fn on the state, locking unless ctx is inside this store's transaction.
func (s *Store) with(ctx context.Context, fn func(st *state) error) error {
	if ctx.Value(txKey{}) != s {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	return fn(&s.state)
}

// Users returns the user repository.
func (s *Store) Users() *Users { return &Users{s} }

// Invites returns the invite repository.
func (s *Store) Invites() *Invites { return &Invites{s} }

// QRCodes returns the QR code repository.
func (s *Store) QRCodes() *QRCodes { return &QRCodes{s} }

// Tokens returns the token store.
func (s *Store) Tokens() *Tokens { return &Tokens{s} }

var _ application.Transactor = (*Store)(nil)
