package wechat

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
)

// openIDAttr logs an openid as a short hash: enough to follow one person through the
// logs, not enough to identify them from a log file.
func openIDAttr(openID string) slog.Attr {
	sum := sha256.Sum256([]byte(openID))
	return slog.String("openid_hash", hex.EncodeToString(sum[:6]))
}
