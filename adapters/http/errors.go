package httpadapter

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/wxinvite/wxinvite/application"
)

// statusByKind is the one table mapping application error kinds to HTTP statuses.
// Every handler goes through it; nothing else picks an error status.
var statusByKind = map[application.Kind]int{
	application.KindInvalid:      http.StatusBadRequest,
	application.KindNotFound:     http.StatusNotFound,
	application.KindConflict:     http.StatusConflict,
	application.KindUnauthorized: http.StatusUnauthorized,
	application.KindUnavailable:  http.StatusServiceUnavailable,
	application.KindInternal:     http.StatusInternalServerError,
	application.KindTooLarge:     http.StatusRequestEntityTooLarge,
	application.KindUnsupported:  http.StatusUnsupportedMediaType,
}

// statusOf returns the HTTP status for err according to statusByKind.
func statusOf(err error) int {
	if s, ok := statusByKind[application.ErrorKind(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// publicError is what a client may see of err: its stable code and safe message.
// Internal errors never show their cause.
func publicError(err error) (code, message string) {
	var e *application.Error
	if errors.As(err, &e) && e.Kind != application.KindInternal {
		return e.Code, e.Message
	}
	return "internal", "internal error"
}

// logFailure logs err at a level matching its status; 5xx carry the cause.
func logFailure(r *http.Request, status int, err error) {
	log := LoggerFrom(r.Context())
	switch {
	case status >= 500:
		log.Error("request failed", "status", status, "err", err)
	default:
		log.Debug("request refused", "status", status, "err", err)
	}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeAPIError answers an /api or /admin/api request with the JSON error shape.
func writeAPIError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	logFailure(r, status, err)
	code, msg := publicError(err)
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" && isAdminPath(r.URL.Path) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="wxinvite-admin"`)
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg}})
}

// writeJSON writes v as JSON with status; personal data is never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// errInvalidQuery reports a malformed query parameter.
func errInvalidQuery(code, msg string) error {
	return application.Errorf(application.KindInvalid, code, nil, "%s", msg)
}

var errAdminToken = application.Errorf(application.KindUnauthorized, "unauthorized", nil, "a valid admin bearer token is required")

var errNotFoundRoute = application.Errorf(application.KindNotFound, "not_found", nil, "no such endpoint")

var errMethod = &application.Error{Kind: application.KindInvalid, Code: "method_not_allowed", Message: "method not allowed"}
