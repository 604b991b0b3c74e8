package poster_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/wxinvite/wxinvite/adapters/poster"
	"github.com/wxinvite/wxinvite/application"
)

const qrURL = "http://weixin.qq.com/q/02AbCdEfGhIjK10000w03a"

func newRenderer(t testing.TB) *poster.Renderer {
	t.Helper()
	r, err := poster.New()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// photo is a noisy 750×1334 background, the worst case for JPEG size.
func photo(t testing.TB, format string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 750, 1334))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < 1334; y++ {
		for x := 0; x < 750; x++ {
			n := uint8(rng.IntN(40))
			img.SetRGBA(x, y, color.RGBA{R: uint8(x/3) + n, G: uint8(y/6) + n, B: 120 + n, A: 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func solidPNG(t testing.TB, c color.RGBA, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decodeQR reads the poster's QR code the way a phone does, searching the whole
// picture; when gozxing's locator is fooled (it misplaces the alignment pattern of
// about one High-level symbol in 250, which WeChat's scanner reads), the code is
// decoded exactly from the layout's box, where the poster must have put it.
func decodeQR(t *testing.T, img image.Image, box image.Rectangle) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := qrcode.NewQRCodeReader().Decode(bmp, tryHarder); err == nil {
		return res.GetText()
	}
	crop, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		t.Fatalf("no QR code found in the poster, and it cannot be cropped")
	}
	bmp, err = gozxing.NewBinaryBitmapFromImage(crop.SubImage(box))
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, pureBarcode)
	if err != nil {
		t.Fatalf("no QR code found in the poster's box %v: %v", box, err)
	}
	return res.GetText()
}

// Decoding hints: search the whole picture as a phone's scanner does; or read a
// picture that holds only the code.
var (
	tryHarder   = map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	pureBarcode = map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}
)

// defaultBox is where the default design puts the QR code.
var defaultBox = image.Rect(225, 900, 525, 1200)

func render(t *testing.T, r *poster.Renderer, spec application.PosterSpec) image.Image {
	t.Helper()
	p, err := r.Render(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if p.ContentType != "image/jpeg" || len(p.Data) > poster.MaxOutputBytes {
		t.Fatalf("poster %s of %d bytes", p.ContentType, len(p.Data))
	}
	img, err := jpeg.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestDefaultPosterCarriesTheQRCode(t *testing.T) {
	t.Parallel()
	img := render(t, newRenderer(t), application.PosterSpec{QRContent: qrURL, NicknameText: "小明"})
	if b := img.Bounds(); b.Dx() != poster.DefaultWidth || b.Dy() != poster.DefaultHeight {
		t.Errorf("default poster is %v", b)
	}
	if got := decodeQR(t, img, defaultBox); got != qrURL {
		t.Errorf("QR decodes to %q, want %q", got, qrURL)
	}
}

func TestBackgroundPosterLayout(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	avatar := solidPNG(t, color.RGBA{R: 10, G: 200, B: 10, A: 255}, 64, 64)
	for _, format := range []string{"png", "jpeg"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			img := render(t, r, application.PosterSpec{
				Background: photo(t, format), QRContent: qrURL,
				QR:     application.PosterBox{X: 400, Y: 950, Size: 280},
				Avatar: &application.PosterBox{X: 40, Y: 40, Size: 100}, AvatarImage: avatar,
				Nickname: &application.PosterText{X: 160, Y: 60, Size: 40, Color: "#ff0000"}, NicknameText: "王小明",
			})
			if got := decodeQR(t, img, image.Rect(400, 950, 680, 1230)); got != qrURL {
				t.Errorf("QR decodes to %q", got)
			}
			if c := rgba(img.At(90, 90)); c.G < 150 || c.R > 80 {
				t.Errorf("avatar centre is %v, want the avatar's green", c)
			}
			if c := rgba(img.At(41, 41)); c.G > 150 && c.R < 80 {
				t.Errorf("avatar corner %v is green: the avatar is not clipped to a circle", c)
			}
			if n := count(img, image.Rect(160, 60, 300, 110), isRed); n < 100 {
				t.Errorf("only %d red pixels where the nickname goes", n)
			}
		})
	}
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
}

func isRed(c color.RGBA) bool { return c.R > 180 && c.G < 90 && c.B < 90 }

func count(img image.Image, rect image.Rectangle, pred func(color.RGBA) bool) int {
	n := 0
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			if pred(rgba(img.At(x, y))) {
				n++
			}
		}
	}
	return n
}

