package wxcrypto

import (
	"errors"
	"fmt"
)

// errNoCipher is wrapped (with ErrInvalidKey) by a Keyring without any cipher.
var errNoCipher = errors.New("keyring has no cipher")

// Keyring holds the current Cipher and, during an EncodingAESKey rotation,
// the previous one. It exists because WeChat may keep delivering pushes
// sealed with the old key for a while after the key is changed in the
// console (chanxuehong keeps the last key for the same reason). Either field
// may be nil; Current is tried first.
type Keyring struct{ Current, Previous *Cipher }

// Decrypt tries Current, then Previous, and reports which Cipher opened the
// payload so the passive reply can be encrypted with the same key the
// sender used. When every configured cipher fails it returns the error of
// the first one tried (Current's, when set: the one that matters once the
// rotation is over); a Keyring with no cipher at all yields an error
// wrapping ErrInvalidKey.
func (k Keyring) Decrypt(b64 string) (msg []byte, used *Cipher, err error) {
	if k.Current == nil && k.Previous == nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidKey, errNoCipher)
	}
	var firstErr error
	for _, c := range [...]*Cipher{k.Current, k.Previous} {
		if c == nil {
			continue
		}
		m, derr := c.Decrypt(b64)
		if derr == nil {
			return m, c, nil
		}
		if firstErr == nil {
			firstErr = derr
		}
	}
	return nil, nil, firstErr
}
