package bootstrap

import (
	"context"
	"log/slog"

	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/application"
)

// ApplicationModule provides the use cases; their constructors need no fx.
var ApplicationModule = fx.Module("application",
	fx.Provide(
		func() application.Clock { return application.SystemClock },
		func() application.Random { return application.SystemRandom },
		newJoinService,
		newInviteQRCodeService,
		application.NewCompleteLoginService,
		newUnfollowService,
		application.NewEnrichProfileService,
		newEnrichWorker,
		application.NewMeQuery,
		application.NewInviteesQuery,
		application.NewStatsQuery,
		application.NewLeaderboardQuery,
		application.NewInviteListQuery,
		application.NewRecorder,
		application.NewPeopleQuery,
		application.NewPersonEventsQuery,
		application.NewAttemptsQuery,
		newWebhookAdmin,
		application.NewDeliveriesQuery,
		application.NewShareConfigQuery,
	),
)

type joinIn struct {
	fx.In
	Tx        application.Transactor
	Users     application.UserRepository
	Invites   application.InviteRepository
	Clock     application.Clock
	Random    application.Random
	Observers []application.JoinObserver `group:"join_observers"`
	Recorder  *application.Recorder
	Campaigns *application.CampaignDirectory
	Follows   *application.InviteFollowEvents
}

// newJoinService builds Join with the recorder: the audit trail and the outbox are
// written in its transactions.
func newJoinService(in joinIn) *application.JoinService {
	s := application.NewJoinService(in.Tx, in.Users, in.Invites, in.Clock, in.Random, in.Observers...).
		WithCampaigns(in.Campaigns, in.Follows)
	s.SetRecorder(in.Recorder)
	return s
}

func newUnfollowService(tx application.Transactor, users application.UserRepository, invites application.InviteRepository,
	follows *application.InviteFollowEvents, r *application.Recorder) *application.UnfollowService {
	s := application.NewUnfollowService(users).WithCampaigns(follows)
	s.SetRecorder(tx, invites, r)
	return s
}

type inviteQRCodeIn struct {
	fx.In
	Config Config
	Users  application.UserRepository
	Codes  application.QRCodeRepository
	WeChat application.WeChatQRCodes
	Clock  application.Clock
}

func newInviteQRCodeService(in inviteQRCodeIn) *application.InviteQRCodeService {
	return application.NewInviteQRCodeService(in.Users, in.Codes, in.WeChat, in.Clock, in.Config.QRPolicy)
}

// newEnrichWorker runs background profile enrichment from start to stop; on stop it
// drains what is queued (after the server drained, before the store closes).
func newEnrichWorker(lc fx.Lifecycle, svc *application.EnrichProfileService, log *slog.Logger) *application.EnrichWorker {
	w := application.NewEnrichWorker(svc, application.EnrichWorkerConfig{}, log)
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { w.Start(); return nil },
		OnStop:  w.Stop,
	})
	return w
}

// newWebhookAdmin builds the endpoint admin; a registration or deletion makes this
// instance's recorder re-read the endpoints at once.
func newWebhookAdmin(endpoints application.WebhookEndpoints, sender application.WebhookSender, clock application.Clock, random application.Random, r *application.Recorder) *application.WebhookAdmin {
	a := application.NewWebhookAdmin(endpoints, sender, clock, random)
	a.OnChange(r.EndpointsChanged)
	return a
}
