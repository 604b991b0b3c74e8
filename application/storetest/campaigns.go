package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// CampaignStores is what a store adapter hands the campaign suite: the base stores
// plus the campaign ports, all on one fresh, empty store.
type CampaignStores struct {
	Stores
	Campaigns application.CampaignRepository
	Lifecycle application.InviteLifecycleRepository
	Grants    application.GrantRepository
	Codes     application.CodeRepository
}

// RunCampaigns runs the campaign contract tests, including the 20-goroutine races
// on one grant, on the last unit of stock, on one code and on one transition.
func RunCampaigns(t *testing.T, newStores func(t *testing.T) CampaignStores) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s CampaignStores)
	}{
		{"CampaignRoundTrip", testCampaignRoundTrip},
		{"CampaignRevision", testCampaignRevision},
		{"CampaignStockAfterUpdate", testCampaignStockAfterUpdate},
		{"PosterBackground", testPosterBackground},
		{"LifecycleRoundTripAndCAS", testLifecycleCAS},
		{"LifecycleSweepQueries", testLifecycleSweepQueries},
		{"LifecycleCountsAndLeaderboard", testLifecycleCounts},
		{"CampaignStatsDays", testCampaignStatsDays},
		{"Grants", testGrants},
		{"GrantListing", testGrantListing},
		{"Codes", testCodes},
		{"RaceOneGrant", testRaceOneGrant},
		{"RaceLastStock", testRaceLastStock},
		{"RaceOneCode", testRaceOneCode},
		{"RaceOneTransition", testRaceOneTransition},
		{"RaceGrantService", testRaceGrantService},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStores(t))
		})
	}
}

func intp(n int) *int { return &n }

// campaign is a valid campaign running [base, base+30d) with a 1h hold.
func campaign(name string, start time.Time) domain.Campaign {
	c := domain.Campaign{
		Name: name, StartsAt: start, EndsAt: start.Add(30 * 24 * time.Hour), Hold: time.Hour, DeductAfterHold: true,
		Keyword: "海报", CreatedAt: base,
		Tiers: []domain.Tier{
			{Tier: 1, Threshold: 1, Reward: "小奖", URL: "https://example.com/1"},
			{Tier: 2, Threshold: 3, Reward: "大奖", Stock: intp(2)},
		},
		Notices: domain.Notices{Progress: "{friend} 来了", Reward: "{reward}"},
		Poster: domain.PosterLayout{QR: domain.PosterBox{X: 10, Y: 20, Size: 300},
			Nickname: &domain.PosterText{X: 1, Y: 2, Size: 28, Color: "#ff0000"}},
	}
	return c
}

func mustCampaign(t *testing.T, s CampaignStores, c domain.Campaign) domain.Campaign {
	t.Helper()
	ctx := context.Background()
	_, rev, err := s.Campaigns.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Campaigns.Create(ctx, c, rev)
	if err != nil {
		t.Fatalf("Create campaign: %v", err)
	}
	if got.ID == 0 {
		t.Fatal("Create campaign returned no ID")
	}
	return got
}

// pendingInvite records inviter→invitee in campaign c at `at`, following since `at`.
func pendingInvite(t *testing.T, s CampaignStores, inviter, invitee domain.User, c domain.Campaign, at time.Time, ch domain.Channel) domain.Invite {
	t.Helper()
	followed := at
	if ch == domain.ChannelLink {
		followed = time.Time{}
	}
	inv := domain.Invite{InviterID: inviter.ID, InviteeID: invitee.ID, Channel: ch, CreatedAt: at}.Enrol(c, followed)
	got, err := s.Invites.Create(context.Background(), inv)
	if err != nil {
		t.Fatalf("Invites.Create: %v", err)
	}
	return got
}

func sameCampaign(t *testing.T, got, want domain.Campaign) {
	t.Helper()
	sameTime(t, "StartsAt", got.StartsAt, want.StartsAt)
	sameTime(t, "EndsAt", got.EndsAt, want.EndsAt)
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	g, w := fmt.Sprintf("%+v", flatten(got)), fmt.Sprintf("%+v", flatten(want))
	if g != w {
		t.Errorf("campaign\n got %s\nwant %s", g, w)
	}
}

// flatten renders pointers as values so two campaigns compare by content.
func flatten(c domain.Campaign) []any {
	out := []any{c.ID, c.Name, c.Hold, c.DeductAfterHold, c.Keyword, c.Notices, c.Poster.QR}
	if c.Poster.Avatar != nil {
		out = append(out, "avatar", *c.Poster.Avatar)
	}
	if c.Poster.Nickname != nil {
		out = append(out, "nickname", *c.Poster.Nickname)
	}
	for _, tr := range c.Tiers {
		out = append(out, tr.Tier, tr.Threshold, tr.Reward, tr.URL)
		if tr.Stock != nil {
			out = append(out, "stock", *tr.Stock)
		}
		if tr.Remaining != nil {
			out = append(out, "remaining", *tr.Remaining)
		}
	}
	return out
}

