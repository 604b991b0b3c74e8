package observability

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/wxinvite/wxinvite/application"
)

// NewLogger returns a JSON slog logger at the given level ("debug", "info", "warn",
// "error"); JSON because operators ship logs to a collector, not to a terminal.
func NewLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	return slog.New(requestIDHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})}), nil
}

// requestIDHandler adds the request id carried by the context to every line logged
// with one (the *Context methods), whichever adapter logs it. A logger that already
// has a request_id attribute (the HTTP adapter's per-request logger) is left alone.
type requestIDHandler struct {
	slog.Handler
	has bool
}

// Handle implements slog.Handler.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if !h.has {
		if id := application.RequestIDFrom(ctx); id != "" {
			r.AddAttrs(slog.String("request_id", id))
		}
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	has := h.has
	for _, a := range as {
		has = has || a.Key == "request_id"
	}
	return requestIDHandler{Handler: h.Handler.WithAttrs(as), has: has}
}

// WithGroup implements slog.Handler.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{Handler: h.Handler.WithGroup(name), has: h.has}
}
