package wechat

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type clientMetrics struct {
	calls     *prometheus.CounterVec
	seconds   *prometheus.HistogramVec
	refreshes *prometheus.CounterVec
	// ticketRefreshes is refreshes for the JS-SDK jsapi_ticket.
	ticketRefreshes *prometheus.CounterVec
}

func newClientMetrics(reg prometheus.Registerer) (*clientMetrics, error) {
	m := &clientMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxinvite_wechat_api_calls_total",
			Help: "WeChat API calls by endpoint and errcode (0 = success; timeout, network, http_NNN for transport failures).",
		}, []string{"endpoint", "errcode"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wxinvite_wechat_api_seconds",
			Help:    "Latency of WeChat API calls.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"endpoint"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxinvite_wechat_token_refreshes_total",
			Help: "access_token acquisitions that missed the local cache: fetched (this instance called WeChat), adopted (another instance's token from the store), error, timeout.",
		}, []string{"result"}),
		ticketRefreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxinvite_wechat_jsapi_ticket_refreshes_total",
			Help: "jsapi_ticket acquisitions that missed the local cache, by the same results as the token's.",
		}, []string{"result"}),
	}
	// Every series a dashboard or alert needs exists from start-up at zero.
	for _, ep := range []string{epToken, epStableToken, epQRCreate, epUserInfo, epSNSToken, epSNSUserinfo} {
		m.calls.WithLabelValues(ep, "0")
		m.seconds.WithLabelValues(ep)
	}
	for _, result := range []string{"fetched", "adopted", "error", "timeout"} {
		m.refreshes.WithLabelValues(result)
	}
	var err error
	if m.calls, err = register(reg, m.calls); err != nil {
		return nil, err
	}
	if m.seconds, err = register(reg, m.seconds); err != nil {
		return nil, err
	}
	if m.refreshes, err = register(reg, m.refreshes); err != nil {
		return nil, err
	}
	if m.ticketRefreshes, err = register(reg, m.ticketRefreshes); err != nil {
		return nil, err
	}
	return m, nil
}

type callbackMetrics struct {
	deliveries *prometheus.CounterVec
	dedupHits  prometheus.Counter
	refusals   *prometheus.CounterVec
}

// deliveryOutcomes are the outcome label values of wxinvite_callback_deliveries_total.
var deliveryOutcomes = []string{"invited", "joined", "returned", "existing", "unfollowed", "unchanged", "duplicate", "rejected", "ignored", "error", "timeout",
	"poster", "replied", "view", "unknown_user"} // the chat loop's (chat.go)

// deliveryEvents are its event label values: every route's, the fallbacks', and
// "verify" (GET) and "unknown" (refused before the push was read).
func deliveryEvents() []string {
	seen := map[string]bool{}
	var out []string
	add := func(l string) {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	for _, r := range routes {
		add(r.label)
	}
	add(otherEvent.label)
	add(otherMessage.label)
	add("verify")
	add("unknown")
	return out
}

// newCallbackMetrics registers the callback's families with every known label
// combination at zero, so that a fresh instance exposes them and rate() alerts have
// a series from start-up. With an enqueuer, the enrichment drops are exposed too.
func newCallbackMetrics(reg prometheus.Registerer, enrich enqueuer) (*callbackMetrics, error) {
	m := &callbackMetrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxinvite_callback_deliveries_total",
			Help: "WeChat callback deliveries by event and outcome (invited, joined, returned (a known person follows again), existing, unfollowed, unchanged, duplicate, rejected, ignored, error, timeout).",
		}, []string{"event", "outcome"}),
		dedupHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wxinvite_callback_dedup_hits_total",
			Help: "Deliveries answered from the dedup cache or a concurrent twin instead of being processed again.",
		}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxinvite_callback_refusals_total",
			Help: "Callback requests refused before processing, by reason (signature, timestamp window, plaintext in safe mode, malformed, ...).",
		}, []string{"reason"}),
	}
	for _, ev := range deliveryEvents() {
		for _, o := range deliveryOutcomes {
			m.deliveries.WithLabelValues(ev, o)
		}
	}
	for _, r := range refusalReasons {
		m.refusals.WithLabelValues(r)
	}
	var err error
	if m.deliveries, err = register(reg, m.deliveries); err != nil {
		return nil, err
	}
	if m.dedupHits, err = register(reg, m.dedupHits); err != nil {
		return nil, err
	}
	if m.refusals, err = register(reg, m.refusals); err != nil {
		return nil, err
	}
	if enrich != nil {
		dropped := prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "wxinvite_enrich_dropped_total",
			Help: "New followers whose background profile completion was skipped: the queue was full or the instance was stopping.",
		}, func() float64 { return float64(enrich.Dropped()) })
		if _, err := register(reg, prometheus.Collector(dropped)); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// register registers c on reg, reusing an identical collector already registered
// (two clients in one process share the series instead of failing to start).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("wechat: register metrics: %w", err)
	}
	return c, nil
}
