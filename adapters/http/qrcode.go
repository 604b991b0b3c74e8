package httpadapter

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/wxinvite/wxinvite/domain"
)

// qrSize is the side of the rendered invite QR image in pixels.
const qrSize = 256

// renderQR draws content as a PNG locally: no call to WeChat's image host, and the
// image works whatever network the browser is on.
func renderQR(content string) ([]byte, error) {
	return qrcode.Encode(content, qrcode.Medium, qrSize)
}

// placeholderPNG is served with a 503 when no code can be had; it is a 1×1
// transparent pixel so the page's script swaps in a text notice.
var placeholderPNG = func() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.NRGBA{})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}()

// pngCache keeps rendered PNGs by ticket, least recently used evicted first
// (golang-lru). A ticket's content never changes, so entries never go stale; a
// re-issued code has a new ticket.
type pngCache struct {
	c *lru.Cache[string, []byte]
	// renders counts cache misses that rendered an image (observability and tests).
	renders atomic.Int64
}

func newPNGCache(max int) *pngCache {
	c, err := lru.New[string, []byte](max)
	if err != nil {
		panic("httpadapter: png cache size: " + err.Error()) // max is a constant > 0
	}
	return &pngCache{c: c}
}

func (c *pngCache) get(key string) ([]byte, bool) { return c.c.Get(key) }

func (c *pngCache) put(key string, png []byte) {
	c.renders.Add(1)
	c.c.Add(key, png)
}

func (c *pngCache) stats() (entries, renders int) {
	return c.c.Len(), int(c.renders.Load())
}

// handleQRCodePNG serves the caller's invite QR image, rendered from the code's
// content. When WeChat cannot issue one, a 503 placeholder keeps the page intact.
func (s *server) handleQRCodePNG(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.readSession(r)
	if !ok {
		http.Redirect(w, r, loginPath(defaultNext), http.StatusFound)
		return
	}
	q, err := s.svc.QRCode.InviteQRCode(r.Context(), domain.UserID(sess.UID))
	if err != nil {
		status := statusOf(err)
		if status == http.StatusNotFound { // the session outlived its user
			s.cookies.clear(w, sessionCookie, "/")
			http.Redirect(w, r, loginPath(defaultNext), http.StatusFound)
			return
		}
		logFailure(r, status, err)
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(placeholderPNG)
		return
	}
	img, ok := s.qrcache.get(q.Ticket)
	if !ok {
		if img, err = s.renderQR(q.URL); err != nil {
			logFailure(r, http.StatusInternalServerError, err)
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write(placeholderPNG)
			return
		}
		s.qrcache.put(q.Ticket, img)
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(img)
}
