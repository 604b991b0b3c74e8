package application_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// fakeQR is a WeChatQRCodes that counts calls. permErr is returned for permanent
// requests, err for every request; gate, when set, holds each call until closed.
type fakeQR struct {
	mu      sync.Mutex
	reqs    []domain.QRRequest
	permErr error
	err     error
	gate    chan struct{}
}

func (f *fakeQR) CreateQRCode(_ context.Context, req domain.QRRequest) (application.IssuedQRCode, error) {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.err != nil {
		return application.IssuedQRCode{}, f.err
	}
	if req.Kind == domain.QRPermanent && f.permErr != nil {
		return application.IssuedQRCode{}, f.permErr
	}
	n := len(f.reqs)
	return application.IssuedQRCode{Ticket: fmt.Sprintf("ticket-%d", n), URL: fmt.Sprintf("http://weixin.qq.com/q/%d", n), ExpiresIn: req.Lifetime}, nil
}

func (f *fakeQR) ImageURL(ticket string) string {
	return "https://img.example/showqrcode?ticket=" + ticket
}

func (f *fakeQR) calls() []domain.QRRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]domain.QRRequest(nil), f.reqs...)
}

var testPolicy = application.QRPolicy{PermanentQuota: 1, TemporaryLifetime: 30 * 24 * time.Hour, ReissueBefore: 7 * 24 * time.Hour}

func qrService(e *env, wx *fakeQR, p application.QRPolicy) *application.InviteQRCodeService {
	return application.NewInviteQRCodeService(e.users, e.codes, wx, e.clock, p)
}

