package wechat

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// successReply tells WeChat "received, nothing to say"; it is never encrypted.
var successReply = []byte("success")

// textReply renders a passive text reply to m: the user fields swapped, CreateTime
// now, the content in CDATA.
func textReply(m Message, now int64, content string) []byte {
	var b strings.Builder
	b.Grow(200 + len(content))
	b.WriteString("<xml><ToUserName>")
	writeCDATA(&b, m.FromUserName)
	b.WriteString("</ToUserName><FromUserName>")
	writeCDATA(&b, m.ToUserName)
	b.WriteString("</FromUserName><CreateTime>")
	b.WriteString(strconv.FormatInt(now, 10))
	b.WriteString("</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>")
	writeCDATA(&b, content)
	b.WriteString("</Content></xml>")
	return []byte(b.String())
}

// encryptedReply is the safe-mode envelope around an encrypted reply.
func encryptedReply(encrypt, signature, timestamp, nonce string) []byte {
	var b strings.Builder
	b.Grow(len(encrypt) + 200)
	b.WriteString("<xml><Encrypt>")
	writeCDATA(&b, encrypt)
	b.WriteString("</Encrypt><MsgSignature>")
	writeCDATA(&b, signature)
	b.WriteString("</MsgSignature><TimeStamp>")
	writeText(&b, timestamp)
	b.WriteString("</TimeStamp><Nonce>")
	writeCDATA(&b, nonce)
	b.WriteString("</Nonce></xml>")
	return []byte(b.String())
}

// writeCDATA writes s as CDATA. A "]]>" inside s would end the section early, so it
// is split across two sections; characters XML 1.0 forbids (control characters,
// invalid UTF-8) are dropped so a hostile nickname cannot make the reply malformed.
func writeCDATA(b *strings.Builder, s string) {
	b.WriteString("<![CDATA[")
	s = xmlSafe(s)
	b.WriteString(strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]>")
}

// writeText writes s as escaped character data.
func writeText(b *strings.Builder, s string) {
	s = xmlSafe(s)
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	b.WriteString(r.Replace(s))
}

func xmlSafe(s string) string {
	clean := true
	for _, r := range s {
		if !xmlChar(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if xmlChar(r) {
			return r
		}
		return -1
	}, s)
}

func xmlChar(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return r <= 0x10FFFF
}
