package domain

import (
	"encoding/base32"
	"fmt"
	"strings"
)

// InviteCodeBytes is the entropy of an invite code: 8 random bytes, 64 bits, so codes
// cannot be enumerated.
const InviteCodeBytes = 8

// InviteCodeLength is the length of an encoded invite code (13 base32 characters).
const InviteCodeLength = 13

var inviteEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewInviteCode turns random bytes into an invite code: lowercase base32, URL-safe and
// easy to read aloud. The randomness comes from the caller so the domain stays pure.
func NewInviteCode(random []byte) (string, error) {
	if len(random) != InviteCodeBytes {
		return "", fmt.Errorf("%w: need %d random bytes, got %d", ErrInvalidInviteCode, InviteCodeBytes, len(random))
	}
	return inviteEncoding.EncodeToString(random), nil
}

// ValidateInviteCode reports whether s has the shape of a code this service issues, so
// that a junk path segment is refused before it reaches the store.
func ValidateInviteCode(s string) error {
	if len(s) != InviteCodeLength || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return fmt.Errorf("%w: %q", ErrInvalidInviteCode, s)
	}
	return nil
}
