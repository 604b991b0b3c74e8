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
		application.NewPosterPreviewQuery,
		application.NewPersonRewardsQuery,
		application.NewCampaignFunnelQuery,
	),
	fx.Invoke(runSweeper),
)

// The campaign outcomes other modules may hear (notices, webhooks, the audit trail)
// arrive through these value groups; none is required.
type inviteFollowEventsIn struct {
	fx.In
	Tx        application.Transactor
	Users     application.UserRepository
	Recorder  *application.Recorder
	Invites   application.InviteRepository
	Lifecycle application.InviteLifecycleRepository
	Directory *application.CampaignDirectory
	Observers []application.RevokedObserver `group:"revoked_observers"`
}

func newInviteFollowEvents(in inviteFollowEventsIn) *application.InviteFollowEvents {
	// Revocations are written to the audit trail and the outbox with the transition.
	lifecycle := application.RecordTransitions(in.Lifecycle, in.Tx, in.Users, in.Recorder)
	return application.NewInviteFollowEvents(in.Invites, lifecycle, in.Directory, in.Observers...)
}

type grantRewardsIn struct {
	fx.In
	Users     application.UserRepository
	Recorder  *application.Recorder
	Tx        application.Transactor
	Lifecycle application.InviteLifecycleRepository
	Campaigns application.CampaignRepository
	Grants    application.GrantRepository
	Codes     application.CodeRepository
	Clock     application.Clock
	Observers []application.RewardObserver `group:"reward_observers"`
}

func newGrantRewardsService(in grantRewardsIn) *application.GrantRewardsService {
	s := application.NewGrantRewardsService(in.Tx, in.Lifecycle, in.Campaigns, in.Grants, in.Codes, in.Clock, in.Observers...)
	s.SetRecorder(in.Users, in.Recorder) // reward_granted and reward.granted in the grant's transaction
	return s
}

type qualificationSweepIn struct {
	fx.In
	Tx        application.Transactor
	Users     application.UserRepository
	Recorder  *application.Recorder
	Lifecycle application.InviteLifecycleRepository
	Directory *application.CampaignDirectory
	Rewards   *application.GrantRewardsService
	Clock     application.Clock
	Observers []application.QualifiedObserver `group:"qualified_observers"`
}

func newQualificationSweep(in qualificationSweepIn) *application.QualificationSweep {
	// Qualifications are written to the audit trail and the outbox with the transition.
	lifecycle := application.RecordTransitions(in.Lifecycle, in.Tx, in.Users, in.Recorder)
	return application.NewQualificationSweep(lifecycle, in.Directory, in.Rewards, in.Clock, in.Observers...)
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
