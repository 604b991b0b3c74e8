package bootstrap

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/application"
)

// ChatModule provides the chat loop's use cases: the menu admin, the notifier
// (kefu notices inside the shared window budget, else deferred) and the poster
// service, whose background sends finish before the store closes.
var ChatModule = fx.Module("chat",
	fx.Provide(
		application.NewMenuAdmin,
		newNotifier,
		newPosterService,
		newNoticeWorker,
		newProgressNotices,
		newChatService,
		newCampaignChat,
	),
)

type campaignChatIn struct {
	fx.In
	Directory *application.CampaignDirectory
	Campaigns application.CampaignRepository
	Lifecycle application.InviteLifecycleRepository
	Invites   application.InviteRepository
	Worker    *application.NoticeWorker
	Clock     application.Clock
}

// campaignChatOut lends the running campaign to the chat loop: its keyword, poster
// design and notice wording, and a reward notice for every grant.
type campaignChatOut struct {
	fx.Out
	Keywords application.CampaignKeywords
	Designs  application.PosterDesigns
	Texts    application.ProgressTexts
	Rewards  application.RewardObserver `group:"reward_observers"`
}

func newCampaignChat(in campaignChatIn) campaignChatOut {
	c := application.NewCampaignChat(in.Directory, in.Campaigns, in.Lifecycle, in.Invites, in.Worker, in.Clock)
	return campaignChatOut{Keywords: c, Designs: c, Texts: c, Rewards: c}
}

type chatIn struct {
	fx.In
	Config   Config
	Users    application.UserRepository
	Notifier *application.Notifier
	Poster   *application.PosterService
	Keywords application.CampaignKeywords `optional:"true"`
	Clock    application.Clock
	Audit    application.AuditLog
}

// newChatService builds the chat loop; keyword and menu_click go to the audit trail.
func newChatService(in chatIn) *application.ChatService {
	s := application.NewChatService(application.ChatConfig{AutoReply: in.Config.ChatReply}, in.Users, in.Notifier, in.Poster, in.Keywords, in.Clock)
	s.SetAudit(in.Audit)
	return s
}

// newNotifier builds the notifier; notice_sent and notice_deferred go to the audit trail.
func newNotifier(notices application.NoticeStore, windows application.KefuWindows, kefu application.WeChatKefu,
	users application.UserRepository, clock application.Clock, audit application.AuditLog) *application.Notifier {
	n := application.NewNotifier(notices, windows, kefu, users, clock)
	n.SetAudit(audit)
	return n
}

// newNoticeWorker runs the notice workers for the app's lifetime; on stop they
// finish what is queued (bounded by the stop timeout) before the store closes. Its
// tallies are exported as wxinvite_notices_total{outcome}.
func newNoticeWorker(lc fx.Lifecycle, n *application.Notifier, reg prometheus.Registerer) (*application.NoticeWorker, error) {
	w := application.NewNoticeWorker(n)
	outcomes := map[string]func() uint64{
		"sent":     func() uint64 { _, _, sent, _ := w.Stats(); return sent },
		"deferred": func() uint64 { _, _, _, deferred := w.Stats(); return deferred },
		"failed":   func() uint64 { _, failed, _, _ := w.Stats(); return failed },
		"dropped":  func() uint64 { dropped, _, _, _ := w.Stats(); return dropped },
	}
	for outcome, read := range outcomes {
		c := prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "wxinvite_notices_total",
			Help:        "Notices to users by outcome: sent as kefu, deferred (to /me and the next interaction), failed, dropped (queue full).",
			ConstLabels: prometheus.Labels{"outcome": outcome},
		}, func() float64 { return float64(read()) })
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { w.Start(); return nil },
		OnStop:  w.Stop,
	})
	return w, nil
}

type progressIn struct {
	fx.In
	Worker  *application.NoticeWorker
	Texts   application.ProgressTexts `optional:"true"`
	Invites application.InviteRepository
	Users   application.UserRepository
}

type progressOut struct {
	fx.Out
	Observer application.JoinObserver `group:"join_observers"`
}

// newProgressNotices tells inviters when a friend joins (the campaign's wording
// when one provides ProgressTexts, else the default).
func newProgressNotices(in progressIn) progressOut {
	texts := in.Texts
	if texts == nil {
		texts = application.CountProgressTexts{Invites: in.Invites}
	}
	return progressOut{Observer: application.NewProgressNotices(in.Worker, texts, in.Users)}
}

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
