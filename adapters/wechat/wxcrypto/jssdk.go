package wxcrypto

import (
	"crypto/sha1" //nolint:gosec // SHA-1 is what the JS-SDK protocol mandates.
	"encoding/hex"
	"strconv"
	"strings"
)

// JSSDKSignature signs a page for wx.config. It exists because the JS-SDK does not
// use the callback's sorted-concatenation rule: the four fields are sorted by NAME
// (jsapi_ticket, noncestr, timestamp, url), joined as key=value&… with raw, not
// URL-escaped values, then SHA-1 → lowercase hex. pageURL must already be without
// its #fragment (PageURL does that); it includes the query.
func JSSDKSignature(ticket, nonceStr string, timestamp int64, pageURL string) string {
	s := "jsapi_ticket=" + ticket + "&noncestr=" + nonceStr + "&timestamp=" + strconv.FormatInt(timestamp, 10) + "&url=" + pageURL
	sum := sha1.Sum([]byte(s)) //nolint:gosec // protocol-mandated
	return hex.EncodeToString(sum[:])
}

// PageURL is the URL a page is signed for: everything before the first '#'.
func PageURL(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}
