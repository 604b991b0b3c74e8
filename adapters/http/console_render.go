package httpadapter

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"time"
)

//go:embed templates/console/*.html
var consoleTemplateFS embed.FS

// consolePageNames are the console's page templates; each is parsed with the layout.
var consolePageNames = []string{"signin.html", "error.html", "dashboard.html", "invites.html",
	"campaigns.html", "campaign_edit.html", "rewards.html", "poster.html", "menu.html",
	"people.html", "person.html", "webhooks.html", "deliveries.html"}

// consolePages holds the parsed console templates by file name.
type consolePages struct {
	t map[string]*template.Template
}

// consoleFuncs are the template helpers; times show in loc.
func consoleFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"num":   formatCount,
		"inc":   func(i int) int { return i + 1 },
		"when":  func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04") },
		"day":   func(t time.Time) string { return t.In(loc).Format("2006-01-02") },
		"clock": func(t time.Time) string { return t.In(loc).Format("15:04:05") },
		"iso":   apiTime,
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"navItem": func(v consoleView, key, href, label string) navItem {
			return navItem{Href: href, Label: label, Current: v.Nav == key}
		},
		"pct": func(f *float64) string {
			if f == nil {
				return "—"
			}
			return strconv.FormatFloat(*f*100, 'f', 0, 64) + "%"
		},
	}
}

func loadConsolePages(loc *time.Location) (*consolePages, error) {
	p := &consolePages{t: map[string]*template.Template{}}
	for _, name := range consolePageNames {
		t, err := template.New(name).Funcs(consoleFuncs(loc)).ParseFS(consoleTemplateFS, "templates/console/layout.html", "templates/console/"+name)
		if err != nil {
			return nil, err
		}
		p.t[name] = t
	}
	return p, nil
}

// formatCount writes n with thousands separators (12,345), as operators read it.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// navItem is one entry of the console's menu.
type navItem struct {
	Href, Label string
	Current     bool
}

// consoleCSP is the pages' policy without the JS-SDK host: the console loads only
// its own scripts.
var consoleCSP = pageCSP("")

// consoleView is what the layout needs around a page.
type consoleView struct {
	Title  string
	Nav    string // which menu entry is current; empty: signed out
	CSRF   string
	Charts bool // load ECharts
	Notice string
	Page   any
	Menu   consoleMenu // which sections this build has
}

// consoleMenu says which optional sections exist (their services are wired).
type consoleMenu struct {
	Campaigns, People, Webhooks, WeChatMenu bool
}

// view builds the layout data for a signed-in page.
func (s *server) view(cs consoleSession, title, nav string, page any) consoleView {
	return consoleView{Title: title, Nav: nav, CSRF: s.consoleCSRF(cs), Page: page, Menu: s.consoleMenu()}
}

// renderConsole executes a console page into a buffer first, so a template error
// becomes a clean 500 instead of half a page.
func (s *server) renderConsole(w http.ResponseWriter, r *http.Request, status int, name string, v consoleView) {
	var b bytes.Buffer
	if err := s.console.pages.t[name].ExecuteTemplate(&b, "layout", v); err != nil {
		LoggerFrom(r.Context()).Error("render console page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

type consoleErrorPage struct {
	Message string
}

// renderConsoleError shows a failure inside the console; err (may be nil) is
// logged, never shown.
func (s *server) renderConsoleError(w http.ResponseWriter, r *http.Request, cs consoleSession, status int, title, msg string, err error) {
	if err != nil {
		logFailure(r, status, err)
	}
	v := consoleView{Title: title, Page: consoleErrorPage{Message: msg}}
	if cs.SID != "" {
		v = s.view(cs, title, "-", consoleErrorPage{Message: msg})
	}
	s.renderConsole(w, r, status, "error.html", v)
}

func (s *server) consoleMenu() consoleMenu {
	return consoleMenu{
		Campaigns: s.svc.Campaigns.Query != nil, WeChatMenu: s.svc.Menu != nil,
		People:   s.svc.People != nil && s.svc.PersonEvents != nil,
		Webhooks: s.svc.Webhooks != nil && s.svc.Deliveries != nil,
	}
}
