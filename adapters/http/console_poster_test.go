package httpadapter

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
)

// postFile posts a multipart form with one file field.
func (e *env) postFile(c *http.Client, path, csrf, field, name string, data []byte) resp {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return e.do(c, http.MethodPost, path, map[string]string{"Content-Type": mw.FormDataContentType()}, &b)
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestConsolePosterEditor(t *testing.T) {
	e, c, tok := newCampaignEnv(t)
	e.postForm(c, "/admin/campaigns", validCampaignForm(tok), nil)
	all, _ := e.srv.svc.Campaigns.Query.List(context.Background())
	id := all[0].ID
	path := fmt.Sprintf("/admin/campaigns/%d/poster", id)
	wantConsolePage(t, e.get(c, path), `id="qr_x" name="qr_x" type="number" min="0" value="225"`, `name="background" type="file"`)

	layout := url.Values{"csrf": {tok}, "qr_x": {"30"}, "qr_y": {"40"}, "qr_size": {"200"}, "nickname": {"1"},
		"nickname_x": {"250"}, "nickname_y": {"60"}, "nickname_size": {"32"}, "nickname_color": {"#ff0000"}}
	if r := e.postForm(c, path, layout, nil); r.status != http.StatusSeeOther {
		t.Fatalf("save layout: %d %s", r.status, r.body)
	}
	got, _ := e.srv.svc.Campaigns.Query.Get(context.Background(), id)
	if got.Poster.QR.X != 30 || got.Poster.QR.Size != 200 || got.Poster.Avatar != nil || got.Poster.Nickname == nil || got.Poster.Nickname.Color != "#ff0000" {
		t.Fatalf("stored layout %+v", got.Poster)
	}
	if got.Name != "春季邀请" || len(got.Tiers) != 2 {
		t.Fatal("saving the poster changed the campaign's other fields")
	}
	for name, tc := range map[string]struct {
		field, value, want string
	}{
		"not a number": {"qr_x", "left", "请填写整数（像素）"},
		"bad colour":   {"nickname_color", "red", "颜色应写成 #333333 这样"},
		"zero size":    {"qr_size", "0", "应在 1 到 10000 之间"},
	} {
		v := url.Values{}
		for k, x := range layout {
			v[k] = x
		}
		v.Set(tc.field, tc.value)
		r := e.postForm(c, path, v, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, `name="`+tc.field+`"`) {
			t.Fatalf("%s: %d, want the message %q:\n%s", name, r.status, tc.want, r.body)
		}
	}

	bg := path + "/background"
	if r := e.postFile(c, bg, tok, "background", "bg.png", pngOf(t, 750, 1334)); r.status != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	wantConsolePage(t, e.get(c, path+"?done=background"), "海报背景已更新")
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"not an image": {[]byte("GIF89a not really"), "只支持 PNG 或 JPEG 图片"},
		"too large":    {append(pngOf(t, 10, 10), make([]byte, 2<<20)...), "图片不能超过 2 MB"},
	} {
		r := e.postFile(c, bg, tok, "background", "x.png", tc.data)
		if r.status < 400 || !strings.Contains(r.body, tc.want) {
			t.Fatalf("%s: %d:\n%s", name, r.status, r.body)
		}
	}
	if r := e.postFile(c, bg, "wrong", "background", "bg.png", pngOf(t, 10, 10)); r.status != http.StatusForbidden {
		t.Fatalf("upload without the csrf token: %d", r.status)
	}
	if r := e.postForm(c, path, url.Values{"qr_x": {"1"}}, nil); r.status != http.StatusForbidden {
		t.Fatalf("layout without the csrf token: %d", r.status)
	}
}

func TestConsolePosterPreview(t *testing.T) {
	rr := &previewRenderer{}
	e, _ := newConsoleEnv(t, envOpt{services: func(svc *Services, st *memory.Store, _ application.Clock) {
		svc.Campaigns.Preview = application.NewPosterPreviewQuery(st.Campaigns(), rr)
	}})
	c, tok := e.consoleSignIn()
	e.postForm(c, "/admin/campaigns", validCampaignForm(tok), nil)
	all, _ := e.srv.svc.Campaigns.Query.List(context.Background())
	path := fmt.Sprintf("/admin/campaigns/%d/poster", all[0].ID)
	wantConsolePage(t, e.get(c, path), `id="poster-preview"`, fmt.Sprintf(`data-preview="%s/preview.png"`, path))

	r := e.get(c, path+"/preview.png?qr_x=11&qr_y=12&qr_size=130&nickname=1&nickname_x=1&nickname_y=2&nickname_size=20&nickname_color=%23abcdef")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" || r.body != "PNG!" {
		t.Fatalf("preview: %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
	if got := rr.last(); got.QR != (application.PosterBox{X: 11, Y: 12, Size: 130}) || got.Nickname == nil || got.Nickname.Color != "#abcdef" {
		t.Fatalf("rendered %+v", got)
	}
	if r := e.get(c, path+"/preview.png?qr_x=left&qr_y=1&qr_size=1"); r.status != http.StatusBadRequest {
		t.Fatalf("bad layout: %d", r.status)
	}
	if r := e.get(c, path+"/preview.png?qr_x=1&qr_y=1&qr_size=0"); r.status != http.StatusBadRequest {
		t.Fatalf("invalid layout: %d", r.status)
	}
	if r := e.get(e.browser(), path+"/preview.png"); r.status != http.StatusSeeOther {
		t.Fatalf("preview without a session: %d", r.status)
	}
}

// previewRenderer stands in for the poster adapter.
type previewRenderer struct {
	mu  sync.Mutex
	got []application.PosterSpec
}

func (p *previewRenderer) Render(_ context.Context, spec application.PosterSpec) (application.Poster, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, spec)
	return application.Poster{Data: []byte("PNG!"), ContentType: "image/png"}, nil
}

func (p *previewRenderer) last() application.PosterSpec {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.got[len(p.got)-1]
}
