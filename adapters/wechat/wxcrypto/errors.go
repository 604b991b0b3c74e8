package wxcrypto

import "errors"

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers can branch with errors.Is (e.g. log a misconfigured key
// differently from a forged or corrupted push) without parsing messages.
var (
	// ErrInvalidKey reports an EncodingAESKey that is not 43 characters of
	// [a-zA-Z0-9] decoding to 32 bytes, or a Keyring with no cipher at all.
	// It signals a configuration mistake, not a bad request.
	ErrInvalidKey = errors.New("wxcrypto: invalid EncodingAESKey")

	// ErrBadCiphertext reports an Encrypt payload that cannot be a valid
	// safe-mode message for this key: bad base64, wrong length, bad PKCS#7
	// padding, or a msg_len that points past the end of the data. Decrypting
	// with the wrong key usually ends up here.
	ErrBadCiphertext = errors.New("wxcrypto: malformed ciphertext")

	// ErrAppIDMismatch reports a payload that decrypted cleanly but whose
	// trailing AppID is not the one this Cipher serves, i.e. a message meant
	// for another account that shares the key.
	ErrAppIDMismatch = errors.New("wxcrypto: appid mismatch")
)
