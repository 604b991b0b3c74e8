package httpadapter

import (
	"bytes"
	"container/list"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sync"

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

// pngCache keeps rendered PNGs by ticket, least recently used evicted first. A
// ticket's content never changes, so entries never go stale; a re-issued code has
// a new ticket.
type pngCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recent; values are *pngEntry
	items map[string]*list.Element
	// renders counts cache misses that rendered an image (observability and tests).
	renders int
}

type pngEntry struct {
	key string
	png []byte
}

func newPNGCache(max int) *pngCache {
	return &pngCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *pngCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*pngEntry).png, true
	}
	return nil, false
}

func (c *pngCache) put(key string, png []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.renders++
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&pngEntry{key: key, png: png})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*pngEntry).key)
	}
}

func (c *pngCache) stats() (entries, renders int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.renders
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
