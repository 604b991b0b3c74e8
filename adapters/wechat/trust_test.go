package wechat

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The test clock stands at 1740830400 (2025-03-01 12:00:00 UTC).
const testNow = 1740830400

func TestCallbackTimestampWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		offset time.Duration
		status int
	}{
		{"now", 0, http.StatusOK},
		{"4m59s old", -(MaxClockSkew - time.Second), http.StatusOK},
		{"5m old", -MaxClockSkew, http.StatusOK},
		{"5m01s old", -(MaxClockSkew + time.Second), http.StatusForbidden},
		{"a day old", -24 * time.Hour, http.StatusForbidden},
		{"4m59s ahead", MaxClockSkew - time.Second, http.StatusOK},
		{"5m01s ahead", MaxClockSkew + time.Second, http.StatusForbidden},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				e := newCBEnv(t, envOpt{})
				ts := strconv.FormatInt(testNow+int64(tt.offset/time.Second), 10)
				q := signedQuery(ts, "nonce1")
				q.Set("echostr", "echo")
				w := e.do(method, q, eventXML("oNewcomer", testNow, "subscribe", ""))
				if w.Code != tt.status {
					t.Fatalf("status %d, want %d (%q)", w.Code, tt.status, w.Body)
				}
				if tt.status == http.StatusOK {
					return
				}
				if joins, _ := e.people.calls(); len(joins) != 0 || e.userCount(t) != 0 {
					t.Fatalf("a refused request reached Join: %d calls, %d users", len(joins), e.userCount(t))
				}
				if v := metricValue(t, e.reg, "wxinvite_callback_refusals_total", map[string]string{"reason": refuseTimestamp}); v != 1 {
					t.Fatalf("refusals{%s} = %v, want 1", refuseTimestamp, v)
				}
			})
		}
	}
	e := newCBEnv(t, envOpt{})
	if w := e.do(http.MethodGet, signedQuery("yesterday", "n"), ""); w.Code != http.StatusForbidden {
		t.Fatalf("non-numeric timestamp: %d", w.Code)
	}
}

func TestCallbackSafeModeRefusesPlaintext(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{cfg: func(c *CallbackConfig) { c.EncodingAESKey = testAESKey }})
	_, key := e.inviter(t, "oAlice", "Alice")
	sub := eventXML("oForged", testNow, "subscribe", key)
	unsub := eventXML("oAlice", testNow, "unsubscribe", "")
	for _, encType := range []string{"", "raw", "RAW"} {
		for _, body := range []string{sub, unsub} {
			q := signedQuery(strconv.Itoa(testNow), "nonce1")
			if encType != "" {
				q.Set("encrypt_type", encType)
			}
			if w := e.do(http.MethodPost, q, body); w.Code != http.StatusForbidden || w.Body.String() == "success" {
				t.Fatalf("plaintext (encrypt_type %q) with a key set: %d %q", encType, w.Code, w.Body)
			}
		}
	}
	if joins, unfollows := e.people.calls(); len(joins) != 0 || len(unfollows) != 0 {
		t.Fatalf("refused plaintext reached the use cases: %d joins, %d unfollows", len(joins), len(unfollows))
	}
	if _, ok := e.people.lookup("oForged"); ok {
		t.Fatal("a refused plaintext push created a user")
	}
	if v := metricValue(t, e.reg, "wxinvite_callback_refusals_total", map[string]string{"reason": refusePlaintext}); v != 6 {
		t.Fatalf("refusals{%s} = %v, want 6", refusePlaintext, v)
	}
	// The same push sealed as WeChat seals it goes through.
	q, body := aesRequest(t, testAESKey, testAppID, sub)
	if w := e.do(http.MethodPost, q, body); w.Code != http.StatusOK {
		t.Fatalf("aes push: %d %q", w.Code, w.Body)
	}
}

func TestCallbackPlaintextModeRejectsBadBodies(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	q := signedQuery(strconv.Itoa(testNow), "nonce123")
	cases := []struct {
		name   string
		body   string
		status int
		reason string
	}{
		{"body over 1 MiB", "<xml>" + strings.Repeat("a", MaxBodyBytes+1-5), http.StatusRequestEntityTooLarge, refuseTooLarge},
		{"malformed XML", "<xml><ToUserName>gh_", http.StatusBadRequest, refuseMalformed},
		{"JSON body", `{"ToUserName":"gh"}`, http.StatusBadRequest, refuseMalformed},
		{"wrong root", "<root><MsgType>event</MsgType></root>", http.StatusBadRequest, refuseMalformed},
	}
	for _, tc := range cases {
		if w := e.do(http.MethodPost, q, tc.body); w.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.status)
		}
	}
	if e.userCount(t) != 0 {
		t.Fatal("a refused push created a user")
	}
	if v := metricValue(t, e.reg, "wxinvite_callback_refusals_total", map[string]string{"reason": refuseMalformed}); v != 3 {
		t.Fatalf("refusals{malformed} = %v, want 3", v)
	}
}

