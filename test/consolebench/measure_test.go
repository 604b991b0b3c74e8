package consolebench

import (
	"bufio"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// target is the bound on every page's render time.
const target = 100 * time.Millisecond

// measure fetches p b.N times after one untimed warm-up fetch, reports the mean
// (ms/page) and the median (p50-ms) and keeps the median in last for judge. It
// fails when a page lacks its snippet and, for a fresh page, when any fetch was
// served from the dashboard memo instead of reading the figures afresh. For the other
// pages it reports how many fetches read the figures afresh (fresh-reads; 0 for a
// dashboard served from the memo).
func measure(b *testing.B, c *client, p page, last *result) {
	before := c.freshReads(b)
	if path := p.next(); !strings.Contains(c.get(b, path), p.want) { // warm: query plans, template buffers
		b.Fatalf("%s: page lacks %q", path, p.want)
	}
	warm := c.freshReads(b)
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		path := p.next()
		t0 := time.Now()
		body := c.get(b, path)
		took = append(took, time.Since(t0))
		if !strings.Contains(body, p.want) {
			b.Fatalf("%s: page lacks %q", path, p.want)
		}
	}
	b.StopTimer()
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	slices.Sort(took)
	median := took[len(took)/2]
	if len(took)%2 == 0 {
		median = (took[len(took)/2-1] + median) / 2
	}
	b.ReportMetric(ms(sum)/float64(b.N), "ms/page")
	b.ReportMetric(ms(median), "p50-ms")
	after := c.freshReads(b)
	if p.fresh {
		if got := after - before; got != float64(b.N+1) {
			b.Fatalf("%d fetches read the figures afresh %v times: the memo answered some", b.N+1, got)
		}
	} else {
		b.ReportMetric(after-warm, "fresh-reads")
	}
	*last = result{median: median, n: b.N}
}

// result is a page's median over its last (largest) round of fetches.
type result struct {
	median time.Duration
	n      int
}

// judge fails b for every page whose median missed the target. It runs after the
// pages' sub-benchmarks, so it judges each page's final round, not the one fetch
// the testing package times first to size it.
func judge(b *testing.B, names []string, results map[string]*result) {
	for _, name := range names {
		if r := results[name]; r.n > 0 && r.median > target {
			b.Errorf("%s: median %.1f ms over %d fetches, target %s", name, ms(r.median), r.n, target)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// freshReads is how often the instance has read the dashboard's figures afresh
// (wxinvite_console_dashboard_read_seconds_count on /metrics).
func (c *client) freshReads(t testing.TB) float64 {
	t.Helper()
	const name = "wxinvite_console_dashboard_read_seconds_count "
	sc := bufio.NewScanner(strings.NewReader(c.get(t, "/metrics")))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", sc.Text(), err)
			}
			return n
		}
	}
	t.Fatalf("/metrics has no %s", strings.TrimSpace(name))
	return 0
}
