package bootstrap

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"
)

// Every wxinvite_ family the adapters in this branch own, present on a fresh
// instance before any traffic (the callback's own families come with the WeChat
// callback's metrics).
var freshFamilies = []string{
	"wxinvite_http_requests_total", "wxinvite_http_request_seconds",
	"wxinvite_db_tx_retries_total", "wxinvite_db_unique_conflicts_total",
	"wxinvite_joins_total", "wxinvite_invites_total",
	"wxinvite_wechat_api_calls_total", "wxinvite_wechat_api_seconds", "wxinvite_wechat_token_refreshes_total",
	"wxinvite_callback_dedup_hits_total", "wxinvite_callback_deliveries_total", "wxinvite_callback_refusals_total",
	"wxinvite_enrich_dropped_total",
}

func startApp(t *testing.T, env map[string]string) *Listener {
	t.Helper()
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var ln *Listener
	app := fx.New(Options(cfg, fx.NopLogger, fx.Populate(&ln)))
	if err := app.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Stop(context.Background()) })
	return ln
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFreshInstanceExposesEveryFamily(t *testing.T) {
	ln := startApp(t, map[string]string{"WXINVITE_ADDR": "127.0.0.1:0", "WXINVITE_DATABASE_URL": "sqlite::memory:"})
	status, body := get(t, ln.LocalURL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	for _, f := range freshFamilies {
		if !strings.Contains(body, "\n# TYPE "+f+" ") {
			t.Errorf("a fresh instance does not expose %s", f)
		}
	}
	// Known label values are there at zero, e.g. the retry codes and the token results.
	for _, series := range []string{
		`wxinvite_db_tx_retries_total{code="1213"} 0`,
		`wxinvite_wechat_token_refreshes_total{result="fetched"} 0`,
		`wxinvite_joins_total{channel="scan",result="new"} 0`,
		`wxinvite_http_requests_total{method="GET",route="/readyz",status="200"} 0`,
		`wxinvite_callback_deliveries_total{event="subscribe",outcome="invited"} 0`,
		`wxinvite_callback_refusals_total{reason="timestamp_out_of_window"} 0`,
		`wxinvite_enrich_dropped_total 0`,
	} {
		if !strings.Contains(body, series) {
			t.Errorf("missing %s", series)
		}
	}
}

// With WXINVITE_METRICS_ADDR, /metrics moves to its own listener and leaves the
// public port; /readyz combines the adapters' checks and stays public.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := free.Addr().String()
	free.Close()
	ln := startApp(t, map[string]string{"WXINVITE_ADDR": "127.0.0.1:0", "WXINVITE_DATABASE_URL": "sqlite::memory:",
		"WXINVITE_METRICS_ADDR": metricsAddr})
	if status, _ := get(t, ln.LocalURL+"/metrics"); status != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", status)
	}
	if status, body := get(t, "http://"+metricsAddr+"/metrics"); status != http.StatusOK || !strings.Contains(body, "wxinvite_http_requests_total") {
		t.Errorf("metrics listener: %d", status)
	}
	if status, _ := get(t, "http://"+metricsAddr+"/readyz"); status != http.StatusNotFound {
		t.Errorf("the metrics listener serves only /metrics, /readyz gave %d", status)
	}
	if status, body := get(t, ln.LocalURL+"/readyz"); status != http.StatusOK {
		t.Errorf("/readyz: %d %s", status, body)
	}
}
