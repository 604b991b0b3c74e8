package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// testCampaignStatsDays puts invites a microsecond either side of local midnight in
// Asia/Shanghai (+8) and Asia/Kathmandu (+5:45) and checks the campaign's days in
// both: from the store's quarter-hour buckets they must be what a day-by-day walk
// over every invite (as of now) gives, and what is written below.
func testCampaignStatsDays(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("days", base))
	mustCampaign(t, s, campaign("other", base)) // its invites must not count
	inviter := mustCreateUser(t, s.Stores, newUser("oInviter", "I", base))
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	mk := func(at time.Time, ch domain.Channel) domain.Invite {
		n++
		u := mustCreateUser(t, s.Stores, newUser(fmt.Sprint("oDay", n), "F", base))
		return pendingInvite(t, s, inviter, u, c, at, ch)
	}
	us := time.Microsecond
	shanghaiMidnight, kathmanduMidnight := day.Add(16*time.Hour), day.Add(18*time.Hour+15*time.Minute)
	mk(shanghaiMidnight.Add(-us), domain.ChannelScan)  // A: hold ends 16:59:59.999999, due
	mk(shanghaiMidnight, domain.ChannelScan)           // B: hold ends 17:00, due
	mk(kathmanduMidnight.Add(-us), domain.ChannelScan) // C: still in its hold
	mk(kathmanduMidnight, domain.ChannelScan)          // D: still in its hold
	e := mk(day.Add(14*time.Hour), domain.ChannelScan) // E: qualified 15:00, revoked 16:00
	f := mk(day.Add(17*time.Hour), domain.ChannelScan) // F: qualified 18:00
	mk(kathmanduMidnight, domain.ChannelLink)          // G
	mk(day.Add(15*time.Hour+45*time.Minute), domain.ChannelLink)
	for _, tr := range []struct {
		inv     domain.Invite
		revoked time.Time
	}{{e, shanghaiMidnight}, {f, time.Time{}}} {
		q, _ := tr.inv.Qualify(tr.inv.HoldEndsAt)
		if ok, err := s.Lifecycle.Transition(ctx, tr.inv, q); !ok || err != nil {
			t.Fatalf("qualify: %v, %v", ok, err)
		}
		if !tr.revoked.IsZero() {
			r, _ := q.Unfollow(tr.revoked, c)
			if ok, err := s.Lifecycle.Transition(ctx, q, r); !ok || err != nil || r.Status != domain.InviteRevoked {
				t.Fatalf("revoke: %v, %v, %s", ok, err, r.Status)
			}
		}
	}
	other := mustCreateUser(t, s.Stores, newUser("oOtherCampaign", "O", base))
	pendingInvite(t, s, inviter, other, mustCampaign(t, s, campaign("third", base)), shanghaiMidnight, domain.ChannelScan)
	now := kathmanduMidnight.Add(30 * time.Minute)
	tests := []struct {
		zone string
		want []application.DayStats
	}{
		{"Asia/Shanghai", []application.DayStats{
			{Date: "2025-03-01", Scan: 2, Link: 1, Qualified: 1},
			{Date: "2025-03-02", Scan: 4, Link: 1, Qualified: 3, Revoked: 1}}},
		{"Asia/Kathmandu", []application.DayStats{
			{Date: "2025-03-01", Scan: 5, Link: 1, Qualified: 4, Revoked: 1},
			{Date: "2025-03-02", Scan: 1, Link: 1}}},
		{"UTC", []application.DayStats{{Date: "2025-03-01", Scan: 6, Link: 2, Qualified: 4, Revoked: 1}}},
	}
	for _, tc := range tests {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		q := application.NewCampaignStatsQuery(s.Campaigns, s.Lifecycle, s.Grants, application.ClockFunc(func() time.Time { return now }), loc)
		st, err := q.Stats(ctx, c.ID)
		if err != nil {
			t.Fatalf("%s: Stats: %v", tc.zone, err)
		}
		if !reflect.DeepEqual(st.ByDay, tc.want) {
			t.Errorf("%s: ByDay = %+v, want %+v", tc.zone, st.ByDay, tc.want)
		}
		if walk := walkDays(t, s, c.ID, now, loc); !reflect.DeepEqual(st.ByDay, walk) {
			t.Errorf("%s: ByDay = %+v, a walk over every invite gives %+v", tc.zone, st.ByDay, walk)
		}
	}
}

// walkDays is the campaign's days computed invite by invite, as of now.
func walkDays(t *testing.T, s CampaignStores, id domain.CampaignID, now time.Time, loc *time.Location) []application.DayStats {
	t.Helper()
	days := map[string]*application.DayStats{}
	day := func(at time.Time) *application.DayStats {
		k := at.In(loc).Format(time.DateOnly)
		if days[k] == nil {
			days[k] = &application.DayStats{Date: k}
		}
		return days[k]
	}
	err := s.Lifecycle.EachInCampaign(context.Background(), id, func(inv domain.Invite) error {
		inv = inv.AsOf(now)
		if inv.Channel == domain.ChannelScan {
			day(inv.CreatedAt).Scan++
		} else {
			day(inv.CreatedAt).Link++
		}
		if !inv.QualifiedAt.IsZero() {
			day(inv.QualifiedAt).Qualified++
		}
		if inv.Status == domain.InviteRevoked {
			day(inv.RevokedAt).Revoked++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []application.DayStats
	for _, d := range days {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}
