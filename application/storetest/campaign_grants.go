package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func testGrants(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("grants", base))
	u := mustCreateUser(t, s.Stores, newUser("oU", "U", base))
	g, err := s.Grants.Create(ctx, domain.NewGrant(u.ID, c, c.Tiers[0], base))
	if err != nil || g.ID == 0 {
		t.Fatalf("Create = %+v, %v", g, err)
	}
	if _, err := s.Grants.Create(ctx, domain.NewGrant(u.ID, c, c.Tiers[0], base.Add(time.Second))); !errors.Is(err, application.ErrConflict) {
		t.Errorf("second grant of one tier: %v, want ErrConflict", err)
	}
	if ok, err := s.Grants.SetOutcome(ctx, g.ID, domain.GrantGranted, "CODE-1"); !ok || err != nil {
		t.Fatalf("SetOutcome = %v, %v", ok, err)
	}
	found, err := s.Grants.Find(ctx, u.ID, c.ID, 1)
	if err != nil || found.Code != "CODE-1" || found.Reward != "小奖" || found.URL != "https://example.com/1" || found.Status != domain.GrantGranted {
		t.Errorf("Find = %+v, %v", found, err)
	}
	sameTime(t, "GrantedAt", found.GrantedAt, base)
	if _, err := s.Grants.Find(ctx, u.ID, c.ID, 2); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("Find of an ungranted tier: %v", err)
	}
	at := base.Add(time.Hour)
	if ok, err := s.Grants.Fulfil(ctx, g.ID, at); !ok || err != nil {
		t.Fatalf("Fulfil = %v, %v", ok, err)
	}
	if ok, _ := s.Grants.Fulfil(ctx, g.ID, at); ok {
		t.Error("Fulfil applied twice")
	}
	if ok, _ := s.Grants.SetOutcome(ctx, g.ID, domain.GrantOutOfStock, ""); ok {
		t.Error("SetOutcome changed a fulfilled grant")
	}
	got, err := s.Grants.ByID(ctx, g.ID)
	if err != nil || got.Status != domain.GrantFulfilled {
		t.Errorf("ByID = %+v, %v", got, err)
	}
	sameTime(t, "FulfilledAt", got.FulfilledAt, at)
	g2, _ := s.Grants.Create(ctx, domain.NewGrant(u.ID, c, c.Tiers[1], base))
	if ok, _ := s.Grants.SetOutcome(ctx, g2.ID, domain.GrantOutOfStock, ""); !ok {
		t.Error("SetOutcome(out_of_stock) did not apply")
	}
	list, err := s.Grants.ByUser(ctx, u.ID, c.ID)
	if err != nil || len(list) != 2 || list[0].Tier != 1 || list[1].Status != domain.GrantOutOfStock {
		t.Errorf("ByUser = %+v, %v", list, err)
	}
	granted, oos, err := s.Grants.Counts(ctx, c.ID)
	if err != nil || granted != 1 || oos != 1 {
		t.Errorf("Counts = %d, %d, %v; want 1 granted (fulfilled), 1 out_of_stock", granted, oos, err)
	}
}

