package application_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// campaignEnv is the campaign use cases on one in-memory store and a fake clock.
type campaignEnv struct {
	t      *testing.T
	store  *memory.Store
	clock  *fakeClock
	dir    *application.CampaignDirectory
	create *application.CreateCampaignService
	update *application.UpdateCampaignService
	end    *application.EndCampaignService
	sweep  *application.QualificationSweep
	follow *application.InviteFollowEvents
	codes  *application.UploadCodesService
	mine   *application.MyCampaignQuery
	stats  *application.CampaignStatsQuery
	board  *application.CampaignLeaderboardQuery
	fulfil *application.FulfilRewardService
	poster *application.PosterBackgroundService
	users  int
}

func newCampaignEnv(t *testing.T) *campaignEnv {
	s := memory.New()
	clock := newClock(t0)
	dir := application.NewCampaignDirectory(s.Campaigns(), clock)
	update := application.NewUpdateCampaignService(s.Campaigns(), dir)
	rewards := application.NewGrantRewardsService(s, s.InviteLifecycle(), s.Campaigns(), s.Grants(), s.Codes(), clock)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return &campaignEnv{
		t: t, store: s, clock: clock, dir: dir,
		create: application.NewCreateCampaignService(s.Campaigns(), dir, clock),
		update: update,
		end:    application.NewEndCampaignService(update, clock),
		sweep:  application.NewQualificationSweep(s.InviteLifecycle(), dir, rewards, clock),
		follow: application.NewInviteFollowEvents(s.Invites(), s.InviteLifecycle(), dir),
		codes:  application.NewUploadCodesService(s.Campaigns(), s.Codes()),
		mine:   application.NewMyCampaignQuery(dir, s.InviteLifecycle(), s.Grants(), clock),
		stats:  application.NewCampaignStatsQuery(s.Campaigns(), s.InviteLifecycle(), s.Grants(), clock, shanghai),
		board:  application.NewCampaignLeaderboardQuery(s.Campaigns(), s.InviteLifecycle(), clock),
		fulfil: application.NewFulfilRewardService(s.Grants(), s.Users(), clock),
		poster: application.NewPosterBackgroundService(s.Campaigns(), clock),
	}
}

func stock(n int) *int { return &n }

// twoTiers is a campaign from t0 with a 2 s hold: tier 1 at 1 friend (unlimited, with
// codes), tier 2 at 2 friends (stock 1).
func twoTiers() domain.Campaign {
	return domain.Campaign{Name: "春节", StartsAt: t0, EndsAt: t0.Add(24 * time.Hour), Hold: 2 * time.Second,
		Tiers: []domain.Tier{{Tier: 1, Threshold: 1, Reward: "券"}, {Tier: 2, Threshold: 2, Reward: "礼盒", Stock: stock(1)}}}
}

func (e *campaignEnv) mustCreate(c domain.Campaign) domain.Campaign {
	e.t.Helper()
	got, err := e.create.Create(context.Background(), c)
	if err != nil {
		e.t.Fatalf("Create: %v", err)
	}
	return got
}

