package application

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// ShareConfigQuery builds the wx.config parameters of a page, so that WeChat's own
// share menu (发送给朋友 / 分享到朋友圈) sends the invite link with a title and a
// picture instead of the sharer's personal page.
type ShareConfigQuery struct {
	sdk    WeChatJSSDK
	clock  Clock
	random Random
}

// NewShareConfigQuery builds the query; random supplies the nonces (nil: crypto/rand).
func NewShareConfigQuery(sdk WeChatJSSDK, clock Clock, random Random) *ShareConfigQuery {
	if clock == nil {
		clock = SystemClock
	}
	if random == nil {
		random = SystemRandom
	}
	return &ShareConfigQuery{sdk: sdk, clock: clock, random: random}
}

// nonceAlphabet is what WeChat's own examples use for noncestr.
const nonceAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// PageConfig signs the absolute URL of the page being served (its #fragment, if
// any, dropped) at the current time with a fresh nonce. KindInvalid for a URL that
// is not absolute http(s); KindUnavailable when WeChat cannot give a ticket.
func (q *ShareConfigQuery) PageConfig(ctx context.Context, pageURL string) (PageSignature, error) {
	pageURL, _, _ = strings.Cut(pageURL, "#")
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return PageSignature{}, Errorf(KindInvalid, "invalid_page_url", err, "the page URL %q is not an absolute http(s) URL", pageURL)
	}
	b := make([]byte, 16)
	if _, err := io.ReadFull(q.random, b); err != nil {
		return PageSignature{}, fmt.Errorf("share config: nonce: %w", err)
	}
	for i := range b {
		b[i] = nonceAlphabet[int(b[i])%len(nonceAlphabet)]
	}
	return q.sdk.SignPage(ctx, pageURL, q.clock.Now().Unix(), string(b))
}
