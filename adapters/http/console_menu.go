package httpadapter

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/wxinvite/wxinvite/domain"
)

// menuExample is what the editor offers when no menu is installed yet: the poster
// button the chat loop answers, and the personal centre.
const menuExample = `{"button":[{"type":"click","name":"我的海报","key":"wxinvite.poster"},{"type":"view","name":"邀请进度","url":"https://example.com/me"}]}`

type menuPage struct {
	Buttons []menuButtonView
	JSON    string
	Error   string
	None    bool
}

// menuButtonView is a button as the phone-like preview shows it.
type menuButtonView struct {
	Name, What string
	Sub        []menuButtonView
}

func menuViewOf(bs []domain.MenuButton) []menuButtonView {
	var out []menuButtonView
	for _, b := range bs {
		v := menuButtonView{Name: b.Name, What: menuWhat(b)}
		v.Sub = menuViewOf(b.Sub)
		out = append(out, v)
	}
	return out
}

// menuWhat says what a button does, in a few words.
func menuWhat(b domain.MenuButton) string {
	switch {
	case len(b.Sub) > 0:
		return "子菜单"
	case b.Type == "click" && b.Key == "wxinvite.poster":
		return "发送专属海报"
	case b.Type == "click":
		return "点击事件 " + b.Key
	case b.Type == "view":
		return "打开 " + b.URL
	case b.Type == "miniprogram":
		return "打开小程序"
	}
	return b.Type
}

func prettyMenu(m domain.Menu) string {
	b, _ := json.MarshalIndent(menuToJSON(m), "", "  ")
	return string(b)
}

// handleConsoleMenu shows the installed menu and an editor for WeChat's menu JSON.
func (s *server) handleConsoleMenu(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	p := menuPage{}
	m, err := s.svc.Menu.Menu(r.Context())
	switch {
	case err == nil:
		p.Buttons, p.JSON = menuViewOf(m.Buttons), prettyMenu(m)
	case statusOf(err) == http.StatusNotFound:
		p.None, p.JSON = true, menuExample
	default:
		p.Error = "暂时读不到微信里的菜单，请稍后刷新。"
		logFailure(r, statusOf(err), err)
	}
	v := s.view(cs, "公众号菜单", "menu", p)
	v.Notice = noticeOf(r)
	s.renderConsole(w, r, http.StatusOK, "menu.html", v)
}

// handleConsoleMenuSave checks the menu against WeChat's limits and installs it;
// a refusal is shown next to the editor with what was typed.
func (s *server) handleConsoleMenuSave(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	raw := r.PostFormValue("menu")
	p := menuPage{JSON: raw}
	var mj menuJSON
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	status := http.StatusBadRequest
	if err := dec.Decode(&mj); err != nil {
		p.Error = "不是有效的菜单 JSON（格式为 {\"button\":[…]}）：" + err.Error()
	} else {
		menu := menuFromJSON(mj)
		err := s.svc.Menu.Install(r.Context(), menu)
		if err == nil {
			http.Redirect(w, r, "/admin/menu?done=menu", http.StatusSeeOther)
			return
		}
		var me *domain.MenuError
		switch {
		case errors.As(err, &me):
			p.Error = "菜单不符合微信的限制：" + me.Button + "：" + me.Limit
		case statusOf(err) < 500:
			_, msg := publicError(err)
			p.Error = "微信没有接受这个菜单：" + msg
		default:
			s.renderConsoleError(w, r, cs, statusOf(err), "菜单没有发布", "微信暂时无法访问，请稍后再试。", err)
			return
		}
		status = statusOf(err)
		p.Buttons = menuViewOf(menu.Buttons)
	}
	s.renderConsole(w, r, status, "menu.html", s.view(cs, "公众号菜单", "menu", p))
}
