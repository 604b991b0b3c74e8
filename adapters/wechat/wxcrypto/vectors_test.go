package wxcrypto

// Published safe-mode vectors. Each one was decrypted independently with
// Python (pyca/cryptography) while writing these tests; the random prefix
// noted for each is what that decryption revealed, which lets the tests
// check Encrypt byte-for-byte as well as Decrypt.

const (
	// Tencent's official sample key (EncodingAESKey in the developer docs).
	officialKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

	// Tencent's official WXBizMsgCrypt Python sample (Sample.py), as copied in
	// charlesXu86/Chatbot_CN Chatbot_Web/impl/weixin/Sample.py and
	// wegostudio/wego tests/crypto/tests.py: appid wx2c2769f8efd9abc2,
	// token "spamtest", timestamp 1409735669, nonce 1320562132.
	officialAppID   = "wx2c2769f8efd9abc2"
	officialEncrypt = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
	officialRandom  = "89465c840c5f116f"
	officialPlain   = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n" +
		"<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n" +
		"<CreateTime>1409735668</CreateTime>\n" +
		"<MsgType><![CDATA[text]]></MsgType>\n" +
		"<Content><![CDATA[abcdteT]]></Content>\n" +
		"<MsgId>6054768590064713728</MsgId>\n" +
		"</xml>"

	// Tencent's official WXBizMsgCrypt Java sample test (WXBizMsgCryptTest),
	// as copied in Wyl015/wuyiling
	// work-test/src/main/resources/Utils/aes/WXBizMsgCryptTest.java:
	// appid wxb11529c136998cb6, randomStr "aaaabbbbccccdddd".
	javaAppID    = "wxb11529c136998cb6"
	javaRandom   = "aaaabbbbccccdddd"
	javaReply    = "我是中文abcd123"
	javaEncrypt  = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
	javaReply2   = "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>"
	javaEncrypt2 = "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb"

	// wechatpy/wechatpy tests/test_crypto.py (CryptoTestCase, WeChat Work
	// variant, which uses the identical envelope with the CorpID as appid).
	wechatpyKey   = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
	wechatpyAppID = "wx49f0ab532d5d035a"

	// test_encrypt_message: PrpCryptoMock.get_random_string returns "1234567890123456".
	wechatpyEncryptRandom   = "1234567890123456"
	wechatpyEncryptPlain    = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>"
	wechatpyEncryptExpected = "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"

	// test_decrypt_message.
	wechatpyDecryptEncrypt = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
	wechatpyDecryptRandom  = "ec90b1530358d4d3"
	wechatpyDecryptPlain   = "<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName><![CDATA[messense]]></FromUserName>\n<CreateTime>1411525903</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<MsgId>4363689963896700987</MsgId>\n<AgentID>1</AgentID>\n</xml>"

	// test_check_signature_should_ok: the encrypted echostr.
	wechatpyEchoStr       = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
	wechatpyEchoStrRandom = "2304fc2fe146f1f8"
	wechatpyEchoStrPlain  = "5927782489442352469"
)

type vector struct {
	name   string
	key    string
	appID  string
	random string
	plain  string
	b64    string
}

var publishedVectors = []vector{
	{"official python sample", officialKey, officialAppID, officialRandom, officialPlain, officialEncrypt},
	{"official java sample chinese", officialKey, javaAppID, javaRandom, javaReply, javaEncrypt},
	{"official java sample xml", officialKey, javaAppID, javaRandom, javaReply2, javaEncrypt2},
	{"wechatpy encrypt_message", wechatpyKey, wechatpyAppID, wechatpyEncryptRandom, wechatpyEncryptPlain, wechatpyEncryptExpected},
	{"wechatpy decrypt_message", wechatpyKey, wechatpyAppID, wechatpyDecryptRandom, wechatpyDecryptPlain, wechatpyDecryptEncrypt},
	{"wechatpy echostr", wechatpyKey, wechatpyAppID, wechatpyEchoStrRandom, wechatpyEchoStrPlain, wechatpyEchoStr},
}