func TestInviteQRCodePermanentWithinQuota(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	u := e.inviter(t, "o_a", "Ann")
	wx := &fakeQR{}
	svc := qrService(e, wx, application.QRPolicy{PermanentQuota: 2, TemporaryLifetime: testPolicy.TemporaryLifetime, ReissueBefore: testPolicy.ReissueBefore})
	q, err := svc.InviteQRCode(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.QRCode{Kind: domain.QRPermanent, Scene: domain.InviteScene(u.InviteCode), Purpose: domain.QRPurposeInvite, OwnerID: u.ID,
		Ticket: "ticket-1", URL: "http://weixin.qq.com/q/1", IssuedAt: t0}
	if q != want {
		t.Fatalf("code = %+v, want %+v", q, want)
	}
	if reqs := wx.calls(); len(reqs) != 1 || reqs[0] != (domain.QRRequest{Kind: domain.QRPermanent, Scene: want.Scene}) {
		t.Fatalf("wechat requests = %+v", reqs)
	}
	// Asked again (even years later), the stored code is handed out, no new call.
	e.clock.Advance(5 * 365 * 24 * time.Hour)
	again, err := svc.InviteQRCode(ctx, u.ID)
	if err != nil || again != want {
		t.Fatalf("again = %+v, %v; want %+v", again, err, want)
	}
	if n := len(wx.calls()); n != 1 {
		t.Fatalf("%d wechat calls, want 1", n)
	}
	if got := svc.ImageURL(q); got != "https://img.example/showqrcode?ticket=ticket-1" {
		t.Fatalf("ImageURL = %q", got)
	}
}

func TestInviteQRCodeTemporaryAfterQuota(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	a := e.inviter(t, "o_a", "")
	b := e.inviter(t, "o_b", "")
	wx := &fakeQR{}
	svc := qrService(e, wx, testPolicy) // quota 1
	qa, err := svc.InviteQRCode(ctx, a.ID)
	if err != nil || qa.Kind != domain.QRPermanent {
		t.Fatalf("first = %+v, %v; want permanent", qa, err)
	}
	qb, err := svc.InviteQRCode(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if qb.Kind != domain.QRTemporary || !qb.ExpiresAt.Equal(t0.Add(testPolicy.TemporaryLifetime)) || qb.Scene != domain.InviteScene(b.InviteCode) || qb.OwnerID != b.ID {
		t.Fatalf("second = %+v, want temporary for 30 days", qb)
	}
	reqs := wx.calls()
	if len(reqs) != 2 || reqs[1] != (domain.QRRequest{Kind: domain.QRTemporary, Scene: qb.Scene, Lifetime: testPolicy.TemporaryLifetime}) {
		t.Fatalf("wechat requests = %+v", reqs)
	}
	// Quota 0 means temporary from the first code.
	e2 := newEnv(t, nil)
	c := e2.inviter(t, "o_c", "")
	p0 := testPolicy
	p0.PermanentQuota = 0
	q, err := qrService(e2, &fakeQR{}, p0).InviteQRCode(ctx, c.ID)
	if err != nil || q.Kind != domain.QRTemporary {
		t.Fatalf("quota 0: %+v, %v", q, err)
	}
}

func TestInviteQRCodeReissue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	u := e.inviter(t, "o_a", "")
	wx := &fakeQR{}
	p := testPolicy
	p.PermanentQuota = 0
	svc := qrService(e, wx, p)
	first, err := svc.InviteQRCode(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	expiry := t0.Add(p.TemporaryLifetime)
	// Exactly ReissueBefore left: still good.
	e.clock.Set(expiry.Add(-p.ReissueBefore))
	same, err := svc.InviteQRCode(ctx, u.ID)
	if err != nil || same != first || len(wx.calls()) != 1 {
		t.Fatalf("at the margin: %+v, %v, %d calls; want the first code and 1 call", same, err, len(wx.calls()))
	}
	// 1µs less (the stores' precision): re-issued with the same scene.
	now := expiry.Add(-p.ReissueBefore + time.Microsecond)
	e.clock.Set(now)
	next, err := svc.InviteQRCode(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if next.Ticket == first.Ticket || next.Scene != first.Scene || next.Kind != domain.QRTemporary || !next.IssuedAt.Equal(now) || !next.ExpiresAt.Equal(now.Add(p.TemporaryLifetime)) {
		t.Fatalf("re-issued = %+v (first %+v)", next, first)
	}
	if n := len(wx.calls()); n != 2 {
		t.Fatalf("%d wechat calls, want 2", n)
	}
	cur, err := e.codes.Current(ctx, u.ID, domain.QRPurposeInvite)
	if err != nil || cur != next {
		t.Fatalf("current = %+v, %v; want %+v", cur, err, next)
	}
	// Long after expiry, one more.
	e.clock.Set(next.ExpiresAt.Add(time.Hour))
	last, err := svc.InviteQRCode(ctx, u.ID)
	if err != nil || last.Ticket == next.Ticket || len(wx.calls()) != 3 {
		t.Fatalf("after expiry: %+v, %v, %d calls", last, err, len(wx.calls()))
	}
}

func TestInviteQRCodePermanentConflictFallsBackToTemporary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	u := e.inviter(t, "o_a", "")
	wx := &fakeQR{permErr: application.Errorf(application.KindConflict, "wechat_40053", nil, "invalid action info")}
	svc := qrService(e, wx, testPolicy)
	q, err := svc.InviteQRCode(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if q.Kind != domain.QRTemporary || !q.ExpiresAt.Equal(t0.Add(testPolicy.TemporaryLifetime)) || q.Scene != domain.InviteScene(u.InviteCode) {
		t.Fatalf("code = %+v, want a temporary fallback", q)
	}
	reqs := wx.calls()
	if len(reqs) != 2 || reqs[0].Kind != domain.QRPermanent || reqs[1].Kind != domain.QRTemporary || reqs[1].Lifetime != testPolicy.TemporaryLifetime {
		t.Fatalf("wechat requests = %+v", reqs)
	}
	if cur, err := e.codes.Current(ctx, u.ID, domain.QRPurposeInvite); err != nil || cur != q {
		t.Fatalf("current = %+v, %v", cur, err)
	}
}

func TestInviteQRCodeWeChatErrorSurfaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		kind  application.Kind
		calls int
	}{
		{"unavailable", application.Errorf(application.KindUnavailable, "wechat_down", nil, "wechat is down"), application.KindUnavailable, 1},
		// A conflict on the temporary request has nothing left to fall back to.
		{"conflict on both", application.Errorf(application.KindConflict, "wechat_40053", nil, "invalid action info"), application.KindConflict, 2},
		{"plain", errors.New("boom"), application.KindInternal, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, nil)
			u := e.inviter(t, "o_a", "")
			wx := &fakeQR{err: tt.err}
			_, err := qrService(e, wx, testPolicy).InviteQRCode(ctx, u.ID)
			if !errors.Is(err, tt.err) || application.ErrorKind(err) != tt.kind {
				t.Fatalf("err = %v (kind %s), want wrapping %v (kind %s)", err, application.ErrorKind(err), tt.err, tt.kind)
			}
			if n := len(wx.calls()); n != tt.calls {
				t.Fatalf("%d wechat calls, want %d", n, tt.calls)
			}
			if _, err := e.codes.Current(ctx, u.ID, domain.QRPurposeInvite); !errors.Is(err, application.ErrNotFound) {
				t.Fatalf("a code was stored after a failure: %v", err)
			}
		})
	}
}

func TestInviteQRCodeUnknownOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	wx := &fakeQR{}
	_, err := qrService(e, wx, testPolicy).InviteQRCode(context.Background(), 99)
	if !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
	if n := len(wx.calls()); n != 0 {
		t.Fatalf("%d wechat calls for an unknown owner", n)
	}
}

func TestInviteQRCodeConcurrentRequestsMakeOneCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	u := e.inviter(t, "o_a", "")
	wx := &fakeQR{gate: make(chan struct{})}
	svc := qrService(e, wx, testPolicy)
	const n = 20
	var wg sync.WaitGroup
	got := make([]domain.QRCode, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = svc.InviteQRCode(ctx, u.ID)
		}()
	}
	// Hold WeChat long enough that, without collapsing, every request would be waiting in it.
	time.Sleep(50 * time.Millisecond)
	close(wx.gate)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i] != got[0] {
			t.Fatalf("request %d: %+v, %v; want %+v", i, got[i], errs[i], got[0])
		}
	}
	if c := len(wx.calls()); c != 1 {
		t.Fatalf("%d wechat calls, want 1", c)
	}
}

