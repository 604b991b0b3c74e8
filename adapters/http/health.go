package httpadapter

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func (s *server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// credentialsInURL matches the user:password@ part of a URL.
var credentialsInURL = regexp.MustCompile(`://[^/@\s]*@`)

// handleReadyz reports whether the probe passes within two seconds. The reason is
// shown (operators need it) with any URL credentials removed.
func (s *server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			LoggerFrom(r.Context()).Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + credentialsInURL.ReplaceAllString(err.Error(), "://***@") + "\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}

func (s *server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{})
}

// MetricsHandler serves GET /metrics from g and nothing else: the handler of the
// separate metrics listener (WXINVITE_METRICS_ADDR).
func MetricsHandler(g prometheus.Gatherer) http.Handler {
	m := http.NewServeMux()
	m.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return m
}

// ReadinessCheck is one adapter's part of /readyz. Each adapter's bootstrap module
// contributes its own, so the web module needs to know none of them.
type ReadinessCheck struct {
	Name  string // shown with the failure, e.g. "storage"
	Check Probe
}

// Readiness combines checks into one Probe that fails with the first failing check,
// named; no checks means always ready.
func Readiness(checks ...ReadinessCheck) Probe {
	return func(ctx context.Context) error {
		for _, c := range checks {
			if err := c.Check(ctx); err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
		}
		return nil
	}
}
