package httpadapter

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// shareCard is what a page hands to static/share.js (as data attributes, since the
// page allows no inline script): the wx.config signature for this exact page and
// the card WeChat's share menu sends instead of the page itself.
type shareCard struct {
	Script    string // the JS-SDK (jweixin) URL
	AppID     string
	Timestamp int64
	NonceStr  string
	Signature string
	Link      string
	Title     string
	Desc      string
	ImgURL    string
}

// followPrompt asks a person who does not follow the account to follow it: the
// QR code is the account's code carrying their own scene, so scanning it follows
// the account (and, being their own, credits nobody).
type followPrompt struct {
	// QRContent is what the code encodes; pages mark the image with it so that
	// the emulator's in-WeChat browser can "recognise" it like WeChat does.
	QRContent string
}

// followQRWait bounds how long /me waits for the QR code's content.
const followQRWait = 1500 * time.Millisecond

// pageURL is the page's address as the browser sees it: the public base plus the
// request's path and query (WeChat signs exactly that, without any #fragment).
func (s *server) pageURL(r *http.Request) string {
	return s.cfg.PublicURL + r.URL.RequestURI()
}

// shareFor builds the share card of u's invite for the page being served; nil when
// sharing is not configured or the signature cannot be had (the page then works
// without it, and WeChat's menu shares the page as it is).
func (s *server) shareFor(r *http.Request, u domain.User) *shareCard {
	if s.svc.Share == nil || s.cfg.JSSDKScript == "" {
		return nil
	}
	sig, err := s.svc.Share.PageConfig(r.Context(), s.pageURL(r))
	if err != nil {
		LoggerFrom(r.Context()).Warn("no JS-SDK signature for the page; WeChat will share it without a card", "err", err)
		return nil
	}
	name := u.DisplayName()
	img := s.cfg.PublicURL + "/static/share.png"
	if a := httpsAvatar(u.AvatarURL); strings.HasPrefix(a, "https://") {
		img = a
	}
	return &shareCard{
		Script: s.cfg.JSSDKScript, AppID: sig.AppID, Timestamp: sig.Timestamp, NonceStr: sig.NonceStr, Signature: sig.Signature,
		Link:   s.inviteURL(u.InviteCode),
		Title:  name + " 邀请你一起加入",
		Desc:   "打开链接登录并关注公众号，就算接受了 " + name + " 的邀请。",
		ImgURL: img,
	}
}

// followFor is the follow prompt for u, nil when u follows.
func (s *server) followFor(r *http.Request, u domain.User) *followPrompt {
	if u.Following {
		return nil
	}
	p := &followPrompt{}
	// The picture itself comes from /me/qrcode.png; only its content is needed
	// here, and a slow WeChat must not hold the whole page.
	ctx, cancel := context.WithTimeout(r.Context(), followQRWait)
	defer cancel()
	if q, err := s.svc.QRCode.InviteQRCode(ctx, u.ID); err == nil {
		p.QRContent = q.URL
	}
	return p
}

// scriptOrigin is the scheme://host of an absolute script URL, for the page's
// Content-Security-Policy; "" for a same-origin path.
func scriptOrigin(src string) string {
	u, err := url.Parse(src)
	if err != nil || !u.IsAbs() {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
