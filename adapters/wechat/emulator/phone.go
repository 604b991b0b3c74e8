package emulator

import (
	"bytes"
	"crypto/sha1"
	"embed"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

func (e *Emulator) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		e.log.Error("render template", "name", name, "err", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderError shows WeChat's OAuth error page (the visitor stays there).
func (e *Emulator) renderError(w http.ResponseWriter, code int, msg string) {
	e.render(w, http.StatusBadRequest, "error.html", map[string]any{"Base": e.cfg.BasePath, "Code": code, "Message": msg})
}

// handlePhone is GET / under the mount: the simulated phone.
func (e *Emulator) handlePhone(w http.ResponseWriter, r *http.Request) {
	e.render(w, http.StatusOK, "phone.html", map[string]any{
		"Base":       e.cfg.BasePath,
		"AppID":      e.cfg.AppID,
		"OriginalID": e.cfg.OriginalID,
		"SafeMode":   e.SafeMode(),
	})
}

// handleOpen is GET /open?openid=&url=: "open a link inside WeChat" as a
// person. It remembers the person for the OAuth pages and goes to url.
func (e *Emulator) handleOpen(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	openid, target := q.Get("openid"), strings.TrimSpace(q.Get("url"))
	if _, ok := e.LookupPerson(openid); !ok {
		e.renderError(w, 10001, "请先在模拟手机上选择一个用户")
		return
	}
	u, err := url.Parse(target)
	if err != nil || target == "" || (u.IsAbs() && u.Scheme != "http" && u.Scheme != "https") || (!u.IsAbs() && !strings.HasPrefix(target, "/")) {
		e.renderError(w, 10001, "链接无效：请输入 http(s):// 开头的地址或以 / 开头的路径")
		return
	}
	if !e.ownURL(u) {
		e.renderError(w, 10001, "链接无效：只能打开本服务的地址")
		return
	}
	prev := ""
	if c, err := r.Cookie(personCookieName); err == nil {
		prev = c.Value
	}
	e.switchJar(w, r, prev, openid)
	e.setPersonCookie(w, openid)
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// handleAvatar is GET /avatar/{openid}/{size}: a generated head image, so
// default headimgurl values resolve. Sizes as WeChat: 0 (640), 46, 64, 96, 132.
func (e *Emulator) handleAvatar(w http.ResponseWriter, r *http.Request) {
	size, _ := strconv.Atoi(r.PathValue("size"))
	switch size {
	case 46, 64, 96, 132:
	case 0:
		size = 640
	default:
		size = 132
	}
	sum := sha1.Sum([]byte(r.PathValue("openid")))
	bg := color.RGBA{R: 90 + sum[0]%120, G: 90 + sum[1]%120, B: 90 + sum[2]%120, A: 255}
	fg := color.RGBA{R: 245, G: 245, B: 245, A: 255}
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	s := float64(size)
	in := func(x, y, cx, cy, rad float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= rad*rad }
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x)/s, float64(y)/s
			if in(fx, fy, 0.5, 0.4, 0.18) || in(fx, fy, 0.5, 1.02, 0.38) {
				img.Set(x, y, fg)
			} else {
				img.Set(x, y, bg)
			}
		}
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_ = png.Encode(w, img)
}

// ownURL reports whether u is on this service: a path on this host (not a
// protocol-relative //host), or an absolute URL under Config.PublicURL.
func (e *Emulator) ownURL(u *url.URL) bool {
	if !u.IsAbs() {
		return u.Host == "" && u.User == nil && !strings.HasPrefix(u.Path, "//") && !strings.HasPrefix(u.Path, "/\\")
	}
	if e.cfg.PublicURL == "" {
		return false
	}
	pub, err := url.Parse(strings.TrimRight(e.cfg.PublicURL, "/"))
	if err != nil || u.User != nil || !strings.EqualFold(u.Scheme, pub.Scheme) || !strings.EqualFold(u.Host, pub.Host) {
		return false
	}
	return pub.Path == "" || u.Path == pub.Path || strings.HasPrefix(u.Path, pub.Path+"/")
}
