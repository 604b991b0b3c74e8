package domain_test

import (
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

func TestAccessTokenUsable(t *testing.T) {
	t.Parallel()
	exp := time.Date(2025, time.March, 1, 14, 0, 0, 0, time.UTC)
	const margin = 5 * time.Minute
	tests := []struct {
		name string
		tok  domain.AccessToken
		now  time.Time
		want bool
	}{
		{"well before", domain.AccessToken{Value: "t", ExpiresAt: exp}, exp.Add(-time.Hour), true},
		{"1ns before expiry-margin", domain.AccessToken{Value: "t", ExpiresAt: exp}, exp.Add(-margin - 1), true},
		{"exactly at expiry-margin", domain.AccessToken{Value: "t", ExpiresAt: exp}, exp.Add(-margin), false},
		{"inside margin", domain.AccessToken{Value: "t", ExpiresAt: exp}, exp.Add(-time.Minute), false},
		{"after expiry", domain.AccessToken{Value: "t", ExpiresAt: exp}, exp.Add(time.Hour), false},
		{"empty value", domain.AccessToken{ExpiresAt: exp}, exp.Add(-time.Hour), false},
		{"zero token", domain.AccessToken{}, exp, false},
	}
	for _, tt := range tests {
		if got := tt.tok.Usable(tt.now, margin); got != tt.want {
			t.Errorf("%s: Usable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