// A refusal is logged with its reason, never with the body.
func TestCallbackRefusalLogsReasonNotBody(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	e := &cbEnv{people: newFakePeople(), enrich: &fakeEnqueuer{}, clock: &testClock{now: time.Unix(testNow, 0)}, reg: prometheus.NewRegistry()}
	cb, err := NewCallback(CallbackConfig{Token: testToken}, e.people, e.people, e.enrich, e.clock, e.reg, log)
	if err != nil {
		t.Fatal(err)
	}
	e.cb = cb
	q := signedQuery(strconv.Itoa(testNow-3600), "nonce1") // an hour old: a captured URL
	e.do(http.MethodPost, q, eventXML("oSECRETOPENID", testNow, "subscribe", "qrscene_SECRETKEY"))
	out := buf.String()
	if !strings.Contains(out, "reason="+refuseTimestamp) {
		t.Fatalf("log lacks the reason: %s", out)
	}
	if strings.Contains(out, "SECRET") {
		t.Fatalf("log carries the body: %s", out)
	}
}

// Every family the callback owns is exposed from start-up, with its known label
// values at zero, so rate() alerts have series before the first push.
func TestCallbackMetricsPresentAtStart(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]int{}
	labels := map[string]bool{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			series[mf.GetName()]++
			for _, lp := range m.GetLabel() {
				labels[mf.GetName()+"/"+lp.GetValue()] = true
			}
		}
	}
	want := map[string]int{
		"wxinvite_callback_deliveries_total": len(deliveryEvents()) * len(deliveryOutcomes),
		"wxinvite_callback_dedup_hits_total": 1,
		"wxinvite_callback_refusals_total":   len(refusalReasons),
		"wxinvite_enrich_dropped_total":      1,
	}
	for name, n := range want {
		if series[name] != n {
			t.Errorf("%s: %d series at start, want %d", name, series[name], n)
		}
	}
	for _, l := range []string{"subscribe", "scan", "unsubscribe", "other", "message", "verify", "unknown", "invited", "unchanged", "timeout"} {
		if !labels["wxinvite_callback_deliveries_total/"+l] {
			t.Errorf("deliveries has no %q series at start", l)
		}
	}
	if !labels["wxinvite_callback_refusals_total/"+refusePlaintext] || !labels["wxinvite_callback_refusals_total/"+refuseTimestamp] {
		t.Error("refusals lacks a known reason at start")
	}
}

func TestDispatchTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msgType, event, label string
	}{
		{"event", "subscribe", "subscribe"},
		{"EVENT", "Subscribe", "subscribe"},
		{"event", "SCAN", "scan"},
		{"event", "unsubscribe", "unsubscribe"},
		{"event", "CLICK", "click"},
		{"event", "VIEW", "view"},
		{"event", "TEMPLATESENDJOBFINISH", "templatesendjobfinish"},
		{"event", "LOCATION", "other"},
		{"text", "", "text"},
		{"text", "subscribe", "text"}, // Event only counts on events
		{"image", "", "message"},
	}
	for _, tt := range tests {
		if got := routeOf(Message{MsgType: tt.msgType, Event: tt.event}).label; got != tt.label {
			t.Errorf("routeOf(%s, %s) = %q, want %q", tt.msgType, tt.event, got, tt.label)
		}
	}
}

// A copy of an unsubscribe older than the state (the re-follow came later) is
// passed on with its own CreateTime and counted as unchanged.
func TestCallbackLateUnsubscribeIsUnchanged(t *testing.T) {
	t.Parallel()
	e := newCBEnv(t, envOpt{})
	e.postPlain(eventXML("oBob", testNow-120, "subscribe", ""))
	e.postPlain(eventXML("oBob", testNow-60, "unsubscribe", ""))
	e.postPlain(eventXML("oBob", testNow-30, "subscribe", ""))
	// The late copy reaches an instance whose dedup cache never saw it.
	other := newCBEnv(t, envOpt{people: e.people})
	other.postPlain(eventXML("oBob", testNow-60, "unsubscribe", ""))
	if !e.user(t, "oBob").Following {
		t.Fatal("a late unsubscribe un-followed someone who followed again")
	}
	if v := metricValue(t, other.reg, "wxinvite_callback_deliveries_total", map[string]string{"event": "unsubscribe", "outcome": "unchanged"}); v != 1 {
		t.Fatalf("deliveries{unsubscribe,unchanged} = %v, want 1", v)
	}
}
