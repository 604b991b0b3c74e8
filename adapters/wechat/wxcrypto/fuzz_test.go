package wxcrypto

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

// FuzzDecrypt checks that Decrypt never panics, only fails with the
// package's sentinel errors, and that whatever it accepts re-encrypts to a
// payload that decrypts to the same bytes. The seeds run under plain
// `go test`; explore with `go test -fuzz FuzzDecrypt ./adapters/wechat/wxcrypto/`.
func FuzzDecrypt(f *testing.F) {
	c := mustCipher(f, officialKey, officialAppID)
	for _, v := range publishedVectors {
		f.Add(v.b64)
	}
	for _, v := range independentVectors {
		f.Add(v.b64)
	}
	for _, msg := range []string{"", "x", "<xml>hi</xml>", "邀请 🎉"} {
		s, err := c.Encrypt([]byte(msg), []byte("0123456789abcdef"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
	}
	// Valid structures: all-padding, other appid, huge msg_len.
	f.Add(sealRaw(c, bytes.Repeat([]byte{32}, 32)))
	f.Add(sealRaw(c, withPad(layout(0, "", officialAppID))))
	f.Add(sealRaw(c, withPad(layout(0xFFFFFFFF, "x", officialAppID))))
	f.Add(sealRaw(c, withPad(layout(3, "abc", "wxOther"))))
	// Garbage.
	for _, g := range []string{
		"", "=", "====", "A", "AAAA", "!!!!", "\x00\xff",
		base64.StdEncoding.EncodeToString(make([]byte, 16)),
		base64.StdEncoding.EncodeToString(make([]byte, 32)),
		base64.StdEncoding.EncodeToString(make([]byte, 48)),
		base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 64)),
		flipLastBlock(officialEncrypt),
	} {
		f.Add(g)
	}

	f.Fuzz(func(t *testing.T, in string) {
		msg, err := c.Decrypt(in)
		if err != nil {
			if msg != nil {
				t.Fatalf("non-nil msg %q with error %v", msg, err)
			}
			if !errors.Is(err, ErrBadCiphertext) && !errors.Is(err, ErrAppIDMismatch) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		for _, random := range [][]byte{nil, []byte("fuzzfuzzfuzzfuzz")} {
			again, err := c.Encrypt(msg, random)
			if err != nil {
				t.Fatalf("Encrypt of accepted message: %v", err)
			}
			back, err := c.Decrypt(again)
			if err != nil {
				t.Fatalf("Decrypt of re-encrypted message: %v", err)
			}
			if !bytes.Equal(back, msg) {
				t.Fatalf("re-encrypt round trip = %q, want %q", back, msg)
			}
		}
		if _, used, err := (Keyring{Current: c}).Decrypt(in); err != nil || used != c {
			t.Fatalf("Keyring disagrees with Cipher: %p, %v", used, err)
		}
	})
}
