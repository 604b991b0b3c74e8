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

// fakeKefu records kefu sends and answers err (when set) to each.
type fakeKefu struct {
	mu     sync.Mutex
	texts  []string
	images []string
	err    error
}

func (k *fakeKefu) SendText(_ context.Context, openID, text string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return k.err
	}
	k.texts = append(k.texts, openID+":"+text)
	return nil
}

func (k *fakeKefu) SendImage(_ context.Context, openID, mediaID string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return k.err
	}
	k.images = append(k.images, openID+":"+mediaID)
	return nil
}

func (k *fakeKefu) counts() (int, int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.texts), len(k.images)
}

type chatEnv struct {
	*env
	chat     *memory.Chat
	kefu     *fakeKefu
	notifier *application.Notifier
}

func newChatEnv(t *testing.T) *chatEnv {
	e := newEnv(t, nil)
	c := &chatEnv{env: e, chat: e.store.Chat(), kefu: &fakeKefu{}}
	c.notifier = application.NewNotifier(c.chat, c.chat, c.kefu, e.users, e.clock)
	return c
}

func progress(u domain.User, key string) domain.Notice {
	return domain.Notice{UserID: u.ID, Key: key, Kind: domain.NoticeProgress, Text: "好友已助力 " + key}
}

func TestNotifyInsideAndOutsideTheWindow(t *testing.T) {
	t.Parallel()
	c := newChatEnv(t)
	ctx := context.Background()
	u := c.inviter(t, "oInviter", "小红")
	// No window: the notice is deferred and costs no call.
	if out, err := c.notifier.Notify(ctx, progress(u, "p1")); err != nil || out != application.NoticeDeferred {
		t.Fatalf("no window: %v, %v", out, err)
	}
	if n, _ := c.kefu.counts(); n != 0 {
		t.Fatalf("%d kefu calls without a window", n)
	}
	// The user writes: five messages within 48 h.
	if err := c.notifier.Interacted(ctx, u.ID, domain.TriggerMessage, t0); err != nil {
		t.Fatal(err)
	}
	outs := map[application.NoticeOutcome]int{}
	for i := range 6 {
		out, err := c.notifier.Notify(ctx, progress(u, fmt.Sprint("f", i)))
		if err != nil {
			t.Fatal(err)
		}
		outs[out]++
	}
	if outs[application.NoticeSent] != 5 || outs[application.NoticeDeferred] != 1 {
		t.Fatalf("six friends: %v, want 5 sent and 1 deferred", outs)
	}
	if out, _ := c.notifier.Notify(ctx, progress(u, "f0")); out != application.NoticeDuplicate {
		t.Errorf("the same event twice: %v, want duplicate", out)
	}
	deferred, _ := c.chat.Notices(ctx, u.ID, true, 10)
	if len(deferred) != 2 {
		t.Fatalf("%d deferred notices, want 2 (p1 and f5)", len(deferred))
	}
	// The next interaction takes them as one passive reply, oldest first.
	text, err := c.notifier.TakeDeferredText(ctx, u.ID)
	if err != nil || text != "好友已助力 p1\n好友已助力 f5" {
		t.Fatalf("passive text = %q, %v", text, err)
	}
	if text, _ := c.notifier.TakeDeferredText(ctx, u.ID); text != "" {
		t.Errorf("deferred notices delivered twice: %q", text)
	}
}

// claimCounter counts the claims a notifier takes on its notices.
type claimCounter struct {
	*memory.Chat
	mu     sync.Mutex
	claims int
}

func (c *claimCounter) ClaimNotice(ctx context.Context, id domain.NoticeID, at time.Time) (bool, error) {
	c.mu.Lock()
	c.claims++
	c.mu.Unlock()
	return c.Chat.ClaimNotice(ctx, id, at)
}

