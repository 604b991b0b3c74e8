package wxcrypto

import (
	"bytes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func mustCipher(t testing.TB, key, appID string) *Cipher {
	t.Helper()
	c, err := NewCipher(key, appID)
	if err != nil {
		t.Fatalf("NewCipher(%q, %q): %v", key, appID, err)
	}
	return c
}

// checkBothWays asserts that Decrypt(v.b64) == v.plain and that Encrypt with
// v.random reproduces v.b64 byte for byte.
func checkBothWays(t *testing.T, vectors []vector) {
	t.Helper()
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			c := mustCipher(t, v.key, v.appID)
			got, err := c.Decrypt(v.b64)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if string(got) != v.plain {
				t.Errorf("Decrypt = %q, want %q", got, v.plain)
			}
			enc, err := c.Encrypt([]byte(v.plain), []byte(v.random))
			if err != nil {
				t.Fatalf("Encrypt: %v", err)
			}
			if enc != v.b64 {
				t.Errorf("Encrypt =\n%s\nwant\n%s", enc, v.b64)
			}
		})
	}
}

func TestPublishedVectors(t *testing.T)   { checkBothWays(t, publishedVectors) }
func TestIndependentVectors(t *testing.T) { checkBothWays(t, independentVectors) }

func TestRoundTrip(t *testing.T) {
	// appid of 18 bytes: header(20) + appid = 38, so msg lengths 25/26/27
	// give plaintexts of 63/64/65 bytes (pad 1/32/31).
	c := mustCipher(t, officialKey, officialAppID)
	const fixed = 16 + 4 + len(officialAppID)
	tests := []struct {
		name    string
		msg     string
		wantPad int
	}{
		{"empty", "", 32 - fixed%32},
		{"one byte", "x", 32 - (fixed+1)%32},
		{"len 31", strings.Repeat("a", 31), 32 - (fixed+31)%32},
		{"len 32", strings.Repeat("b", 32), 32 - (fixed+32)%32},
		{"len 33", strings.Repeat("c", 33), 32 - (fixed+33)%32},
		{"plaintext 63 bytes", strings.Repeat("d", 63-fixed), 1},
		{"plaintext 64 bytes aligned", strings.Repeat("e", 64-fixed), 32},
		{"plaintext 65 bytes", strings.Repeat("f", 65-fixed), 31},
		{"plaintext 96 bytes aligned", strings.Repeat("g", 96-fixed), 32},
		{"chinese and emoji", "你好，世界！欢迎关注 👋🏽🎉 \u200d👨‍👩‍👧", 0},
		{"binary with NULs", "\x00\x01\x02\xff\xfe\x00", 0},
		{"large", strings.Repeat("<xml>邀请</xml>", 4096), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, random := range [][]byte{nil, []byte("ABCDEFGHIJKLMNOP")} {
				enc, err := c.Encrypt([]byte(tt.msg), random)
				if err != nil {
					t.Fatalf("Encrypt: %v", err)
				}
				raw, err := base64.StdEncoding.DecodeString(enc)
				if err != nil {
					t.Fatalf("Encrypt output is not std base64: %v", err)
				}
				n := fixed + len(tt.msg)
				if len(raw)%32 != 0 || len(raw)-n < 1 || len(raw)-n > 32 {
					t.Errorf("ciphertext length %d for %d plaintext bytes", len(raw), n)
				}
				if tt.wantPad != 0 {
					if got := len(raw) - n; got != tt.wantPad {
						t.Errorf("pad = %d, want %d", got, tt.wantPad)
					}
					if p := openRaw(c, raw); int(p[len(p)-1]) != tt.wantPad {
						t.Errorf("last plaintext byte = %d, want %d", p[len(p)-1], tt.wantPad)
					}
				}
				got, err := c.Decrypt(enc)
				if err != nil {
					t.Fatalf("Decrypt: %v", err)
				}
				if string(got) != tt.msg {
					t.Errorf("round trip = %q, want %q", got, tt.msg)
				}
			}
		})
	}
}

