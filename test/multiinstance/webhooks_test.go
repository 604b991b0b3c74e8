package multiinstance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// hookReceiver is one webhook endpoint for the whole cluster. It holds every
// request a moment, so that two attempts of one message made at once by two
// instances would overlap, and counts such overlaps; it fails the first attempt
// of every fifth message, so retries (due 5 s later, on any instance) are part of
// the run.
type hookReceiver struct {
	srv *httptest.Server
	wh  *standardwebhooks.Webhook

	mu        sync.Mutex
	inFlight  map[string]int
	attempts  map[string]int
	delivered map[int64]string // invitee id → webhook-id of the delivered invite.created
	overlaps  []string
	badSigs   int
	seq       int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{inFlight: map[string]int{}, attempts: map[string]int{}, delivered: map[int64]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	if r.wh == nil || r.wh.Verify(body, req.Header) != nil {
		r.badSigs++
	}
	r.inFlight[id]++
	if r.inFlight[id] > 1 {
		r.overlaps = append(r.overlaps, id)
	}
	r.attempts[id]++
	first := r.attempts[id] == 1
	if first {
		r.seq++
	}
	fail := first && r.seq%5 == 0
	r.mu.Unlock()

	time.Sleep(30 * time.Millisecond)

	r.mu.Lock()
	r.inFlight[id]--
	if !fail {
		var msg struct {
			Type string `json:"type"`
			Data struct {
				Invitee struct {
					ID int64 `json:"id"`
				} `json:"invitee"`
			} `json:"data"`
		}
		if json.Unmarshal(body, &msg) == nil && msg.Type == "invite.created" {
			r.delivered[msg.Data.Invitee.ID] = id
		}
	}
	r.mu.Unlock()
	if fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// register creates the endpoint through one instance's admin API and waits out
// the other instances' view of the endpoints (at most 1 s old).
func (r *hookReceiver) register(ctx context.Context, t *testing.T, base string) {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/admin/api/webhooks",
		strings.NewReader(`{"url":"`+r.srv.URL+`/hook","event_types":["invite.created"]}`))
	req.Header.Set("Authorization", "Bearer admin-token")
	req.Header.Set("Content-Type", "application/json")
	resp, b, err := do(http.DefaultClient, req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("registering the webhook endpoint: %v %s", err, snippet(b))
	}
	var e struct {
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(e.Secret)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.wh = wh
	r.mu.Unlock()
	time.Sleep(1100 * time.Millisecond)
}

// verify waits until every invite in the database has had its invite.created
// delivered, then checks that no message was ever attempted by two instances at
// once and that every signature verified.
func (r *hookReceiver) verify(ctx context.Context, t *testing.T, st *dbState) {
	deadline := time.Now().Add(45 * time.Second)
	var missing []int64
	for {
		r.mu.Lock()
		missing = missing[:0]
		for invitee := range st.invites {
			if _, ok := r.delivered[invitee]; !ok {
				missing = append(missing, invitee)
			}
		}
		r.mu.Unlock()
		if len(missing) == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(missing) > 0 {
		t.Errorf("webhooks: %d of %d invites never had invite.created delivered (invitees %v)", len(missing), len(st.invites), firstFew(missing, 10))
	}
	if len(r.overlaps) > 0 {
		t.Errorf("webhooks: %d attempts overlapped another attempt of the same message (ids %v)", len(r.overlaps), firstFew(r.overlaps, 5))
	}
	if r.badSigs > 0 {
		t.Errorf("webhooks: %d requests failed signature verification", r.badSigs)
	}
	retried := 0
	for _, n := range r.attempts {
		if n > 1 {
			retried++
		}
	}
	if len(r.attempts) != len(st.invites) {
		t.Errorf("webhooks: %d distinct messages for %d invites", len(r.attempts), len(st.invites))
	}
	t.Logf("webhooks: %d invite.created messages delivered, %d after a retry, no overlapping attempts", len(r.delivered), retried)
}

func firstFew[T any](s []T, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return fmt.Sprint(s)
}
