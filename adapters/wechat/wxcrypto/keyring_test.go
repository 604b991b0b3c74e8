package wxcrypto

import (
	"errors"
	"testing"
)

func TestKeyring(t *testing.T) {
	cur := mustCipher(t, indepKey, officialAppID)
	prev := mustCipher(t, officialKey, officialAppID)
	stranger := mustCipher(t, wechatpyKey, officialAppID)

	fromCur, _ := cur.Encrypt([]byte("sealed with current"), nil)
	fromPrev, _ := prev.Encrypt([]byte("sealed with previous"), nil)
	fromStranger, _ := stranger.Encrypt([]byte("sealed with neither"), nil)

	tests := []struct {
		name     string
		ring     Keyring
		in       string
		wantMsg  string
		wantUsed *Cipher
		wantErr  error
	}{
		{"current key", Keyring{Current: cur, Previous: prev}, fromCur, "sealed with current", cur, nil},
		{"previous key during rotation", Keyring{Current: cur, Previous: prev}, fromPrev, "sealed with previous", prev, nil},
		// Official sample pushed under the old key after rotating away from it.
		{"official sample under previous key", Keyring{Current: cur, Previous: prev}, officialEncrypt, officialPlain, prev, nil},
		{"current only", Keyring{Current: cur}, fromCur, "sealed with current", cur, nil},
		{"previous only", Keyring{Previous: prev}, fromPrev, "sealed with previous", prev, nil},
		{"rotation finished, old payload", Keyring{Current: cur}, fromPrev, "", nil, ErrBadCiphertext},
		{"neither key", Keyring{Current: cur, Previous: prev}, fromStranger, "", nil, ErrBadCiphertext},
		{"garbage", Keyring{Current: cur, Previous: prev}, "%%%", "", nil, ErrBadCiphertext},
		{"empty keyring", Keyring{}, fromCur, "", nil, ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, used, err := tt.ring.Decrypt(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || msg != nil || used != nil {
					t.Fatalf("Decrypt = %q, %p, %v; want nil, nil, %v", msg, used, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if string(msg) != tt.wantMsg || used != tt.wantUsed {
				t.Errorf("Decrypt = %q, %p; want %q, %p", msg, used, tt.wantMsg, tt.wantUsed)
			}
			// The reply goes out under the key the sender used.
			reply, err := used.Encrypt([]byte("reply"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := used.Decrypt(reply); err != nil || string(back) != "reply" {
				t.Errorf("reply round trip = %q, %v", back, err)
			}
		})
	}
}

func TestKeyringAppIDMismatchReportsCurrentError(t *testing.T) {
	cur := mustCipher(t, officialKey, "wxCurrent")
	prev := mustCipher(t, indepKey, "wxCurrent")
	// Same key as cur, different appid: cur reports ErrAppIDMismatch, prev
	// reports ErrBadCiphertext; Current's error wins.
	foreign := mustCipher(t, officialKey, "wxSomeoneElse")
	in, _ := foreign.Encrypt([]byte("x"), nil)
	_, _, err := Keyring{Current: cur, Previous: prev}.Decrypt(in)
	if !errors.Is(err, ErrAppIDMismatch) {
		t.Errorf("err = %v, want ErrAppIDMismatch", err)
	}
}