func TestEncryptRandomPrefix(t *testing.T) {
	c := mustCipher(t, officialKey, officialAppID)
	a, err := c.Encrypt([]byte("hi"), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encrypt([]byte("hi"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two Encrypt calls with random=nil produced the same ciphertext")
	}
	for _, n := range []int{0, 1, 15, 17, 32} {
		_, err := c.Encrypt([]byte("hi"), make([]byte, n))
		if err == nil {
			t.Errorf("Encrypt with %d random bytes: want error", n)
		}
	}
	random := []byte("0123456789abcdef")
	if _, err := c.Encrypt([]byte("hi"), random); err != nil {
		t.Fatal(err)
	}
	if string(random) != "0123456789abcdef" {
		t.Error("Encrypt modified the caller's random slice")
	}
}

func TestDecryptResultIsIsolated(t *testing.T) {
	c := mustCipher(t, officialKey, officialAppID)
	enc, _ := c.Encrypt([]byte("abc"), nil)
	msg, err := c.Decrypt(enc)
	if err != nil {
		t.Fatal(err)
	}
	if cap(msg) != len(msg) {
		t.Errorf("cap(msg) = %d, want %d so appends cannot alias internal bytes", cap(msg), len(msg))
	}
}

func TestNewCipher(t *testing.T) {
	valid := officialKey
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"official sample", valid, true},
		{"all zeros", strings.Repeat("0", 43), true},
		{"wechatpy key", wechatpyKey, true},
		{"empty", "", false},
		{"42 chars", valid[:42], false},
		{"44 chars", valid + "A", false},
		{"43 chars plus padding", valid + "=", false},
		{"plus sign", "+" + valid[1:], false},
		{"slash", valid[:42] + "/", false},
		{"url-safe dash", "-" + valid[1:], false},
		{"underscore", valid[:20] + "_" + valid[21:], false},
		{"space", valid[:10] + " " + valid[11:], false},
		{"equals inside", valid[:42] + "=", false},
		{"non-ascii", "é" + valid[2:], false}, // 2 bytes, still 43 bytes total
		{"NUL byte", "\x00" + valid[1:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCipher(tt.key, "wx1")
			if tt.ok {
				if err != nil || c == nil {
					t.Fatalf("NewCipher = %v, %v; want a cipher", c, err)
				}
				return
			}
			if c != nil || !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("NewCipher = %v, %v; want nil, ErrInvalidKey", c, err)
			}
			if len(tt.key) > 8 && strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q leaks the key", err)
			}
		})
	}
}