func TestQRPolicyValidate(t *testing.T) {
	t.Parallel()
	const max = domain.MaxTemporaryLifetime
	tests := []struct {
		name string
		p    application.QRPolicy
		ok   bool
	}{
		{"default", application.DefaultQRPolicy, true},
		{"quota -1", application.QRPolicy{PermanentQuota: -1, TemporaryLifetime: max, ReissueBefore: 0}, false},
		{"quota 0", application.QRPolicy{PermanentQuota: 0, TemporaryLifetime: max, ReissueBefore: 0}, true},
		{"quota 100000", application.QRPolicy{PermanentQuota: 100000, TemporaryLifetime: max, ReissueBefore: 0}, true},
		{"quota 100001", application.QRPolicy{PermanentQuota: 100001, TemporaryLifetime: max, ReissueBefore: 0}, false},
		{"lifetime 59s", application.QRPolicy{TemporaryLifetime: 59 * time.Second}, false},
		{"lifetime 1m", application.QRPolicy{TemporaryLifetime: time.Minute}, true},
		{"lifetime max", application.QRPolicy{TemporaryLifetime: max}, true},
		{"lifetime max+1s", application.QRPolicy{TemporaryLifetime: max + time.Second}, false},
		{"reissue -1ns", application.QRPolicy{TemporaryLifetime: max, ReissueBefore: -1}, false},
		{"reissue lifetime-1s", application.QRPolicy{TemporaryLifetime: max, ReissueBefore: max - time.Second}, true},
		{"reissue = lifetime", application.QRPolicy{TemporaryLifetime: max, ReissueBefore: max}, false},
		// WeChat takes whole seconds; NewQRRequest refuses anything else, so a policy
		// that passes Validate with a fractional lifetime fails every temporary issue.
		{"lifetime fractional", application.QRPolicy{TemporaryLifetime: 90*time.Second + 500*time.Millisecond}, false},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// A policy that Validate accepts must be able to issue a temporary code.
func TestValidPolicyIssuesTemporaryCode(t *testing.T) {
	t.Parallel()
	for _, life := range []time.Duration{time.Minute, 90*time.Second + 500*time.Millisecond, domain.MaxTemporaryLifetime} {
		p := application.QRPolicy{PermanentQuota: 0, TemporaryLifetime: life}
		if p.Validate() != nil {
			continue
		}
		e := newEnv(t, nil)
		u := e.inviter(t, "o_a", "")
		if _, err := qrService(e, &fakeQR{}, p).InviteQRCode(context.Background(), u.ID); err != nil {
			t.Errorf("lifetime %s: Validate accepted the policy but InviteQRCode = %v", life, err)
		}
	}
}

// racingCodes lets "another instance" store a code just before our Save.
type racingCodes struct {
	*memory.QRCodes
	theirs domain.QRCode
	raced  bool
}

func (r *racingCodes) Save(ctx context.Context, q domain.QRCode, prev string) error {
	if !r.raced {
		r.raced = true
		if err := r.QRCodes.Save(ctx, r.theirs, prev); err != nil {
			return err
		}
	}
	return r.QRCodes.Save(ctx, q, prev)
}

func TestInviteQRCodeLosesSaveRaceAdoptsWinner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	u := e.inviter(t, "o_a", "")
	p := testPolicy
	p.PermanentQuota = 0
	theirs := domain.QRCode{Kind: domain.QRTemporary, Scene: domain.InviteScene(u.InviteCode), Purpose: domain.QRPurposeInvite, OwnerID: u.ID,
		Ticket: "their-ticket", IssuedAt: t0, ExpiresAt: t0.Add(p.TemporaryLifetime)}
	codes := &racingCodes{QRCodes: e.codes, theirs: theirs}
	svc := application.NewInviteQRCodeService(e.users, codes, &fakeQR{}, e.clock, p)
	got, err := svc.InviteQRCode(ctx, u.ID)
	if err != nil || got != theirs {
		t.Fatalf("InviteQRCode = %+v, %v; want the winner's %+v", got, err, theirs)
	}
}

// failingCodes fails every read.
type failingCodes struct{ *memory.QRCodes }

var errDisk = errors.New("disk on fire")

func (failingCodes) Current(context.Context, domain.UserID, domain.QRPurpose) (domain.QRCode, error) {
	return domain.QRCode{}, errDisk
}

func TestInviteQRCodeStoreErrorSurfaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	u := e.inviter(t, "o_a", "")
	wx := &fakeQR{}
	_, err := application.NewInviteQRCodeService(e.users, failingCodes{e.codes}, wx, e.clock, testPolicy).InviteQRCode(context.Background(), u.ID)
	if !errors.Is(err, errDisk) || len(wx.calls()) != 0 {
		t.Fatalf("err = %v after %d wechat calls; want the store error and no call", err, len(wx.calls()))
	}
}
