package httpadapter

import (
	"net/http"

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
}

// consoleLeaderboardSize is how many inviters the dashboard ranks.
const consoleLeaderboardSize = 20

// handleConsoleDashboard shows the headline numbers and the leaderboard.
func (s *server) handleConsoleDashboard(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	// Every part is an independent read: on MySQL they run side by side on their
	// own connections, so the page takes as long as its slowest read, not the sum.
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
		s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		return
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
	v := s.view(cs, "概览", "dashboard", p)
	v.Charts = true
	s.renderConsole(w, r, http.StatusOK, "dashboard.html", v)
}
