package wechat

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// chatter answers what a follower does in the chat (application.ChatService).
type chatter interface {
	Message(ctx context.Context, openID, content string, at time.Time) (application.ChatAnswer, error)
	Click(ctx context.Context, openID, key string, at time.Time) (application.ChatAnswer, error)
	Followed(ctx context.Context, user domain.UserID, t domain.KefuTrigger, at time.Time) error
}

// SetChat lets text messages and menu taps reach the chat loop; without it they
// are acknowledged with "success". Call it before serving.
func (c *Callback) SetChat(ch chatter) { c.chat = ch }

// onText handles an ordinary text message: the campaign keyword gets the poster.
func (c *Callback) onText(ctx context.Context, m Message, _ string) result {
	if c.chat == nil {
		return c.ignore(ctx, m, "")
	}
	ans, err := c.chat.Message(ctx, m.FromUserName, m.Content, eventTime(m, c.clock))
	return c.chatReply(ctx, m, ans, err)
}

// onClick handles a click-type menu tap: the key wxinvite.poster gets the poster.
func (c *Callback) onClick(ctx context.Context, m Message, _ string) result {
	if c.chat == nil {
		return c.ignore(ctx, m, "")
	}
	ans, err := c.chat.Click(ctx, m.FromUserName, m.EventKey, eventTime(m, c.clock))
	return c.chatReply(ctx, m, ans, err)
}

// onView handles a view-type menu tap: the user is on their way to a web page and
// sees no reply; it opens no kefu window either (wechat-protocol.md §7).
func (c *Callback) onView(ctx context.Context, m Message, _ string) result {
	return result{reply: successReply, outcome: "view", status: http.StatusOK}
}

// chatFollowed opens the short kefu window a follow or scan gives and lets
// deferred notices use it. It never changes the follow's own reply.
func (c *Callback) chatFollowed(ctx context.Context, m Message, user domain.UserID) {
	if c.chat == nil || user == 0 {
		return
	}
	t := domain.TriggerFollow
	if strings.EqualFold(m.Event, "SCAN") {
		t = domain.TriggerScan
	}
	if err := c.chat.Followed(ctx, user, t, eventTime(m, c.clock)); err != nil {
		c.log.WarnContext(ctx, "kefu window after a follow not recorded", openIDAttr(m.FromUserName), "err", err)
	}
}

func (c *Callback) chatReply(ctx context.Context, m Message, ans application.ChatAnswer, err error) result {
	switch {
	case application.IsKind(err, application.KindNotFound):
		// Someone who followed before this service knew them: nothing to answer.
		return result{reply: successReply, outcome: "unknown_user", status: http.StatusOK}
	case err != nil && ans.Text == "" && ans.MediaID == "":
		return c.failed(ctx, m, err)
	case err != nil: // the user is answered all the same
		c.log.WarnContext(ctx, "chat answer degraded", openIDAttr(m.FromUserName), "err", err)
		fallthrough
	case ans.MediaID != "" || ans.Text != "":
		return c.answer(m, ans)
	}
	return result{reply: successReply, outcome: "ignored", status: http.StatusOK}
}

// answer renders a chat answer as the passive reply.
func (c *Callback) answer(m Message, ans application.ChatAnswer) result {
	switch {
	case ans.MediaID != "":
		return result{reply: imageReply(m, c.clock.Now().Unix(), ans.MediaID), outcome: "poster", status: http.StatusOK}
	case ans.Text != "":
		return result{reply: textReply(m, c.clock.Now().Unix(), ans.Text), outcome: "replied", status: http.StatusOK}
	}
	return result{reply: successReply, outcome: "ignored", status: http.StatusOK}
}

// imageReply renders a passive image reply to m (wechat-protocol.md §8).
func imageReply(m Message, now int64, mediaID string) []byte {
	var b strings.Builder
	b.WriteString("<xml><ToUserName>")
	writeCDATA(&b, m.FromUserName)
	b.WriteString("</ToUserName><FromUserName>")
	writeCDATA(&b, m.ToUserName)
	b.WriteString("</FromUserName><CreateTime>")
	b.WriteString(strconv.FormatInt(now, 10))
	b.WriteString("</CreateTime><MsgType><![CDATA[image]]></MsgType><Image><MediaId>")
	writeCDATA(&b, mediaID)
	b.WriteString("</MediaId></Image></xml>")
	return []byte(b.String())
}
