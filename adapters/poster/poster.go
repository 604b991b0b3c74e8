// Package poster draws a user's personal invite poster: a campaign's background
// (or a clean default design), the user's invite QR code, avatar and nickname.
// Text is set with an embedded CJK font so Chinese nicknames render anywhere.
package poster

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // avatars may be GIFs
	"image/jpeg"
	_ "image/png" // backgrounds and avatars
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/draw"

	"github.com/wxinvite/wxinvite/application"
)

// Limits on what is drawn.
const (
	// MaxBackgroundPixels bounds a background's decoded size (a 4K poster), so a
	// small file that decodes to a huge image cannot exhaust memory.
	MaxBackgroundPixels = 4096 * 4096
	// MaxOutputBytes is WeChat's image media limit; the poster is kept under it.
	MaxOutputBytes = 2 << 20
	// jpegQuality keeps a 750×1334 photo poster in the low hundreds of KB while the
	// QR code stays crisp enough to scan.
	jpegQuality = 88
)

// Renderer draws posters. It is safe for concurrent use.
type Renderer struct {
	fonts *fontSet
	bgs   backgroundCache
}

var _ application.PosterRenderer = (*Renderer)(nil)

// New returns a renderer using the embedded font.
func New() (*Renderer, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	return &Renderer{fonts: fs}, nil
}

func invalid(format string, args ...any) error {
	return application.Errorf(application.KindInvalid, "invalid_poster", nil, format, args...)
}

