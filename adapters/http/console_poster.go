package httpadapter

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wxinvite/wxinvite/domain"
)

// posterForm is the poster editor's fields as typed, with messages next to them.
type posterForm struct {
	ID                        int64
	Name                      string
	QRX, QRY, QRSize          string
	Avatar                    bool
	AvX, AvY, AvSize          string
	Nick                      bool
	NkX, NkY, NkSize, NkColor string
	Errors                    map[string]string
	Problem                   string
	Preview                   bool // the service can render a preview
}

func posterFormOf(c domain.Campaign) posterForm {
	p := c.Poster
	f := posterForm{ID: int64(c.ID), Name: c.Name, QRX: strconv.Itoa(p.QR.X), QRY: strconv.Itoa(p.QR.Y), QRSize: strconv.Itoa(p.QR.Size),
		AvX: "40", AvY: "40", AvSize: "120", NkX: "180", NkY: "90", NkSize: "36", NkColor: "#333333"}
	if a := p.Avatar; a != nil {
		f.Avatar, f.AvX, f.AvY, f.AvSize = true, strconv.Itoa(a.X), strconv.Itoa(a.Y), strconv.Itoa(a.Size)
	}
	if n := p.Nickname; n != nil {
		f.Nick, f.NkX, f.NkY, f.NkSize, f.NkColor = true, strconv.Itoa(n.X), strconv.Itoa(n.Y), strconv.Itoa(n.Size), n.Color
	}
	return f
}

