package application

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // registers JPEG for DecodeConfig
	_ "image/png"  // registers PNG for DecodeConfig
	"io"

	"github.com/wxinvite/wxinvite/domain"
)

// MaxPosterBackground is the largest accepted poster background, in bytes.
const MaxPosterBackground = 2 << 20

// MaxPosterPixels bounds a background's width and height, so a tiny file cannot
// claim a huge canvas.
const MaxPosterPixels = 4096

// PosterBackgroundService stores a campaign's poster background.
type PosterBackgroundService struct {
	campaigns CampaignRepository
	clock     Clock
}

// NewPosterBackgroundService builds the use case.
func NewPosterBackgroundService(campaigns CampaignRepository, clock Clock) *PosterBackgroundService {
	return &PosterBackgroundService{campaigns: campaigns, clock: clock}
}

// Put reads at most MaxPosterBackground bytes of body and stores it when it is a PNG
// or JPEG, judged by its content, not by what the client claims. Larger is
// KindTooLarge; anything else is KindUnsupported. ErrNotFound when no such campaign.
func (s *PosterBackgroundService) Put(ctx context.Context, id domain.CampaignID, body io.Reader) (PosterImage, error) {
	data, err := io.ReadAll(io.LimitReader(body, MaxPosterBackground+1))
	if err != nil {
		return PosterImage{}, Errorf(KindInvalid, "unreadable_body", err, "the body could not be read")
	}
	if len(data) > MaxPosterBackground {
		return PosterImage{}, Errorf(KindTooLarge, "too_large", nil, "the background is larger than %d bytes", MaxPosterBackground)
	}
	img, err := sniffPoster(data)
	if err != nil {
		return PosterImage{}, err
	}
	img.UpdatedAt = s.clock.Now()
	if err := s.campaigns.PutBackground(ctx, id, img); err != nil {
		return PosterImage{}, fmt.Errorf("poster background: %w", err)
	}
	return img, nil
}

// sniffPoster recognises PNG and JPEG by their signatures and checks the header parses.
func sniffPoster(data []byte) (PosterImage, error) {
	unsupported := func(cause error) (PosterImage, error) {
		return PosterImage{}, Errorf(KindUnsupported, "unsupported_media_type", cause, "the background must be a PNG or JPEG image")
	}
	var ctype string
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		ctype = "image/png"
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		ctype = "image/jpeg"
	default:
		return unsupported(nil)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+format != ctype {
		return unsupported(err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxPosterPixels || cfg.Height > MaxPosterPixels {
		return PosterImage{}, Errorf(KindInvalid, "invalid_background", nil, "the background must be at most %d×%d pixels", MaxPosterPixels, MaxPosterPixels)
	}
	return PosterImage{ContentType: ctype, Data: data, Width: cfg.Width, Height: cfg.Height}, nil
}
