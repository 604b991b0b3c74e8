package wxcrypto

import "testing"

// benchMsg is a typical subscribe-by-QR event push (~300 bytes of XML).
const benchMsg = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_inv_abc123]]></EventKey><Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==]]></Ticket></xml>"

func BenchmarkDecrypt(b *testing.B) {
	c := mustCipher(b, officialKey, officialAppID)
	in, err := c.Encrypt([]byte(benchMsg), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	for b.Loop() {
		if _, err := c.Decrypt(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncrypt(b *testing.B) {
	c := mustCipher(b, officialKey, officialAppID)
	msg := []byte(benchMsg)
	random := []byte("0123456789abcdef")
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	for b.Loop() {
		if _, err := c.Encrypt(msg, random); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignature(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Signature("spamtest", "1409735669", "1320562132", officialEncrypt)
	}
}
