package wechat

import (
	"strconv"
	"strings"

	"github.com/wxinvite/wxinvite/domain"
)

// sceneFromEventKey extracts the scene from a push. A subscribe through a QR code
// carries "qrscene_<scene>"; a SCAN by an existing follower carries "<scene>" alone.
// Numeric keys become numeric scenes. ok is false when the push carries no scene (a
// plain follow, the "qrscene_0" of a code created without a scene object, or
// another event). This format is WeChat's, so it lives in the WeChat adapter.
func sceneFromEventKey(event, key string) (s domain.Scene, ok bool) {
	switch strings.ToLower(event) {
	case "subscribe":
		var found bool
		key, found = strings.CutPrefix(key, "qrscene_")
		if !found {
			return domain.Scene{}, false
		}
	case "scan":
	default:
		return domain.Scene{}, false
	}
	if key == "" || key == "0" || len(key) > domain.MaxSceneStrLength {
		return domain.Scene{}, false
	}
	if n, err := strconv.ParseUint(key, 10, 32); err == nil {
		return domain.Scene{ID: uint32(n)}, true
	}
	return domain.Scene{Str: key}, true
}
