package observability

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// NewLogger returns a JSON slog logger at the given level ("debug", "info", "warn",
// "error"); JSON because operators ship logs to a collector, not to a terminal.
func NewLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// OpenIDAttr logs an openid as a short hash: enough to correlate lines about one
// person, not enough to identify them from a log file.
func OpenIDAttr(openID string) slog.Attr {
	sum := sha256.Sum256([]byte(openID))
	return slog.String("openid_hash", hex.EncodeToString(sum[:6]))
}
