package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type benchQR struct{}

func (benchQR) CreateQRCode(_ context.Context, req domain.QRRequest) (application.IssuedQRCode, error) {
	return application.IssuedQRCode{Ticket: "t-" + req.Scene.String(), URL: "http://weixin.qq.com/q/" + req.Scene.String()}, nil
}
func (benchQR) ImageURL(t string) string {
	return "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=" + t
}

type benchPoster struct{ renders, uploads atomic.Int64 }

func (p *benchPoster) Render(context.Context, application.PosterSpec) (application.Poster, error) {
	p.renders.Add(1)
	return application.Poster{Data: []byte("jpeg"), ContentType: "image/jpeg"}, nil
}

func (p *benchPoster) UploadImage(context.Context, string, []byte) (string, error) {
	return fmt.Sprint("media-", p.uploads.Add(1)), nil
}

// BenchmarkPosterMediaCached measures the poster's cached path, what a user asking
// again pays inside the callback: user, design, invite QR code and the media cache
// read from the store, no render, no upload.
func BenchmarkPosterMediaCached(b *testing.B) {
	benchDatabases(b, func(b *testing.B, db *sqlstore.DB) {
		ctx := context.Background()
		u, err := db.Users().Create(ctx, newTestUser("oPosterBench"))
		if err != nil {
			b.Fatal(err)
		}
		fake := &benchPoster{}
		svc := application.NewPosterService(application.PosterDeps{
			Users: db.Users(), QRCodes: application.NewInviteQRCodeService(db.Users(), db.QRCodes(), benchQR{}, application.SystemClock, application.DefaultQRPolicy),
			Renderer: fake, Media: fake, Cache: db.Chat(), Clock: application.SystemClock,
		})
		first, err := svc.MediaID(ctx, u.ID)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			id, err := svc.MediaID(ctx, u.ID)
			if err != nil || id != first {
				b.Fatalf("MediaID = %q, %v; want the cached %q", id, err, first)
			}
		}
		if fake.uploads.Load() != 1 || fake.renders.Load() != 1 {
			b.Fatalf("%d renders, %d uploads; the cached path rendered or uploaded", fake.renders.Load(), fake.uploads.Load())
		}
	})
}
