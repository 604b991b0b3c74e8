package poster

import (
	_ "embed"
	"fmt"
	"image"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/wxinvite/wxinvite/application"
)

// cjkFont is WenQuanYi Micro Hei (Apache-2.0) subset to ASCII, common symbols and
// the 3,755 level-1 GB2312 hanzi; see fonts/NOTICE.txt.
//
//go:embed fonts/wqy-microhei-gb1.ttf
var cjkFont []byte

// missingGlyph stands in for a character the font does not have (an emoji, a rare
// hanzi), so a nickname keeps its length instead of silently losing letters.
const missingGlyph = '□'

// fontSet is the parsed font; faces are made per drawing because a font.Face is
// not safe for concurrent use.
type fontSet struct {
	font *opentype.Font
	bufs sync.Pool // *sfnt.Buffer for glyph lookups
}

var (
	parsedOnce sync.Once
	parsed     *fontSet
	parseErr   error
)

func loadFonts() (*fontSet, error) {
	parsedOnce.Do(func() {
		f, err := opentype.Parse(cjkFont)
		if err != nil {
			parseErr = fmt.Errorf("poster: embedded font: %w", err)
			return
		}
		parsed = &fontSet{font: f, bufs: sync.Pool{New: func() any { return new(sfnt.Buffer) }}}
	})
	return parsed, parseErr
}

// hasGlyph reports whether the font draws r.
func (fs *fontSet) hasGlyph(r rune) bool {
	buf := fs.bufs.Get().(*sfnt.Buffer)
	defer fs.bufs.Put(buf)
	i, err := fs.font.GlyphIndex(buf, r)
	return err == nil && i != 0
}

// printable replaces characters the font lacks with missingGlyph and drops
// control and zero-width characters, which draw nothing useful.
func (fs *fontSet) printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || r == 0x200d || (r >= 0xfe00 && r <= 0xfe0f):
			continue
		case fs.hasGlyph(r):
			b.WriteRune(r)
		default:
			b.WriteRune(missingGlyph)
		}
	}
	return b.String()
}

func (fs *fontSet) face(size int) (font.Face, error) {
	return opentype.NewFace(fs.font, &opentype.FaceOptions{Size: float64(size), DPI: 72, Hinting: font.HintingNone})
}

// drawText sets one line with its top-left corner at (X, Y), shortened with an
// ellipsis when it would run past the right edge.
func (r *Renderer) drawText(dst *image.RGBA, t application.PosterText, text string) error {
	if t.Size <= 0 || t.Size > 400 {
		return invalid("text size %d is outside 1..400", t.Size)
	}
	if !image.Pt(t.X, t.Y).In(dst.Bounds()) {
		return invalid("the text position (%d,%d) is not inside the %d×%d background", t.X, t.Y, dst.Bounds().Dx(), dst.Bounds().Dy())
	}
	col, err := parseColor(t.Color)
	if err != nil {
		return err
	}
	face, err := r.fonts.face(t.Size)
	if err != nil {
		return fmt.Errorf("poster: font face: %w", err)
	}
	defer face.Close()
	d := &font.Drawer{Dst: dst, Src: image.NewUniform(col), Face: face}
	line := fit(d, r.fonts.printable(text), fixed.I(dst.Bounds().Dx()-t.X))
	d.Dot = fixed.P(t.X, t.Y+face.Metrics().Ascent.Ceil())
	d.DrawString(line)
	return nil
}

// fit shortens s with "…" until it is at most max wide.
func fit(d *font.Drawer, s string, max fixed.Int26_6) string {
	if d.MeasureString(s) <= max {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 {
		rs = rs[:len(rs)-1]
		if c := string(rs) + "…"; d.MeasureString(c) <= max {
			return c
		}
	}
	return ""
}

// centred draws s horizontally centred on the canvas with its top at y.
func (r *Renderer) centred(dst *image.RGBA, y, size int, hex, s string) {
	face, err := r.fonts.face(size)
	if err != nil {
		return
	}
	defer face.Close()
	col, _ := parseColor(hex)
	d := &font.Drawer{Dst: dst, Src: image.NewUniform(col), Face: face}
	s = fit(d, r.fonts.printable(s), fixed.I(dst.Bounds().Dx()))
	x := (fixed.I(dst.Bounds().Dx()) - d.MeasureString(s)) / 2
	d.Dot = fixed.Point26_6{X: x, Y: fixed.I(y) + face.Metrics().Ascent}
	d.DrawString(s)
}
