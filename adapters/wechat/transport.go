package wechat

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

// Callback trust (contract, "Callback trust"; wechat-protocol.md on signatures):
//
//   - The URL signature, sha1(sort(token, timestamp, nonce)), covers neither the body
//     nor anything that expires by itself: a callback URL copied from any log would
//     sign forged pushes forever. So every request, GET and POST, must carry a
//     timestamp within MaxClockSkew of our (injected) clock; older or future ones
//     are refused with 403. WeChat signs with its current time, and so does the
//     emulator.
//   - With an EncodingAESKey set (safe mode), only encrypt_type=aes with a valid
//     msg_signature, sha1(sort(token, timestamp, nonce, Encrypt)), is accepted:
//     the signature then binds the body, and a plaintext POST (no encrypt_type, or
//     raw) is refused with 403, or the key would protect nothing.
//   - Every refusal is logged and counted by reason (wxinvite_callback_refusals_total),
//     never with the body, and it writes nothing.

// refusal is a request turned away before anything is processed: the status it
// gets and the bounded reason it is logged and counted under.
type refusal struct {
	status int
	reason string
	err    error
}

// Error implements error.
func (r *refusal) Error() string { return fmt.Sprintf("%d %s: %v", r.status, r.reason, r.err) }

// Unwrap exposes the cause to errors.Is and errors.As.
func (r *refusal) Unwrap() error { return r.err }

// The reasons a request is refused; the metric's label values.
const (
	refuseNoSignature     = "no_signature"
	refuseBadSignature    = "bad_signature"
	refuseBadMsgSignature = "bad_msg_signature"
	refuseTimestamp       = "timestamp_out_of_window"
	refusePlaintext       = "plaintext_in_safe_mode"
	refuseEncryptType     = "unsupported_encrypt_type"
	refuseNoKey           = "encryption_not_configured"
	refuseTooLarge        = "body_too_large"
	refuseUnreadable      = "unreadable_body"
	refuseMalformed       = "malformed"
	refuseUndecryptable   = "undecryptable"
)

var refusalReasons = []string{
	refuseNoSignature, refuseBadSignature, refuseBadMsgSignature, refuseTimestamp,
	refusePlaintext, refuseEncryptType, refuseNoKey, refuseTooLarge, refuseUnreadable,
	refuseMalformed, refuseUndecryptable,
}

func refuse(status int, reason string, err error) *refusal {
	return &refusal{status: status, reason: reason, err: err}
}

// refuse answers a refused request, logs it (reason and cause, never the body) and
// counts it.
func (c *Callback) refuse(w http.ResponseWriter, r *http.Request, event string, ref *refusal) {
	c.metrics.refusals.WithLabelValues(ref.reason).Inc()
	c.metrics.deliveries.WithLabelValues(event, "rejected").Inc()
	c.log.WarnContext(r.Context(), "wechat callback refused", "method", r.Method, "reason", ref.reason, "status", ref.status, "err", ref.err)
	msg := "forbidden"
	if ref.status != http.StatusForbidden {
		msg = http.StatusText(ref.status)
	}
	http.Error(w, msg, ref.status)
}

// verifyURL answers the console's server check: echostr back when signed by us
// within the clock window.
func (c *Callback) verifyURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if ref := c.checkURL(q.Get("signature"), q.Get("timestamp"), q.Get("nonce")); ref != nil {
		c.refuse(w, r, "verify", ref)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, q.Get("echostr"))
}

// checkURL verifies the URL signature and the timestamp window.
func (c *Callback) checkURL(sig, ts, nonce string) *refusal {
	if sig == "" || ts == "" || nonce == "" {
		return refuse(http.StatusForbidden, refuseNoSignature, errors.New("no signature, timestamp or nonce"))
	}
	if !wxcrypto.Verify(sig, c.cfg.Token, ts, nonce) {
		return refuse(http.StatusForbidden, refuseBadSignature, errors.New("bad signature"))
	}
	return c.checkTimestamp(ts)
}

// checkTimestamp refuses a timestamp more than MaxClockSkew from now, either way.
func (c *Callback) checkTimestamp(ts string) *refusal {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return refuse(http.StatusForbidden, refuseTimestamp, fmt.Errorf("timestamp %q is not a number", truncate(ts, 16)))
	}
	skew := c.clock.Now().Sub(time.Unix(n, 0))
	if skew > MaxClockSkew || skew < -MaxClockSkew {
		return refuse(http.StatusForbidden, refuseTimestamp, fmt.Errorf("timestamp is %s from our clock", skew.Round(time.Second)))
	}
	return nil
}

