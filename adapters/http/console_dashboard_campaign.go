package httpadapter

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// campaignDash is the dashboard's campaign part: the running campaign (or the one
// picked, or the latest), its day-by-day chart, its funnel and its leaderboard.
type campaignDash struct {
	ID                          int64
	Name, Status, StatusZ       string
	Participants                int
	Pending, Qualified, Revoked int
	Granted, OutOfStock         int
	DayChart, FunnelChart       chartSpec
	Leaders                     []campaignLeaderRow
	Options                     []campaignOption
}

type campaignLeaderRow struct {
	Rank                        int
	ID                          int64
	Nickname                    string
	Qualified, Pending, Revoked int
	Retention                   *float64
}

// pickCampaign is the campaign the dashboard shows: ?campaign= when given, else the
// one running now, else the latest.
func pickCampaign(r *http.Request, all []domain.Campaign, now time.Time) (domain.Campaign, bool) {
	if v := r.URL.Query().Get("campaign"); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			for _, c := range all {
				if int64(c.ID) == id {
					return c, true
				}
			}
		}
	}
	for _, c := range all {
		if c.RunningAt(now) {
			return c, true
		}
	}
	if len(all) > 0 {
		return all[0], true
	}
	return domain.Campaign{}, false
}

// campaignDashboard reads what the campaign part needs; nil when there is no campaign.
func (s *server) campaignDashboard(ctx context.Context, r *http.Request) (*campaignDash, error) {
	all, err := s.svc.Campaigns.Query.List(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c, ok := pickCampaign(r, all, now)
	if !ok {
		return nil, nil
	}
	var (
		st       application.CampaignStats
		top      []application.CampaignLeaderboardEntry
		contacts *application.FunnelContacts
	)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { st, err = s.svc.Campaigns.Stats.Stats(ctx, c.ID); return err })
	g.Go(func() (err error) {
		top, err = s.svc.Campaigns.Leaderboard.Leaderboard(ctx, c.ID, consoleLeaderboardSize)
		return err
	})
	if s.svc.Campaigns.Funnel != nil {
		g.Go(func() error {
			f, err := s.svc.Campaigns.Funnel.Contacts(ctx, c.ID)
			contacts = &f
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	status := c.Status(now)
	d := &campaignDash{ID: int64(c.ID), Name: c.Name, Status: string(status), StatusZ: campaignStatusZh[status],
		Participants: st.Participants, Pending: st.Invites.Pending, Qualified: st.Invites.Qualified, Revoked: st.Invites.Revoked,
		Granted: st.Granted, OutOfStock: st.OutOfStock}
	for _, o := range all {
		d.Options = append(d.Options, campaignOption{ID: int64(o.ID), Name: o.Name, Selected: o.ID == c.ID})
	}
	day := chartSpec{Kind: "bar", Series: []chartSeries{{Name: "扫码关注", Stack: "follow"}, {Name: "链接加入", Stack: "follow"}, {Name: "达标"}, {Name: "撤销"}}}
	for _, b := range st.ByDay {
		day.Labels = append(day.Labels, b.Date)
		day.Series[0].Data = append(day.Series[0].Data, b.Scan)
		day.Series[1].Data = append(day.Series[1].Data, b.Link)
		day.Series[2].Data = append(day.Series[2].Data, b.Qualified)
		day.Series[3].Data = append(day.Series[3].Data, b.Revoked)
	}
	d.DayChart = day
	invites := st.Invites.Pending + st.Invites.Qualified + st.Invites.Revoked
	funnel := chartSpec{Kind: "funnel", Series: []chartSeries{{Name: "人数"}}}
	add := func(label string, n int) {
		funnel.Labels = append(funnel.Labels, label)
		funnel.Series[0].Data = append(funnel.Series[0].Data, n)
	}
	if contacts != nil { // the audit trail's contacts: scan or link → follow
		add("扫码/打开链接", contacts.Reached)
		add("关注", contacts.Followed)
	}
	add("邀请", invites)
	add("达标", st.Invites.Qualified)
	add("奖励", st.Granted)
	d.FunnelChart = funnel
	for i, e := range top {
		d.Leaders = append(d.Leaders, campaignLeaderRow{Rank: i + 1, ID: int64(e.UserID), Nickname: displayName(e.OpenID, e.Nickname),
			Qualified: e.Qualified, Pending: e.Pending, Revoked: e.Revoked, Retention: e.Retention7d})
	}
	return d, nil
}
