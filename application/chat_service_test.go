package application_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type fixedKeyword string

func (k fixedKeyword) Keyword(context.Context, time.Time) (string, error) { return string(k), nil }

func TestChatServiceAnswers(t *testing.T) {
	t.Parallel()
	c, posters, _, m := posterEnv(t)
	ctx := context.Background()
	chat := application.NewChatService(application.ChatConfig{AutoReply: "回复「海报」领取专属海报"}, c.users, c.notifier, posters, fixedKeyword("海报"), c.clock)
	u := c.inviter(t, "oUser", "小红")
	at := c.clock.Now()

	if ans, err := chat.Message(ctx, u.OpenID, " 海报\n", at); err != nil || ans.MediaID == "" {
		t.Fatalf("keyword: %+v, %v; want the poster", ans, err)
	}
	if ans, err := chat.Message(ctx, u.OpenID, "海报呢", at); err != nil || ans.Text != "回复「海报」领取专属海报" || ans.MediaID != "" {
		t.Fatalf("other text: %+v, %v; want the auto-reply", ans, err)
	}
	if ans, err := chat.Click(ctx, u.OpenID, domain.PosterMenuKey, at); err != nil || ans.MediaID == "" {
		t.Fatalf("poster click: %+v, %v", ans, err)
	}
	if ans, err := chat.Click(ctx, u.OpenID, "other.key", at); err != nil || ans != (application.ChatAnswer{}) {
		t.Fatalf("other click: %+v, %v; want nothing", ans, err)
	}
	if m.count() != 1 {
		t.Errorf("%d uploads for three asks, want 1", m.count())
	}
	// A waiting notice is the answer to the next plain message, before the auto-reply.
	if _, _, err := c.chat.AddNotice(ctx, domain.Notice{UserID: u.ID, Key: "k1", Kind: domain.NoticeProgress, Text: "好友已助力", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if ans, _ := chat.Message(ctx, u.OpenID, "你好", at); ans.Text != "好友已助力" {
		t.Errorf("with a waiting notice: %+v", ans)
	}
	ws, _ := c.chat.Windows(ctx, u.ID)
	if len(ws) != 2 {
		t.Errorf("a message and a click open two windows, got %+v", ws)
	}
	if _, err := chat.Message(ctx, "oNobody", "海报", at); !application.IsKind(err, application.KindNotFound) {
		t.Errorf("unknown openid: %v, want not found", err)
	}
}

func TestChatServicePosterFailureStillAnswers(t *testing.T) {
	t.Parallel()
	c, posters, _, m := posterEnv(t)
	m.err = application.Errorf(application.KindUnavailable, "wechat_unavailable", nil, "down")
	chat := application.NewChatService(application.ChatConfig{}, c.users, c.notifier, posters, nil, c.clock)
	u := c.inviter(t, "oUser", "小红")
	ans, err := chat.Click(context.Background(), u.OpenID, domain.PosterMenuKey, c.clock.Now())
	if !application.IsKind(err, application.KindUnavailable) || ans.Text != application.DefaultPosterFailedText || ans.MediaID != "" {
		t.Fatalf("upload down: %+v, %v; want the failure text and the error", ans, err)
	}
}
