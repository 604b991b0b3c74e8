package application_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"testing"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// specRenderer records what it was asked to draw.
type specRenderer struct{ got []application.PosterSpec }

func (r *specRenderer) Render(_ context.Context, spec application.PosterSpec) (application.Poster, error) {
	r.got = append(r.got, spec)
	return application.Poster{Data: []byte("img"), ContentType: "image/jpeg"}, nil
}

func TestPosterPreview(t *testing.T) {
	e := newCampaignEnv(t)
	c := e.mustCreate(twoTiers())
	rr := &specRenderer{}
	q := application.NewPosterPreviewQuery(e.store.Campaigns(), rr)
	ctx := context.Background()

	// No background yet, the stored layout: the default design with the sample person.
	if _, err := q.Preview(ctx, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	s := rr.got[0]
	if s.Background != nil || s.QR != application.PosterBox(domain.DefaultPoster.QR) || s.QRContent != application.PreviewQRContent ||
		s.NicknameText != application.PreviewNickname || len(s.AvatarImage) == 0 {
		t.Fatalf("spec %+v", s)
	}

	var bg bytes.Buffer
	_ = png.Encode(&bg, image.NewRGBA(image.Rect(0, 0, 300, 500)))
	if _, err := e.poster.Put(ctx, c.ID, bytes.NewReader(bg.Bytes())); err != nil {
		t.Fatal(err)
	}
	layout := domain.PosterLayout{QR: domain.PosterBox{X: 10, Y: 20, Size: 100}, Nickname: &domain.PosterText{X: 5, Y: 6, Size: 20, Color: "#112233"}}
	if _, err := q.Preview(ctx, c.ID, &layout); err != nil {
		t.Fatal(err)
	}
	s = rr.got[1]
	if !bytes.Equal(s.Background, bg.Bytes()) || s.QR != (application.PosterBox{X: 10, Y: 20, Size: 100}) || s.Avatar != nil ||
		s.Nickname == nil || *s.Nickname != (application.PosterText{X: 5, Y: 6, Size: 20, Color: "#112233"}) {
		t.Fatalf("spec with layout %+v", s)
	}
	// The layout is not saved by a preview.
	if got, _ := e.store.Campaigns().ByID(ctx, c.ID); got.Poster.QR.X == 10 {
		t.Fatal("a preview saved its layout")
	}

	bad := domain.PosterLayout{QR: domain.PosterBox{X: 1, Y: 1, Size: 0}}
	if _, err := q.Preview(ctx, c.ID, &bad); application.ErrorKind(err) != application.KindInvalid {
		t.Fatalf("bad layout: %v", err)
	}
	if _, err := q.Preview(ctx, 999, nil); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("unknown campaign: %v", err)
	}
	if len(rr.got) != 2 {
		t.Fatalf("%d renders, want 2 (refusals draw nothing)", len(rr.got))
	}
}