// sealRaw CBC-encrypts an arbitrary (block-aligned) plaintext with c's key and
// IV, bypassing Encrypt's layout and padding, to build malformed payloads.
func sealRaw(c *Cipher, plain []byte) string {
	buf := bytes.Clone(plain)
	cipher.NewCBCEncrypter(c.block, c.key[:16]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

// openRaw CBC-decrypts raw ciphertext without any checks.
func openRaw(c *Cipher, raw []byte) []byte {
	buf := bytes.Clone(raw)
	cipher.NewCBCDecrypter(c.block, c.key[:16]).CryptBlocks(buf, buf)
	return buf
}

// layout builds random ‖ msg_len ‖ msg ‖ appid with a caller-chosen msg_len
// and no padding.
func layout(msgLen uint32, msg, appID string) []byte {
	b := make([]byte, 20, 20+len(msg)+len(appID)+32)
	copy(b, "RRRRRRRRRRRRRRRR")
	binary.BigEndian.PutUint32(b[16:20], msgLen)
	b = append(b, msg...)
	return append(b, appID...)
}

// withPad appends PKCS#7 padding to a 32-byte boundary.
func withPad(b []byte) []byte {
	p := 32 - len(b)%32
	return append(b, bytes.Repeat([]byte{byte(p)}, p)...)
}

// padTo appends fill bytes to reach a multiple of 32 (at least one 32-byte
// block), then overwrites the tail with the given bytes.
func padTo(b []byte, tail ...byte) []byte {
	n := (len(b)/32 + 1) * 32
	for len(b) < n {
		b = append(b, 'z')
	}
	copy(b[len(b)-len(tail):], tail)
	return b
}

func TestDecryptRejects(t *testing.T) {
	c := mustCipher(t, officialKey, officialAppID)
	other := mustCipher(t, wechatpyKey, officialAppID)
	good, err := c.Encrypt([]byte("<xml>hi</xml>"), []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	goodRaw, _ := base64.StdEncoding.DecodeString(good)
	b64 := base64.StdEncoding.EncodeToString

	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty string", "", ErrBadCiphertext},
		{"not base64", "!!!!not*base64!!!", ErrBadCiphertext},
		{"url-safe alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(javaEncrypt2), ErrBadCiphertext},
		{"missing padding", strings.TrimRight(javaEncrypt, "="), ErrBadCiphertext},
		{"trailing garbage", good + "A", ErrBadCiphertext},
		{"16 bytes", b64(goodRaw[:16]), ErrBadCiphertext},
		{"31 bytes", b64(goodRaw[:31]), ErrBadCiphertext},
		{"33 bytes", b64(goodRaw[:33]), ErrBadCiphertext},
		{"len-1 bytes", b64(goodRaw[:len(goodRaw)-1]), ErrBadCiphertext},
		{"pad 0", sealRaw(c, padTo(layout(1, "x", officialAppID), 0)), ErrBadCiphertext},
		{"pad 33", sealRaw(c, padTo(layout(1, "x", officialAppID), 33)), ErrBadCiphertext},
		{"pad 33 consistent bytes", sealRaw(c, padTo(layout(1, "x", officialAppID), bytes.Repeat([]byte{33}, 33)...)), ErrBadCiphertext},
		{"pad 48 consistent bytes", sealRaw(c, padTo(layout(1, "x", officialAppID), bytes.Repeat([]byte{48}, 48)...)), ErrBadCiphertext},
		{"pad 255", sealRaw(c, padTo(layout(1, "x", officialAppID), 255)), ErrBadCiphertext},
		{"inconsistent pad", sealRaw(c, padTo(layout(1, "x", officialAppID), 2, 3, 3, 4, 3, 3)), ErrBadCiphertext},
		{"pad 32 with one wrong byte", sealRaw(c, append(layout(12, "<xml></xml>!", officialAppID)[:32], append([]byte{31}, bytes.Repeat([]byte{32}, 31)...)...)), ErrBadCiphertext},
		{"nothing but padding", sealRaw(c, bytes.Repeat([]byte{32}, 32)), ErrBadCiphertext},
		{"header cut short", sealRaw(c, append(bytes.Repeat([]byte{'r'}, 19), bytes.Repeat([]byte{13}, 13)...)), ErrBadCiphertext},
		{"msg_len past end", sealRaw(c, withPad(layout(1000, "short", officialAppID))), ErrBadCiphertext},
		{"msg_len one past end", sealRaw(c, withPad(layout(uint32(5+len(officialAppID)+1), "short", officialAppID))), ErrBadCiphertext},
		{"msg_len max uint32", sealRaw(c, withPad(layout(0xFFFFFFFF, "short", officialAppID))), ErrBadCiphertext},
		{"msg_len sign bit", sealRaw(c, withPad(layout(0x80000000, "short", officialAppID))), ErrBadCiphertext},
		{"flipped last block", flipLastBlock(good), ErrBadCiphertext},
		{"other appid", sealRaw(c, withPad(layout(5, "hello", "wx0000000000000000"))), ErrAppIDMismatch},
		{"appid prefix only", sealRaw(c, withPad(layout(5, "hello", officialAppID[:10]))), ErrAppIDMismatch},
		{"appid with suffix", sealRaw(c, withPad(layout(5, "hello", officialAppID+"x"))), ErrAppIDMismatch},
		{"no appid at all", sealRaw(c, withPad(layout(5, "hello", ""))), ErrAppIDMismatch},
		{"msg_len swallows appid", sealRaw(c, withPad(layout(uint32(5+len(officialAppID)), "hello", officialAppID))), ErrAppIDMismatch},
		{"other appid same key (official java)", javaEncrypt, ErrAppIDMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Decrypt(tt.in)
			if err == nil {
				t.Fatalf("Decrypt = %q, nil; want error %v", got, tt.want)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Decrypt error = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("Decrypt returned %q with an error", got)
			}
		})
	}

	t.Run("wrong key", func(t *testing.T) {
		_, err := other.Decrypt(good)
		if !errors.Is(err, ErrBadCiphertext) && !errors.Is(err, ErrAppIDMismatch) {
			t.Errorf("Decrypt with the wrong key: %v", err)
		}
	})
	t.Run("nil cipher", func(t *testing.T) {
		var nc *Cipher
		if _, err := nc.Decrypt(good); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("nil Cipher Decrypt: %v", err)
		}
		if _, err := nc.Encrypt([]byte("x"), nil); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("nil Cipher Encrypt: %v", err)
		}
	})
	t.Run("appid error is bounded", func(t *testing.T) {
		long := strings.Repeat("W", 500)
		_, err := c.Decrypt(sealRaw(c, withPad(layout(0, "", long))))
		if !errors.Is(err, ErrAppIDMismatch) || len(err.Error()) > 200 {
			t.Errorf("error = %v (%d chars)", err, len(err.Error()))
		}
	})
}

// flipLastBlock corrupts the final ciphertext block, which scrambles the
// decrypted padding.
func flipLastBlock(s string) string {
	raw, _ := base64.StdEncoding.DecodeString(s)
	for i := len(raw) - 16; i < len(raw); i++ {
		raw[i] ^= 0xA5
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func TestUnpad(t *testing.T) {
	for pad := 1; pad <= 32; pad++ {
		b := append(bytes.Repeat([]byte{'q'}, 64-pad), bytes.Repeat([]byte{byte(pad)}, pad)...)
		got, err := unpad(b)
		if err != nil || len(got) != 64-pad {
			t.Errorf("pad %d: len %d, err %v", pad, len(got), err)
		}
		// Corrupt each pad byte in turn.
		for i := 64 - pad; i < 63; i++ {
			bad := bytes.Clone(b)
			bad[i] ^= 0x40
			if _, err := unpad(bad); !errors.Is(err, ErrBadCiphertext) {
				t.Errorf("pad %d, byte %d corrupted: err %v", pad, i, err)
			}
		}
	}
	if _, err := unpad(make([]byte, 16)); !errors.Is(err, ErrBadCiphertext) {
		t.Errorf("short input: %v", err)
	}
	if got := padLen(0); got != 32 {
		t.Errorf("padLen(0) = %d, want 32", got)
	}
	if got := padLen(33); got != 31 {
		t.Errorf("padLen(33) = %d, want 31", got)
	}
}