// A notice that cannot go out (no window, or a spent one) is deferred without
// the claim-spend-undo writes; one that can is claimed once.
func TestNotifyWithoutBudgetClaimsNothing(t *testing.T) {
	t.Parallel()
	c := newChatEnv(t)
	ctx := context.Background()
	counted := &claimCounter{Chat: c.chat}
	n := application.NewNotifier(counted, c.chat, c.kefu, c.users, c.clock)
	u := c.inviter(t, "oInviter", "小红")
	if out, err := n.Notify(ctx, progress(u, "none")); err != nil || out != application.NoticeDeferred {
		t.Fatalf("no window: %v, %v", out, err)
	}
	if counted.claims != 0 {
		t.Fatalf("no window: %d claims, want 0", counted.claims)
	}
	if err := n.Interacted(ctx, u.ID, domain.TriggerFollow, c.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for i := range domain.EventQuota {
		if out, err := n.Notify(ctx, progress(u, fmt.Sprint("open", i))); err != nil || out != application.NoticeSent {
			t.Fatalf("inside the window: %v, %v", out, err)
		}
	}
	if counted.claims != domain.EventQuota {
		t.Fatalf("%d claims for %d sends", counted.claims, domain.EventQuota)
	}
	if out, err := n.Notify(ctx, progress(u, "spent")); err != nil || out != application.NoticeDeferred {
		t.Fatalf("spent window: %v, %v", out, err)
	}
	if counted.claims != domain.EventQuota {
		t.Fatalf("spent window: %d claims, want still %d", counted.claims, domain.EventQuota)
	}
	if deferred, _ := c.chat.Notices(ctx, u.ID, true, 10); len(deferred) != 2 {
		t.Fatalf("%d deferred notices, want 2 (none and spent)", len(deferred))
	}
}

func TestNotifyRefusedByWeChatIsDeferredNotRetried(t *testing.T) {
	t.Parallel()
	for _, refusal := range []error{application.ErrKefuOutOfWindow, application.ErrKefuQuota} {
		c := newChatEnv(t)
		ctx := context.Background()
		u := c.inviter(t, "oInviter", "小红")
		if err := c.notifier.Interacted(ctx, u.ID, domain.TriggerFollow, t0); err != nil {
			t.Fatal(err)
		}
		c.kefu.err = fmt.Errorf("wrapped: %w", refusal)
		out, err := c.notifier.Notify(ctx, progress(u, "p1"))
		if err != nil || out != application.NoticeDeferred {
			t.Fatalf("%v: %v, %v; want deferred without error", refusal, out, err)
		}
		if list, _ := c.chat.Notices(ctx, u.ID, true, 10); len(list) != 1 {
			t.Errorf("%v: the notice is not deferred: %+v", refusal, list)
		}
		c.kefu.err = nil
		if n, err := c.notifier.SendDeferred(ctx, u.ID); err != nil || n != 1 {
			t.Errorf("%v: SendDeferred inside the window = %d, %v", refusal, n, err)
		}
	}
}

func TestNotifyOtherFailureKeepsTheNotice(t *testing.T) {
	t.Parallel()
	c := newChatEnv(t)
	ctx := context.Background()
	u := c.inviter(t, "oInviter", "小红")
	_ = c.notifier.Interacted(ctx, u.ID, domain.TriggerMessage, t0)
	c.kefu.err = application.Errorf(application.KindUnavailable, "wechat_unavailable", errors.New("down"), "down")
	if out, err := c.notifier.Notify(ctx, progress(u, "p1")); out != application.NoticeDeferred || !application.IsKind(err, application.KindUnavailable) {
		t.Fatalf("WeChat down: %v, %v", out, err)
	}
	if list, _ := c.chat.Notices(ctx, u.ID, true, 10); len(list) != 1 {
		t.Errorf("a failed send lost the notice: %+v", list)
	}
}

func TestNotifyRejectsBadNotice(t *testing.T) {
	t.Parallel()
	c := newChatEnv(t)
	if _, err := c.notifier.Notify(context.Background(), domain.Notice{UserID: 1, Key: "k", Kind: "spam", Text: "x"}); !application.IsKind(err, application.KindInvalid) {
		t.Fatalf("err = %v, want KindInvalid", err)
	}
	if list, _ := c.chat.Notices(context.Background(), 1, false, 10); len(list) != 0 {
		t.Errorf("a bad notice was stored: %+v", list)
	}
}

func TestNotifyConcurrentNeverExceedsTheQuota(t *testing.T) {
	t.Parallel()
	c := newChatEnv(t)
	ctx := context.Background()
	u := c.inviter(t, "oInviter", "小红")
	_ = c.notifier.Interacted(ctx, u.ID, domain.TriggerScan, t0)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = c.notifier.Notify(ctx, progress(u, fmt.Sprint("f", i)))
		}()
	}
	wg.Wait()
	if n, _ := c.kefu.counts(); n != domain.EventQuota {
		t.Fatalf("%d kefu messages after a scan, want %d", n, domain.EventQuota)
	}
	if list, _ := c.chat.Notices(ctx, u.ID, true, 50); len(list) != 20-domain.EventQuota {
		t.Errorf("%d deferred, want %d", len(list), 20-domain.EventQuota)
	}
}

