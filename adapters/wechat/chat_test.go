package wechat

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// fakeChat is the chat loop as the callback sees it.
type fakeChat struct {
	mu       sync.Mutex
	answer   application.ChatAnswer
	err      error
	calls    []string
	followed []domain.KefuTrigger
}

func (f *fakeChat) Message(_ context.Context, openID, content string, at time.Time) (application.ChatAnswer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("message %s %q %d", openID, content, at.Unix()))
	return f.answer, f.err
}

func (f *fakeChat) Click(_ context.Context, openID, key string, at time.Time) (application.ChatAnswer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("click %s %s %d", openID, key, at.Unix()))
	return f.answer, f.err
}

func (f *fakeChat) Followed(_ context.Context, _ domain.UserID, t domain.KefuTrigger, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.followed = append(f.followed, t)
	return nil
}

func textXML(from string, createTime int64, content string, msgID int) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId></xml>`,
		testAccount, from, createTime, content, msgID)
}

func TestChatDispatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		answer  application.ChatAnswer
		err     error
		call    string
		status  int
		msgType string
		want    string // in the reply
	}{
		{"keyword gets an image", textXML("oU", 1740830400, "海报", 1), application.ChatAnswer{MediaID: "MEDIA_1"}, nil,
			`message oU "海报" 1740830400`, 200, "image", "<Image><MediaId><![CDATA[MEDIA_1]]></MediaId></Image>"},
		{"poster click", eventXML("oU", 1740830401, "CLICK", "wxinvite.poster"), application.ChatAnswer{MediaID: "MEDIA_2"}, nil,
			"click oU wxinvite.poster 1740830401", 200, "image", "MEDIA_2"},
		{"text answer", textXML("oU", 1740830402, "你好", 2), application.ChatAnswer{Text: "好友已助力"}, nil,
			`message oU "你好" 1740830402`, 200, "text", "好友已助力"},
		{"nothing to say", textXML("oU", 1740830403, "你好", 3), application.ChatAnswer{}, nil,
			`message oU "你好" 1740830403`, 200, "", "success"},
		{"degraded answer", eventXML("oU", 1740830404, "CLICK", "wxinvite.poster"), application.ChatAnswer{Text: "稍后再试"},
			application.Errorf(application.KindUnavailable, "down", nil, "down"), "click oU wxinvite.poster 1740830404", 200, "text", "稍后再试"},
		{"unknown user", textXML("oX", 1740830405, "海报", 5), application.ChatAnswer{}, application.NotFound("user", nil),
			`message oX "海报" 1740830405`, 200, "", "success"},
		{"failure", textXML("oU", 1740830406, "海报", 6), application.ChatAnswer{},
			application.Errorf(application.KindUnavailable, "down", nil, "down"), `message oU "海报" 1740830406`, http.StatusServiceUnavailable, "", ""},
		{"view opens nothing", eventXML("oU", 1740830407, "VIEW", "https://example.com/me"), application.ChatAnswer{Text: "never"}, nil,
			"", 200, "", "success"},
		{"template report", eventXML("oU", 1740830408, "TEMPLATESENDJOBFINISH", ""), application.ChatAnswer{Text: "never"}, nil,
			"", 200, "", "success"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newCBEnv(t, envOpt{})
			chat := &fakeChat{answer: tc.answer, err: tc.err}
			e.cb.SetChat(chat)
			w := e.postPlain(tc.body)
			if w.Code != tc.status {
				t.Fatalf("HTTP %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("reply %s, want it to contain %s", w.Body, tc.want)
			}
			if tc.msgType != "" {
				r := parseReply(t, w.Body.Bytes())
				if r.MsgType != tc.msgType || r.ToUserName != "oU" || r.FromUserName != testAccount {
					t.Errorf("reply %+v", r)
				}
			}
			if tc.call == "" && len(chat.calls) != 0 || tc.call != "" && (len(chat.calls) != 1 || chat.calls[0] != tc.call) {
				t.Errorf("chat calls %q, want %q", chat.calls, tc.call)
			}
		})
	}
}

func TestChatFollowOpensWindow(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	chat := &fakeChat{}
	e.cb.SetChat(chat)
	_, key := e.inviter(t, "oInviter", "小红")
	if w := e.postPlain(eventXML("oNew", 1740830400, "subscribe", key)); w.Code != 200 {
		t.Fatalf("subscribe: %d", w.Code)
	}
	e.people.add("oFollower", "x")
	if w := e.postPlain(eventXML("oFollower", 1740830401, "SCAN", strings.TrimPrefix(key, "qrscene_"))); w.Code != 200 {
		t.Fatalf("SCAN: %d", w.Code)
	}
	if len(chat.followed) != 2 || chat.followed[0] != domain.TriggerFollow || chat.followed[1] != domain.TriggerScan {
		t.Fatalf("windows opened %v, want follow then scan", chat.followed)
	}
}

func TestChatWithoutChatIsSuccess(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	if w := e.postPlain(textXML("oU", 1740830400, "海报", 1)); w.Code != 200 || w.Body.String() != "success" {
		t.Fatalf("no chat loop wired: %d %s", w.Code, w.Body)
	}
}
