package application

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// PosterDesign is what posters look like at a moment: the running campaign's
// background and layout, or the default design when no campaign runs or it has
// no background.
type PosterDesign struct {
	// Campaign is the running campaign's id, 0 for none.
	Campaign int64
	// Version changes whenever the design does (background or layout), so a
	// cached upload of an older design is never sent.
	Version    string
	Background []byte // nil: the default design
	QR         PosterBox
	Avatar     *PosterBox
	Nickname   *PosterText
}

// PosterDesigns tells the current poster design.
type PosterDesigns interface {
	// PosterDesign returns the design in force at at.
	PosterDesign(ctx context.Context, at time.Time) (PosterDesign, error)
}

// DefaultPosterDesign is PosterDesigns when campaigns are not wired in: always the
// default design.
type DefaultPosterDesign struct{}

// PosterDesign implements PosterDesigns.
func (DefaultPosterDesign) PosterDesign(context.Context, time.Time) (PosterDesign, error) {
	return PosterDesign{Version: "default"}, nil
}

// AvatarSource fetches a user's head image for the poster.
type AvatarSource interface {
	// Avatar returns the image at url; any failure means "no avatar".
	Avatar(ctx context.Context, url string) ([]byte, error)
}

// posterTimeout bounds one shared render-and-upload, detached from the first
// caller's request so its waiters are not failed by it leaving.
const posterTimeout = 30 * time.Second

// PosterService makes a user's personal poster and its WeChat media_id. A media_id
// is cached per (user, campaign, poster version) and reused while younger than
// domain.PosterMediaMaxAge, so a user asking ten times costs one upload; concurrent
// asks in one process share one render and upload.
type PosterService struct {
	PosterDeps
	flight flight[string]
	wg     sync.WaitGroup
}

// PosterDeps are the ports the poster use case needs.
type PosterDeps struct {
	Users    UserRepository
	QRCodes  *InviteQRCodeService
	Designs  PosterDesigns // nil: DefaultPosterDesign
	Avatars  AvatarSource  // nil: no avatars
	Renderer PosterRenderer
	Media    WeChatMedia
	Cache    PosterMediaCache
	Kefu     WeChatKefu
	Windows  KefuWindows
	Clock    Clock
}

// NewPosterService builds the use case.
func NewPosterService(d PosterDeps) *PosterService {
	if d.Designs == nil {
		d.Designs = DefaultPosterDesign{}
	}
	if d.Clock == nil {
		d.Clock = SystemClock
	}
	return &PosterService{PosterDeps: d}
}

// posterInput is everything one poster is drawn from.
type posterInput struct {
	user   domain.User
	design PosterDesign
	qrURL  string
}

func (s *PosterService) input(ctx context.Context, userID domain.UserID) (posterInput, error) {
	u, err := s.Users.ByID(ctx, userID)
	if err != nil {
		return posterInput{}, err
	}
	design, err := s.Designs.PosterDesign(ctx, s.Clock.Now())
	if err != nil {
		return posterInput{}, err
	}
	qr, err := s.QRCodes.InviteQRCode(ctx, userID)
	if err != nil {
		return posterInput{}, err
	}
	return posterInput{user: u, design: design, qrURL: qr.URL}, nil
}

// key names the poster: it changes with the design, the QR code (a re-issued
// temporary code), the nickname and the avatar.
func (in posterInput) key() domain.PosterKey {
	h := sha256.New()
	for _, part := range []string{in.design.Version, in.qrURL, in.user.Nickname, in.user.AvatarURL} {
		fmt.Fprintf(h, "%d:%s|", len(part), part)
	}
	return domain.PosterKey{UserID: in.user.ID, Campaign: in.design.Campaign, Version: hex.EncodeToString(h.Sum(nil))[:32]}
}

// Render draws the user's current poster.
func (s *PosterService) Render(ctx context.Context, userID domain.UserID) (Poster, error) {
	in, err := s.input(ctx, userID)
	if err != nil {
		return Poster{}, err
	}
	return s.render(ctx, in)
}

