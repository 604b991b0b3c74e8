package application_test

import (
	"context"
	"testing"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// The chat loop's contacts (keyword, menu click) and notice outcomes (deferred,
// then sent as a kefu text once the keyword opened a window) land in the trail.
func TestChatContactsAndNoticesInTheTrail(t *testing.T) {
	t.Parallel()
	c, posters, _, _ := posterEnv(t)
	ctx := context.Background()
	audit := c.store.Audit()
	c.notifier.SetAudit(audit)
	chat := application.NewChatService(application.ChatConfig{AutoReply: "hi"}, c.users, c.notifier, posters, fixedKeyword("海报"), c.clock)
	chat.SetAudit(audit)
	u := c.inviter(t, "oUser", "小红")
	at := c.clock.Now()

	if out, err := c.notifier.Notify(ctx, progress(u, "p1")); err != nil || out != application.NoticeDeferred {
		t.Fatalf("Notify = %v, %v", out, err)
	}
	if _, err := chat.Message(ctx, u.OpenID, "海报", at); err != nil {
		t.Fatal(err)
	}
	if _, err := chat.Click(ctx, u.OpenID, domain.PosterMenuKey, at); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range trail(t, c.env, u.ID) {
		got = append(got, string(e.Type))
	}
	want := []string{"notice_deferred", "keyword", "notice_sent", "menu_click"}
	if !same(got, want) {
		t.Fatalf("trail %v, want %v", got, want)
	}
}
