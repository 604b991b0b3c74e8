package webhook

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxinvite/wxinvite/application"
)

// AttemptMetrics counts webhook attempts by what they led to (delivered, retry,
// failed) and times them, so operators see a failing receiver before it is disabled.
type AttemptMetrics struct {
	attempts *prometheus.CounterVec
	seconds  prometheus.Histogram
}

// NewAttemptMetrics registers the families on reg, every outcome present at zero.
func NewAttemptMetrics(reg prometheus.Registerer) (*AttemptMetrics, error) {
	m := &AttemptMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxinvite_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome: delivered, pending (will be retried), failed (no retry left).",
		}, []string{"outcome"}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "wxinvite_webhook_attempt_seconds",
			Help:    "Duration of webhook delivery attempts.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	for _, c := range []prometheus.Collector{m.attempts, m.seconds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, o := range []string{"delivered", "pending", "failed"} {
		m.attempts.WithLabelValues(o)
	}
	return m, nil
}

// Observe records one finished attempt; it fits application.RelayOptions.OnAttempt.
func (m *AttemptMetrics) Observe(_ application.ClaimedDelivery, o application.AttemptOutcome) {
	m.attempts.WithLabelValues(string(o.Status)).Inc()
	m.seconds.Observe(o.Duration.Seconds())
}
