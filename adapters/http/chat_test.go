package httpadapter

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// fakeMenus is WeChat's menu/create and menu/get.
type fakeMenus struct {
	mu      sync.Mutex
	menu    *domain.Menu
	creates int
}

func (f *fakeMenus) CreateMenu(_ context.Context, m domain.Menu) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates++
	f.menu = &m
	return nil
}

func (f *fakeMenus) Menu(context.Context) (domain.Menu, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.menu == nil {
		return domain.Menu{}, application.NotFound("menu", nil)
	}
	return *f.menu, nil
}

func TestAdminMenu(t *testing.T) {
	t.Parallel()
	menus := &fakeMenus{}
	e := newEnv(t, envOpt{adminToken: "tok", menus: menus})
	hdr := map[string]string{"Authorization": "Bearer tok", "Content-Type": "application/json"}
	put := func(body string) resp {
		return e.do(e.plain(), http.MethodPut, "/admin/api/menu", hdr, strings.NewReader(body))
	}

	if r := e.do(e.plain(), http.MethodGet, "/admin/api/menu", hdr, nil); r.status != http.StatusNotFound {
		t.Errorf("no menu yet: HTTP %d", r.status)
	}
	tests := []struct {
		name, body, code, msg string
	}{
		{"not JSON", `{"button":`, "invalid_json", "menu JSON"},
		{"unknown field", `{"buttons":[]}`, "invalid_json", "menu JSON"},
		{"long name", `{"button":[{"type":"click","name":"一二三四五六","key":"k"}]}`, "invalid_menu", `button[1] \"一二三四五六\": name is at most 16 bytes (got 18)`},
		{"six subs", `{"button":[{"name":"更多","sub_button":[` + strings.Repeat(`{"type":"click","name":"s","key":"k"},`, 5) + `{"type":"click","name":"s","key":"k"}]}]}`, "invalid_menu", "at most 5 sub-buttons"},
	}
	for _, tc := range tests {
		r := put(tc.body)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"code":"`+tc.code+`"`) || !strings.Contains(r.body, tc.msg) {
			t.Errorf("%s: HTTP %d %s", tc.name, r.status, r.body)
		}
	}
	if menus.creates != 0 {
		t.Fatalf("refused menus reached WeChat %d times", menus.creates)
	}
	r := put(`{"button":[{"type":"click","name":"我的海报","key":"wxinvite.poster"},{"name":"更多","sub_button":[{"type":"view","name":"进度","url":"https://example.com/me"}]}]}`)
	if r.status != http.StatusOK || menus.creates != 1 {
		t.Fatalf("good menu: HTTP %d %s, %d creates", r.status, r.body, menus.creates)
	}
	r = e.do(e.plain(), http.MethodGet, "/admin/api/menu", hdr, nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, `"key":"wxinvite.poster"`) || !strings.Contains(r.body, `"sub_button":[{"type":"view","name":"进度","url":"https://example.com/me"}]`) {
		t.Errorf("GET: HTTP %d %s", r.status, r.body)
	}
	if r := e.do(e.plain(), http.MethodPut, "/admin/api/menu", map[string]string{"Authorization": "Bearer wrong"}, strings.NewReader(`{}`)); r.status != http.StatusUnauthorized {
		t.Errorf("wrong token: HTTP %d", r.status)
	}
}

func TestChatRoutesOffWithoutServices(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{adminToken: "tok"})
	if r := e.do(e.plain(), http.MethodGet, "/admin/api/menu", map[string]string{"Authorization": "Bearer tok"}, nil); r.status != http.StatusNotFound {
		t.Errorf("menu without the service: HTTP %d", r.status)
	}
}