func testGrantListing(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("list", base))
	c2 := mustCampaign(t, s, campaign("list2", base.Add(40*24*time.Hour)))
	var ids []domain.GrantID
	for i := range 5 {
		u := mustCreateUser(t, s.Stores, newUser(fmt.Sprint("oL", i), fmt.Sprint("昵称", i), base))
		g, err := s.Grants.Create(ctx, domain.NewGrant(u.ID, c, c.Tiers[0], base.Add(time.Duration(i%2)*time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
	}
	u := mustCreateUser(t, s.Stores, newUser("oOther", "o", base))
	if _, err := s.Grants.Create(ctx, domain.NewGrant(u.ID, c2, c2.Tiers[0], base)); err != nil {
		t.Fatal(err)
	}
	s.Grants.Fulfil(ctx, ids[0], base)
	var all []application.GrantRecord
	page := application.Page{Limit: 2}
	for range 10 {
		items, next, err := s.Grants.List(ctx, application.GrantFilter{Campaign: c.ID}, page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, items...)
		if next.IsZero() {
			break
		}
		page.Cursor = next
	}
	if len(all) != 5 {
		t.Fatalf("paged %d grants, want 5", len(all))
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1].Grant, all[i].Grant
		if a.GrantedAt.Before(b.GrantedAt) || a.GrantedAt.Equal(b.GrantedAt) && a.ID < b.ID {
			t.Errorf("not newest first at %d", i)
		}
	}
	if !strings.HasPrefix(all[0].Nickname, "昵称") {
		t.Errorf("nickname = %q", all[0].Nickname)
	}
	items, _, _ := s.Grants.List(ctx, application.GrantFilter{Status: domain.GrantFulfilled}, application.Page{Limit: 10})
	if len(items) != 1 || items[0].Grant.ID != ids[0] {
		t.Errorf("List(fulfilled) = %+v", items)
	}
	n := 0
	if err := s.Grants.Each(ctx, application.GrantFilter{}, func(application.GrantRecord) error { n++; return nil }); err != nil || n != 6 {
		t.Errorf("Each = %d, %v; want 6", n, err)
	}
}

func testCodes(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("codes", base))
	n, err := s.Codes.Add(ctx, c.ID, 1, []string{"A", "B", "C"})
	if err != nil || n != 3 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	if n, err := s.Codes.Add(ctx, c.ID, 1, []string{"B", "D", "a"}); err != nil || n != 2 {
		t.Errorf("Add with one stored already = %d, %v; want 2 (codes are case-sensitive)", n, err)
	}
	if n, err := s.Codes.Add(ctx, c.ID, 2, []string{"A"}); err != nil || n != 1 {
		t.Errorf("the same code on another tier = %d, %v; want 1", n, err)
	}
	seen := map[string]bool{}
	for g := domain.GrantID(1); g <= 5; g++ {
		code, ok, err := s.Codes.Claim(ctx, c.ID, 1, g)
		if err != nil || !ok || seen[code] {
			t.Fatalf("Claim for grant %d = %q, %v, %v", g, code, ok, err)
		}
		seen[code] = true
		if again, ok, _ := s.Codes.Claim(ctx, c.ID, 1, g); !ok || again != code {
			t.Errorf("a second Claim for grant %d gave %q, want its own %q", g, again, code)
		}
	}
	if code, ok, err := s.Codes.Claim(ctx, c.ID, 1, 6); err != nil || ok {
		t.Errorf("Claim with none left = %q, %v, %v", code, ok, err)
	}
}

// raceGrantUsers makes n users for grant races.
func raceGrantUsers(t *testing.T, s CampaignStores, n int) []domain.User {
	us := make([]domain.User, n)
	for i := range us {
		us[i] = mustCreateUser(t, s.Stores, newUser(fmt.Sprint("oRace", i), "r", base))
	}
	return us
}

func testRaceOneGrant(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("race-grant", base))
	u := raceGrantUsers(t, s, 1)[0]
	errs := race(20, func(i int) error {
		_, err := s.Grants.Create(ctx, domain.NewGrant(u.ID, c, c.Tiers[0], base.Add(time.Duration(i)*time.Microsecond)))
		return err
	})
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, application.ErrConflict):
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	granted, _, _ := s.Grants.Counts(ctx, c.ID)
	if wins != 1 || granted != 1 {
		t.Errorf("%d creates succeeded, %d grants stored; want exactly 1", wins, granted)
	}
}

func testRaceLastStock(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	cp := campaign("race-stock", base)
	cp.Tiers[1].Stock = intp(1)
	c := mustCampaign(t, s, cp)
	took := make([]bool, 20)
	errs := race(20, func(i int) error {
		var err error
		took[i], err = s.Campaigns.TakeStock(ctx, c.ID, 2)
		return err
	})
	n := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
		if took[i] {
			n++
		}
	}
	got, _ := s.Campaigns.ByID(ctx, c.ID)
	remaining := -1
	if r := got.Tiers[1].Remaining; r != nil {
		remaining = *r
	}
	if n != 1 || remaining != 0 {
		t.Errorf("%d goroutines took the last unit, remaining %d; want 1 and 0", n, remaining)
	}
}

