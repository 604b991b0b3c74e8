package application

import "context"

// PageSignature is what a page hands to wx.config so that WeChat lets it set the
// share card: WeChat recomputes Signature over its jsapi_ticket, NonceStr,
// Timestamp and the page's own URL and refuses the JS-SDK when they differ.
type PageSignature struct {
	AppID     string
	Timestamp int64
	NonceStr  string
	Signature string
}

// WeChatJSSDK signs pages for WeChat's JS-SDK with the account's jsapi_ticket, which
// it holds centrally like the access_token (one fetch per lifetime for all
// instances).
type WeChatJSSDK interface {
	// SignPage signs pageURL (any #fragment is dropped) with timestamp and nonce.
	// KindUnavailable when the ticket cannot be had.
	SignPage(ctx context.Context, pageURL string, timestamp int64, nonce string) (PageSignature, error)
}
