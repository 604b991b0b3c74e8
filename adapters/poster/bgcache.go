package poster

import (
	"crypto/sha256"
	"image"
	"sync"

	"golang.org/x/image/draw"
)

// maxCachedBackgrounds bounds the decoded backgrounds kept: one campaign runs at a
// time, so a handful covers a campaign being edited while another poster is asked for.
const maxCachedBackgrounds = 4

// backgroundCache keeps recently used backgrounds decoded, keyed by their bytes'
// hash: decoding a JPEG is a third of a render, and every poster of a campaign
// shares one background.
type backgroundCache struct {
	mu    sync.Mutex
	items map[[32]byte]*image.RGBA
	order [][32]byte // oldest first
}

// canvas returns a fresh RGBA copy of the decoded background.
func (c *backgroundCache) canvas(data []byte) (*image.RGBA, error) {
	key := sha256.Sum256(data)
	c.mu.Lock()
	base, ok := c.items[key]
	c.mu.Unlock()
	if !ok {
		img, err := decodeBounded(data)
		if err != nil {
			return nil, err
		}
		base = image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
		draw.Draw(base, base.Bounds(), img, img.Bounds().Min, draw.Src)
		c.put(key, base)
	}
	out := image.NewRGBA(base.Bounds())
	copy(out.Pix, base.Pix)
	return out, nil
}

func (c *backgroundCache) put(key [32]byte, img *image.RGBA) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[[32]byte]*image.RGBA{}
	}
	if _, ok := c.items[key]; ok {
		return
	}
	if len(c.order) >= maxCachedBackgrounds {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[key] = img
	c.order = append(c.order, key)
}
