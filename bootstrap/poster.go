package bootstrap

import (
	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/adapters/poster"
	"github.com/wxinvite/wxinvite/application"
)

// PosterModule is everything of the poster adapter: the renderer (embedded CJK
// font) and the avatar fetcher, bound to the application's ports.
var PosterModule = fx.Module("poster",
	fx.Provide(
		func() (application.PosterRenderer, error) { return poster.New() },
		func() application.AvatarSource { return poster.NewAvatarFetcher(nil) },
	),
)
