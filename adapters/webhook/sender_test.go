package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/wxinvite/wxinvite/adapters/webhook"
	"github.com/wxinvite/wxinvite/application"
)

const testSecret = "whsec_c2VjcmV0LWtleS1vZi0yNC1ieXRlcyE="

// fakeResolver answers every lookup with fixed addresses (no DNS in tests).
type fakeResolver []string

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range f {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	public := webhook.New(webhook.Options{Resolver: fakeResolver{"93.184.215.14"}})
	rebinding := webhook.New(webhook.Options{Resolver: fakeResolver{"93.184.215.14", "10.1.2.3"}})
	tests := []struct {
		url    string
		sender *webhook.Sender
		ok     bool
	}{
		{"https://crm.example.com/hook", public, true},
		{"http://93.184.215.14:8080/x", public, true},
		{"https://[2606:2800:220:1::1]/", public, true},
		{"https://crm.example.com/hook", rebinding, false}, // one private answer is enough to refuse
		{"ftp://crm.example.com/", public, false},
		{"file:///etc/passwd", public, false},
		{"http://127.0.0.1/", public, false},
		{"http://127.9.9.9:8080/", public, false},
		{"http://[::1]/", public, false},
		{"http://10.0.0.1/", public, false},
		{"http://172.16.5.4/", public, false},
		{"http://192.168.1.1/", public, false},
		{"http://169.254.169.254/latest/meta-data/", public, false}, // AWS, GCP, Azure IMDS
		{"http://100.100.100.200/latest/meta-data/", public, false}, // Alibaba Cloud metadata
		{"http://168.63.129.16/", public, false},                    // Azure host endpoint
		{"http://[fd00:ec2::254]/", public, false},                  // AWS IMDS over IPv6
		{"http://[fe80::1]/", public, false},
		{"http://[::ffff:127.0.0.1]/", public, false}, // IPv4-mapped loopback
		{"http://[64:ff9b::a00:1]/", public, false},   // NAT64 to 10.0.0.1
		{"http://0.0.0.0/", public, false},
		{"http://[::]/", public, false},
		{"http://224.0.0.1/", public, false},
	}
	for _, tc := range tests {
		err := tc.sender.CheckURL(context.Background(), tc.url)
		if tc.ok && err != nil {
			t.Errorf("CheckURL(%s) = %v, want ok", tc.url, err)
		}
		if !tc.ok && !application.IsKind(err, application.KindInvalid) {
			t.Errorf("CheckURL(%s) = %v, want KindInvalid", tc.url, err)
		}
	}
	open := webhook.New(webhook.Options{AllowPrivate: true})
	for _, u := range []string{"http://127.0.0.1:9/", "http://10.0.0.1/", "http://localhost:8080/"} {
		if err := open.CheckURL(context.Background(), u); err != nil {
			t.Errorf("AllowPrivate: CheckURL(%s) = %v", u, err)
		}
	}
	if err := open.CheckURL(context.Background(), "gopher://127.0.0.1/"); err == nil {
		t.Error("AllowPrivate still allows only http(s)")
	}
}

func request(url string) application.WebhookRequest {
	return application.WebhookRequest{URL: url, Secret: testSecret, MessageID: "msg_test", Timestamp: time.Now(), Body: []byte(`{"type":"user.followed"}`)}
}

// The check at connection time refuses the resolved address, whatever the URL
// said when it was registered: "localhost" resolves to loopback at dial time.
func TestSendRefusesPrivateAddressAtConnection(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		resp := webhook.New(webhook.Options{}).Send(context.Background(), request(u))
		if !errors.Is(resp.Err, webhook.ErrRefusedAddress) || resp.StatusCode != 0 {
			t.Errorf("Send(%s) = %+v, want ErrRefusedAddress", u, resp)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the receiver on loopback was reached %d times", hits.Load())
	}
	resp := webhook.New(webhook.Options{AllowPrivate: true}).Send(context.Background(), request("http://localhost:"+port+"/"))
	if resp.Err != nil || resp.StatusCode != 200 || hits.Load() != 1 {
		t.Fatalf("with AllowPrivate: %+v, hits %d", resp, hits.Load())
	}
}

func TestSendSignsAndReports(t *testing.T) {
	wh, _ := standardwebhooks.NewWebhook(testSecret)
	var got http.Header
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotBody = r.Header.Clone(), must(io.ReadAll(r.Body))
		if r.Method != http.MethodPost || wh.Verify(gotBody, r.Header) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	req := request(srv.URL + "/hook")
	resp := webhook.New(webhook.Options{AllowPrivate: true}).Send(context.Background(), req)
	if resp.Err != nil || resp.StatusCode != http.StatusAccepted || resp.Duration <= 0 {
		t.Fatalf("Send = %+v (headers %v)", resp, got)
	}
	if got.Get("webhook-id") != "msg_test" || got.Get("webhook-timestamp") != strconv.FormatInt(req.Timestamp.Unix(), 10) ||
		got.Get("Content-Type") != "application/json" || string(gotBody) != string(req.Body) {
		t.Errorf("request headers %v body %s", got, gotBody)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	resp := webhook.New(webhook.Options{AllowPrivate: true}).Send(context.Background(), request(srv.URL))
	if resp.StatusCode != http.StatusTemporaryRedirect || followed.Load() != 0 {
		t.Fatalf("Send = %+v, redirect followed %d times; want the 307 as the answer", resp, followed.Load())
	}
}

// A receiver that answers an endless body does not hold the sender: it reads a few
// KiB and hangs up, and the status is the answer.
func TestSendReadsBoundedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 1024))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	resp := webhook.New(webhook.Options{AllowPrivate: true, Timeout: 5 * time.Second}).Send(context.Background(), request(srv.URL))
	if resp.Err != nil || resp.StatusCode != 200 {
		t.Fatalf("Send = %+v, want 200 after reading a bounded prefix", resp)
	}
}

func TestSendTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	resp := webhook.New(webhook.Options{AllowPrivate: true, Timeout: 100 * time.Millisecond}).Send(context.Background(), request(srv.URL))
	if resp.Err == nil || resp.StatusCode != 0 {
		t.Fatalf("Send to a silent receiver = %+v, want a timeout", resp)
	}
}
