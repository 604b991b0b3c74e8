package bootstrap

import (
	"context"

	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/application"
)

// ChatModule provides the chat loop's use cases: the menu admin, the notifier
// (kefu notices inside the shared window budget, else deferred) and the poster
// service, whose background sends finish before the store closes.
var ChatModule = fx.Module("chat",
	fx.Provide(
		application.NewMenuAdmin,
		application.NewNotifier,
		newPosterService,
	),
)

type posterIn struct {
	fx.In
	Lifecycle fx.Lifecycle
	Users     application.UserRepository
	QRCodes   *application.InviteQRCodeService
	Designs   application.PosterDesigns `optional:"true"`
	Avatars   application.AvatarSource  `optional:"true"`
	Renderer  application.PosterRenderer
	Media     application.WeChatMedia
	Cache     application.PosterMediaCache
	Kefu      application.WeChatKefu
	Windows   application.KefuWindows
	Clock     application.Clock
}

func newPosterService(in posterIn) *application.PosterService {
	s := application.NewPosterService(application.PosterDeps{
		Users: in.Users, QRCodes: in.QRCodes, Designs: in.Designs, Avatars: in.Avatars, Renderer: in.Renderer,
		Media: in.Media, Cache: in.Cache, Kefu: in.Kefu, Windows: in.Windows, Clock: in.Clock,
	})
	in.Lifecycle.Append(fx.Hook{OnStop: func(context.Context) error { s.Wait(); return nil }})
	return s
}
