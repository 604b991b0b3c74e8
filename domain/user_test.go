package domain_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wxinvite/wxinvite/domain"
)

func TestValidateOpenID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id string
		ok bool
	}{
		{"oAbC-123_xyz", true},
		{"o6_bmjrPTlm6_2sgVt7hMZOPfL2M", true},
		{"a", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"o b", false},
		{"o/b", false},
		{"o+b", false},
		{"o=b", false},
		{"o.b", false},
		{"ö", false},
		{"o\nb", false},
	}
	for _, tt := range tests {
		err := domain.ValidateOpenID(tt.id)
		if tt.ok && err != nil {
			t.Errorf("ValidateOpenID(%q) = %v, want nil", tt.id, err)
		}
		if !tt.ok && !errors.Is(err, domain.ErrInvalidOpenID) {
			t.Errorf("ValidateOpenID(%q) = %v, want ErrInvalidOpenID", tt.id, err)
		}
	}
}

func TestNewUser(t *testing.T) {
	t.Parallel()
	const code = "abcdefghijklm"
	u, err := domain.NewUser("o_1", domain.Profile{UnionID: " u1 ", Nickname: " Ann ", AvatarURL: "http://a"}, code, t0, "k1", t0)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.User{OpenID: "o_1", UnionID: "u1", Nickname: "Ann", AvatarURL: "http://a", InviteCode: code, Following: true, FollowEventAt: t0, JoinedAt: t0, FirstContactKey: "k1"}
	if u != want {
		t.Fatalf("NewUser = %+v, want %+v", u, want)
	}
	if _, err := domain.NewUser("", domain.Profile{}, code, time.Time{}, "", t0); !errors.Is(err, domain.ErrInvalidOpenID) {
		t.Errorf("NewUser(empty openid) = %v, want ErrInvalidOpenID", err)
	}
	if _, err := domain.NewUser("o_1", domain.Profile{}, "BAD", time.Time{}, "", t0); !errors.Is(err, domain.ErrInvalidInviteCode) {
		t.Errorf("NewUser(bad code) = %v, want ErrInvalidInviteCode", err)
	}
}

func TestUserApplyProfile(t *testing.T) {
	t.Parallel()
	known := domain.User{ID: 3, UnionID: "u1", Nickname: "Ann", AvatarURL: "http://a"}
	long := strings.Repeat("微", 70)
	tests := []struct {
		name    string
		start   domain.User
		p       domain.Profile
		changed bool
		want    domain.User
	}{
		{"empty never erases", known, domain.Profile{}, false, known},
		{"blank never erases", known, domain.Profile{UnionID: " ", Nickname: "\t", AvatarURL: "  "}, false, known},
		{"same values unchanged", known, domain.Profile{UnionID: "u1", Nickname: "Ann", AvatarURL: "http://a"}, false, known},
		{"same after trim unchanged", known, domain.Profile{Nickname: " Ann "}, false, known},
		{"nickname changes", known, domain.Profile{Nickname: "Bob"}, true,
			domain.User{ID: 3, UnionID: "u1", Nickname: "Bob", AvatarURL: "http://a"}},
		{"unionid filled", domain.User{ID: 3}, domain.Profile{UnionID: "u9"}, true, domain.User{ID: 3, UnionID: "u9"}},
		{"avatar changes", known, domain.Profile{AvatarURL: "http://b"}, true,
			domain.User{ID: 3, UnionID: "u1", Nickname: "Ann", AvatarURL: "http://b"}},
		{"https avatar kept", domain.User{}, domain.Profile{AvatarURL: "https://thirdwx.qlogo.cn/mmopen/x/132"}, true,
			domain.User{AvatarURL: "https://thirdwx.qlogo.cn/mmopen/x/132"}},
		{"upper-case scheme kept", domain.User{}, domain.Profile{AvatarURL: "HTTPS://a.example/x"}, true,
			domain.User{AvatarURL: "HTTPS://a.example/x"}},
		{"javascript avatar ignored", known, domain.Profile{AvatarURL: "javascript:alert(1)"}, false, known},
		{"data avatar ignored", known, domain.Profile{AvatarURL: "data:image/png;base64,AAAA"}, false, known},
		{"relative avatar ignored", known, domain.Profile{AvatarURL: "/img/a.png"}, false, known},
		{"scheme-relative avatar ignored", known, domain.Profile{AvatarURL: "//evil.example/a.png"}, false, known},
		{"ftp avatar ignored", known, domain.Profile{AvatarURL: "ftp://a.example/a.png"}, false, known},
		{"credentials avatar ignored", known, domain.Profile{AvatarURL: "http://user:pw@a.example/a.png"}, false, known},
		{"hostless avatar ignored", known, domain.Profile{AvatarURL: "http:///a.png"}, false, known},
		{"overlong avatar ignored", known, domain.Profile{AvatarURL: "https://a.example/" + strings.Repeat("a", 1024)}, false, known},
		{"nickname truncated to 64 runes", domain.User{}, domain.Profile{Nickname: long}, true,
			domain.User{Nickname: strings.Repeat("微", 64)}},
		{"64 runes kept whole", domain.User{}, domain.Profile{Nickname: strings.Repeat("😀", 64)}, true,
			domain.User{Nickname: strings.Repeat("😀", 64)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := tt.start
			if got := u.ApplyProfile(tt.p); got != tt.changed {
				t.Errorf("changed = %v, want %v", got, tt.changed)
			}
			if u != tt.want {
				t.Errorf("user = %+v, want %+v", u, tt.want)
			}
			if !utf8.ValidString(u.Nickname) || utf8.RuneCountInString(u.Nickname) > domain.MaxNicknameLength {
				t.Errorf("nickname %q is not valid or too long", u.Nickname)
			}
		})
	}
	// Truncating the same long nickname again is not a change.
	u := domain.User{}
	u.ApplyProfile(domain.Profile{Nickname: long})
	if u.ApplyProfile(domain.Profile{Nickname: long}) {
		t.Error("re-applying the same over-long nickname reported a change")
	}
}

func TestUserDisplayName(t *testing.T) {
	t.Parallel()
	if got := (domain.User{ID: 42, Nickname: "Ann"}).DisplayName(); got != "Ann" {
		t.Errorf("DisplayName = %q, want Ann", got)
	}
	for _, tc := range []struct{ openid, want string }{
		{"oAbCdE_ann", "微信用户" + shortHash("oAbCdE_ann")},
		{"oAbCdE_bob", "微信用户" + shortHash("oAbCdE_bob")},
		{"", "微信用户"},
	} {
		got := (domain.User{ID: 42, OpenID: tc.openid}).DisplayName()
		if got != tc.want {
			t.Errorf("DisplayName(%q) = %q, want %q", tc.openid, got, tc.want)
		}
		if tc.openid != "" && strings.Contains(got, tc.openid[:6]) {
			t.Errorf("DisplayName(%q) = %q reveals the id or the openid", tc.openid, got)
		}
	}
	if domain.DisplayName("oAbCdE_ann", "") == domain.DisplayName("oAbCdE_bob", "") {
		t.Error("two unnamed people get the same label")
	}
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:2]))
}
