package httpadapter

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// maxMenuBody bounds PUT /admin/api/menu; a full menu is a few KB.
const maxMenuBody = 64 << 10

// menuButtonJSON is one button of WeChat's menu JSON, the shape the admin API
// takes and returns.
type menuButtonJSON struct {
	Type      string           `json:"type,omitempty"`
	Name      string           `json:"name"`
	Key       string           `json:"key,omitempty"`
	URL       string           `json:"url,omitempty"`
	AppID     string           `json:"appid,omitempty"`
	PagePath  string           `json:"pagepath,omitempty"`
	MediaID   string           `json:"media_id,omitempty"`
	ArticleID string           `json:"article_id,omitempty"`
	SubButton []menuButtonJSON `json:"sub_button,omitempty"`
}

type menuJSON struct {
	Button []menuButtonJSON `json:"button"`
}

func menuFromJSON(m menuJSON) domain.Menu {
	var conv func([]menuButtonJSON) []domain.MenuButton
	conv = func(bs []menuButtonJSON) []domain.MenuButton {
		var out []domain.MenuButton
		for _, b := range bs {
			out = append(out, domain.MenuButton{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, AppID: b.AppID,
				PagePath: b.PagePath, MediaID: b.MediaID, ArticleID: b.ArticleID, Sub: conv(b.SubButton)})
		}
		return out
	}
	return domain.Menu{Buttons: conv(m.Button)}
}

func menuToJSON(m domain.Menu) menuJSON {
	var conv func([]domain.MenuButton) []menuButtonJSON
	conv = func(bs []domain.MenuButton) []menuButtonJSON {
		out := make([]menuButtonJSON, 0, len(bs))
		for _, b := range bs {
			j := menuButtonJSON{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, AppID: b.AppID,
				PagePath: b.PagePath, MediaID: b.MediaID, ArticleID: b.ArticleID}
			if len(b.Sub) > 0 {
				j.SubButton = conv(b.Sub)
			}
			out = append(out, j)
		}
		return out
	}
	return menuJSON{Button: conv(m.Buttons)}
}

var errMenuJSON = application.Errorf(application.KindInvalid, "invalid_json", nil, `the body must be WeChat's menu JSON: {"button":[…]}`)

// handleAdminMenuPut is PUT /admin/api/menu: WeChat's menu JSON, checked against
// WeChat's limits (400 naming the button and the limit), installed with menu/create.
func (s *server) handleAdminMenuPut(w http.ResponseWriter, r *http.Request) {
	var m menuJSON
	dec := json.NewDecoder(io.LimitReader(r.Body, maxMenuBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		writeAPIError(w, r, application.Errorf(application.KindInvalid, errMenuJSON.Code, err, "%s (%v)", errMenuJSON.Message, err))
		return
	}
	menu := menuFromJSON(m)
	if err := s.svc.Menu.Install(r.Context(), menu); err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, menuToJSON(menu))
}

// handleAdminMenuGet is GET /admin/api/menu: the installed menu (404 when none).
func (s *server) handleAdminMenuGet(w http.ResponseWriter, r *http.Request) {
	m, err := s.svc.Menu.Menu(r.Context())
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, menuToJSON(m))
}

// handleMePoster is GET /me/poster.png: the caller's personal poster, the same
// image the chat sends (a JPEG, served with its own content type).
func (s *server) handleMePoster(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.readSession(r)
	if !ok {
		http.Redirect(w, r, loginPath(defaultNext), http.StatusFound)
		return
	}
	p, err := s.svc.Poster.Render(r.Context(), domain.UserID(sess.UID))
	if err != nil {
		status := statusOf(err)
		if status == http.StatusNotFound && errors.Is(err, application.ErrNotFound) {
			s.cookies.clear(w, sessionCookie, "/")
			http.Redirect(w, r, loginPath(defaultNext), http.StatusFound)
			return
		}
		logFailure(r, status, err)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "poster unavailable", status)
		return
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(p.Data)))
	w.Header().Set("Cache-Control", "private, no-cache")
	_, _ = w.Write(p.Data)
}

type noticeJSON struct {
	Kind        string  `json:"kind"`
	Text        string  `json:"text"`
	CreatedAt   string  `json:"created_at"`
	DeliveredAt *string `json:"delivered_at"`
}

// userNoticesJSON turns notices into the /api/me/notices shape.
func userNoticesJSON(ns []domain.Notice) []noticeJSON {
	out := make([]noticeJSON, 0, len(ns))
	for _, n := range ns {
		j := noticeJSON{Kind: string(n.Kind), Text: n.Text, CreatedAt: n.CreatedAt.UTC().Format(time.RFC3339)}
		if n.Delivered() {
			d := n.DeliveredAt.UTC().Format(time.RFC3339)
			j.DeliveredAt = &d
		}
		out = append(out, j)
	}
	return out
}

// handleAPINotices is GET /api/me/notices: the caller's notices, newest first;
// delivered_at null marks one still waiting for the next chat interaction.
func (s *server) handleAPINotices(w http.ResponseWriter, r *http.Request, sess session) {
	ns, err := s.svc.Notices.Notices(r.Context(), domain.UserID(sess.UID), 50)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": userNoticesJSON(ns)})
}

// noticeRow is a deferred notice on /me.
type noticeRow struct {
	Text string
	When string
}

// deferredNotices lists the notices still waiting for the user's next chat
// interaction; a failure only leaves the section out.
func (s *server) deferredNotices(r *http.Request, user domain.UserID) []noticeRow {
	if s.svc.Notices == nil {
		return nil
	}
	ns, err := s.svc.Notices.Notices(r.Context(), user, 20)
	if err != nil {
		logFailure(r, statusOf(err), err)
		return nil
	}
	var out []noticeRow
	for _, n := range ns {
		if !n.Delivered() {
			out = append(out, noticeRow{Text: n.Text, When: n.CreatedAt.In(s.loc).Format("2006-01-02 15:04")})
		}
	}
	return out
}
