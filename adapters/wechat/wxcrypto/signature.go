package wxcrypto

import (
	"crypto/sha1" //nolint:gosec // SHA-1 is what the WeChat protocol mandates.
	"crypto/subtle"
	"encoding/hex"
	"slices"
)

// Signature returns the lowercase hex SHA-1 of parts sorted in dictionary
// (byte-wise) order and concatenated with no separator. It exists because
// WeChat authenticates callbacks this way: sort(token, timestamp, nonce) gives
// `signature`, and sort(token, timestamp, nonce, encrypt) gives
// `msg_signature`; the same function also signs encrypted replies.
// The caller's slice is not reordered.
func Signature(parts ...string) string {
	var stack [4]string // the protocol uses 3 or 4 parts; avoid a heap copy
	sorted := append(stack[:0], parts...)
	slices.Sort(sorted)

	total := 0
	for _, p := range sorted {
		total += len(p)
	}
	var scratch [1024]byte // typical token+timestamp+nonce+Encrypt fits
	buf := scratch[:0]
	if total > len(scratch) {
		buf = make([]byte, 0, total)
	}
	for _, p := range sorted {
		buf = append(buf, p...)
	}
	sum := sha1.Sum(buf) //nolint:gosec // protocol-mandated
	var out [2 * sha1.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// Verify reports whether sig equals Signature(parts...). It exists so that
// handlers compare signatures in constant time (crypto/subtle) and cannot
// leak, through timing, how many leading characters of a forged signature
// were right. The comparison is exact: WeChat sends lowercase hex.
func Verify(sig string, parts ...string) bool {
	want := Signature(parts...)
	return subtle.ConstantTimeCompare([]byte(sig), []byte(want)) == 1
}
