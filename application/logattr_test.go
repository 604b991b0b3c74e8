package application_test

import (
	"testing"

	"github.com/wxinvite/wxinvite/application"
)

func TestOpenIDHash(t *testing.T) {
	// 6 bytes in hex are 12 characters.
	h := application.OpenIDHash("o_alice")
	if len(h) != 12 || h == application.OpenIDHash("o_bob") || h != application.OpenIDHash("o_alice") {
		t.Fatalf("hash %q: want 12 hex characters, stable, distinct per openid", h)
	}
	if a := application.OpenIDAttr("o_alice"); a.Key != "openid_hash" || a.Value.String() != h {
		t.Fatalf("attr %v", a)
	}
}
