package wxcrypto

import (
	"slices"
	"strings"
	"testing"
)

// Published signature vectors. Every expected value below was also
// recomputed with Python's hashlib while writing these tests.
var signatureVectors = []struct {
	name  string
	parts []string
	want  string
}{
	{
		// silenceper/wechat util/signature_test.go (TestSignature): Signature("a","b","c").
		name:  "silenceper abc",
		parts: []string{"a", "b", "c"},
		want:  "a9993e364706816aba3e25717850c26c9cd0d89d",
	},
	{
		// wechatpy/wechatpy tests/test_utils.py (test_wechat_card_signer):
		// data added as 789, 456, 123 must be sorted before hashing.
		name:  "wechatpy signer unsorted input",
		parts: []string{"789", "456", "123"},
		want:  "f7c3bc1d808e04732adf679965ccc34ca7ae3441",
	},
	{
		// wechatpy/wechatpy tests/test_utils.py (test_check_signature_should_ok):
		// GET-handshake `signature` = sha1(sort(token, timestamp, nonce)).
		name:  "wechatpy check_signature",
		parts: []string{"test", "1410685589", "test"},
		want:  "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff",
	},
	{
		// Tencent's official WXBizMsgCrypt Python sample (Sample.py), as copied in
		// charlesXu86/Chatbot_CN Chatbot_Web/impl/weixin/Sample.py and
		// wegostudio/wego tests/crypto/tests.py: token "spamtest",
		// msg_signature = sha1(sort(token, timestamp, nonce, Encrypt)).
		name:  "official sample msg_signature",
		parts: []string{"spamtest", "1409735669", "1320562132", officialEncrypt},
		want:  "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
	},
	{
		// wechatpy/wechatpy tests/test_crypto.py (test_decrypt_message).
		name:  "wechatpy decrypt_message msg_signature",
		parts: []string{"123456", "1411525903", "461056294", wechatpyDecryptEncrypt},
		want:  "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
	},
	{
		// wechatpy/wechatpy tests/test_crypto.py (test_encrypt_message): the
		// MsgSignature of the expected encrypted reply.
		name:  "wechatpy encrypt_message msg_signature",
		parts: []string{"123456", "1411525903", "461056294", wechatpyEncryptExpected},
		want:  "407518b7649e86ef23978113f92d27afa9296533",
	},
	{
		// wechatpy/wechatpy tests/test_crypto.py (test_check_signature_should_ok):
		// URL verification signs the encrypted echostr as the fourth part.
		name:  "wechatpy echostr msg_signature",
		parts: []string{"123456", "1411443780", "437374425", wechatpyEchoStr},
		want:  "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
	},
	{
		// SHA-1 of the empty string (FIPS 180 / RFC 3174 well-known value).
		name:  "no parts",
		parts: nil,
		want:  "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	},
	{
		// More than the 4 stack slots, sorted byte-wise ("B" < "a").
		// Computed: python3 -c 'import hashlib;print(hashlib.sha1(b"Babcde").hexdigest())'
		name:  "six parts byte order",
		parts: []string{"e", "d", "c", "b", "a", "B"},
		want:  "7bdfd949bad1e6041fc6b4618dc8157987db1681",
	},
}

func TestSignature(t *testing.T) {
	for _, tt := range signatureVectors {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.parts)
			if got := Signature(in...); got != tt.want {
				t.Errorf("Signature(%q) = %s, want %s", tt.parts, got, tt.want)
			}
			if !slices.Equal(in, tt.parts) {
				t.Errorf("Signature reordered the caller's slice: %q", in)
			}
			if !Verify(tt.want, tt.parts...) {
				t.Errorf("Verify(%s) = false, want true", tt.want)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	parts := []string{"test", "1410685589", "test"}
	const good = "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
	tests := []struct {
		name  string
		sig   string
		parts []string
	}{
		// wechatpy/wechatpy tests/test_utils.py (test_check_signature_should_fail): last digit changed.
		{"last digit changed", "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe", parts},
		// wechatpy/wechatpy tests/test_crypto.py (test_check_signature_should_fail): nonce changed.
		{"nonce changed", "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
			[]string{"123456", "1411443780", "437374424", wechatpyEchoStr}},
		{"uppercase hex", "F21891DE399B4E33A1A93C9A7B8A8FFFB5A443FF", parts},
		{"empty", "", parts},
		{"truncated", good[:39], parts},
		{"extra char", good + "0", parts},
		{"wrong token", good, []string{"test2", "1410685589", "test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if Verify(tt.sig, tt.parts...) {
				t.Errorf("Verify(%q, %q) = true, want false", tt.sig, tt.parts)
			}
		})
	}
}

func TestSignatureLongParts(t *testing.T) {
	// Longer than the 1 KiB scratch buffer; must match the short-path result
	// for the same bytes split differently.
	long := strings.Repeat("z", 3000)
	a := Signature(long, "a", "b")
	b := Signature("a", "b"+long[:0], long)
	if a != b {
		t.Fatalf("%s != %s", a, b)
	}
	// Computed: python3 -c 'import hashlib;print(hashlib.sha1(b"ab"+b"z"*3000).hexdigest())'
	if want := "a2898e39a628a1873e1d9094df1746931614163b"; a != want {
		t.Errorf("Signature = %s, want %s", a, want)
	}
}
