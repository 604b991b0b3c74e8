#!/usr/bin/env python3
"""Independent reference vectors for wxcrypto (python3 + pyca/cryptography).

Run from the package directory:  python3 testdata/gen_vectors.py
It shares no code with the Go implementation: padding comes from
cryptography's PKCS7(256) (32-byte blocks), AES-256-CBC from OpenSSL.
Paste the output into independentVectors in cipher_test.go.
"""
import base64
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ENCODING_AES_KEY = "Wx1nv1teTestKey0123456789abcdefghijKLMNOPqr"  # 43 chars
APPID = "wxinvitetest00001"
RANDOM = b"0123456789abcdef"

MESSAGES = [
    b"",
    b"x",
    # 16 + 4 + len(msg) + 17 (appid) = 63 / 64 / 65 -> pad 1 / 32 / 31
    b"a" * 26,
    b"b" * 27,
    b"c" * 28,
    "邀请你关注 🎉 wxinvite ✅".encode("utf-8"),
    b"<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><Content><![CDATA[hi]]></Content></xml>",
]


def encrypt(msg: bytes) -> str:
    key = base64.b64decode(ENCODING_AES_KEY + "=")
    assert len(key) == 32
    plain = RANDOM + struct.pack(">I", len(msg)) + msg + APPID.encode()
    padder = padding.PKCS7(256).padder()
    padded = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(padded) + enc.finalize()).decode()


assert len(ENCODING_AES_KEY) == 43
for m in MESSAGES:
    print("{%s, %s}," % (
        '"' + "".join("\\x%02x" % b for b in m) + '"' if any(b > 127 for b in m) else '"%s"' % m.decode(),
        '"%s"' % encrypt(m),
    ))
