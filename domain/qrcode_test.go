package domain_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

var t0 = time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)

func TestSceneValidateFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		scene domain.Scene
		kind  domain.QRKind
		ok    bool
	}{
		{"permanent id 0", domain.Scene{ID: 0}, domain.QRPermanent, false},
		{"permanent id 1", domain.Scene{ID: 1}, domain.QRPermanent, true},
		{"permanent id 100000", domain.Scene{ID: 100000}, domain.QRPermanent, true},
		{"permanent id 100001", domain.Scene{ID: 100001}, domain.QRPermanent, false},
		{"temporary id 0", domain.Scene{ID: 0}, domain.QRTemporary, false},
		{"temporary id 1", domain.Scene{ID: 1}, domain.QRTemporary, true},
		{"temporary id 100001", domain.Scene{ID: 100001}, domain.QRTemporary, true},
		{"temporary id MaxUint32", domain.Scene{ID: math.MaxUint32}, domain.QRTemporary, true},
		{"str 1 char", domain.Scene{Str: "a"}, domain.QRTemporary, true},
		{"str 64 temporary", domain.Scene{Str: strings.Repeat("a", 64)}, domain.QRTemporary, true},
		{"str 64 permanent", domain.Scene{Str: strings.Repeat("a", 64)}, domain.QRPermanent, true},
		{"str 65 temporary", domain.Scene{Str: strings.Repeat("a", 65)}, domain.QRTemporary, false},
		{"str 65 permanent", domain.Scene{Str: strings.Repeat("a", 65)}, domain.QRPermanent, false},
		{"both set", domain.Scene{Str: "a", ID: 1}, domain.QRTemporary, false},
		{"both set permanent", domain.Scene{Str: "a", ID: 1}, domain.QRPermanent, false},
		{"empty", domain.Scene{}, domain.QRTemporary, false},
		{"numeric unknown kind", domain.Scene{ID: 1}, domain.QRKind("forever"), false},
		// A kind WeChat does not know must be refused whatever the scene is.
		{"string unknown kind", domain.Scene{Str: "a"}, domain.QRKind("forever"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.scene.ValidateFor(tt.kind)
			if tt.ok && err != nil {
				t.Fatalf("ValidateFor(%q) = %v, want nil", tt.kind, err)
			}
			if !tt.ok && !errors.Is(err, domain.ErrInvalidScene) {
				t.Fatalf("ValidateFor(%q) = %v, want ErrInvalidScene", tt.kind, err)
			}
		})
	}
}

func TestSceneStringAndIsZero(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scene domain.Scene
		str   string
		zero  bool
	}{
		{domain.Scene{}, "0", true},
		{domain.Scene{ID: 42}, "42", false},
		{domain.Scene{ID: math.MaxUint32}, "4294967295", false},
		{domain.Scene{Str: "inv_x"}, "inv_x", false},
	}
	for _, tt := range tests {
		if got := tt.scene.String(); got != tt.str {
			t.Errorf("%+v.String() = %q, want %q", tt.scene, got, tt.str)
		}
		if got := tt.scene.IsZero(); got != tt.zero {
			t.Errorf("%+v.IsZero() = %v, want %v", tt.scene, got, tt.zero)
		}
	}
}

func TestNewQRRequest(t *testing.T) {
	t.Parallel()
	str := domain.Scene{Str: "inv_abc"}
	tests := []struct {
		name     string
		kind     domain.QRKind
		scene    domain.Scene
		lifetime time.Duration
		wantErr  error
		wantLife time.Duration
	}{
		{"temporary 0", domain.QRTemporary, str, 0, domain.ErrInvalidLifetime, 0},
		{"temporary negative", domain.QRTemporary, str, -time.Second, domain.ErrInvalidLifetime, 0},
		{"temporary 999ms", domain.QRTemporary, str, 999 * time.Millisecond, domain.ErrInvalidLifetime, 0},
		{"temporary 1s", domain.QRTemporary, str, time.Second, nil, time.Second},
		{"temporary 2592000s", domain.QRTemporary, str, 2592000 * time.Second, nil, 2592000 * time.Second},
		{"temporary 2592001s", domain.QRTemporary, str, 2592001 * time.Second, domain.ErrInvalidLifetime, 0},
		{"temporary fractional", domain.QRTemporary, str, 1500 * time.Millisecond, domain.ErrInvalidLifetime, 0},
		{"temporary 1s+1ns", domain.QRTemporary, str, time.Second + 1, domain.ErrInvalidLifetime, 0},
		{"permanent ignores lifetime", domain.QRPermanent, str, 2592001 * time.Second, nil, 0},
		{"permanent ignores fractional", domain.QRPermanent, str, 1500 * time.Millisecond, nil, 0},
		{"permanent zero", domain.QRPermanent, domain.Scene{ID: 100000}, 0, nil, 0},
		{"bad scene first", domain.QRTemporary, domain.Scene{}, time.Second, domain.ErrInvalidScene, 0},
		{"bad permanent scene", domain.QRPermanent, domain.Scene{ID: 100001}, 0, domain.ErrInvalidScene, 0},
		// A request is documented as validated: an unknown kind must never reach WeChat.
		{"unknown kind string scene", domain.QRKind("forever"), str, time.Second, domain.ErrInvalidScene, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := domain.NewQRRequest(tt.kind, tt.scene, tt.lifetime)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if req != (domain.QRRequest{}) {
					t.Fatalf("request = %+v on error, want zero", req)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			want := domain.QRRequest{Kind: tt.kind, Scene: tt.scene, Lifetime: tt.wantLife}
			if req != want {
				t.Fatalf("request = %+v, want %+v", req, want)
			}
		})
	}
}

