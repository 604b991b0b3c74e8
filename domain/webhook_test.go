package domain_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

func TestNewWebhookEndpoint(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	key := bytes.Repeat([]byte{7}, domain.WebhookSecretBytes)
	tests := []struct {
		name  string
		url   string
		types []domain.WebhookEventType
		key   []byte
		valid bool
	}{
		{"https", "https://crm.example.com/hook", nil, key, true},
		{"http with port and filter", "http://10.0.0.1:8080/x", []domain.WebhookEventType{domain.EventInviteCreated}, key, true},
		{"ftp", "ftp://example.com/", nil, key, false},
		{"relative", "/hook", nil, key, false},
		{"no host", "http:///x", nil, key, false},
		{"credentials", "https://u:p@example.com/", nil, key, false},
		{"javascript", "javascript:alert(1)", nil, key, false},
		{"too long", "https://example.com/" + strings.Repeat("a", domain.MaxWebhookURLLength), nil, key, false},
		{"unknown type", "https://example.com/", []domain.WebhookEventType{"invite.deleted"}, key, false},
		{"short key", "https://example.com/", nil, key[:8], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := domain.NewWebhookEndpoint(tc.url, tc.types, tc.key, now)
			if !tc.valid {
				if !errors.Is(err, domain.ErrInvalidWebhook) {
					t.Fatalf("err = %v, want ErrInvalidWebhook", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !e.Enabled || !strings.HasPrefix(e.Secret, "whsec_") {
				t.Fatalf("endpoint %+v", e)
			}
			got, err := domain.WebhookSecretKey(e.Secret)
			if err != nil || !bytes.Equal(got, tc.key) {
				t.Fatalf("WebhookSecretKey = %x, %v; want %x", got, err, tc.key)
			}
		})
	}
}

func TestEndpointAccepts(t *testing.T) {
	key := bytes.Repeat([]byte{1}, domain.WebhookSecretBytes)
	all, _ := domain.NewWebhookEndpoint("https://a.example/", nil, key, time.Time{})
	some, _ := domain.NewWebhookEndpoint("https://a.example/", []domain.WebhookEventType{domain.EventRewardGranted, domain.EventRewardGranted}, key, time.Time{})
	if len(some.EventTypes) != 1 {
		t.Fatalf("duplicate filter kept: %v", some.EventTypes)
	}
	for _, typ := range domain.WebhookEventTypes {
		if !all.Accepts(typ) {
			t.Errorf("unfiltered endpoint refuses %s", typ)
		}
		if some.Accepts(typ) != (typ == domain.EventRewardGranted) {
			t.Errorf("filtered endpoint Accepts(%s) = %v", typ, some.Accepts(typ))
		}
	}
}

func TestWebhookSecretKeyRejects(t *testing.T) {
	for _, s := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!!"} {
		if _, err := domain.WebhookSecretKey(s); !errors.Is(err, domain.ErrInvalidWebhook) {
			t.Errorf("WebhookSecretKey(%q) err = %v", s, err)
		}
	}
}

func TestNextWebhookAttempt(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	for i, d := range want {
		next, ok := domain.NextWebhookAttempt(i+1, now)
		if !ok || !next.Equal(now.Add(d)) {
			t.Errorf("after attempt %d: %v %v, want +%v", i+1, next, ok, d)
		}
	}
	for _, n := range []int{0, 8, 9} {
		if _, ok := domain.NextWebhookAttempt(n, now); ok {
			t.Errorf("after attempt %d: still retrying", n)
		}
	}
}

func TestShouldDisable(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		since time.Time
		want  bool
	}{
		{time.Time{}, false},
		{now.Add(-domain.EndpointDisableAfter + time.Second), false},
		{now.Add(-domain.EndpointDisableAfter), true},
		{now.Add(-6 * 24 * time.Hour), true},
	}
	for _, tc := range tests {
		if got := domain.ShouldDisable(tc.since, now); got != tc.want {
			t.Errorf("ShouldDisable(%v) = %v, want %v", tc.since, got, tc.want)
		}
	}
}

func TestWebhookSucceeded(t *testing.T) {
	for code, want := range map[int]bool{199: false, 200: true, 204: true, 299: true, 300: false, 302: false, 500: false, 0: false} {
		if domain.WebhookSucceeded(code) != want {
			t.Errorf("WebhookSucceeded(%d) != %v", code, want)
		}
	}
}
