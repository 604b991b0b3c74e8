package application

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"

	"github.com/wxinvite/wxinvite/domain"
)

// PreviewQRContent is what the preview's QR code encodes: nobody's invite, so a
// scan of an editor's screenshot credits no one.
const PreviewQRContent = "wxinvite poster preview"

// PreviewNickname is the sample name on a preview.
const PreviewNickname = "示例昵称"

// PosterPreviewQuery renders a campaign's poster for the console's editor with the
// service's own renderer, a layout that may not be saved yet, and a sample person,
// so the operator sees exactly what participants will get.
type PosterPreviewQuery struct {
	campaigns CampaignRepository
	renderer  PosterRenderer
}

// NewPosterPreviewQuery builds the query.
func NewPosterPreviewQuery(campaigns CampaignRepository, renderer PosterRenderer) *PosterPreviewQuery {
	return &PosterPreviewQuery{campaigns: campaigns, renderer: renderer}
}

// Preview draws campaign id's poster with layout (the campaign's own when nil). A
// layout that breaks a rule is KindInvalid naming the field (as saving it would
// be); ErrNotFound when there is no such campaign. Without a background the
// renderer's default design is drawn, which places the parts itself.
func (q *PosterPreviewQuery) Preview(ctx context.Context, id domain.CampaignID, layout *domain.PosterLayout) (Poster, error) {
	c, err := q.campaigns.ByID(ctx, id)
	if err != nil {
		return Poster{}, fmt.Errorf("poster preview: %w", err)
	}
	if layout != nil {
		c.Poster = *layout
		if err := c.Validate(); err != nil {
			return Poster{}, campaignError(err)
		}
	}
	spec := PosterSpec{QR: PosterBox(c.Poster.QR), QRContent: PreviewQRContent, NicknameText: PreviewNickname, AvatarImage: sampleAvatar()}
	if a := c.Poster.Avatar; a != nil {
		b := PosterBox(*a)
		spec.Avatar = &b
	}
	if n := c.Poster.Nickname; n != nil {
		t := PosterText(*n)
		spec.Nickname = &t
	}
	bg, err := q.campaigns.Background(ctx, id)
	switch {
	case err == nil:
		spec.Background = bg.Data
	case !errors.Is(err, ErrNotFound):
		return Poster{}, fmt.Errorf("poster preview: background: %w", err)
	}
	p, err := q.renderer.Render(ctx, spec)
	if err != nil {
		return Poster{}, fmt.Errorf("poster preview: %w", err)
	}
	return p, nil
}

var (
	sampleAvatarOnce sync.Once
	sampleAvatarPNG  []byte
)

// sampleAvatar is a plain grey head image, so the avatar's place shows.
func sampleAvatar() []byte {
	sampleAvatarOnce.Do(func() {
		img := image.NewRGBA(image.Rect(0, 0, 132, 132))
		for y := 0; y < 132; y++ {
			for x := 0; x < 132; x++ {
				img.Set(x, y, color.RGBA{R: 0x9c, G: 0xa3, B: 0xaf, A: 0xff})
			}
		}
		var b bytes.Buffer
		_ = png.Encode(&b, img)
		sampleAvatarPNG = b.Bytes()
	})
	return sampleAvatarPNG
}
