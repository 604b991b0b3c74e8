package httpadapter

import (
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wxinvite/wxinvite/application"

	"github.com/wxinvite/wxinvite/domain"
)

// chartSpec is what a chart element carries in its data-chart attribute;
// static/console/console.js turns it into an ECharts option. Kinds: bar, hbar,
// line, pie, funnel.
type chartSpec struct {
	Kind   string        `json:"kind"`
	Labels []string      `json:"labels,omitempty"`
	Series []chartSeries `json:"series"`
}

// chartSeries is one named row of values (a pie or funnel uses Labels as names).
type chartSeries struct {
	Name  string `json:"name"`
	Data  []int  `json:"data"`
	Stack string `json:"stack,omitempty"`
}

type leaderRow struct {
	Rank     int
	ID       int64
	Nickname string
	Count    int
}

type dashboardPage struct {
	Users, Followers, Invites, Link, Scan int
	Leaders                               []leaderRow
	ChannelChart, LeaderChart             chartSpec
	Campaign                              *campaignDash // nil: no campaign yet (or none in this build)
	ReadAt                                time.Time     // when the figures were read
}

// consoleLeaderboardSize is how many inviters the dashboard ranks.
const consoleLeaderboardSize = 20

// handleConsoleDashboard shows the headline numbers, the campaign part and the
// all-time leaderboard. The figures come from the memo (at most
// consoleDashboardTTL old); the page says when they were read.
func (s *server) handleConsoleDashboard(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	key := r.URL.Query().Get("campaign")
	now := s.now()
	p, ok := s.console.dash.get(key, now)
	if !ok {
		var err error
		start := time.Now()
		if p, err = s.dashboardData(r); err != nil {
			s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
			return
		}
		s.console.dashReads.Observe(time.Since(start).Seconds())
		p.ReadAt = now
		s.console.dash.put(key, p, now)
	}
	v := s.view(cs, "概览", "dashboard", p)
	v.Charts = true
	s.renderConsole(w, r, http.StatusOK, "dashboard.html", v)
}

// dashboardData reads everything the dashboard shows. Every part is an independent
// read: on MySQL they run side by side on their own connections, so it takes as long
// as the slowest read, not the sum.
func (s *server) dashboardData(r *http.Request) (dashboardPage, error) {
	var (
		st  application.Stats
		top []application.LeaderboardEntry
		cd  *campaignDash
	)
	g, ctx := errgroup.WithContext(r.Context())
	g.Go(func() (err error) { st, err = s.svc.Stats.Stats(ctx); return err })
	g.Go(func() (err error) { top, err = s.svc.Leaderboard.Leaderboard(ctx, consoleLeaderboardSize); return err })
	if s.svc.Campaigns.Query != nil {
		g.Go(func() (err error) { cd, err = s.campaignDashboard(ctx, r); return err })
	}
	if err := g.Wait(); err != nil {
		return dashboardPage{}, err
	}
	p := dashboardPage{
		Users: st.Users, Followers: st.Followers, Invites: st.Invites,
		Link: st.InvitesByChannel[domain.ChannelLink], Scan: st.InvitesByChannel[domain.ChannelScan],
	}
	p.ChannelChart = chartSpec{Kind: "pie", Labels: []string{"链接", "扫码"}, Series: []chartSeries{{Name: "邀请渠道", Data: []int{p.Link, p.Scan}}}}
	lc := chartSpec{Kind: "hbar", Series: []chartSeries{{Name: "邀请人数"}}}
	for i, e := range top {
		name := displayName(e.OpenID, e.Nickname)
		p.Leaders = append(p.Leaders, leaderRow{Rank: i + 1, ID: int64(e.UserID), Nickname: name, Count: e.InviteeCount})
		if i < 10 {
			lc.Labels = append(lc.Labels, name)
			lc.Series[0].Data = append(lc.Series[0].Data, e.InviteeCount)
		}
	}
	p.LeaderChart = lc
	p.Campaign = cd
	return p, nil
}