func (s *PosterService) render(ctx context.Context, in posterInput) (Poster, error) {
	spec := PosterSpec{
		Background: in.design.Background, QR: in.design.QR, Avatar: in.design.Avatar, Nickname: in.design.Nickname,
		QRContent: in.qrURL, NicknameText: in.user.Nickname,
	}
	if s.Avatars != nil && in.user.AvatarURL != "" && (spec.Avatar != nil || spec.Background == nil) {
		if img, err := s.Avatars.Avatar(ctx, in.user.AvatarURL); err == nil {
			spec.AvatarImage = img
		}
	}
	return s.Renderer.Render(ctx, spec)
}

// MediaID returns a media_id of the user's current poster, uploading it only when
// no reusable upload is cached.
func (s *PosterService) MediaID(ctx context.Context, userID domain.UserID) (string, error) {
	in, err := s.input(ctx, userID)
	if err != nil {
		return "", err
	}
	key := in.key()
	flightKey := strconv.FormatInt(int64(key.UserID), 10) + "/" + strconv.FormatInt(key.Campaign, 10) + "/" + key.Version
	return s.flight.do(flightKey, func() (string, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), posterTimeout)
		defer cancel()
		now := s.Clock.Now()
		if m, err := s.Cache.PosterMedia(ctx, key, domain.PosterMediaCutoff(now)); err == nil {
			return m.MediaID, nil
		} else if !IsKind(err, KindNotFound) {
			return "", err
		}
		p, err := s.render(ctx, in)
		if err != nil {
			return "", err
		}
		ext := ".jpg"
		if p.ContentType == "image/png" {
			ext = ".png"
		}
		id, err := s.Media.UploadImage(ctx, "poster-"+strconv.FormatInt(int64(key.UserID), 10)+ext, p.Data)
		if err != nil {
			return "", err
		}
		// Stamped with the instant before the upload: the cache never outlives WeChat's copy.
		if err := s.Cache.PutPosterMedia(ctx, domain.PosterMedia{Key: key, MediaID: id, UploadedAt: now}); err != nil {
			return "", err
		}
		return id, nil
	})
}

// PosterAnswer is how to answer a request for the poster inside a callback.
type PosterAnswer struct {
	// MediaID is set when the poster is ready: reply with it as a passive image.
	MediaID string
	// Later is true when it was not ready in time: reply with a short text; the
	// image follows as a kefu message if the user's window allows one.
	Later bool
}

// PosterReply gets the user's poster media_id within wait. If that is not enough,
// it answers Later and keeps going in the background; when the upload finishes it
// sends the image as a kefu message, spending one message of the user's budget
// (no budget: nothing is sent; the upload stays cached for the next ask). done,
// if not nil, hears how the background part ended.
func (s *PosterService) PosterReply(ctx context.Context, userID domain.UserID, wait time.Duration, done func(error)) (PosterAnswer, error) {
	type result struct {
		id  string
		err error
	}
	ch := make(chan result, 1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		id, err := s.MediaID(context.WithoutCancel(ctx), userID)
		ch <- result{id, err}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case r := <-ch:
		return PosterAnswer{MediaID: r.id}, r.err
	case <-timer.C:
	case <-ctx.Done():
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		r := <-ch
		err := r.err
		if err == nil {
			err = s.sendLater(context.WithoutCancel(ctx), userID, r.id)
		}
		if done != nil {
			done(err)
		}
	}()
	return PosterAnswer{Later: true}, nil
}

func (s *PosterService) sendLater(ctx context.Context, userID domain.UserID, mediaID string) error {
	u, err := s.Users.ByID(ctx, userID)
	if err != nil {
		return err
	}
	granted, err := s.Windows.Consume(ctx, userID, s.Clock.Now())
	if err != nil || !granted {
		return err
	}
	return s.Kefu.SendImage(ctx, u.OpenID, mediaID)
}

// Wait blocks until background poster work has finished (shutdown, tests).
func (s *PosterService) Wait() { s.wg.Wait() }
