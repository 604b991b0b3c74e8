package wechat

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

// Three instances sharing one store fetch the jsapi_ticket once between them, keyed
// apart from the access token, and sign pages with it.
func TestJSAPITicketHeldCentrally(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	var tickets atomic.Int64
	f.handle("GET /cgi-bin/ticket/getticket", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("type") != "jsapi" || r.URL.Query().Get("access_token") != "tok-1" {
			errcode(40001)(w, r)
			return
		}
		time.Sleep(20 * time.Millisecond)
		tickets.Add(1)
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": "ticket-1", "expires_in": 7200})
	})
	store := memory.New().Tokens()
	clients := make([]*Client, 3)
	for i := range clients {
		clients[i] = newTestClient(t, f, store, func(c *ClientConfig) { c.InstanceID = "instance-" + string(rune('a'+i)) })
	}
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sig, err := clients[i%3].SignPage(context.Background(), "https://x.example/me?a=1#frag", 1414587457, "Wm3WZYTPz0wzccnW")
			if err == nil && sig.Signature != wxcrypto.JSSDKSignature("ticket-1", "Wm3WZYTPz0wzccnW", 1414587457, "https://x.example/me?a=1") {
				t.Errorf("signature %+v is not over ticket-1 and the URL without its fragment", sig)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := tickets.Load(); n != 1 {
		t.Fatalf("getticket calls = %d, want exactly 1", n)
	}
	if n := f.tokenFetches(); n != 1 {
		t.Fatalf("token fetches = %d, want 1", n)
	}
	tok, err := store.Token(context.Background(), clients[0].cfg.AppID)
	if err != nil || tok.Value != "tok-1" {
		t.Fatalf("the access token row was overwritten: %+v, %v", tok, err)
	}
	tk, err := store.Token(context.Background(), clients[0].cfg.AppID+":jsapi")
	if err != nil || tk.Value != "ticket-1" {
		t.Fatalf("ticket row = %+v, %v", tk, err)
	}
}