// Render implements application.PosterRenderer. The result is a JPEG.
func (r *Renderer) Render(ctx context.Context, spec application.PosterSpec) (application.Poster, error) {
	if spec.QRContent == "" {
		return application.Poster{}, invalid("a poster needs the QR code's content")
	}
	var canvas *image.RGBA
	if spec.Background == nil {
		canvas = r.defaultBackground()
		spec = withDefaultLayout(spec)
	} else {
		var err error
		if canvas, err = r.bgs.canvas(spec.Background); err != nil {
			return application.Poster{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return application.Poster{}, err
	}
	if err := checkBox("qr", spec.QR, canvas.Bounds()); err != nil {
		return application.Poster{}, err
	}
	if err := drawQR(canvas, spec.QR, spec.QRContent); err != nil {
		return application.Poster{}, err
	}
	if spec.Avatar != nil && spec.AvatarImage != nil {
		if err := checkBox("avatar", *spec.Avatar, canvas.Bounds()); err != nil {
			return application.Poster{}, err
		}
		if av, _, err := image.Decode(bytes.NewReader(spec.AvatarImage)); err == nil {
			drawAvatar(canvas, *spec.Avatar, av)
		} // an undecodable avatar is left out, like an unknown one
	}
	switch {
	case spec.Nickname == nil || strings.TrimSpace(spec.NicknameText) == "":
	case spec.Background == nil:
		r.centred(canvas, spec.Nickname.Y, spec.Nickname.Size, spec.Nickname.Color, spec.NicknameText)
	default:
		if err := r.drawText(canvas, *spec.Nickname, spec.NicknameText); err != nil {
			return application.Poster{}, err
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, canvas, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return application.Poster{}, fmt.Errorf("poster: encode: %w", err)
	}
	if buf.Len() > MaxOutputBytes { // a noisy 4K background: trade quality for size once
		buf.Reset()
		if err := jpeg.Encode(&buf, canvas, &jpeg.Options{Quality: 60}); err != nil {
			return application.Poster{}, fmt.Errorf("poster: encode: %w", err)
		}
		if buf.Len() > MaxOutputBytes {
			return application.Poster{}, invalid("the poster is over %d bytes even at low quality; use a smaller background", MaxOutputBytes)
		}
	}
	return application.Poster{Data: buf.Bytes(), ContentType: "image/jpeg"}, nil
}

// decodeBounded decodes a PNG or JPEG after checking its declared size.
func decodeBounded(data []byte) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return nil, invalid("the background is not a PNG or JPEG image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxBackgroundPixels {
		return nil, invalid("the background is %d×%d; at most %d pixels", cfg.Width, cfg.Height, MaxBackgroundPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, invalid("the background does not decode: %v", err)
	}
	return img, nil
}

func checkBox(what string, b application.PosterBox, bounds image.Rectangle) error {
	if b.Size <= 0 || !image.Rect(b.X, b.Y, b.X+b.Size, b.Y+b.Size).In(bounds) {
		return invalid("the %s box (%d,%d) size %d is not inside the %d×%d background", what, b.X, b.Y, b.Size, bounds.Dx(), bounds.Dy())
	}
	return nil
}

// drawQR encodes content with a whole number of pixels per module, centred on white
// in the box, quiet zone kept so it scans on any background. Error correction is
// High: at Medium about one WeChat QR URL in eleven gave a symbol that a decoder
// locating it in a whole poster could not read (TestQRScansWhateverTheContent), a
// poster is photographed and re-compressed on its way, and the larger symbol still
// has six or more pixels per module in the default 300 px box.
func drawQR(dst *image.RGBA, box application.PosterBox, content string) error {
	q, err := qrcode.New(content, qrcode.High)
	if err != nil {
		return invalid("the QR content cannot be encoded: %v", err)
	}
	modules := len(q.Bitmap()) // with the quiet zone
	scale := box.Size / modules
	if scale < 1 {
		return invalid("the QR box (%d px) is smaller than the code's %d modules", box.Size, modules)
	}
	img := q.Image(-scale) // negative: pixels per module
	rect := image.Rect(box.X, box.Y, box.X+box.Size, box.Y+box.Size)
	draw.Draw(dst, rect, image.White, image.Point{}, draw.Src)
	off := (box.Size - img.Bounds().Dx()) / 2
	at := image.Rect(box.X+off, box.Y+off, box.X+off+img.Bounds().Dx(), box.Y+off+img.Bounds().Dy())
	draw.Draw(dst, at, img, img.Bounds().Min, draw.Src)
	return nil
}

// drawAvatar scales the head image into the box and clips it to a circle.
func drawAvatar(dst *image.RGBA, box application.PosterBox, av image.Image) {
	scaled := image.NewRGBA(image.Rect(0, 0, box.Size, box.Size))
	draw.ApproxBiLinear.Scale(scaled, scaled.Bounds(), av, av.Bounds(), draw.Src, nil)
	rect := image.Rect(box.X, box.Y, box.X+box.Size, box.Y+box.Size)
	draw.DrawMask(dst, rect, scaled, image.Point{}, circle{r: box.Size}, image.Point{}, draw.Over)
}

// circle is an alpha mask: opaque inside the disc inscribed in an r×r square,
// with a one-pixel soft edge.
type circle struct{ r int }

// ColorModel implements image.Image.
func (c circle) ColorModel() color.Model { return color.AlphaModel }

// Bounds implements image.Image.
func (c circle) Bounds() image.Rectangle { return image.Rect(0, 0, c.r, c.r) }

// At implements image.Image.
func (c circle) At(x, y int) color.Color {
	rad := float64(c.r) / 2
	dx, dy := float64(x)+0.5-rad, float64(y)+0.5-rad
	d := dx*dx + dy*dy
	switch {
	case d <= (rad-1)*(rad-1):
		return color.Alpha{A: 255}
	case d >= rad*rad:
		return color.Alpha{}
	}
	return color.Alpha{A: 128}
}

// parseColor reads #rrggbb; empty is the default dark grey.
func parseColor(s string) (color.RGBA, error) {
	if s == "" {
		return color.RGBA{R: 0x33, G: 0x33, B: 0x33, A: 255}, nil
	}
	if len(s) != 7 || s[0] != '#' {
		return color.RGBA{}, invalid("colour %q is not #rrggbb", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.RGBA{}, invalid("colour %q is not #rrggbb", s)
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}, nil
}
