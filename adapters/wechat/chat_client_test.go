package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func TestCreateMenuValidatesBeforeCalling(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.handle("POST /cgi-bin/menu/create", errcode(0))
	c := newTestClient(t, f, nil, nil)
	bad := domain.Menu{Buttons: []domain.MenuButton{{Type: "click", Name: "一二三四五六", Key: "k"}}}
	err := c.CreateMenu(context.Background(), bad)
	if !application.IsKind(err, application.KindInvalid) || !errors.Is(err, domain.ErrInvalidMenu) || !strings.Contains(err.Error(), "16 bytes") {
		t.Fatalf("err = %v, want an invalid menu naming the limit", err)
	}
	if n := f.count("POST /cgi-bin/menu/create"); n != 0 {
		t.Fatalf("an invalid menu cost %d calls", n)
	}
	if err := c.CreateMenu(context.Background(), domain.DefaultMenu("https://example.com/me")); err != nil {
		t.Fatal(err)
	}
	var sent MenuJSON
	if err := json.Unmarshal([]byte(f.body("POST /cgi-bin/menu/create", 0)), &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent.Button) != 2 || sent.Button[0].Key != domain.PosterMenuKey || sent.Button[1].URL != "https://example.com/me" || sent.Button[0].SubButton != nil {
		t.Fatalf("sent %+v", sent)
	}
	if !strings.Contains(f.body("POST /cgi-bin/menu/create", 0), `"name":"我的海报"`) {
		t.Errorf("menu names must go out as UTF-8, not \\u escapes: %s", f.body("POST /cgi-bin/menu/create", 0))
	}
}

func TestCreateMenuRefusedByWeChat(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.handle("POST /cgi-bin/menu/create", errcode(40018))
	c := newTestClient(t, f, nil, nil)
	err := c.CreateMenu(context.Background(), domain.DefaultMenu("https://example.com/me"))
	var ae *APIError
	if !application.IsKind(err, application.KindInvalid) || !errors.As(err, &ae) || ae.Code != 40018 {
		t.Fatalf("err = %v, want KindInvalid carrying 40018", err)
	}
}

func TestMenuGet(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	c := newTestClient(t, f, nil, nil)
	f.handle("GET /cgi-bin/menu/get", errcode(46003))
	if _, err := c.Menu(context.Background()); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("no menu: err = %v, want not found", err)
	}
	f.handle("GET /cgi-bin/menu/get", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"menu": map[string]any{"button": []any{
			map[string]any{"type": "click", "name": "我的海报", "key": "wxinvite.poster", "sub_button": []any{}},
			map[string]any{"name": "更多", "sub_button": []any{map[string]any{"type": "view", "name": "进度", "url": "https://e.com/me", "sub_button": []any{}}}},
		}}})
	})
	m, err := c.Menu(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Buttons) != 2 || m.Buttons[0].Key != "wxinvite.poster" || len(m.Buttons[1].Sub) != 1 || m.Buttons[1].Sub[0].URL != "https://e.com/me" {
		t.Fatalf("menu = %+v", m)
	}
	if err := m.Validate(); err != nil {
		t.Errorf("the menu WeChat returned does not validate: %v", err)
	}
}

func TestUploadImage(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	var gotType, gotName, gotCT, gotData string
	f.handle("POST /cgi-bin/media/upload", func(w http.ResponseWriter, r *http.Request) {
		gotType = r.URL.Query().Get("type")
		r.Body = io.NopCloser(strings.NewReader(f.body("POST /cgi-bin/media/upload", 0))) // the fake read it already
		file, hdr, err := r.FormFile("media")
		if err != nil {
			errcode(41005)(w, r)
			return
		}
		buf := make([]byte, 64)
		n, _ := file.Read(buf)
		gotName, gotCT, gotData = hdr.Filename, hdr.Header.Get("Content-Type"), string(buf[:n])
		writeJSON(w, map[string]any{"type": "image", "media_id": "MEDIA_1", "created_at": 1700000000})
	})
	c := newTestClient(t, f, nil, nil)
	id, err := c.UploadImage(context.Background(), "poster.jpg", []byte("\xff\xd8jpeg"))
	if err != nil || id != "MEDIA_1" {
		t.Fatalf("UploadImage = %q, %v", id, err)
	}
	if gotType != "image" || gotName != "poster.jpg" || gotCT != "image/jpeg" || gotData != "\xff\xd8jpeg" {
		t.Errorf("upload: type=%q name=%q content-type=%q data=%q", gotType, gotName, gotCT, gotData)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"poster.bmp", []byte("x")}, {"poster.png", nil}, {"poster.png", make([]byte, 2<<20+1)}} {
		if _, err := c.UploadImage(context.Background(), tc.name, tc.data); !application.IsKind(err, application.KindInvalid) {
			t.Errorf("%s (%d bytes): err = %v, want KindInvalid", tc.name, len(tc.data), err)
		}
	}
	if n := f.count("POST /cgi-bin/media/upload"); n != 1 {
		t.Errorf("%d uploads, want 1 (bad input must not be sent)", n)
	}
	f.handle("POST /cgi-bin/media/upload", errcode(40009))
	if _, err := c.UploadImage(context.Background(), "p.png", []byte("x")); !application.IsKind(err, application.KindInvalid) {
		t.Errorf("40009: err = %v, want KindInvalid", err)
	}
}

func TestKefuErrorsAreTypedAndNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		want error
	}{
		{45015, application.ErrKefuOutOfWindow},
		{45047, application.ErrKefuQuota},
	}
	for _, tc := range tests {
		f := newFakeWeChat(t)
		f.handle("POST /cgi-bin/message/custom/send", errcode(tc.code))
		c := newTestClient(t, f, nil, nil)
		err := c.SendText(context.Background(), "oUser", "好友已助力")
		var ae *APIError
		if !errors.Is(err, tc.want) || !errors.As(err, &ae) || ae.Code != tc.code {
			t.Errorf("%d: err = %v, want %v", tc.code, err, tc.want)
		}
		if n := f.count("POST /cgi-bin/message/custom/send"); n != 1 {
			t.Errorf("%d: %d sends, want exactly 1", tc.code, n)
		}
	}
}

func TestKefuRequestShape(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.handle("POST /cgi-bin/message/custom/send", errcode(0))
	c := newTestClient(t, f, nil, nil)
	if err := c.SendText(context.Background(), "oUser", "好友「小明」已助力"); err != nil {
		t.Fatal(err)
	}
	if err := c.SendImage(context.Background(), "oUser", "MEDIA_1"); err != nil {
		t.Fatal(err)
	}
	var text, img map[string]any
	_ = json.Unmarshal([]byte(f.body("POST /cgi-bin/message/custom/send", 0)), &text)
	_ = json.Unmarshal([]byte(f.body("POST /cgi-bin/message/custom/send", 1)), &img)
	if text["touser"] != "oUser" || text["msgtype"] != "text" || text["text"].(map[string]any)["content"] != "好友「小明」已助力" || text["image"] != nil {
		t.Errorf("text message = %v", text)
	}
	if img["msgtype"] != "image" || img["image"].(map[string]any)["media_id"] != "MEDIA_1" || img["text"] != nil {
		t.Errorf("image message = %v", img)
	}
}