func testRaceOneCode(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("race-code", base))
	if _, err := s.Codes.Add(ctx, c.ID, 1, []string{"ONLY"}); err != nil {
		t.Fatal(err)
	}
	got := make([]string, 20)
	errs := race(20, func(i int) error {
		code, _, err := s.Codes.Claim(ctx, c.ID, 1, domain.GrantID(i+1))
		got[i] = code
		return err
	})
	n := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
		if got[i] != "" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d goroutines claimed the one code, want 1", n)
	}
	// Twenty codes for twenty claimants: each gets a different one.
	c2 := mustCampaign(t, s, campaign("race-codes", base.Add(40*24*time.Hour)))
	var codes []string
	for i := range 20 {
		codes = append(codes, fmt.Sprint("C", i))
	}
	if _, err := s.Codes.Add(ctx, c2.ID, 1, codes); err != nil {
		t.Fatal(err)
	}
	errs = race(20, func(i int) error {
		code, ok, err := s.Codes.Claim(ctx, c2.ID, 1, domain.GrantID(100+i))
		if err == nil && !ok {
			err = fmt.Errorf("no code although 20 were free for 20")
		}
		got[i] = code
		return err
	})
	seen := map[string]bool{}
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
		if seen[got[i]] {
			t.Errorf("code %q claimed twice", got[i])
		}
		seen[got[i]] = true
	}
}

func testRaceOneTransition(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("race-transition", base))
	a := mustCreateUser(t, s.Stores, newUser("oA", "A", base))
	b := mustCreateUser(t, s.Stores, newUser("oB", "B", base))
	inv := pendingInvite(t, s, a, b, c, base, domain.ChannelScan)
	end := base.Add(c.Hold)
	won := make([]bool, 20)
	errs := race(20, func(i int) error {
		var to domain.Invite
		if i%2 == 0 {
			to, _ = inv.Qualify(end) // half the racers qualify (the sweep) ...
		} else {
			to, _ = inv.Unfollow(end.Add(-time.Second), c) // ... half revoke (an unfollow)
		}
		var err error
		won[i], err = s.Lifecycle.Transition(ctx, inv, to)
		return err
	})
	winner := -1
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
		if won[i] {
			if winner >= 0 {
				t.Errorf("goroutines %d and %d both applied a transition", winner, i)
			}
			winner = i
		}
	}
	got, _ := s.Invites.ByInvitee(ctx, b.ID)
	want := domain.InviteQualified
	if winner%2 == 1 {
		want = domain.InviteRevoked
	}
	if winner < 0 || got.Status != want {
		t.Errorf("winner %d, final status %s; want exactly one winner whose status stuck", winner, got.Status)
	}
}

// testRaceGrantService runs the whole grant (row, stock, code, outcome in one
// transaction) for 20 inviters at once against a tier with stock 5 and 3 codes.
func testRaceGrantService(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	cp := campaign("race-service", base)
	cp.Tiers = []domain.Tier{{Tier: 1, Threshold: 1, Reward: "限量", Stock: intp(5)}}
	c := mustCampaign(t, s, cp)
	if _, err := s.Codes.Add(ctx, c.ID, 1, []string{"X1", "X2", "X3"}); err != nil {
		t.Fatal(err)
	}
	inviters := raceGrantUsers(t, s, 20)
	for i, u := range inviters {
		f := mustCreateUser(t, s.Stores, newUser(fmt.Sprint("oFriend", i), "f", base))
		inv := pendingInvite(t, s, u, f, c, base, domain.ChannelScan)
		q, _ := inv.Qualify(base.Add(c.Hold))
		if ok, err := s.Lifecycle.Transition(ctx, inv, q); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	clock := application.ClockFunc(func() time.Time { return base.Add(2 * c.Hold) })
	svc := application.NewGrantRewardsService(s.Tx, s.Lifecycle, s.Campaigns, s.Grants, s.Codes, clock)
	errs := race(40, func(i int) error { // every inviter granted from two "instances"
		_, err := svc.GrantReached(ctx, inviters[i%20].ID, c)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	granted, oos, _ := s.Grants.Counts(ctx, c.ID)
	got, _ := s.Campaigns.ByID(ctx, c.ID)
	if granted != 5 || oos != 15 || *got.Tiers[0].Remaining != 0 {
		t.Errorf("granted %d, out_of_stock %d, remaining %d; want 5, 15, 0", granted, oos, *got.Tiers[0].Remaining)
	}
	codes := map[string]bool{}
	withCode := 0
	_ = s.Grants.Each(ctx, application.GrantFilter{Campaign: c.ID}, func(r application.GrantRecord) error {
		if r.Grant.Code != "" {
			withCode++
			if codes[r.Grant.Code] || r.Grant.Status != domain.GrantGranted {
				t.Errorf("code %q given twice or to a %s grant", r.Grant.Code, r.Grant.Status)
			}
			codes[r.Grant.Code] = true
		}
		return nil
	})
	if withCode != 3 {
		t.Errorf("%d grants carry a code, want 3", withCode)
	}
}
