// Package wxcrypto implements the two cryptographic primitives a WeChat
// Official Account callback server needs, using only the standard library:
//
//   - the SHA-1 "dictionary order" signature that authenticates every
//     callback (`signature` on the GET handshake and every POST,
//     `msg_signature` over the Encrypt field in compatible and safe mode);
//   - the "safe mode" AES-256-CBC envelope (EncodingAESKey) that wraps
//     pushed messages and passive replies.
//
// The package knows nothing about HTTP or XML; the callback handler verifies
// the signatures, extracts <Encrypt>, and calls Keyring.Decrypt / Cipher.Encrypt.
//
// AES-CBC here carries no MAC of its own: callers must check msg_signature
// (Verify) before calling Decrypt, so that unauthenticated ciphertexts never
// reach the padding check.
package wxcrypto
