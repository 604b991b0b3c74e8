package application_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var t0 = time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock shared by goroutines.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(at time.Time) *fakeClock { return &fakeClock{now: at} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// seqRandom hands out the queued chunks, one per Read call, then fails.
type seqRandom struct {
	mu     sync.Mutex
	chunks [][]byte
	reads  int
}

func (r *seqRandom) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	if len(r.chunks) == 0 {
		return 0, errors.New("seqRandom exhausted")
	}
	n := copy(p, r.chunks[0])
	r.chunks = r.chunks[1:]
	return n, nil
}

type failingRandom struct{}

func (failingRandom) Read([]byte) (int, error) { return 0, errors.New("entropy pool on fire") }

// countingObserver counts Joined calls.
type countingObserver struct {
	mu      sync.Mutex
	results []application.JoinResult
}

func (o *countingObserver) Joined(r application.JoinResult) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.results = append(o.results, r)
}

func (o *countingObserver) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.results)
}

// env is one in-memory application.
type env struct {
	store *memory.Store
	users *memory.Users
	invs  *memory.Invites
	codes *memory.QRCodes
	clock *fakeClock
	obs   *countingObserver
	join  *application.JoinService
}

func newEnv(t *testing.T, random io.Reader) *env {
	t.Helper()
	if random == nil {
		random = rand.Reader
	}
	st := memory.New()
	e := &env{store: st, users: st.Users(), invs: st.Invites(), codes: st.QRCodes(), clock: newClock(t0), obs: &countingObserver{}}
	e.join = application.NewJoinService(st, e.users, e.invs, e.clock, random, e.obs)
	return e
}

// mustJoin joins and fails the test on error.
func (e *env) mustJoin(t *testing.T, cmd application.JoinCommand) application.JoinResult {
	t.Helper()
	res, err := e.join.Join(context.Background(), cmd)
	if err != nil {
		t.Fatalf("Join(%+v) = %v", cmd, err)
	}
	return res
}

// inviter creates a user with no attribution, the way a plain follow does.
func (e *env) inviter(t *testing.T, openID, nickname string) domain.User {
	t.Helper()
	return e.mustJoin(t, application.JoinCommand{OpenID: openID, Profile: domain.Profile{Nickname: nickname}, FollowedAt: t0}).User
}

func (e *env) inviteCount(t *testing.T) int {
	t.Helper()
	by, err := e.invs.CountByChannel(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range by {
		n += c
	}
	return n
}

func (e *env) userCount(t *testing.T) int {
	t.Helper()
	n, _, err := e.users.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func bytes8(b byte) []byte { return []byte{b, b, b, b, b, b, b, b} }

func cryptoRandom() io.Reader { return rand.Reader }

func rawURL(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// linkAttr is the attribution of an invite link with code; it panics on a malformed
// code, which is a bug in the test.
func linkAttr(code string) domain.Attribution {
	a, err := domain.LinkAttribution(code)
	if err != nil {
		panic(err)
	}
	return a
}

// scanAttr is the attribution of a scanned invite code of the owner of code.
func scanAttr(code string) domain.Attribution {
	a, err := domain.ScanAttribution(domain.InviteScene(code))
	if err != nil {
		panic(err)
	}
	return a
}

// followedAt is the follow time of a contact: t0 for a follow, zero for none.
func followedAt(follow bool) time.Time {
	if follow {
		return t0
	}
	return time.Time{}
}