func (e *campaignEnv) user(name string) domain.User {
	e.t.Helper()
	e.users++
	u, err := e.store.Users().Create(context.Background(), domain.User{OpenID: fmt.Sprintf("o%s%d", name, e.users), Nickname: name, InviteCode: fmt.Sprintf("code%08d", e.users), Following: true, JoinedAt: e.clock.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// invite records a friend of inviter joining now in c (scan: following from now).
func (e *campaignEnv) invite(inviter domain.User, c domain.Campaign, ch domain.Channel) domain.User {
	e.t.Helper()
	friend := e.user("friend")
	now := e.clock.Now()
	followed := now
	if ch == domain.ChannelLink {
		followed = time.Time{}
	}
	inv := domain.Invite{InviterID: inviter.ID, InviteeID: friend.ID, Channel: ch, CreatedAt: now}.Enrol(c, followed)
	if _, err := e.store.Invites().Create(context.Background(), inv); err != nil {
		e.t.Fatal(err)
	}
	return friend
}

func (e *campaignEnv) status(invitee domain.User) (domain.InviteStatus, domain.RevokeReason) {
	e.t.Helper()
	inv, err := e.store.Invites().ByInvitee(context.Background(), invitee.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv.Status, inv.Reason
}

func (e *campaignEnv) mustSweep() application.SweepResult {
	e.t.Helper()
	res, err := e.sweep.Sweep(context.Background())
	if err != nil {
		e.t.Fatalf("Sweep: %v", err)
	}
	return res
}

func TestCreateCampaignRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newCampaignEnv(t)
	c := twoTiers()
	c.Hold = 0
	got := e.mustCreate(c)
	if got.Hold != domain.DefaultHold || got.ID == 0 || got.Tiers[1].Remaining == nil || *got.Tiers[1].Remaining != 1 {
		t.Errorf("created = %+v", got)
	}
	overlap := twoTiers()
	overlap.StartsAt = t0.Add(23 * time.Hour)
	overlap.EndsAt = time.Time{}
	_, err := e.create.Create(ctx, overlap)
	if !application.IsKind(err, application.KindConflict) || !errors.Is(err, domain.ErrCampaignOverlap) {
		t.Errorf("overlapping window: %v, want KindConflict", err)
	}
	bad := twoTiers()
	bad.StartsAt = t0.Add(48 * time.Hour)
	bad.EndsAt = time.Time{}
	bad.Hold = 500 * time.Millisecond
	_, err = e.create.Create(ctx, bad)
	if !application.IsKind(err, application.KindInvalid) || !strings.Contains(err.Error(), "hold") {
		t.Errorf("hold below 1s: %v, want KindInvalid naming hold", err)
	}
	all, _, _ := e.store.Campaigns().All(ctx)
	if len(all) != 1 {
		t.Errorf("refused campaigns were stored: %d campaigns", len(all))
	}
}

func TestUpdateAndEndCampaign(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newCampaignEnv(t)
	c := e.mustCreate(twoTiers())
	_, err := e.update.Update(ctx, c.ID, func(c *domain.Campaign) error {
		c.Tiers[1].Threshold = 1
		return nil
	})
	if !application.IsKind(err, application.KindInvalid) || !strings.Contains(err.Error(), "tiers[1].threshold") {
		t.Errorf("tiers not rising: %v", err)
	}
	if _, err := e.update.Update(ctx, c.ID+9, func(*domain.Campaign) error { return nil }); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("update of a missing campaign: %v", err)
	}
	e.clock.Advance(time.Hour)
	ended, err := e.end.End(ctx, c.ID)
	if err != nil || ended.Status(e.clock.Now()) != domain.CampaignEnded || !ended.EndsAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("End = %+v, %v", ended, err)
	}
	next := twoTiers()
	next.StartsAt, next.EndsAt = e.clock.Now(), time.Time{}
	if _, err := e.create.Create(ctx, next); err != nil {
		t.Errorf("a campaign starting when the ended one stopped: %v", err)
	}
}

func TestSweepQualifiesAndGrants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newCampaignEnv(t)
	c := e.mustCreate(twoTiers())
	if res, err := e.codes.Upload(ctx, c.ID, 1, strings.NewReader("CODE-A\nCODE-B\n")); err != nil || res.Added != 2 {
		t.Fatal(res, err)
	}
	a, b := e.user("A"), e.user("B")
	a1, a2 := e.invite(a, c, domain.ChannelScan), e.invite(a, c, domain.ChannelScan)
	e.clock.Advance(time.Second)
	b1, b2 := e.invite(b, c, domain.ChannelScan), e.invite(b, c, domain.ChannelScan)
	link := e.invite(b, c, domain.ChannelLink)

	e.clock.Set(t0.Add(2*time.Second - time.Microsecond))
	if res := e.mustSweep(); res != (application.SweepResult{}) {
		t.Errorf("sweep before any hold ended did %+v", res)
	}
	e.clock.Set(t0.Add(2 * time.Second)) // A's holds end
	if res := e.mustSweep(); res.Qualified != 2 || res.Granted != 2 {
		t.Errorf("sweep at A's hold end = %+v, want 2 qualified, 2 grants", res)
	}
	e.clock.Set(t0.Add(3 * time.Second)) // B's scan holds end; the link invitee never followed
	if res := e.mustSweep(); res.Qualified != 2 || res.Granted != 2 {
		t.Errorf("sweep at B's hold end = %+v", res)
	}
	for _, f := range []domain.User{a1, a2, b1, b2} {
		if st, _ := e.status(f); st != domain.InviteQualified {
			t.Errorf("friend %d is %s, want qualified", f.ID, st)
		}
	}
	if st, _ := e.status(link); st != domain.InvitePending {
		t.Errorf("link invitee who never followed is %s, want pending", st)
	}
	ga, _ := e.store.Grants().ByUser(ctx, a.ID, c.ID)
	gb, _ := e.store.Grants().ByUser(ctx, b.ID, c.ID)
	if len(ga) != 2 || ga[0].Code != "CODE-A" || ga[1].Status != domain.GrantGranted {
		t.Errorf("A's grants = %+v; want tier 1 with the first code and tier 2 granted (the one unit)", ga)
	}
	if len(gb) != 2 || gb[0].Code != "CODE-B" || gb[1].Status != domain.GrantOutOfStock {
		t.Errorf("B's grants = %+v; want tier 1 with the second code and tier 2 out of stock", gb)
	}
	if res := e.mustSweep(); res != (application.SweepResult{}) {
		t.Errorf("a second sweep did %+v, want nothing", res)
	}
	// A fulfils; B's out-of-stock grant cannot be.
	if g, err := e.fulfil.Fulfil(ctx, ga[1].ID); err != nil || g.Grant.Status != domain.GrantFulfilled || g.Nickname != "A" {
		t.Errorf("Fulfil = %+v, %v", g, err)
	}
	if _, err := e.fulfil.Fulfil(ctx, gb[1].ID); !application.IsKind(err, application.KindConflict) {
		t.Errorf("Fulfil(out_of_stock) = %v, want KindConflict", err)
	}
}

func TestSweepFinishesHalfDoneWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newCampaignEnv(t)
	c := e.mustCreate(twoTiers())
	a := e.user("A")
	f := e.invite(a, c, domain.ChannelScan)
	e.clock.Advance(c.Hold)
	// An instance qualified the invite and crashed before granting.
	inv, _ := e.store.Invites().ByInvitee(ctx, f.ID)
	q, _ := inv.Qualify(e.clock.Now())
	if ok, err := e.store.InviteLifecycle().Transition(ctx, inv, q); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if res := e.mustSweep(); res.Qualified != 0 || res.Settled != 1 || res.Granted != 1 {
		t.Errorf("sweep after the crash = %+v, want the grant made", res)
	}
	// Another crashed after granting but before settling: the grant is not repeated.
	g2 := e.invite(a, c, domain.ChannelScan)
	e.clock.Advance(c.Hold)
	inv, _ = e.store.Invites().ByInvitee(ctx, g2.ID)
	q, _ = inv.Qualify(e.clock.Now())
	e.store.InviteLifecycle().Transition(ctx, inv, q)
	rewards := application.NewGrantRewardsService(e.store, e.store.InviteLifecycle(), e.store.Campaigns(), e.store.Grants(), e.store.Codes(), e.clock)
	if made, err := rewards.GrantReached(ctx, a.ID, c); err != nil || len(made) != 1 {
		t.Fatalf("GrantReached = %+v, %v", made, err)
	}
	if res := e.mustSweep(); res.Settled != 1 || res.Granted != 0 {
		t.Errorf("sweep after the second crash = %+v, want settled without a new grant", res)
	}
	granted, oos, _ := e.store.Grants().Counts(ctx, c.ID)
	if granted != 2 || oos != 0 {
		t.Errorf("grants %d/%d, want 2/0", granted, oos)
	}
}

func TestFollowEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newCampaignEnv(t)
	c := twoTiers()
	c.Hold = time.Hour
	c.DeductAfterHold = true
	c = e.mustCreate(c)
	a := e.user("A")
	during := e.invite(a, c, domain.ChannelScan)
	after := e.invite(a, c, domain.ChannelScan)
	link := e.invite(a, c, domain.ChannelLink)
	stale := e.invite(a, c, domain.ChannelScan)

	if err := e.follow.Unfollowed(ctx, during.ID, t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st, why := e.status(during); st != domain.InviteRevoked || why != domain.ReasonUnfollowedDuringHold {
		t.Errorf("unfollow during hold: %s/%s", st, why)
	}
	if err := e.follow.Followed(ctx, during.ID, t0.Add(40*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.status(during); st != domain.InviteRevoked {
		t.Errorf("re-following restored the invite: %s", st)
	}
	if err := e.follow.Unfollowed(ctx, stale.ID, t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.status(stale); st != domain.InvitePending {
		t.Errorf("an unfollow older than the invite changed it: %s", st)
	}

	// The link invitee follows 10 minutes in: the hold runs from then.
	if err := e.follow.Followed(ctx, link.ID, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(t0.Add(70*time.Minute - time.Microsecond))
	e.mustSweep()
	if st, _ := e.status(link); st != domain.InvitePending {
		t.Errorf("link invite before its hold ends: %s", st)
	}
	e.clock.Set(t0.Add(70 * time.Minute))
	e.mustSweep()
	if st, _ := e.status(link); st != domain.InviteQualified {
		t.Errorf("link invite when its hold ends: %s", st)
	}
	if st, _ := e.status(after); st != domain.InviteQualified {
		t.Errorf("scan invite after its hold: %s", st)
	}
	grants, _ := e.store.Grants().ByUser(ctx, a.ID, c.ID)
	if len(grants) != 2 {
		t.Fatalf("grants = %+v, want tiers 1 and 2", grants)
	}
	if err := e.follow.Unfollowed(ctx, after.ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if st, why := e.status(after); st != domain.InviteRevoked || why != domain.ReasonUnfollowedAfterHold {
		t.Errorf("unfollow after hold with deduction: %s/%s", st, why)
	}
	if after, _ := e.store.Grants().ByUser(ctx, a.ID, c.ID); len(after) != 2 {
		t.Errorf("a revoke took a reward back: %+v", after)
	}
	m, err := e.mine.MyCampaign(ctx, a.ID)
	if err != nil || m == nil || m.Qualified != 2 || m.Pending != 0 || m.NextTier != nil || len(m.Rewards) != 2 {
		t.Errorf("MyCampaign = %+v, %v", m, err)
	}
}

func TestCampaignStatsAndLeaderboard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newCampaignEnv(t)
	c := twoTiers()
	c.EndsAt = t0.Add(30 * 24 * time.Hour)
	c = e.mustCreate(c)
	a, b := e.user("A"), e.user("B")
	e.clock.Set(time.Date(2025, 3, 1, 15, 59, 59, 0, time.UTC)) // 23:59:59 in Shanghai
	e.invite(a, c, domain.ChannelScan)
	e.clock.Set(time.Date(2025, 3, 1, 16, 0, 0, 0, time.UTC)) // 00:00 on 2 March in Shanghai
	gone := e.invite(a, c, domain.ChannelLink)
	e.invite(b, c, domain.ChannelScan)
	if err := e.follow.Unfollowed(ctx, gone.ID, e.clock.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC))
	st, err := e.stats.Stats(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Participants != 2 || st.Invites != (application.InviteCounts{Qualified: 2, Revoked: 1}) {
		t.Errorf("stats = %+v", st)
	}
	want := []application.DayStats{{Date: "2025-03-01", Scan: 1}, {Date: "2025-03-02", Scan: 1, Link: 1, Qualified: 2, Revoked: 1}}
	if fmt.Sprint(st.ByDay) != fmt.Sprint(want) {
		t.Errorf("by_day = %+v, want %+v", st.ByDay, want)
	}
	lb, err := e.board.Leaderboard(ctx, c.ID, 0)
	if err != nil || len(lb) != 2 || lb[0].UserID != a.ID {
		t.Fatalf("leaderboard = %+v, %v", lb, err)
	}
	if lb[0].Retention7d == nil || *lb[0].Retention7d != 1 {
		t.Errorf("A's retention = %v, want 1 (both invitees still follow in the store)", lb[0].Retention7d)
	}
	if _, err := e.board.Leaderboard(ctx, c.ID, 101); !application.IsKind(err, application.KindInvalid) {
		t.Errorf("limit 101: %v", err)
	}
	if _, err := e.stats.Stats(ctx, c.ID+1); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("stats of a missing campaign: %v", err)
	}
}

func TestUploadCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newCampaignEnv(t)
	c := e.mustCreate(twoTiers())
	res, err := e.codes.Upload(ctx, c.ID, 1, strings.NewReader("A\n\n  B  \r\nA\n \t\nC"))
	if err != nil || res != (application.CodesAdded{Added: 3, Duplicates: 1}) {
		t.Errorf("first upload = %+v, %v; want 3 added, 1 duplicate", res, err)
	}
	res, err = e.codes.Upload(ctx, c.ID, 1, strings.NewReader("C\nD\n"))
	if err != nil || res != (application.CodesAdded{Added: 1, Duplicates: 1}) {
		t.Errorf("second upload = %+v, %v", res, err)
	}
	if _, err := e.codes.Upload(ctx, c.ID, 3, strings.NewReader("X")); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("unknown tier: %v", err)
	}
	_, err = e.codes.Upload(ctx, c.ID, 1, strings.NewReader("E\n"+strings.Repeat("x", 129)))
	if !application.IsKind(err, application.KindInvalid) {
		t.Errorf("overlong code: %v", err)
	}
	if res, _ := e.codes.Upload(ctx, c.ID, 1, strings.NewReader("E")); res.Added != 1 {
		t.Errorf("E was stored by the refused upload: %+v", res)
	}
}

func TestPosterBackground(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newCampaignEnv(t)
	c := e.mustCreate(twoTiers())
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 75, 133))); err != nil {
		t.Fatal(err)
	}
	img, err := e.poster.Put(ctx, c.ID, bytes.NewReader(buf.Bytes()))
	if err != nil || img.ContentType != "image/png" || img.Width != 75 || img.Height != 133 {
		t.Errorf("Put(png) = %+v, %v", img, err)
	}
	tests := []struct {
		name string
		body []byte
		kind application.Kind
	}{
		{"over 2 MiB", append(buf.Bytes(), make([]byte, application.MaxPosterBackground)...), application.KindTooLarge},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), application.KindUnsupported},
		{"png signature, broken header", []byte("\x89PNG\r\n\x1a\nnot really"), application.KindUnsupported},
		{"empty", nil, application.KindUnsupported},
	}
	for _, tt := range tests {
		if _, err := e.poster.Put(ctx, c.ID, bytes.NewReader(tt.body)); !application.IsKind(err, tt.kind) {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.kind)
		}
	}
	got, err := e.store.Campaigns().Background(ctx, c.ID)
	if err != nil || !bytes.Equal(got.Data, buf.Bytes()) {
		t.Errorf("a refused upload replaced the background")
	}
	if _, err := e.poster.Put(ctx, c.ID+5, bytes.NewReader(buf.Bytes())); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("missing campaign: %v", err)
	}
}

func TestSweeperStartStop(t *testing.T) {
	t.Parallel()
	e := newCampaignEnv(t)
	s := application.NewSweeper(e.sweep, nil)
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("Stop before Start: %v", err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Errorf("second Start: %v", err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("Stop: %v", err)
	}
}
