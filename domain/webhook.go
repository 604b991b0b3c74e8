package domain

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// WebhookEventType names what a webhook message reports.
type WebhookEventType string

// The event types of the contract.
const (
	EventUserFollowed    WebhookEventType = "user.followed"
	EventUserUnfollowed  WebhookEventType = "user.unfollowed"
	EventInviteCreated   WebhookEventType = "invite.created"
	EventInviteQualified WebhookEventType = "invite.qualified"
	EventInviteRevoked   WebhookEventType = "invite.revoked"
	EventRewardGranted   WebhookEventType = "reward.granted"
)

// WebhookEventTypes lists every type an endpoint may subscribe to.
var WebhookEventTypes = []WebhookEventType{
	EventUserFollowed, EventUserUnfollowed, EventInviteCreated,
	EventInviteQualified, EventInviteRevoked, EventRewardGranted,
}

// Validate reports whether t is a known event type.
func (t WebhookEventType) Validate() error {
	for _, k := range WebhookEventTypes {
		if k == t {
			return nil
		}
	}
	return fmt.Errorf("%w: unknown event type %q", ErrInvalidWebhook, string(t))
}

// WebhookEndpointID identifies an endpoint.
type WebhookEndpointID int64

// WebhookEndpoint is a receiver the operator registered. EventTypes filters what it
// gets; an empty filter means every type.
type WebhookEndpoint struct {
	ID         WebhookEndpointID
	URL        string
	EventTypes []WebhookEventType
	Secret     string
	Enabled    bool
	// DisabledReason says why the service turned the endpoint off (empty while enabled).
	DisabledReason string
	// FailingSince is the start of the current run of failed attempts (zero when the
	// last attempt succeeded): the basis of EndpointDisableAfter.
	FailingSince time.Time
	CreatedAt    time.Time
}

// WebhookSecretPrefix starts every signing secret (Standard Webhooks).
const WebhookSecretPrefix = "whsec_"

// WebhookSecretBytes is the size of a generated key: 24 random bytes, as Svix uses.
const WebhookSecretBytes = 24

// MaxWebhookURLLength bounds an endpoint URL.
const MaxWebhookURLLength = 1024

// NewWebhookEndpoint builds an enabled endpoint with a secret made from key (random
// bytes supplied by the caller). It checks the URL's shape only; whether its address
// may be called is the sender's decision (it needs DNS).
func NewWebhookEndpoint(rawURL string, types []WebhookEventType, key []byte, now time.Time) (WebhookEndpoint, error) {
	if err := ValidateWebhookURL(rawURL); err != nil {
		return WebhookEndpoint{}, err
	}
	if len(key) < WebhookSecretBytes {
		return WebhookEndpoint{}, fmt.Errorf("%w: secret key of %d bytes", ErrInvalidWebhook, len(key))
	}
	seen := map[WebhookEventType]bool{}
	var filter []WebhookEventType
	for _, t := range types {
		if err := t.Validate(); err != nil {
			return WebhookEndpoint{}, err
		}
		if !seen[t] {
			seen[t] = true
			filter = append(filter, t)
		}
	}
	return WebhookEndpoint{
		URL: rawURL, EventTypes: filter, Enabled: true, CreatedAt: now,
		Secret: WebhookSecretPrefix + base64.StdEncoding.EncodeToString(key),
	}, nil
}

// ValidateWebhookURL accepts absolute http(s) URLs with a host and no credentials.
func ValidateWebhookURL(rawURL string) error {
	if rawURL == "" || len(rawURL) > MaxWebhookURLLength {
		return fmt.Errorf("%w: url length %d", ErrInvalidWebhook, len(rawURL))
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%w: url: %w", ErrInvalidWebhook, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: url scheme %q (only http and https)", ErrInvalidWebhook, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: url without a host", ErrInvalidWebhook)
	}
	if u.User != nil {
		return fmt.Errorf("%w: url with credentials", ErrInvalidWebhook)
	}
	return nil
}

// Accepts reports whether the endpoint wants messages of type t.
func (e WebhookEndpoint) Accepts(t WebhookEventType) bool {
	if len(e.EventTypes) == 0 {
		return true
	}
	for _, k := range e.EventTypes {
		if k == t {
			return true
		}
	}
	return false
}

// WebhookSecretKey returns the HMAC key of a secret: the base64-decoded part after
// "whsec_".
func WebhookSecretKey(secret string) ([]byte, error) {
	enc, ok := strings.CutPrefix(secret, WebhookSecretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: secret without the %s prefix", ErrInvalidWebhook, WebhookSecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: secret is not base64", ErrInvalidWebhook)
	}
	return key, nil
}

// WebhookRetrySchedule is the Standard Webhooks schedule: after the first attempt,
// retries this long after each failure; a failure after the last one is final.
var WebhookRetrySchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// NextWebhookAttempt says when to try again after attempt number attempts (1-based)
// failed at now; ok is false when the delivery has used every attempt and fails.
func NextWebhookAttempt(attempts int, now time.Time) (next time.Time, ok bool) {
	if attempts < 1 || attempts > len(WebhookRetrySchedule) {
		return time.Time{}, false
	}
	return now.Add(WebhookRetrySchedule[attempts-1]), true
}

// EndpointDisableAfter is how long an endpoint may fail every attempt before the
// service turns it off.
const EndpointDisableAfter = 5 * 24 * time.Hour

// ShouldDisable reports whether an endpoint failing since failingSince (zero: not
// failing) has failed for long enough at now to be turned off.
func ShouldDisable(failingSince, now time.Time) bool {
	return !failingSince.IsZero() && now.Sub(failingSince) >= EndpointDisableAfter
}

// DeliveryStatus is where a delivery of a message to one endpoint stands.
type DeliveryStatus string

// The delivery states of the contract.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

// WebhookSucceeded reports whether an HTTP status counts as delivered (any 2xx).
func WebhookSucceeded(status int) bool { return status >= 200 && status < 300 }