// fakeRenderer returns a poster naming its QR content; it counts renders.
type fakeRenderer struct {
	mu    sync.Mutex
	specs []application.PosterSpec
	delay time.Duration
}

func (r *fakeRenderer) Render(_ context.Context, spec application.PosterSpec) (application.Poster, error) {
	time.Sleep(r.delay)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.specs = append(r.specs, spec)
	return application.Poster{Data: []byte("poster for " + spec.QRContent + " " + spec.NicknameText), ContentType: "image/jpeg"}, nil
}

// fakeMedia counts uploads.
type fakeMedia struct {
	mu      sync.Mutex
	uploads []string
	err     error
}

func (m *fakeMedia) UploadImage(_ context.Context, name string, data []byte) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return "", m.err
	}
	m.uploads = append(m.uploads, string(data))
	return fmt.Sprintf("media-%d", len(m.uploads)), nil
}

func (m *fakeMedia) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.uploads)
}

func posterEnv(t *testing.T) (*chatEnv, *application.PosterService, *fakeRenderer, *fakeMedia) {
	c := newChatEnv(t)
	r, m := &fakeRenderer{}, &fakeMedia{}
	s := application.NewPosterService(application.PosterDeps{
		Users: c.users, QRCodes: qrService(c.env, &fakeQR{}, testPolicy), Renderer: r, Media: m,
		Cache: c.chat, Kefu: c.kefu, Windows: c.chat, Clock: c.clock,
	})
	return c, s, r, m
}

func TestPosterMediaIsCached(t *testing.T) {
	t.Parallel()
	c, s, r, m := posterEnv(t)
	ctx := context.Background()
	u := c.inviter(t, "oInviter", "小红")
	var wg sync.WaitGroup
	ids := make([]string, 10)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if ids[i], err = s.MediaID(ctx, u.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if m.count() != 1 || ids[0] != ids[9] {
		t.Fatalf("ten asks: %d uploads, ids %v", m.count(), ids)
	}
	if got := string(r.specs[0].QRContent); got != "http://weixin.qq.com/q/1" || r.specs[0].NicknameText != "小红" {
		t.Errorf("rendered %+v", r.specs[0])
	}
	c.clock.Advance(domain.PosterMediaMaxAge - time.Second)
	if id, _ := s.MediaID(ctx, u.ID); id != ids[0] || m.count() != 1 {
		t.Errorf("at 2.5 days minus a second: %q after %d uploads, want the cached one", id, m.count())
	}
	c.clock.Advance(time.Second)
	if id, _ := s.MediaID(ctx, u.ID); id == ids[0] || m.count() != 2 {
		t.Errorf("at 2.5 days: %q after %d uploads, want a new upload", id, m.count())
	}
	other := c.inviter(t, "oOther", "小刚")
	if id, _ := s.MediaID(ctx, other.ID); m.count() != 3 || id == ids[0] {
		t.Errorf("another user shares the cache: %q, %d uploads", id, m.count())
	}
}

func TestPosterReplyLaterGoesByKefu(t *testing.T) {
	t.Parallel()
	c, s, r, m := posterEnv(t)
	r.delay = 50 * time.Millisecond
	ctx := context.Background()
	u := c.inviter(t, "oInviter", "小红")
	_ = c.notifier.Interacted(ctx, u.ID, domain.TriggerClick, c.clock.Now())
	done := make(chan error, 1)
	ans, err := s.PosterReply(ctx, u.ID, 0, func(err error) { done <- err })
	if err != nil || !ans.Later || ans.MediaID != "" {
		t.Fatalf("answer = %+v, %v; want Later", ans, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, images := c.kefu.counts(); images != 1 || m.count() != 1 {
		t.Fatalf("kefu images %d, uploads %d; want 1 and 1", images, m.count())
	}
	// Ready in time: the passive reply carries it, no kefu.
	ans, err = s.PosterReply(ctx, u.ID, time.Minute, nil)
	if err != nil || ans.Later || ans.MediaID != "media-1" {
		t.Fatalf("answer = %+v, %v; want the cached media", ans, err)
	}
	s.Wait()
	if _, images := c.kefu.counts(); images != 1 {
		t.Errorf("%d kefu images, want still 1", images)
	}
}
