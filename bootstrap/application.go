package bootstrap

import (
	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/application"
)

// ApplicationModule provides the use cases; their constructors need no fx.
var ApplicationModule = fx.Module("application",
	fx.Provide(
		func() application.Clock { return application.SystemClock },
		func() application.Random { return application.SystemRandom },
		fx.Annotate(application.NewJoinService, fx.ParamTags(``, ``, ``, ``, ``, `group:"join_observers"`)),
		func(cfg Config, users application.UserRepository, codes application.QRCodeRepository, wx application.WeChatQRCodes, clock application.Clock) *application.InviteQRCodeService {
			return application.NewInviteQRCodeService(users, codes, wx, clock, cfg.QRPolicy)
		},
		application.NewCompleteLoginService,
		application.NewUnfollowService,
		application.NewEnrichProfileService,
		application.NewMeQuery,
		application.NewInviteesQuery,
		application.NewStatsQuery,
		application.NewLeaderboardQuery,
		application.NewInviteListQuery,
		application.NewShareConfigQuery,
	),
)