// Vectors from an independent implementation (Python 3 + pyca/cryptography
// 48.0.0, PKCS7(256) padder, AES-256-CBC), produced with
//
//	python3 testdata/gen_vectors.py
//
// run from this directory; the script shares no code with this package.
// The "chinese emoji" vector was also opened with OpenSSL directly:
//
//	K=$(python3 -c 'import base64;print(base64.b64decode("Wx1nv1teTestKey0123456789abcdefghijKLMNOPqr=").hex())')
//	echo <b64> | openssl enc -d -a -A -aes-256-cbc -K $K -iv ${K:0:32} -nopad | od -c
//
// which shows "0123456789abcdef", msg_len 0x00000021, the text, the appid
// and 26 bytes of 0x1a padding.
const (
	indepKey    = "Wx1nv1teTestKey0123456789abcdefghijKLMNOPqr"
	indepAppID  = "wxinvitetest00001"
	indepRandom = "0123456789abcdef"
)

var independentVectors = []vector{
	{"empty", indepKey, indepAppID, indepRandom, "", "d8JHu6LgGD5NXIYWR8HEFHaXwfFRZD/CozqzGk9FNgVPqlm34gXouG/km5/hGYUI57G7bDvN7EfzQVYZ84GOuA=="},
	{"one byte", indepKey, indepAppID, indepRandom, "x", "d8JHu6LgGD5NXIYWR8HEFHvqYEP5Z6/sVu/BribEF9umMLyre0c3cvob9amrnbaCSoYRKZmiNLWN+8/Ewm5ttw=="},
	{"63 bytes pad 1", indepKey, indepAppID, indepRandom, "aaaaaaaaaaaaaaaaaaaaaaaaaa", "d8JHu6LgGD5NXIYWR8HEFBdmhfYu61eQ2ES4AD2KKvUeTrR93eYwFHTnuUVE/oi15+97MNCKIf4j3O/0bK47IQ=="},
	{"64 bytes pad 32", indepKey, indepAppID, indepRandom, "bbbbbbbbbbbbbbbbbbbbbbbbbbb", "d8JHu6LgGD5NXIYWR8HEFH/URH4R8Muik9dLDo2NRZfZyg/qQAPf6C3grYSS4526lfuTGHlBXVc2NC8Itqq1D1PTQXEJtTZexoFmhw6b4GK+06qML4MfJFv4lLAUo0a/"},
	{"65 bytes pad 31", indepKey, indepAppID, indepRandom, "cccccccccccccccccccccccccccc", "d8JHu6LgGD5NXIYWR8HEFJfxro8KjnBbBWoyyNDjWrhOVfdX6HtfJSEACDAAwxZiR7o+B3ISr9jWQ5Cz0XgEKXO9PVMslmlfSssuxfFiF8LXUGDplfdDzs1XNKCMU7zZ"},
	{"chinese emoji", indepKey, indepAppID, indepRandom, "邀请你关注 🎉 wxinvite ✅", "d8JHu6LgGD5NXIYWR8HEFEwwfd1Sou+cpaaoA2MegSR9EkfMD905jp8eWIoBs4SwhjaxetO/j85+qItIie5WBlMzTH2XmdpNDslu9gqpuQ7bvxp5Yjz46T+eKbb95Wp+"},
	{"xml", indepKey, indepAppID, indepRandom, "<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><Content><![CDATA[hi]]></Content></xml>", "d8JHu6LgGD5NXIYWR8HEFB/K9QE3VO6JwfhbOhwc1cQh0bnLu5FoaDNZ6GPziycb/BNDwQ0zL7mblRiQiwaXmrIqpvETOPJATF0D9w7+Qx54lJoyO4uEtMzjAvIsmpi3x34muqEITlWEkZvFPSwTX1Uzw6Z4W35esT/XbURjMqnOaCfhUogJiUfiKrctUwLjjA5mTUzWzR6HffAb8JMKvw=="},
}
