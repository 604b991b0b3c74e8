package httpadapter

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestConsoleMenu(t *testing.T) {
	menus := &fakeMenus{}
	e, _ := newConsoleEnv(t, envOpt{menus: menus})
	c, tok := e.consoleSignIn()
	wantConsolePage(t, e.get(c, "/admin/menu"), "还没有设置菜单", "wxinvite.poster", `aria-current="page">公众号菜单`)

	good := `{"button":[{"type":"click","name":"我的海报","key":"wxinvite.poster"},{"name":"更多","sub_button":[{"type":"view","name":"邀请进度","url":"https://example.com/me"}]}]}`
	if r := e.postForm(c, "/admin/menu", url.Values{"csrf": {tok}, "menu": {good}}, nil); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if menus.creates != 1 || len(menus.menu.Buttons) != 2 || menus.menu.Buttons[1].Sub[0].Name != "邀请进度" {
		t.Fatalf("installed %+v", menus.menu)
	}
	wantConsolePage(t, e.get(c, "/admin/menu?done=menu"), "菜单已保存并发布到微信", `<div class="wxmenu-top">我的海报</div>`, "发送专属海报",
		"<strong>邀请进度</strong><span class=\"muted\">打开 https://example.com/me</span>")

	for name, tc := range map[string]struct{ body, want string }{
		"not json":      {`{"button":[`, "不是有效的菜单 JSON"},
		"unknown key":   {`{"buttons":[]}`, "不是有效的菜单 JSON"},
		"name too long": {`{"button":[{"type":"click","name":"这是一个非常非常长的菜单名字","key":"k"}]}`, "菜单不符合微信的限制：button[1]"},
		"four buttons":  {`{"button":[{"type":"click","name":"a","key":"a"},{"type":"click","name":"b","key":"b"},{"type":"click","name":"c","key":"c"},{"type":"click","name":"d","key":"d"}]}`, "菜单不符合微信的限制"},
	} {
		r := e.postForm(c, "/admin/menu", url.Values{"csrf": {tok}, "menu": {tc.body}}, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, "aria-invalid") {
			t.Fatalf("%s: %d, want %q:\n%s", name, r.status, tc.want, r.body)
		}
	}
	if menus.creates != 1 {
		t.Fatalf("a refused menu reached WeChat (%d creates)", menus.creates)
	}
	if r := e.postForm(c, "/admin/menu", url.Values{"menu": {good}}, nil); r.status != http.StatusForbidden {
		t.Fatalf("without csrf: %d", r.status)
	}
	// Without the chat loop there is no menu page.
	e2, _ := newConsoleEnv(t, envOpt{})
	c2, _ := e2.consoleSignIn()
	if r := e2.get(c2, "/admin/menu"); r.status != http.StatusNotFound {
		t.Fatalf("menu page without the menu service: %d", r.status)
	}
}
