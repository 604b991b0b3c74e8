package webhook_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/wxinvite/wxinvite/adapters/webhook"
)

// The Standard Webhooks specification's published example: secret, id, timestamp
// and body, and the signature every implementation must produce for them.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignSpecVector(t *testing.T) {
	got, err := webhook.Sign(specSecret, specID, time.Unix(specTimestamp, 0), []byte(specBody))
	if err != nil {
		t.Fatal(err)
	}
	if got != specSignature {
		t.Fatalf("Sign = %s, want %s", got, specSignature)
	}
}

// The reference Go library (an independent implementation) verifies our signatures,
// and rejects them when any signed part changes.
func TestSignVerifiedByReferenceLibrary(t *testing.T) {
	now := time.Now()
	secret := "whsec_" + "c2VjcmV0LWtleS1vZi0yNC1ieXRlcyE="
	body := []byte(`{"type":"invite.created","timestamp":"2026-12-01T10:00:00Z","data":{"nickname":"小明"}}`)
	sig, err := webhook.Sign(secret, "msg_abc", now, body)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	headers := func(id string, ts time.Time) http.Header {
		h := http.Header{}
		h.Set(webhook.HeaderID, id)
		h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		h.Set(webhook.HeaderSignature, sig)
		return h
	}
	if err := wh.Verify(body, headers("msg_abc", now)); err != nil {
		t.Fatalf("reference library rejects our signature: %v", err)
	}
	for name, tc := range map[string]struct {
		body []byte
		h    http.Header
	}{
		"other body":      {[]byte(`{"type":"invite.created"}`), headers("msg_abc", now)},
		"other id":        {body, headers("msg_abd", now)},
		"other timestamp": {body, headers("msg_abc", now.Add(time.Second))},
	} {
		if err := wh.Verify(tc.body, tc.h); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	other, _ := standardwebhooks.NewWebhook("whsec_" + "b3RoZXIta2V5LW9mLTI0LWJ5dGVzISE=")
	if err := other.Verify(body, headers("msg_abc", now)); err == nil {
		t.Error("verified with another secret")
	}
}

func TestSignRejectsBadSecret(t *testing.T) {
	for _, s := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_***"} {
		if _, err := webhook.Sign(s, "msg_1", time.Unix(1, 0), nil); err == nil {
			t.Errorf("Sign with secret %q succeeded", s)
		}
	}
}
