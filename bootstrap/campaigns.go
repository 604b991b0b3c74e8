package bootstrap

import (
	"log/slog"

	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/application"
)

// CampaignModule provides the campaign use cases and runs the qualification sweeper
// on this instance from start to stop. Every instance runs one: each step of a sweep
// is a conditional write, so no leader is needed.
var CampaignModule = fx.Module("campaigns",
	fx.Provide(
		application.NewCampaignDirectory,
		newInviteFollowEvents,
		newGrantRewardsService,
		newQualificationSweep,
		application.NewCreateCampaignService,
		application.NewUpdateCampaignService,
		application.NewEndCampaignService,
		application.NewCampaignQuery,
		application.NewPosterBackgroundService,
		application.NewUploadCodesService,
		newCampaignStatsQuery,
		application.NewCampaignLeaderboardQuery,
		application.NewRewardsQuery,
		application.NewFulfilRewardService,
		application.NewMyCampaignQuery,
	),
	fx.Invoke(runSweeper),
)

func newInviteFollowEvents(invites application.InviteRepository, lifecycle application.InviteLifecycleRepository, dir *application.CampaignDirectory) *application.InviteFollowEvents {
	return application.NewInviteFollowEvents(invites, lifecycle, dir)
}

type grantRewardsIn struct {
	fx.In
	Tx        application.Transactor
	Lifecycle application.InviteLifecycleRepository
	Campaigns application.CampaignRepository
	Grants    application.GrantRepository
	Codes     application.CodeRepository
	Clock     application.Clock
}

func newGrantRewardsService(in grantRewardsIn) *application.GrantRewardsService {
	return application.NewGrantRewardsService(in.Tx, in.Lifecycle, in.Campaigns, in.Grants, in.Codes, in.Clock)
}

func newQualificationSweep(lifecycle application.InviteLifecycleRepository, dir *application.CampaignDirectory, rewards *application.GrantRewardsService, clock application.Clock) *application.QualificationSweep {
	return application.NewQualificationSweep(lifecycle, dir, rewards, clock)
}

type campaignStatsIn struct {
	fx.In
	Config    Config
	Campaigns application.CampaignRepository
	Lifecycle application.InviteLifecycleRepository
	Grants    application.GrantRepository
	Clock     application.Clock
}

// newCampaignStatsQuery cuts by_day in WXINVITE_TIMEZONE.
func newCampaignStatsQuery(in campaignStatsIn) *application.CampaignStatsQuery {
	return application.NewCampaignStatsQuery(in.Campaigns, in.Lifecycle, in.Grants, in.Clock, in.Config.Timezone)
}

// runSweeper sweeps from start (after the store migrated: the store's hook comes
// first) to stop (before the store closes).
func runSweeper(lc fx.Lifecycle, sweep *application.QualificationSweep, log *slog.Logger) {
	s := application.NewSweeper(sweep, func(res application.SweepResult, err error) {
		if err != nil {
			log.Warn("campaign sweep failed; the next one retries", "err", err)
			return
		}
		log.Debug("campaign sweep", "qualified", res.Qualified, "settled", res.Settled, "granted", res.Granted)
	})
	lc.Append(fx.Hook{OnStart: s.Start, OnStop: s.Stop})
}
