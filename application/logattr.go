package application

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
)

// OpenIDHashKey is the log key every adapter uses for a hashed openid, so one person
// can be followed across the link path and the scan path.
const OpenIDHashKey = "openid_hash"

// OpenIDHash is how an openid appears in logs: the first 6 bytes of its SHA-256 in
// hex. Enough to follow one person through the logs, not enough to identify them
// from a log file. It is the one helper for every adapter.
func OpenIDHash(openID string) string {
	sum := sha256.Sum256([]byte(openID))
	return hex.EncodeToString(sum[:6])
}

// OpenIDAttr is OpenIDHash as a log attribute under OpenIDHashKey.
func OpenIDAttr(openID string) slog.Attr {
	return slog.String(OpenIDHashKey, OpenIDHash(openID))
}