func testCampaignRoundTrip(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	if _, err := s.Campaigns.ByID(ctx, 1); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("ByID on empty store: %v, want ErrNotFound", err)
	}
	c := campaign("春季 🎉", base)
	c.Poster.Avatar = &domain.PosterBox{X: 5, Y: 6, Size: 7}
	got := mustCampaign(t, s, c)
	want := c
	want.ID = got.ID
	want.Tiers = append([]domain.Tier(nil), c.Tiers...)
	want.Tiers[1].Remaining = intp(2)
	sameCampaign(t, got, want)
	read, err := s.Campaigns.ByID(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameCampaign(t, read, want)

	open := campaign("open-ended", base.Add(60*24*time.Hour))
	open.EndsAt, open.Tiers, open.Poster.Nickname = time.Time{}, nil, nil
	o := mustCampaign(t, s, open)
	all, _, err := s.Campaigns.All(ctx)
	if err != nil || len(all) != 2 || all[0].ID != o.ID || !all[0].EndsAt.IsZero() || len(all[0].Tiers) != 0 {
		t.Errorf("All = %+v, %v; want the open-ended campaign first, without end or tiers", all, err)
	}
}

func testCampaignRevision(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	_, rev, err := s.Campaigns.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Campaigns.Create(ctx, campaign("a", base), rev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Campaigns.Create(ctx, campaign("b", base.Add(time.Hour)), rev); !errors.Is(err, application.ErrConflict) {
		t.Errorf("Create at a stale revision: %v, want ErrConflict", err)
	}
	_, rev2, _ := s.Campaigns.All(ctx)
	if rev2 == rev {
		t.Fatal("the revision did not move on Create")
	}
	a.Name = "renamed"
	if err := s.Campaigns.Update(ctx, a, rev); !errors.Is(err, application.ErrConflict) {
		t.Errorf("Update at a stale revision: %v, want ErrConflict", err)
	}
	if err := s.Campaigns.Update(ctx, a, rev2); err != nil {
		t.Fatal(err)
	}
	missing := a
	missing.ID = a.ID + 100
	_, rev3, _ := s.Campaigns.All(ctx)
	if err := s.Campaigns.Update(ctx, missing, rev3); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("Update of a missing campaign: %v, want ErrNotFound", err)
	}
	all, _, _ := s.Campaigns.All(ctx)
	if len(all) != 1 || all[0].Name != "renamed" {
		t.Errorf("All = %+v; want exactly the renamed campaign", all)
	}
}

func testCampaignStockAfterUpdate(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("stock", base))
	for i := range 2 {
		u := mustCreateUser(t, s.Stores, newUser(fmt.Sprint("oStock", i), "s", base))
		g, err := s.Grants.Create(ctx, domain.NewGrant(u.ID, c, c.Tiers[1], base))
		if err != nil {
			t.Fatal(err)
		}
		took, err := s.Campaigns.TakeStock(ctx, c.ID, 2)
		if err != nil || !took {
			t.Fatalf("TakeStock %d = %v, %v", i, took, err)
		}
		_ = g
	}
	if took, err := s.Campaigns.TakeStock(ctx, c.ID, 2); err != nil || took {
		t.Errorf("TakeStock with none left = %v, %v; want false", took, err)
	}
	if took, err := s.Campaigns.TakeStock(ctx, c.ID, 1); err != nil || !took {
		t.Errorf("TakeStock on an unlimited tier = %v, %v; want true", took, err)
	}
	c.Tiers[1].Stock = intp(5)
	_, rev, _ := s.Campaigns.All(ctx)
	if err := s.Campaigns.Update(ctx, c, rev); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Campaigns.ByID(ctx, c.ID)
	if r := got.Tiers[1].Remaining; r == nil || *r != 3 {
		t.Errorf("remaining after raising stock to 5 with 2 granted = %v, want 3", r)
	}
	c.Tiers[1].Stock = intp(1)
	_, rev, _ = s.Campaigns.All(ctx)
	if err := s.Campaigns.Update(ctx, c, rev); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Campaigns.ByID(ctx, c.ID)
	if r := got.Tiers[1].Remaining; r == nil || *r != 0 {
		t.Errorf("remaining after lowering stock below the grants = %v, want 0", r)
	}
}

func testPosterBackground(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("poster", base))
	if _, err := s.Campaigns.Background(ctx, c.ID); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("Background before any: %v, want ErrNotFound", err)
	}
	img := application.PosterImage{ContentType: "image/png", Data: []byte("\x89PNG\x00\xffdata"), Width: 750, Height: 1334, UpdatedAt: base}
	if err := s.Campaigns.PutBackground(ctx, c.ID+100, img); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("PutBackground on a missing campaign: %v, want ErrNotFound", err)
	}
	for _, data := range [][]byte{img.Data, []byte("\xff\xd8\xffsecond")} {
		img.Data = data
		if err := s.Campaigns.PutBackground(ctx, c.ID, img); err != nil {
			t.Fatal(err)
		}
		got, err := s.Campaigns.Background(ctx, c.ID)
		if err != nil || string(got.Data) != string(data) || got.Width != 750 || got.Height != 1334 || got.ContentType != "image/png" {
			t.Errorf("Background = %+v, %v", got, err)
		}
		sameTime(t, "UpdatedAt", got.UpdatedAt, base)
	}
}
