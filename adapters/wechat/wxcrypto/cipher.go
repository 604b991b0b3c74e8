package wxcrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
)

const (
	// encodingAESKeyLen is the length of the EncodingAESKey shown in the
	// WeChat admin console.
	encodingAESKeyLen = 43
	// keyLen is the AES-256 key length that EncodingAESKey decodes to.
	keyLen = 32
	// randomLen is the length of the random prefix of every plaintext.
	randomLen = 16
	// headerLen is random(16) ‖ msg_len(4).
	headerLen = randomLen + 4
	// maxAppIDInError caps how much of a foreign appid goes into an error.
	maxAppIDInError = 64
)

// Cipher encrypts and decrypts WeChat safe-mode payloads for one AppID with
// one EncodingAESKey. It exists so the key is validated and expanded once at
// start-up rather than on every push. A Cipher is immutable and safe for
// concurrent use.
type Cipher struct {
	appID string
	key   [keyLen]byte
	block cipher.Block
}

// NewCipher validates encodingAESKey (43 characters of [a-zA-Z0-9], whose
// base64 decoding with a trailing "=" must be 32 bytes) and returns a Cipher
// bound to appID. It exists to turn a mistyped key into a start-up error
// instead of a stream of undecryptable pushes. Errors wrap ErrInvalidKey and
// never echo the key itself.
func NewCipher(encodingAESKey, appID string) (*Cipher, error) {
	if n := len(encodingAESKey); n != encodingAESKeyLen {
		return nil, fmt.Errorf("%w: want %d characters, got %d", ErrInvalidKey, encodingAESKeyLen, n)
	}
	for i := 0; i < len(encodingAESKey); i++ {
		if !isAlnum(encodingAESKey[i]) {
			return nil, fmt.Errorf("%w: character %d is not in [a-zA-Z0-9]", ErrInvalidKey, i)
		}
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, fmt.Errorf("%w: not base64: %v", ErrInvalidKey, err)
	}
	if len(key) != keyLen {
		return nil, fmt.Errorf("%w: decodes to %d bytes, want %d", ErrInvalidKey, len(key), keyLen)
	}
	c := &Cipher{appID: appID}
	copy(c.key[:], key)
	block, err := aes.NewCipher(c.key[:])
	if err != nil { // unreachable for a 32-byte key
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	c.block = block
	return c, nil
}

func isAlnum(b byte) bool {
	return ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9')
}

// Encrypt seals msg as WeChat expects in the <Encrypt> element of a reply:
// random(16) ‖ msg_len(4, big-endian) ‖ msg ‖ appid, PKCS#7-padded to a
// 32-byte boundary (1..32 pad bytes), AES-256-CBC with IV = key[:16], and
// standard base64. random must be nil (16 bytes are then read from
// crypto/rand) or exactly 16 bytes; letting the caller supply it keeps tests
// deterministic and allows reusing the request's prefix as silenceper does.
func (c *Cipher) Encrypt(msg []byte, random []byte) (string, error) {
	if c == nil {
		return "", fmt.Errorf("%w: nil Cipher", ErrInvalidKey)
	}
	if random != nil && len(random) != randomLen {
		return "", fmt.Errorf("wxcrypto: random prefix must be %d bytes, got %d", randomLen, len(random))
	}
	if uint64(len(msg)) > math.MaxUint32 {
		return "", fmt.Errorf("wxcrypto: message of %d bytes does not fit msg_len", len(msg))
	}

	n := headerLen + len(msg) + len(c.appID)
	pad := padLen(n)
	buf := make([]byte, n+pad)
	if random != nil {
		copy(buf[:randomLen], random)
	} else if _, err := rand.Read(buf[:randomLen]); err != nil {
		return "", fmt.Errorf("wxcrypto: reading random prefix: %w", err)
	}
	binary.BigEndian.PutUint32(buf[randomLen:headerLen], uint32(len(msg)))
	copy(buf[headerLen:], msg)
	copy(buf[headerLen+len(msg):], c.appID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}

	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Decrypt opens the base64 <Encrypt> payload of a push and returns the inner
// message (the XML). It rejects bad base64, ciphertexts that are not a
// multiple of 16 bytes or are shorter than 32, pad values outside 1..32 or
// inconsistent pad bytes, a msg_len larger than the data present (all
// wrapping ErrBadCiphertext), and a trailing appid different from the
// Cipher's (wrapping ErrAppIDMismatch). It never panics, whatever the input.
// Verify msg_signature before calling it.
func (c *Cipher) Decrypt(b64 string) ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil Cipher", ErrInvalidKey)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: base64: %v", ErrBadCiphertext, err)
	}
	if len(raw) < 2*aes.BlockSize || len(raw)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: length %d is not a multiple of %d of at least %d",
			ErrBadCiphertext, len(raw), aes.BlockSize, 2*aes.BlockSize)
	}
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(raw, raw)

	plain, err := unpad(raw)
	if err != nil {
		return nil, err
	}
	if len(plain) < headerLen {
		return nil, fmt.Errorf("%w: %d bytes left after padding, need at least %d",
			ErrBadCiphertext, len(plain), headerLen)
	}
	msgLen := uint64(binary.BigEndian.Uint32(plain[randomLen:headerLen]))
	if avail := uint64(len(plain) - headerLen); msgLen > avail {
		return nil, fmt.Errorf("%w: msg_len %d exceeds the %d bytes present", ErrBadCiphertext, msgLen, avail)
	}
	end := headerLen + int(msgLen)
	if appID := plain[end:]; string(appID) != c.appID {
		if len(appID) > maxAppIDInError {
			appID = appID[:maxAppIDInError]
		}
		return nil, fmt.Errorf("%w: payload is for %q", ErrAppIDMismatch, appID)
	}
	// Full slice expression: appending to the result must not scribble over
	// the appid bytes behind it.
	return plain[headerLen:end:end], nil
}
