package wxcrypto

import "testing"

// The published example of the JS-SDK documentation (appendix 1), plus cases that
// show which inputs the signature depends on.
func TestJSSDKSignature(t *testing.T) {
	const (
		ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
		nonce  = "Wm3WZYTPz0wzccnW"
		ts     = int64(1414587457)
		page   = "http://mp.weixin.qq.com?params=value"
		want   = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
	)
	tests := []struct {
		name, ticket, nonce string
		ts                  int64
		url                 string
		same                bool
	}{
		{"published vector", ticket, nonce, ts, page, true},
		{"fragment removed first", ticket, nonce, ts, PageURL(page + "#wechat_redirect"), true},
		{"fragment kept changes it", ticket, nonce, ts, page + "#x", false},
		{"escaped query changes it", ticket, nonce, ts, "http://mp.weixin.qq.com?params%3Dvalue", false},
		{"other ticket", ticket + "x", nonce, ts, page, false},
		{"other nonce", ticket, nonce + "x", ts, page, false},
		{"other timestamp", ticket, nonce, ts + 1, page, false},
	}
	for _, tc := range tests {
		got := JSSDKSignature(tc.ticket, tc.nonce, tc.ts, tc.url)
		if (got == want) != tc.same {
			t.Errorf("%s: got %s, same as the vector = %v, want %v", tc.name, got, got == want, tc.same)
		}
	}
}

func TestPageURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example/me?x=1#frag": "https://a.example/me?x=1",
		"https://a.example/me":          "https://a.example/me",
		"https://a.example/me#a#b":      "https://a.example/me",
	} {
		if got := PageURL(in); got != want {
			t.Errorf("PageURL(%q) = %q, want %q", in, got, want)
		}
	}
}
