package application

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// NoticeJob builds a notice when the worker gets to it (reading counts then, not
// at enqueue time); ok false means there is nothing to tell.
type NoticeJob func(ctx context.Context) (n domain.Notice, ok bool, err error)

// NoticeWorker sends notices off the request path: a friend's join must not wait
// for a kefu call. Its queue is bounded (drops are counted), a fixed pool of
// workers runs the jobs, and Stop drains it before the store closes. A notice is
// tried once; if it cannot go out it is deferred by the Notifier, never retried.
type NoticeWorker struct {
	notifier *Notifier
	pool     *workerPool[NoticeJob]
	failed   atomic.Uint64
	sent     atomic.Uint64
	deferred atomic.Uint64
}

// NewNoticeWorker builds the worker (4 workers, 1024 queued jobs, 10 s per job).
// Nothing runs until Start.
func NewNoticeWorker(n *Notifier) *NoticeWorker {
	w := &NoticeWorker{notifier: n}
	w.pool = newWorkerPool("notice worker", 4, 1024, 10*time.Second, w.do)
	return w
}

// Start runs the workers; a second call, or one after Stop, does nothing.
func (w *NoticeWorker) Start() { w.pool.start() }

// Enqueue queues a job without blocking; false (and counted) when full or stopping.
func (w *NoticeWorker) Enqueue(job NoticeJob) bool { return w.pool.enqueue(job) }

// Stop refuses new jobs, finishes the queued ones until ctx ends, then cancels. A
// drain cut short is not an error here: a notice not sent stays deferred.
func (w *NoticeWorker) Stop(ctx context.Context) error {
	_ = w.pool.stop(ctx)
	return nil
}

// Stats reports jobs dropped, failed, sent as kefu and deferred since start.
func (w *NoticeWorker) Stats() (dropped, failed, sent, deferred uint64) {
	return w.pool.dropped.Load(), w.failed.Load(), w.sent.Load(), w.deferred.Load()
}

func (w *NoticeWorker) do(ctx context.Context, job NoticeJob) {
	n, ok, err := job(ctx)
	if err != nil {
		w.failed.Add(1)
		return
	}
	if !ok {
		return
	}
	out, err := w.notifier.Notify(ctx, n)
	switch {
	case err != nil:
		w.failed.Add(1)
	case out == NoticeSent:
		w.sent.Add(1)
	case out == NoticeDeferred:
		w.deferred.Add(1)
	}
}

// DefaultProgressText is the progress notice when no campaign says otherwise.
const DefaultProgressText = "好友 {friend} 通过你的邀请关注了，你已邀请 {count} 人"

// ProgressTexts words the notice an inviter gets when a friend joins.
type ProgressTexts interface {
	// ProgressText returns the notice for inviter about friend's invite, and
	// false when nothing should be said.
	ProgressText(ctx context.Context, inviter, friend domain.User, inv domain.Invite) (string, bool, error)
}

// CountProgressTexts words progress notices from a template with {friend},
// {count} (the inviter's invites) and {next} (empty: no campaign tiers here).
type CountProgressTexts struct {
	Invites  InviteRepository
	Template string // "" means DefaultProgressText
}

// ProgressText implements ProgressTexts.
func (p CountProgressTexts) ProgressText(ctx context.Context, inviter, friend domain.User, _ domain.Invite) (string, bool, error) {
	n, err := p.Invites.CountByInviter(ctx, inviter.ID)
	if err != nil {
		return "", false, err
	}
	tpl := p.Template
	if tpl == "" {
		tpl = DefaultProgressText
	}
	r := strings.NewReplacer("{friend}", friend.DisplayName(), "{count}", strconv.Itoa(n), "{next}", "")
	return strings.TrimSpace(r.Replace(tpl)), true, nil
}

// ProgressNotices is the JoinObserver that tells an inviter a friend joined. The
// notice's key is the invite, so a redelivered join never tells twice.
type ProgressNotices struct {
	worker *NoticeWorker
	texts  ProgressTexts
	users  UserRepository
}

// NewProgressNotices builds the observer.
func NewProgressNotices(worker *NoticeWorker, texts ProgressTexts, users UserRepository) *ProgressNotices {
	return &ProgressNotices{worker: worker, texts: texts, users: users}
}

// Joined implements JoinObserver: it only enqueues.
func (p *ProgressNotices) Joined(r JoinResult) {
	if r.Invite == nil || r.Inviter == nil || !(r.IsNew || r.Replayed) {
		return
	}
	inv, inviter, friend := *r.Invite, *r.Inviter, r.User
	p.worker.Enqueue(func(ctx context.Context) (domain.Notice, bool, error) {
		if u, err := p.users.ByID(ctx, friend.ID); err == nil {
			friend = u // the profile may have been completed since
		}
		text, ok, err := p.texts.ProgressText(ctx, inviter, friend, inv)
		if err != nil || !ok {
			return domain.Notice{}, false, err
		}
		return domain.Notice{UserID: inviter.ID, Key: "progress:" + strconv.FormatInt(int64(inv.ID), 10), Kind: domain.NoticeProgress, Text: text}, true, nil
	})
}
