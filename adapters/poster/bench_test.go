package poster_test

import (
	"context"
	"image/color"
	"slices"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

// benchRender renders spec b.N times and reports the p50/p99 latency and the
// output size next to ns/op.
func benchRender(b *testing.B, spec application.PosterSpec, cold bool) {
	r := newRenderer(b)
	ctx := context.Background()
	var size int
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		if cold {
			r = newRenderer(b) // nothing decoded yet
		}
		start := time.Now()
		p, err := r.Render(ctx, spec)
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		size = len(p.Data)
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*50/100].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[(len(times)*99)/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(size), "bytes")
}

// BenchmarkRenderBackground750x1334 is the figure: a photo-like JPEG
// background of 750×1334 with QR code, avatar and a Chinese nickname, the
// background already decoded (every poster of a campaign after the first).
func BenchmarkRenderBackground750x1334(b *testing.B) { benchRender(b, backgroundSpec(b), false) }

// BenchmarkRenderBackground750x1334Cold also decodes the background every time.
func BenchmarkRenderBackground750x1334Cold(b *testing.B) { benchRender(b, backgroundSpec(b), true) }

func backgroundSpec(b *testing.B) application.PosterSpec {
	return application.PosterSpec{
		Background: photo(b, "jpeg"), QRContent: qrURL,
		QR:     application.PosterBox{X: 225, Y: 900, Size: 300},
		Avatar: &application.PosterBox{X: 40, Y: 40, Size: 120}, AvatarImage: solidPNG(b, color.RGBA{G: 200, A: 255}, 132, 132),
		Nickname: &application.PosterText{X: 180, Y: 70, Size: 40, Color: "#ffffff"}, NicknameText: "王小明的邀请",
	}
}

// BenchmarkRenderDefault is the poster of a campaign without a background.
func BenchmarkRenderDefault(b *testing.B) {
	benchRender(b, application.PosterSpec{QRContent: qrURL, NicknameText: "王小明", AvatarImage: solidPNG(b, color.RGBA{G: 200, A: 255}, 132, 132)}, false)
}
