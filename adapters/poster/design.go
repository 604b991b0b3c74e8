package poster

import (
	"image"
	"image/color"
	"sync"

	"golang.org/x/image/draw"

	"github.com/wxinvite/wxinvite/application"
)

// The default poster: 750×1334 (an iPhone-sized 2x screen), a warm band with a
// headline, a white card holding the QR code and a line telling what to do. The
// QR box matches the campaigns' default layout so a campaign without a background
// and without a layout looks right.
const (
	DefaultWidth  = 750
	DefaultHeight = 1334
)

var (
	defaultQR       = application.PosterBox{X: 225, Y: 900, Size: 300}
	defaultAvatar   = application.PosterBox{X: 315, Y: 340, Size: 120}
	defaultNickname = application.PosterText{X: 0, Y: 490, Size: 40, Color: "#333333"} // drawn centred

	defaultOnce sync.Once
	defaultBase *image.RGBA
)

// defaultBackground returns a fresh copy of the default design (drawn once).
func (r *Renderer) defaultBackground() *image.RGBA {
	defaultOnce.Do(func() {
		img := image.NewRGBA(image.Rect(0, 0, DefaultWidth, DefaultHeight))
		fill := func(rect image.Rectangle, c color.RGBA) {
			draw.Draw(img, rect, image.NewUniform(c), image.Point{}, draw.Src)
		}
		fill(img.Bounds(), color.RGBA{R: 0xfb, G: 0xf3, B: 0xe9, A: 255})
		fill(image.Rect(0, 0, DefaultWidth, 300), color.RGBA{R: 0xe8, G: 0x4a, B: 0x3c, A: 255})
		fill(image.Rect(60, 270, DefaultWidth-60, 1260), color.RGBA{R: 255, G: 255, B: 255, A: 255})
		r.centred(img, 110, 64, "#ffffff", "邀请好友 一起参加")
		r.centred(img, 590, 34, "#555555", "我正在参加活动，邀请你一起来")
		r.centred(img, 650, 30, "#888888", "关注公众号即可为我助力")
		fill(image.Rect(150, 760, DefaultWidth-150, 762), color.RGBA{R: 0xee, G: 0xe4, B: 0xd8, A: 255})
		r.centred(img, 800, 30, "#e84a3c", "扫码关注 · 为我助力")
		r.centred(img, 1210, 28, "#888888", "长按识别二维码，关注公众号")
		defaultBase = img
	})
	out := image.NewRGBA(defaultBase.Bounds())
	copy(out.Pix, defaultBase.Pix)
	return out
}

// withDefaultLayout places what the default design shows: the spec's QR box when
// it fits the default canvas, else the default one; avatar and nickname always.
func withDefaultLayout(spec application.PosterSpec) application.PosterSpec {
	if spec.QR.Size <= 0 || checkBox("qr", spec.QR, image.Rect(0, 0, DefaultWidth, DefaultHeight)) != nil {
		spec.QR = defaultQR
	}
	av, nick := defaultAvatar, defaultNickname
	spec.Avatar, spec.Nickname = &av, &nick
	return spec
}
