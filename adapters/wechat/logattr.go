package wechat

import (
	"log/slog"

	"github.com/wxinvite/wxinvite/application"
)

// openIDAttr logs an openid as a short hash, the same one every adapter logs
// (application.OpenIDAttr), so one person can be followed across the paths.
func openIDAttr(openID string) slog.Attr { return application.OpenIDAttr(openID) }