func (f *posterForm) fail(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// parsePosterForm reads the layout from form values (the editor's POST, or the
// preview's query); numbers that cannot be read get their message here.
func parsePosterForm(v url.Values, f posterForm) (posterForm, domain.PosterLayout) {
	num := func(field string) int {
		s := strings.TrimSpace(v.Get(field))
		n, err := strconv.Atoi(s)
		if err != nil {
			f.fail(field, "请填写整数（像素）")
		}
		return n
	}
	f.QRX, f.QRY, f.QRSize = v.Get("qr_x"), v.Get("qr_y"), v.Get("qr_size")
	f.Avatar, f.AvX, f.AvY, f.AvSize = v.Get("avatar") != "", v.Get("avatar_x"), v.Get("avatar_y"), v.Get("avatar_size")
	f.Nick, f.NkX, f.NkY, f.NkSize, f.NkColor = v.Get("nickname") != "", v.Get("nickname_x"), v.Get("nickname_y"), v.Get("nickname_size"), strings.TrimSpace(v.Get("nickname_color"))
	l := domain.PosterLayout{QR: domain.PosterBox{X: num("qr_x"), Y: num("qr_y"), Size: num("qr_size")}}
	if f.Avatar {
		l.Avatar = &domain.PosterBox{X: num("avatar_x"), Y: num("avatar_y"), Size: num("avatar_size")}
	}
	if f.Nick {
		l.Nickname = &domain.PosterText{X: num("nickname_x"), Y: num("nickname_y"), Size: num("nickname_size"), Color: f.NkColor}
	}
	return f, l
}

// posterFieldOf maps the domain's field names ("poster.qr.x") to the form's ("qr_x").
func posterFieldOf(field string) string {
	f := strings.TrimPrefix(field, "poster.")
	return strings.ReplaceAll(f, ".", "_")
}

type posterPage struct {
	Form posterForm
}

// handleConsolePoster shows the poster editor: background upload, positions, and
// the preview the service itself renders.
func (s *server) handleConsolePoster(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	c, ok := s.consoleCampaign(w, r, cs)
	if !ok {
		return
	}
	f := posterFormOf(c)
	s.renderPoster(w, r, cs, http.StatusOK, f)
}

func (s *server) renderPoster(w http.ResponseWriter, r *http.Request, cs consoleSession, status int, f posterForm) {
	f.Preview = s.posterPreviewAvailable()
	v := s.view(cs, "海报："+f.Name, "campaigns", posterPage{Form: f})
	v.Notice = noticeOf(r)
	s.renderConsole(w, r, status, "poster.html", v)
}

// handleConsolePosterLayout saves the positions of the QR code, avatar and nickname.
func (s *server) handleConsolePosterLayout(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	c, ok := s.consoleCampaign(w, r, cs)
	if !ok {
		return
	}
	_ = r.ParseForm()
	f, layout := parsePosterForm(r.PostForm, posterFormOf(c))
	if len(f.Errors) > 0 {
		f.Problem = "请按提示修改后再保存。"
		s.renderPoster(w, r, cs, http.StatusBadRequest, f)
		return
	}
	_, err := s.svc.Campaigns.Update.Update(r.Context(), c.ID, func(cur *domain.Campaign) error {
		cur.Poster = layout
		return nil
	})
	if err != nil {
		var fe *domain.FieldError
		if asFieldError(err, &fe) {
			f.fail(posterFieldOf(fe.Field), reasonZh(fe.Reason))
			f.Problem = "请按提示修改后再保存。"
			s.renderPoster(w, r, cs, statusOf(err), f)
			return
		}
		s.renderConsoleError(w, r, cs, statusOf(err), "保存失败", "请稍后再试。", err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d/poster?done=saved", c.ID), http.StatusSeeOther)
}

// handleConsolePosterBackground stores an uploaded PNG or JPEG (at most 2 MiB) as
// the campaign's poster background.
func (s *server) handleConsolePosterBackground(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	c, ok := s.consoleCampaign(w, r, cs)
	if !ok {
		return
	}
	file, _, err := r.FormFile("background")
	if err != nil {
		f := posterFormOf(c)
		f.fail("background", "请选择一张 PNG 或 JPEG 图片")
		s.renderPoster(w, r, cs, http.StatusBadRequest, f)
		return
	}
	defer file.Close()
	if _, err := s.svc.Campaigns.Poster.Put(r.Context(), c.ID, file); err != nil {
		if st := statusOf(err); st < 500 {
			f := posterFormOf(c)
			f.fail("background", backgroundErrorZh(st))
			s.renderPoster(w, r, cs, st, f)
			return
		}
		s.renderConsoleError(w, r, cs, statusOf(err), "上传失败", "请稍后再试。", err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d/poster?done=background", c.ID), http.StatusSeeOther)
}

// backgroundErrorZh says what was wrong with a refused background.
func backgroundErrorZh(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return "图片不能超过 2 MB"
	case http.StatusUnsupportedMediaType:
		return "只支持 PNG 或 JPEG 图片"
	case http.StatusNotFound:
		return "活动不存在"
	}
	return "图片尺寸不合适：宽和高都不能超过 4096 像素"
}

// posterPreviewAvailable reports whether the service can render a preview (the
// chat loop's poster renderer is wired).
func (s *server) posterPreviewAvailable() bool { return s.svc.Campaigns.Preview != nil }

// handleConsolePosterPreview draws the poster with the layout in the query (the
// editor's unsaved fields; none: the saved layout) for a sample person.
func (s *server) handleConsolePosterPreview(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	id, ok := campaignIDFrom(r)
	if !ok || !s.posterPreviewAvailable() {
		http.NotFound(w, r)
		return
	}
	var layout *domain.PosterLayout
	if q := r.URL.Query(); q.Get("qr_x") != "" {
		f, l := parsePosterForm(q, posterForm{})
		if len(f.Errors) > 0 {
			http.Error(w, "invalid layout", http.StatusBadRequest)
			return
		}
		layout = &l
	}
	p, err := s.svc.Campaigns.Preview.Preview(r.Context(), id, layout)
	if err != nil {
		logFailure(r, statusOf(err), err)
		http.Error(w, http.StatusText(statusOf(err)), statusOf(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", p.ContentType)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(p.Data)))
	_, _ = w.Write(p.Data)
}
