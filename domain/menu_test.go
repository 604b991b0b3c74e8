package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wxinvite/wxinvite/domain"
)

func TestMenuValidate(t *testing.T) {
	t.Parallel()
	click := func(name string) domain.MenuButton { return domain.MenuButton{Type: "click", Name: name, Key: "k"} }
	view := domain.MenuButton{Type: "view", Name: "进度", URL: "https://example.com/me"}
	tests := []struct {
		name   string
		menu   domain.Menu
		button string // substring of MenuError.Button; "" = valid
		limit  string // substring of MenuError.Limit
	}{
		{"default menu", domain.DefaultMenu("https://example.com/me"), "", ""},
		{"empty", domain.Menu{}, "button", "at least one"},
		{"four top-level", domain.Menu{Buttons: []domain.MenuButton{click("a"), click("b"), click("c"), click("d")}}, "button", "at most 3 top-level"},
		{"six subs", domain.Menu{Buttons: []domain.MenuButton{{Name: "更多", Sub: []domain.MenuButton{click("1"), click("2"), click("3"), click("4"), click("5"), click("6")}}}}, `button[1] "更多"`, "at most 5 sub-buttons"},
		{"five subs", domain.Menu{Buttons: []domain.MenuButton{{Name: "更多", Sub: []domain.MenuButton{click("1"), click("2"), click("3"), click("4"), view}}}}, "", ""},
		{"top name 17 bytes", domain.Menu{Buttons: []domain.MenuButton{click("我的海报我的海报x")}}, `button[1]`, "at most 16 bytes (got 25)"},
		{"top name 16 bytes", domain.Menu{Buttons: []domain.MenuButton{click("abcdefghijklmnop")}}, "", ""},
		{"sub name 61 bytes", domain.Menu{Buttons: []domain.MenuButton{click("a"), {Name: "b", Sub: []domain.MenuButton{click(strings.Repeat("x", 61))}}}}, "button[2].sub_button[1]", "at most 60 bytes"},
		{"no name", domain.Menu{Buttons: []domain.MenuButton{click(" ")}}, "button[1]", "name is required"},
		{"click without key", domain.Menu{Buttons: []domain.MenuButton{{Type: "click", Name: "a"}}}, "button[1]", "needs key"},
		{"key 129 bytes", domain.Menu{Buttons: []domain.MenuButton{{Type: "click", Name: "a", Key: strings.Repeat("k", 129)}}}, "button[1]", "key is at most 128"},
		{"view without url", domain.Menu{Buttons: []domain.MenuButton{{Type: "view", Name: "a"}}}, "button[1]", "needs url"},
		{"view relative url", domain.Menu{Buttons: []domain.MenuButton{{Type: "view", Name: "a", URL: "/me"}}}, "button[1]", "absolute http(s)"},
		{"url 1025 bytes", domain.Menu{Buttons: []domain.MenuButton{{Type: "view", Name: "a", URL: "https://e.com/" + strings.Repeat("u", 1011)}}}, "button[1]", "url is at most 1024"},
		{"unknown type", domain.Menu{Buttons: []domain.MenuButton{{Type: "telepathy", Name: "a"}}}, "button[1]", `unknown type "telepathy"`},
		{"no type", domain.Menu{Buttons: []domain.MenuButton{{Name: "a"}}}, "button[1]", "type is required"},
		{"parent with type", domain.Menu{Buttons: []domain.MenuButton{{Type: "click", Key: "k", Name: "a", Sub: []domain.MenuButton{click("b")}}}}, "button[1]", "no type of its own"},
		{"nested subs", domain.Menu{Buttons: []domain.MenuButton{{Name: "a", Sub: []domain.MenuButton{{Name: "b", Sub: []domain.MenuButton{click("c")}}}}}}, "sub_button[1]", "cannot have sub-buttons"},
		{"miniprogram without pagepath", domain.Menu{Buttons: []domain.MenuButton{{Type: "miniprogram", Name: "a", URL: "https://e.com", AppID: "wx1"}}}, "button[1]", "needs pagepath"},
		{"media_id", domain.Menu{Buttons: []domain.MenuButton{{Type: "media_id", Name: "a"}}}, "button[1]", "needs media_id"},
		{"article_id ok", domain.Menu{Buttons: []domain.MenuButton{{Type: "article_id", Name: "a", ArticleID: "x"}}}, "", ""},
	}
	for _, tc := range tests {
		err := tc.menu.Validate()
		if tc.button == "" {
			if err != nil {
				t.Errorf("%s: unexpected error %v", tc.name, err)
			}
			continue
		}
		var me *domain.MenuError
		if !errors.As(err, &me) || !errors.Is(err, domain.ErrInvalidMenu) {
			t.Errorf("%s: err = %v, want a MenuError", tc.name, err)
			continue
		}
		if !strings.Contains(me.Button, tc.button) || !strings.Contains(me.Limit, tc.limit) {
			t.Errorf("%s: got %q / %q, want %q / %q", tc.name, me.Button, me.Limit, tc.button, tc.limit)
		}
	}
}

func TestNoticeValidate(t *testing.T) {
	t.Parallel()
	ok := domain.Notice{UserID: 1, Key: "progress:1", Kind: domain.NoticeProgress, Text: "好友已助力"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []domain.Notice{
		{Key: "k", Kind: domain.NoticeProgress, Text: "x"},
		{UserID: 1, Kind: domain.NoticeProgress, Text: "x"},
		{UserID: 1, Key: "k", Kind: "spam", Text: "x"},
		{UserID: 1, Key: "k", Kind: domain.NoticeReward, Text: " "},
		{UserID: 1, Key: "k", Kind: domain.NoticeReward, Text: strings.Repeat("字", domain.MaxNoticeRunes+1)},
	}
	for i, n := range bad {
		if !errors.Is(n.Validate(), domain.ErrInvalidNotice) {
			t.Errorf("case %d: want ErrInvalidNotice", i)
		}
	}
}