func TestQRCodeExpired(t *testing.T) {
	t.Parallel()
	exp := t0.Add(30 * 24 * time.Hour)
	tests := []struct {
		name string
		code domain.QRCode
		now  time.Time
		want bool
	}{
		{"temporary 1ns before", domain.QRCode{Kind: domain.QRTemporary, ExpiresAt: exp}, exp.Add(-1), false},
		{"temporary exactly at expiry", domain.QRCode{Kind: domain.QRTemporary, ExpiresAt: exp}, exp, true},
		{"temporary after expiry", domain.QRCode{Kind: domain.QRTemporary, ExpiresAt: exp}, exp.Add(time.Hour), true},
		{"permanent zero expiry", domain.QRCode{Kind: domain.QRPermanent}, exp, false},
		{"permanent with past expiry", domain.QRCode{Kind: domain.QRPermanent, ExpiresAt: t0}, exp, false},
	}
	for _, tt := range tests {
		if got := tt.code.Expired(tt.now); got != tt.want {
			t.Errorf("%s: Expired = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestQRCodeNeedsReissue(t *testing.T) {
	t.Parallel()
	const week = 7 * 24 * time.Hour
	exp := t0.Add(30 * 24 * time.Hour)
	tmp := domain.QRCode{Kind: domain.QRTemporary, ExpiresAt: exp}
	tests := []struct {
		name string
		code domain.QRCode
		now  time.Time
		want bool
	}{
		{"permanent never", domain.QRCode{Kind: domain.QRPermanent}, exp.Add(100 * week), false},
		{"temporary fresh", tmp, t0, false},
		{"exactly minRemaining left", tmp, exp.Add(-week), false},
		{"1ns less than minRemaining", tmp, exp.Add(-week + 1), true},
		{"expired", tmp, exp.Add(time.Second), true},
	}
	for _, tt := range tests {
		if got := tt.code.NeedsReissue(tt.now, week); got != tt.want {
			t.Errorf("%s: NeedsReissue = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestInviteSceneRoundTrip(t *testing.T) {
	t.Parallel()
	code, err := domain.NewInviteCode([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	if err != nil {
		t.Fatal(err)
	}
	s := domain.InviteScene(code)
	if s.Str != "inv_"+code || s.ID != 0 {
		t.Fatalf("InviteScene = %+v", s)
	}
	if err := s.ValidateFor(domain.QRPermanent); err != nil {
		t.Fatalf("invite scene invalid for permanent: %v", err)
	}
	if err := s.ValidateFor(domain.QRTemporary); err != nil {
		t.Fatalf("invite scene invalid for temporary: %v", err)
	}
	got, err := domain.InviteCodeFromScene(s)
	if err != nil || got != code {
		t.Fatalf("InviteCodeFromScene = %q, %v; want %q", got, err, code)
	}
}

func TestInviteCodeFromSceneRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		scene domain.Scene
	}{
		{"no prefix", domain.Scene{Str: "aaaaaaaaaaaaa"}},
		{"other prefix", domain.Scene{Str: "cmp_aaaaaaaaaaaaa"}},
		{"upper prefix", domain.Scene{Str: "INV_aaaaaaaaaaaaa"}},
		{"numeric", domain.Scene{ID: 42}},
		{"empty", domain.Scene{}},
		{"prefix only", domain.Scene{Str: "inv_"}},
		{"bad code chars", domain.Scene{Str: "inv_aaaaaaaaaaaa1"}},
		{"code too short", domain.Scene{Str: "inv_aaaaaaaaaaaa"}},
		{"code too long", domain.Scene{Str: "inv_aaaaaaaaaaaaaa"}},
	}
	for _, tt := range tests {
		code, err := domain.InviteCodeFromScene(tt.scene)
		if !errors.Is(err, domain.ErrNotAnInviteScene) || code != "" {
			t.Errorf("%s: InviteCodeFromScene = %q, %v; want ErrNotAnInviteScene", tt.name, code, err)
		}
	}
}