// request is one authenticated, decoded push.
type request struct {
	msg       Message
	cipher    *wxcrypto.Cipher // the key that opened it; nil for plaintext
	timestamp string
	nonce     string
}

// decode authenticates and parses a POST. The URL is checked before the body is
// read; in safe mode msg_signature (checked once the body is read) binds the body.
func (c *Callback) decode(w http.ResponseWriter, r *http.Request) (request, *refusal) {
	q := r.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if ref := c.checkURL(q.Get("signature"), ts, nonce); ref != nil {
		return request{}, ref
	}
	aes := false
	switch encType := strings.ToLower(q.Get("encrypt_type")); encType {
	case "", "raw":
		if c.keys.Current != nil {
			return request{}, refuse(http.StatusForbidden, refusePlaintext, fmt.Errorf("encrypt_type %q with an EncodingAESKey set", truncate(encType, 16)))
		}
	case "aes":
		aes = true
		if q.Get("msg_signature") == "" {
			return request{}, refuse(http.StatusForbidden, refuseNoSignature, errors.New("no msg_signature"))
		}
	default:
		return request{}, refuse(http.StatusForbidden, refuseEncryptType, fmt.Errorf("encrypt_type %q", truncate(encType, 16)))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return request{}, refuse(http.StatusRequestEntityTooLarge, refuseTooLarge, err)
		}
		return request{}, refuse(http.StatusBadRequest, refuseUnreadable, err)
	}
	req := request{timestamp: ts, nonce: nonce}
	if !aes {
		if req.msg, err = ParseMessage(body); err != nil {
			return request{}, refuse(http.StatusBadRequest, refuseMalformed, err)
		}
		return req, nil
	}
	msg, cipher, ref := c.decrypt(body, q.Get("msg_signature"), ts, nonce)
	if ref != nil {
		return request{}, ref
	}
	req.msg, req.cipher = msg, cipher
	return req, nil
}

// decrypt opens a safe/compatible-mode body. Compatible-mode bodies also carry the
// plaintext fields; only the authenticated Encrypt part is trusted.
func (c *Callback) decrypt(body []byte, msgSig, ts, nonce string) (Message, *wxcrypto.Cipher, *refusal) {
	outer, err := decodeXML(body)
	if err != nil {
		return Message{}, nil, refuse(http.StatusBadRequest, refuseMalformed, err)
	}
	enc := strings.TrimSpace(outer.Encrypt)
	if enc == "" {
		return Message{}, nil, refuse(http.StatusBadRequest, refuseMalformed, fmt.Errorf("%w: no Encrypt element", errMalformed))
	}
	if !wxcrypto.Verify(msgSig, c.cfg.Token, ts, nonce, enc) {
		return Message{}, nil, refuse(http.StatusForbidden, refuseBadMsgSignature, errors.New("bad msg_signature"))
	}
	if c.keys.Current == nil {
		return Message{}, nil, refuse(http.StatusBadRequest, refuseNoKey, errors.New("encrypted push but no EncodingAESKey"))
	}
	plain, used, err := c.keys.Decrypt(enc)
	if err != nil {
		return Message{}, nil, refuse(http.StatusBadRequest, refuseUndecryptable, err)
	}
	msg, err := ParseMessage(plain)
	if err != nil {
		return Message{}, nil, refuse(http.StatusBadRequest, refuseMalformed, err)
	}
	if to := strings.TrimSpace(outer.ToUserName); to != msg.ToUserName {
		return Message{}, nil, refuse(http.StatusBadRequest, refuseMalformed,
			fmt.Errorf("%w: outer ToUserName %q, inner %q", errMalformed, truncate(to, 64), truncate(msg.ToUserName, 64)))
	}
	return msg, used, nil
}

// write sends the reply, encrypting it with the key that opened the request.
// "success" is always plaintext.
func (c *Callback) write(w http.ResponseWriter, req request, plain []byte) {
	if req.cipher == nil || string(plain) == string(successReply) {
		if string(plain) == string(successReply) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		}
		_, _ = w.Write(plain)
		return
	}
	enc, err := req.cipher.Encrypt(plain, nil)
	if err != nil {
		c.log.Error("cannot encrypt the passive reply; answering success", "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(successReply)
		return
	}
	sig := wxcrypto.Signature(c.cfg.Token, req.timestamp, req.nonce, enc)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write(encryptedReply(enc, sig, req.timestamp, req.nonce))
}
