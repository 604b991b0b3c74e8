package emulator

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

// WeChat error codes the emulator answers with. They are exported so tests
// of the service can name the case they provoke.
const (
	ErrCodeSystemBusy        = -1
	ErrCodeInvalidCredential = 40001 // wrong secret, unknown or superseded token
	ErrCodeInvalidGrantType  = 40002
	ErrCodeInvalidOpenID     = 40003
	ErrCodeInvalidAppID      = 40013
	ErrCodeInvalidOAuthCode  = 40029
	ErrCodeInvalidActionName = 40052
	ErrCodeInvalidActionInfo = 40053
	ErrCodeInvalidArgs       = 40097
	ErrCodeInvalidAppSecret  = 40125
	ErrCodeOAuthCodeUsed     = 40163
	ErrCodeTokenMissing      = 41001
	ErrCodeTokenExpired      = 42001
	ErrCodeOAuthCodeExpired  = 42003
	ErrCodeFreqOutOfLimit    = 45009
	ErrCodeDataFormat        = 47001
	ErrCodeAPIUnauthorized   = 48001
)

// wxError writes WeChat's error body. WeChat answers errors with HTTP 200.
func wxError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{
		"errcode": code,
		"errmsg":  fmt.Sprintf("%s rid: %s", msg, rid()),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// apiError writes the emulator's own (non-WeChat) JSON error, used by /api/*.
func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func rid() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b[:2]) + "-" + hex.EncodeToString(b[2:])
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randString returns n characters drawn uniformly from alphabet.
func randString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func randUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}