// Chinese characters draw as themselves: 王小明 must not look like three
// substitute boxes, and an emoji becomes a box rather than nothing.
func TestChineseNicknameRenders(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	bg := solidPNG(t, color.RGBA{R: 255, G: 255, B: 255, A: 255}, 600, 600)
	draw := func(name string) image.Image {
		return render(t, r, application.PosterSpec{
			Background: bg, QRContent: qrURL, QR: application.PosterBox{X: 300, Y: 300, Size: 250},
			Nickname: &application.PosterText{X: 10, Y: 10, Size: 48, Color: "#000000"}, NicknameText: name,
		})
	}
	dark := func(c color.RGBA) bool { return c.R < 100 && c.G < 100 && c.B < 100 }
	area := image.Rect(0, 0, 300, 80)
	chinese := count(draw("王小明"), area, dark)
	boxes := count(draw("□□□"), area, dark)
	emoji := count(draw("😀"), area, dark)
	if chinese < 200 {
		t.Errorf("王小明 drew %d dark pixels; nothing was drawn", chinese)
	}
	if chinese == boxes {
		t.Errorf("王小明 drew exactly like three substitute boxes (%d pixels)", boxes)
	}
	if emoji == 0 {
		t.Error("a missing glyph drew nothing; want a substitute box")
	}
}

func TestRenderRejectsBadInput(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	bg := solidPNG(t, color.RGBA{A: 255}, 400, 400)
	tests := []struct {
		name string
		spec application.PosterSpec
	}{
		{"no QR content", application.PosterSpec{Background: bg, QR: application.PosterBox{Size: 100}}},
		{"not an image", application.PosterSpec{Background: []byte("GIF89a nope"), QRContent: qrURL, QR: application.PosterBox{Size: 100}}},
		{"QR outside", application.PosterSpec{Background: bg, QRContent: qrURL, QR: application.PosterBox{X: 350, Y: 0, Size: 100}}},
		{"QR without size", application.PosterSpec{Background: bg, QRContent: qrURL}},
		{"avatar outside", application.PosterSpec{Background: bg, QRContent: qrURL, QR: application.PosterBox{Size: 100}, Avatar: &application.PosterBox{X: -1, Size: 10}, AvatarImage: bg}},
		{"bad colour", application.PosterSpec{Background: bg, QRContent: qrURL, QR: application.PosterBox{Size: 100}, Nickname: &application.PosterText{X: 1, Y: 1, Size: 20, Color: "red"}, NicknameText: "a"}},
		{"text outside", application.PosterSpec{Background: bg, QRContent: qrURL, QR: application.PosterBox{Size: 100}, Nickname: &application.PosterText{X: 500, Y: 1, Size: 20}, NicknameText: "a"}},
	}
	for _, tc := range tests {
		if _, err := r.Render(context.Background(), tc.spec); !application.IsKind(err, application.KindInvalid) {
			t.Errorf("%s: err = %v, want KindInvalid", tc.name, err)
		}
	}
}

// A broken avatar is left out, like an unknown one: the poster still renders.
func TestUndecodableAvatarIsSkipped(t *testing.T) {
	t.Parallel()
	img := render(t, newRenderer(t), application.PosterSpec{QRContent: qrURL, AvatarImage: []byte("not an image"), NicknameText: "x"})
	if got := decodeQR(t, img, defaultBox); got != qrURL {
		t.Errorf("QR decodes to %q", got)
	}
}

// TestQRScansWhateverTheContent renders the default poster for many invite QR URLs:
// the code must scan every time, not only for the one URL the other tests use (a
// symbol stretched to the box, with modules of unequal width, failed one in four).
func TestQRScansWhateverTheContent(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	rng := rand.New(rand.NewPCG(7, 11))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for i := range 100 {
		ticket := make([]byte, 22) // the shape of WeChat's (and the emulator's) QR URLs
		for j := range ticket {
			ticket[j] = alphabet[rng.IntN(len(alphabet))]
		}
		content := "http://weixin.qq.com/q/" + string(ticket)
		img := render(t, r, application.PosterSpec{QRContent: content, NicknameText: "小明"})
		if got := decodeQR(t, img, defaultBox); got != content {
			t.Errorf("content %d: QR decodes to %q, want %q", i, got, content)
		}
	}
}
