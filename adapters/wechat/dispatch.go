package wechat

import (
	"context"
	"net/http"
	"strings"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// routeKey is what decides how a push is handled: its MsgType and, for events, its
// Event, both lower-cased.
type routeKey struct{ msgType, event string }

// route is a table entry: the handler, and the label the push is counted under.
type route struct {
	label  string
	handle func(c *Callback, ctx context.Context, m Message, key string) result
}

// routes is the dispatch table. Handling a new kind of push (a text message, a menu
// CLICK or VIEW, TEMPLATESENDJOBFINISH) is one entry here plus its handler; its
// label joins the metric's known values automatically.
var routes = map[routeKey]route{
	{"event", "subscribe"}:   {"subscribe", (*Callback).onFollow},
	{"event", "scan"}:        {"scan", (*Callback).onFollow},
	{"event", "unsubscribe"}: {"unsubscribe", (*Callback).onUnfollow},
	{"text", ""}:             {"text", (*Callback).onText},
	{"event", "click"}:       {"click", (*Callback).onClick},
	{"event", "view"}:        {"view", (*Callback).onView},
	// We never send template messages; a delivery report is acknowledged.
	{"event", "templatesendjobfinish"}: {"templatesendjobfinish", (*Callback).ignore},
}

// Pushes without an entry are acknowledged and counted under these labels.
var (
	otherEvent   = route{label: "other", handle: (*Callback).ignore}
	otherMessage = route{label: "message", handle: (*Callback).ignore}
)

// routeOf looks a push up in the table.
func routeOf(m Message) route {
	k := routeKey{msgType: strings.ToLower(m.MsgType)}
	if k.msgType == "event" {
		k.event = strings.ToLower(m.Event)
	}
	if r, ok := routes[k]; ok {
		return r
	}
	if k.msgType == "event" {
		return otherEvent
	}
	return otherMessage
}

// dispatch runs the handler a push asks for.
func (c *Callback) dispatch(ctx context.Context, m Message, key string) result {
	return routeOf(m).handle(c, ctx, m, key)
}

func (c *Callback) ignore(context.Context, Message, string) result {
	return result{reply: successReply, outcome: "ignored", status: http.StatusOK}
}

// onFollow handles subscribe and SCAN: both make the person known and following as
// of the event's CreateTime. Only a subscribe through an invite scene is an
// attribution: a SCAN comes from someone already following.
func (c *Callback) onFollow(ctx context.Context, m Message, key string) result {
	cmd := application.JoinCommand{OpenID: m.FromUserName, FollowedAt: eventTime(m, c.clock), ContactKey: key, Contact: domain.AuditScan}
	scene, hasScene := sceneFromEventKey(m.Event, m.EventKey)
	if strings.EqualFold(m.Event, "subscribe") {
		cmd.Contact = domain.AuditSubscribe
		if hasScene {
			// A scene that names no inviter (a campaign code, junk) is no attribution.
			cmd.Attribution, _ = domain.ScanAttribution(scene)
		}
	} else if hasScene {
		// Never credited, but its inviter learns why from the audit trail.
		cmd.Uncredited, _ = domain.ScanAttribution(scene)
	}
	res, err := c.join.Join(ctx, cmd)
	if err != nil {
		return c.failed(ctx, m, err)
	}
	c.chatFollowed(ctx, m, res.User.ID)
	if (res.IsNew || res.Replayed) && c.enrich != nil {
		c.enrich.Enqueue(m.FromUserName)
	}
	return c.joinReply(m, res, strings.EqualFold(m.Event, "subscribe"))
}

// onUnfollow handles unsubscribe as of its CreateTime; an older event than the one
// that last set the follow state (a late retry, a replay) changes nothing.
func (c *Callback) onUnfollow(ctx context.Context, m Message, _ string) result {
	res, err := c.unfollow.Unfollow(ctx, m.FromUserName, eventTime(m, c.clock))
	if err != nil {
		return c.failed(ctx, m, err)
	}
	if !res.Applied {
		return result{reply: successReply, outcome: "unchanged", status: http.StatusOK}
	}
	return result{reply: successReply, outcome: "unfollowed", status: http.StatusOK}
}

// failed maps a use-case error to the answer WeChat gets. A push that can never
// succeed (an invalid openid) is acknowledged so WeChat stops retrying; a transient
// failure answers 503 and is not cached, so WeChat's retry runs it again.
func (c *Callback) failed(ctx context.Context, m Message, err error) result {
	c.log.ErrorContext(ctx, "wechat callback processing failed", "event", m.Event, openIDAttr(m.FromUserName), "err", err)
	if application.IsKind(err, application.KindInvalid) {
		return result{reply: successReply, outcome: "rejected", status: http.StatusOK}
	}
	return result{reply: successReply, outcome: "error", status: http.StatusServiceUnavailable}
}

// joinReply answers a follow: an invited newcomer hears who invited them, any other
// follow (a newcomer, a returning follower, someone who used the web page first and
// follows now, someone scanning their own code) gets the welcome text; a SCAN by a
// follower gets nothing. The answer depends only on the push and the stored state it
// found, so a redelivery, on any instance, gets the same one.
func (c *Callback) joinReply(m Message, res application.JoinResult, subscribe bool) result {
	now := c.clock.Now().Unix()
	switch {
	case (res.IsNew || res.Replayed) && res.Invite != nil && res.Inviter != nil:
		text := strings.ReplaceAll(c.cfg.InviteReply, "{inviter}", res.Inviter.DisplayName())
		return result{reply: textReply(m, now, text), outcome: "invited", status: http.StatusOK}
	case res.IsNew || res.Replayed:
		if c.cfg.WelcomeReply == "" {
			return result{reply: successReply, outcome: "joined", status: http.StatusOK}
		}
		return result{reply: textReply(m, now, c.cfg.WelcomeReply), outcome: "joined", status: http.StatusOK}
	case subscribe:
		if c.cfg.WelcomeReply == "" {
			return result{reply: successReply, outcome: "returned", status: http.StatusOK}
		}
		return result{reply: textReply(m, now, c.cfg.WelcomeReply), outcome: "returned", status: http.StatusOK}
	}
	return result{reply: successReply, outcome: "existing", status: http.StatusOK}
}
