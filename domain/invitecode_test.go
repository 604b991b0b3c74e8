package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wxinvite/wxinvite/domain"
)

const codeAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

func TestNewInviteCode(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 7, 9, 16} {
		code, err := domain.NewInviteCode(make([]byte, n))
		if !errors.Is(err, domain.ErrInvalidInviteCode) || code != "" {
			t.Errorf("NewInviteCode(%d bytes) = %q, %v; want ErrInvalidInviteCode", n, code, err)
		}
	}
	inputs := [][]byte{
		{0, 0, 0, 0, 0, 0, 0, 0},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{1, 2, 3, 4, 5, 6, 7, 8},
		{0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe},
	}
	seen := map[string]bool{}
	for _, in := range inputs {
		code, err := domain.NewInviteCode(in)
		if err != nil {
			t.Fatalf("NewInviteCode(%x) = %v", in, err)
		}
		if len(code) != 13 {
			t.Errorf("NewInviteCode(%x) = %q, length %d, want 13", in, code, len(code))
		}
		if strings.Trim(code, codeAlphabet) != "" {
			t.Errorf("NewInviteCode(%x) = %q has characters outside the alphabet", in, code)
		}
		if err := domain.ValidateInviteCode(code); err != nil {
			t.Errorf("ValidateInviteCode(NewInviteCode(%x)) = %v", in, err)
		}
		if seen[code] {
			t.Errorf("NewInviteCode(%x) = %q repeats an earlier code", in, code)
		}
		seen[code] = true
	}
	if code, _ := domain.NewInviteCode(inputs[0]); code != "aaaaaaaaaaaaa" {
		t.Errorf("NewInviteCode(zeros) = %q, want aaaaaaaaaaaaa", code)
	}
}

func TestValidateInviteCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		ok   bool
	}{
		{"abcdefghijklm", true},
		{"nopqrstuvwxyz", true},
		{"234567aaaaaaa", true},
		{"", false},
		{"abcdefghijkl", false},   // 12
		{"abcdefghijklmn", false}, // 14
		{"Abcdefghijklm", false},
		{"ABCDEFGHIJKLM", false},
		{"abcdefghijkl0", false},
		{"abcdefghijkl1", false},
		{"abcdefghijkl8", false},
		{"abcdefghijkl9", false},
		{"abcdefghijkl-", false},
		{"abcdefghijkl=", false},
		{"abcdefghijk é", false},
		{" abcdefghijkl", false},
	}
	for _, tt := range tests {
		err := domain.ValidateInviteCode(tt.code)
		if tt.ok && err != nil {
			t.Errorf("ValidateInviteCode(%q) = %v, want nil", tt.code, err)
		}
		if !tt.ok && !errors.Is(err, domain.ErrInvalidInviteCode) {
			t.Errorf("ValidateInviteCode(%q) = %v, want ErrInvalidInviteCode", tt.code, err)
		}
	}
}

func TestInviteCodeConstants(t *testing.T) {
	t.Parallel()
	if domain.InviteCodeBytes != 8 || domain.InviteCodeLength != 13 {
		t.Fatalf("InviteCodeBytes=%d InviteCodeLength=%d, want 8 and 13", domain.InviteCodeBytes, domain.InviteCodeLength)
	}
}
