package poster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

// Avatar fetch bounds: a WeChat head image is at most 640×640 and tens of KB.
const (
	avatarTimeout  = 2 * time.Second
	maxAvatarBytes = 1 << 20
)

// AvatarFetcher downloads head images for posters (application.AvatarSource).
type AvatarFetcher struct {
	http *http.Client
}

var _ application.AvatarSource = (*AvatarFetcher)(nil)

// NewAvatarFetcher returns a fetcher using hc (nil: a client with a 2 s timeout).
func NewAvatarFetcher(hc *http.Client) *AvatarFetcher {
	if hc == nil {
		hc = &http.Client{Timeout: avatarTimeout}
	}
	return &AvatarFetcher{http: hc}
}

// Avatar implements application.AvatarSource: an http(s) GET of at most 1 MiB.
func (f *AvatarFetcher) Avatar(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("avatar: %q is not an http(s) URL", raw)
	}
	ctx, cancel := context.WithTimeout(ctx, avatarTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("avatar: %w", err)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("avatar: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("avatar: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAvatarBytes+1))
	if err != nil {
		return nil, fmt.Errorf("avatar: %w", err)
	}
	if len(data) > maxAvatarBytes {
		return nil, fmt.Errorf("avatar: over %d bytes", maxAvatarBytes)
	}
	return data, nil
}
