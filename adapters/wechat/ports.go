package wechat

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

// The callback's needs, declared where they are used so that its tests use small
// fakes and the wiring binds the application's use cases.

// joiner makes a person known (application.JoinService).
type joiner interface {
	Join(ctx context.Context, cmd application.JoinCommand) (application.JoinResult, error)
}

// unfollower records an unsubscribe at its event time (application.UnfollowService).
type unfollower interface {
	Unfollow(ctx context.Context, openID string, at time.Time) (application.UnfollowResult, error)
}

// enqueuer takes a new follower's openid for background profile completion
// (application.EnrichWorker). Enqueue never blocks; Dropped counts what it refused,
// exposed as a metric.
type enqueuer interface {
	Enqueue(openID string) bool
	Dropped() uint64
}
