package wechat

import (
	"math"
	"strings"
	"testing"

	"github.com/wxinvite/wxinvite/domain"
)

func TestActionName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  domain.QRKind
		scene domain.Scene
		want  string
	}{
		{domain.QRTemporary, domain.Scene{ID: 7}, "QR_SCENE"},
		{domain.QRTemporary, domain.Scene{Str: "s"}, "QR_STR_SCENE"},
		{domain.QRPermanent, domain.Scene{ID: 7}, "QR_LIMIT_SCENE"},
		{domain.QRPermanent, domain.Scene{Str: "s"}, "QR_LIMIT_STR_SCENE"},
	}
	for _, tt := range tests {
		if got := actionName(tt.kind, tt.scene); got != tt.want {
			t.Errorf("ActionName(%s, %+v) = %q, want %q", tt.kind, tt.scene, got, tt.want)
		}
	}
}

func TestSceneFromEventKey(t *testing.T) {
	t.Parallel()
	long64 := strings.Repeat("k", 64)
	long65 := strings.Repeat("k", 65)
	tests := []struct {
		name  string
		event string
		key   string
		want  domain.Scene
		ok    bool
	}{
		{"subscribe invite str", "subscribe", "qrscene_inv_x", domain.Scene{Str: "inv_x"}, true},
		{"subscribe numeric", "subscribe", "qrscene_123", domain.Scene{ID: 123}, true},
		{"subscribe scene 0", "subscribe", "qrscene_0", domain.Scene{}, false},
		{"subscribe empty key", "subscribe", "", domain.Scene{}, false},
		{"subscribe prefix only", "subscribe", "qrscene_", domain.Scene{}, false},
		{"subscribe without prefix", "subscribe", "inv_x", domain.Scene{}, false},
		{"subscribe numeric without prefix", "subscribe", "123", domain.Scene{}, false},
		{"SCAN str", "SCAN", "inv_x", domain.Scene{Str: "inv_x"}, true},
		{"SCAN numeric", "SCAN", "42", domain.Scene{ID: 42}, true},
		{"scan lowercase", "scan", "42", domain.Scene{ID: 42}, true},
		{"Subscribe capitalised", "Subscribe", "qrscene_inv_x", domain.Scene{Str: "inv_x"}, true},
		{"SUBSCRIBE upper", "SUBSCRIBE", "qrscene_7", domain.Scene{ID: 7}, true},
		{"SCAN empty", "SCAN", "", domain.Scene{}, false},
		{"SCAN 0", "SCAN", "0", domain.Scene{}, false},
		{"unsubscribe", "unsubscribe", "qrscene_inv_x", domain.Scene{}, false},
		{"CLICK", "CLICK", "42", domain.Scene{}, false},
		{"empty event", "", "qrscene_1", domain.Scene{}, false},
		{"SCAN 64 chars", "SCAN", long64, domain.Scene{Str: long64}, true},
		{"SCAN 65 chars", "SCAN", long65, domain.Scene{}, false},
		{"subscribe 64 chars", "subscribe", "qrscene_" + long64, domain.Scene{Str: long64}, true},
		{"subscribe 65 chars", "subscribe", "qrscene_" + long65, domain.Scene{}, false},
		{"max uint32", "SCAN", "4294967295", domain.Scene{ID: math.MaxUint32}, true},
		{"too big for uint32", "SCAN", "4294967296", domain.Scene{Str: "4294967296"}, true},
		{"negative stays string", "SCAN", "-1", domain.Scene{Str: "-1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := sceneFromEventKey(tt.event, tt.key)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("sceneFromEventKey(%q, %q) = %+v, %v; want %+v, %v", tt.event, tt.key, got, ok, tt.want, tt.ok)
			}
		})
	}
}
