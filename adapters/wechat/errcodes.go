package wechat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/wxinvite/wxinvite/application"
)

// APIError is a non-zero errcode returned by the WeChat API. It is kept as a typed
// value inside the application error so that operators and tests can see exactly
// which endpoint said what (errors.As(err, &apiErr)), while use cases only look at
// the application kind.
type APIError struct {
	Endpoint string
	Code     int
	Msg      string
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("wechat %s: errcode %d: %s", e.Endpoint, e.Code, e.Msg)
}

// Endpoint names, used in errors and as the metrics label.
const (
	epToken       = "cgi-bin/token"
	epStableToken = "cgi-bin/stable_token"
	epQRCreate    = "cgi-bin/qrcode/create"
	epTicket      = "cgi-bin/ticket/getticket"
	epUserInfo    = "cgi-bin/user/info"
	epSNSToken    = "sns/oauth2/access_token"
	epSNSUserinfo = "sns/userinfo"
)

// WeChat errcodes this adapter treats specially (wechat-protocol.md §3–§6).
const (
	codeBusy            = -1
	codeInvalidCredit   = 40001 // wrong secret, or an invalid access_token
	codeInvalidUser     = 40003 // invalid openid
	codeInvalidToken    = 40014
	codeInvalidCode     = 40029
	codeInvalidAction   = 40053 // permanent QR quota used up
	codeCodeUsed        = 40163
	codeTokenExpired    = 42001
	codeCodeExpired     = 42003
	codeDailyQuota      = 45009
	codeMinuteQuota     = 45011
	codeScopeUnsupplied = 48001
)

// tokenRejected reports whether WeChat refused the access_token itself, which is
// fixed by fetching a new token rather than by giving up.
func tokenRejected(code int) bool {
	return code == codeInvalidCredit || code == codeInvalidToken || code == codeTokenExpired
}

// classify turns a raw failure of one call into the application error the ports
// promise. err is either an *APIError, an *httpStatusError or a transport error.
func classify(endpoint string, err error) error {
	if err == nil {
		return nil
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return application.Errorf(application.KindUnavailable, "wechat_unavailable", err, "WeChat %s is unreachable", endpoint)
	}
	switch {
	case tokenRejected(ae.Code):
		return application.Errorf(application.KindUnavailable, "wechat_token_rejected", err, "WeChat rejected the access token")
	case ae.Code == codeDailyQuota || ae.Code == codeMinuteQuota:
		return application.Errorf(application.KindUnavailable, "wechat_rate_limited", err, "WeChat %s quota exhausted", endpoint)
	case ae.Code == codeBusy:
		return application.Errorf(application.KindUnavailable, "wechat_busy", err, "WeChat is busy")
	case ae.Code == codeInvalidAction && endpoint == epQRCreate:
		return application.Errorf(application.KindConflict, "conflict", err, "the permanent QR code quota is used up")
	case ae.Code == codeInvalidCode || ae.Code == codeCodeUsed || ae.Code == codeCodeExpired:
		return application.Errorf(application.KindInvalid, "invalid_oauth_code", err, "the authorization code is invalid, used or expired")
	case ae.Code == codeScopeUnsupplied:
		return application.Errorf(application.KindInvalid, "scope", err, "the OAuth scope does not allow this call")
	case ae.Code == codeInvalidUser && endpoint == epUserInfo:
		return application.Errorf(application.KindNotFound, "not_found", err, "WeChat does not know this openid")
	}
	return application.Errorf(application.KindUnavailable, "wechat_error", err, "WeChat %s failed with errcode %d", endpoint, ae.Code)
}

// httpStatusError is a non-2xx answer from WeChat (or a proxy in front of it).
type httpStatusError struct {
	Endpoint string
	Status   int
}

// Error implements error.
func (e *httpStatusError) Error() string {
	return fmt.Sprintf("wechat %s: HTTP status %d", e.Endpoint, e.Status)
}

// errLabel is the bounded errcode label of a call's outcome for metrics.
func errLabel(err error) string {
	if err == nil {
		return "0"
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return strconv.Itoa(ae.Code)
	}
	var se *httpStatusError
	if errors.As(err, &se) {
		return "http_" + strconv.Itoa(se.Status)
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return "network"
}
