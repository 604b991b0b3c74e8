package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// UserID identifies a user inside this service. It is assigned by the store and is
// unique but, on a multi-primary cluster, neither dense nor ordered by time.
type UserID int64

// MaxOpenIDLength bounds an OpenID; real ones are 28 characters.
const MaxOpenIDLength = 64

// MaxNicknameLength bounds a stored nickname in runes; WeChat nicknames are short
// and a bound keeps a hostile profile from bloating every page.
const MaxNicknameLength = 64

// User is a WeChat person known to the service, identified by the OpenID that WeChat
// assigns per official account (the same for OAuth and for pushes).
type User struct {
	ID         UserID
	OpenID     string
	UnionID    string // empty unless the account is bound to an Open Platform account
	Nickname   string
	AvatarURL  string
	InviteCode string
	Following  bool
	// FollowEventAt is the instant (WeChat's CreateTime) of the follow or unfollow
	// event that last set Following; zero when no event has (a link-path user).
	// An event older than it is stale and changes nothing (see UserRepository.SetFollowing).
	FollowEventAt time.Time
	JoinedAt      time.Time
	// FirstContactKey is the idempotency key of the contact that created the user
	// (for a WeChat push: the delivery key). A redelivery of that same contact
	// is recognised by it and answered exactly like the first delivery.
	FirstContactKey string
}

// Profile is what WeChat tells us about a person; empty fields mean "unknown".
type Profile struct {
	UnionID   string
	Nickname  string
	AvatarURL string
}

// NewUser builds a user at first contact. It validates the OpenID and invite code so
// that a malformed identity never reaches the store. followedAt is the instant of the
// follow event of this contact (the scan path), zero when the contact is no follow
// (the link path): the user then starts as not following.
func NewUser(openID string, p Profile, inviteCode string, followedAt time.Time, contactKey string, now time.Time) (User, error) {
	if err := ValidateOpenID(openID); err != nil {
		return User{}, err
	}
	if err := ValidateInviteCode(inviteCode); err != nil {
		return User{}, err
	}
	u := User{OpenID: openID, InviteCode: inviteCode, Following: !followedAt.IsZero(), FollowEventAt: followedAt,
		JoinedAt: now, FirstContactKey: contactKey}
	u.ApplyProfile(p)
	return u, nil
}

// ApplyProfile refreshes the profile with what is known now. Empty values never erase
// known ones: since December 2021 user/info returns an empty nickname and avatar, and
// that must not wipe what OAuth told us. An avatar that is not an http(s) URL is
// treated as unknown: pages render it as an image source, so a javascript: or data:
// URL from a hostile profile must never be stored. It reports whether anything changed.
func (u *User) ApplyProfile(p Profile) bool {
	changed := false
	set := func(dst *string, v string) {
		if v != "" && *dst != v {
			*dst = v
			changed = true
		}
	}
	set(&u.UnionID, strings.TrimSpace(p.UnionID))
	set(&u.Nickname, truncateRunes(strings.TrimSpace(p.Nickname), MaxNicknameLength))
	if avatar := strings.TrimSpace(p.AvatarURL); isWebURL(avatar) {
		set(&u.AvatarURL, avatar)
	}
	return changed
}

// DisplayName is how the user is named to others; a user whose nickname is unknown
// (a scan-only follower, since WeChat stopped sharing nicknames) gets a neutral name.
func (u User) DisplayName() string { return DisplayName(u.OpenID, u.Nickname) }

// DisplayName names a person from what is known of them: the nickname when known,
// else 微信用户 plus a short hash of the openid. The label tells two unnamed people
// apart without revealing the internal id (a sequence) or the openid itself.
func DisplayName(openID, nickname string) string {
	if nickname != "" {
		return nickname
	}
	if openID == "" {
		return "微信用户"
	}
	sum := sha256.Sum256([]byte(openID))
	return "微信用户" + strings.ToUpper(hex.EncodeToString(sum[:2]))
}

// ValidateOpenID checks the shape of an OpenID: non-empty, bounded, URL-safe characters.
func ValidateOpenID(openID string) error {
	if openID == "" || len(openID) > MaxOpenIDLength {
		return fmt.Errorf("%w: length %d", ErrInvalidOpenID, len(openID))
	}
	for _, r := range openID {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("%w: character %q", ErrInvalidOpenID, r)
		}
	}
	return nil
}

// MaxAvatarURLLength bounds a stored avatar URL (the column holds 1024 bytes).
const MaxAvatarURLLength = 1024

// isWebURL reports whether s is an absolute http or https URL with a host.
func isWebURL(s string) bool {
	if s == "" || len(s) > MaxAvatarURLLength {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
