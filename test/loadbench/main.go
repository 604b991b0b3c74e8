// Command loadbench drives the scan path of assembled wxinvite instances with
// signed subscribe pushes and reports throughput and latency next to the ceilings
// of this machine: a bare net/http handler and the database's raw INSERT rate.
//
//	go run ./test/loadbench                         # sqlite (+ mysql when WXINVITE_TEST_MYSQL_URL is set)
//	go run ./test/loadbench -store sqlite,mysql,galera -mysql mysql://root@127.0.0.1:3306/x
//	go run ./test/loadbench -k 20 -n 250 -c 64 -aes -cpuprofile /tmp/cpu
//
// `make bench` runs it with $(BENCHFLAGS). The instances run in this process
// (test/harness), so -cpuprofile/-mutexprofile/-blockprofile of the measured phase
// show where the service spends its time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/wxinvite/wxinvite/test/galera"
)

// Targets the table reports against (not asserted).
const (
	targetP99       = 50 * time.Millisecond
	targetJoinRatio = 0.5
)

func main() {
	var (
		stores  = flag.String("store", "", "comma-separated modes: sqlite, mysql, galera (default: sqlite, plus mysql when a MySQL URL is known)")
		myURL   = flag.String("mysql", os.Getenv("WXINVITE_TEST_MYSQL_URL"), "MySQL server for -store mysql, as mysql://USER[:PASS]@HOST:PORT/DB (a fresh wxinvite_bench_* database is created and dropped there)")
		k       = flag.Int("k", 20, "inviters")
		n       = flag.Int("n", 250, "new followers per inviter (events = k*n)")
		c       = flag.Int("c", 64, "concurrent senders")
		aes     = flag.Bool("aes", false, "safe mode: encrypted pushes and replies")
		camp    = flag.String("campaign", "both", "scan path without a running campaign (off), with one (on), or both, one after the other")
		webhook = flag.Bool("webhook", false, "register a webhook endpoint on loopback for every event type, so the scan path writes its outbox messages")
		rounds  = flag.Int("rounds", 1, "repeat the runs of each mode this many times, alternating with and without a campaign; the comparison uses the medians")
		timeout = flag.Duration("timeout", 15*time.Minute, "bound on each mode, set-up included")
		reqTO   = flag.Duration("req-timeout", 15*time.Second, "bound on each request")
		logLvl  = flag.String("log-level", "error", "the instances' WXINVITE_LOG_LEVEL")
		cpu     = flag.String("cpuprofile", "", "write a CPU profile of each mode's measured phase to PREFIX.MODE.pprof")
		mutex   = flag.String("mutexprofile", "", "write a mutex profile of each mode's measured phase to PREFIX.MODE.pprof")
		block   = flag.String("blockprofile", "", "write a block profile of each mode's measured phase to PREFIX.MODE.pprof")
		trc     = flag.String("trace", "", "write an execution trace of each mode's measured phase to PREFIX.MODE.trace (go tool trace -pprof=syscall|sched|sync)")
		verbose = flag.Bool("v", false, "progress messages on stderr")
	)
	flag.Parse()
	if *k < 1 || *n < 1 || *c < 1 || *k > 10000 || *n > 100000 || *c > 1024 {
		fmt.Fprintln(os.Stderr, "loadbench: want 1 <= k <= 10000, 1 <= n <= 100000, 1 <= c <= 1024")
		os.Exit(2)
	}
	modes := splitModes(*stores, *myURL)
	logf := func(format string, args ...any) {
		if *verbose {
			fmt.Fprintf(os.Stderr, "loadbench: "+format+"\n", args...)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var results []*result
	failed := false
	for _, m := range modes {
		if ctx.Err() != nil {
			break
		}
		if m == "galera" {
			if ok, why := galera.Available(); !ok {
				fmt.Fprintf(os.Stderr, "loadbench: skipping galera: %s\n", why)
				continue
			}
		}
		if m == "mysql" && *myURL == "" {
			fmt.Fprintln(os.Stderr, "loadbench: skipping mysql: give -mysql URL or set WXINVITE_TEST_MYSQL_URL")
			continue
		}
		var runs []bool
		for range max(*rounds, 1) {
			runs = append(runs, campaignModes(*camp)...)
		}
		for _, withCampaign := range runs {
			cfg := config{Store: m, MySQLURL: *myURL, K: *k, N: *n, C: *c, AES: *aes, Campaign: withCampaign, Webhook: *webhook, Timeout: *timeout, ReqTimeout: *reqTO,
				LogLevel: *logLvl, CPUProfile: *cpu, MutexProfile: *mutex, BlockProfile: *block, Trace: *trc, Logf: logf}
			logf("mode %s: K=%d N=%d C=%d aes=%v campaign=%v", m, *k, *n, *c, *aes, withCampaign)
			res, err := runWithTB(ctx, cfg)
			if err != nil {
				fmt.Fprintf(os.Stderr, "loadbench: %s: %v\n", m, err)
				failed = true
				continue
			}
			if !res.ok() {
				failed = true
			}
			results = append(results, res)
		}
	}
	printTable(os.Stdout, results)
	if failed {
		os.Exit(1)
	}
}

// campaignModes turns -campaign into the runs to make for each store.
func campaignModes(v string) []bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "off", "false", "no":
		return []bool{false}
	case "on", "true", "yes":
		return []bool{true}
	}
	return []bool{false, true}
}

func splitModes(stores, myURL string) []string {
	if strings.TrimSpace(stores) == "" {
		if myURL != "" {
			return []string{"sqlite", "mysql"}
		}
		return []string{"sqlite"}
	}
	var out []string
	for _, s := range strings.Split(stores, ",") {
		if s = strings.TrimSpace(strings.ToLower(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// runWithTB runs one mode with a testing.TB of our own (the harness takes one), and
// runs its cleanups — instances, emulator, Galera nodes, databases — whatever happens.
func runWithTB(ctx context.Context, cfg config) (res *result, err error) {
	t := &mainTB{logf: cfg.Logf}
	defer t.runCleanups()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			fmt.Fprintln(os.Stderr, "loadbench: interrupted; stopping")
			t.cancelAll()
		case <-done:
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			var f fatal
			if e, ok := r.(fatal); ok {
				f = e
			} else {
				panic(r)
			}
			res, err = nil, errors.New(string(f))
		}
	}()
	res = runMode(t, cfg)
	return res, nil
}

// fatal is the panic value of mainTB.Fatalf, recovered by runWithTB.
type fatal string

// mainTB is the testing.TB the harness needs outside `go test`: Helper, Cleanup,
// Fatalf and TempDir are what it uses. Embedding the interface satisfies testing.TB's
// unexported method; any other method would panic on the nil embedded value.
type mainTB struct {
	testing.TB
	logf     func(string, ...any)
	mu       sync.Mutex
	cleanups []func()
	failed   bool
	cancels  []context.CancelFunc
}

func (t *mainTB) Helper()      {}
func (t *mainTB) Name() string { return "loadbench" }
func (t *mainTB) Failed() bool { t.mu.Lock(); defer t.mu.Unlock(); return t.failed }
func (t *mainTB) Cleanup(f func()) {
	t.mu.Lock()
	t.cleanups = append(t.cleanups, f)
	t.mu.Unlock()
}
func (t *mainTB) Logf(format string, args ...any) { t.logf(format, args...) }
func (t *mainTB) Log(args ...any)                 { t.logf("%s", fmt.Sprint(args...)) }
func (t *mainTB) Errorf(format string, args ...any) {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	fmt.Fprintf(os.Stderr, "loadbench: "+format+"\n", args...)
}
func (t *mainTB) Error(args ...any)                 { t.Errorf("%s", fmt.Sprint(args...)) }
func (t *mainTB) Fatalf(format string, args ...any) { panic(fatal(fmt.Sprintf(format, args...))) }
func (t *mainTB) Fatal(args ...any)                 { panic(fatal(fmt.Sprint(args...))) }
func (t *mainTB) FailNow()                          { panic(fatal("FailNow")) }
func (t *mainTB) Skipf(format string, args ...any) {
	panic(fatal("skipped: " + fmt.Sprintf(format, args...)))
}
func (t *mainTB) Skip(args ...any) { panic(fatal("skipped: " + fmt.Sprint(args...))) }
func (t *mainTB) Context() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.mu.Lock()
	t.cancels = append(t.cancels, cancel)
	t.mu.Unlock()
	return ctx
}
func (t *mainTB) TempDir() string {
	d, err := os.MkdirTemp("", "wxinvite-loadbench-")
	if err != nil {
		t.Fatalf("TempDir: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(d) })
	return d
}

func (t *mainTB) cancelAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.cancels {
		c()
	}
}

func (t *mainTB) runCleanups() {
	for {
		t.mu.Lock()
		if len(t.cleanups) == 0 {
			t.mu.Unlock()
			break
		}
		f := t.cleanups[len(t.cleanups)-1]
		t.cleanups = t.cleanups[:len(t.cleanups)-1]
		t.mu.Unlock()
		func() {
			defer func() {
				if r := recover(); r != nil {
					fmt.Fprintf(os.Stderr, "loadbench: cleanup: %v\n", r)
				}
			}()
			f()
		}()
	}
	t.cancelAll()
}

func (r *result) ok() bool {
	return r.App.Failures == 0 && r.Verified == r.App.N && r.CountsOK
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// printTable writes the summary table and, below it, the details of each mode.
func printTable(w io.Writer, results []*result) {
	if len(results) == 0 {
		fmt.Fprintln(w, "loadbench: no mode ran")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tinst\tevents\tC\tevents/s\tp50 ms\tp95 ms\tp99 ms\tp99<50ms\tbare ev/s\tapp/bare\traw rows/s\tjoin/raw\t>=50%\ttx retries\tverified\tcounts\t")
	for _, r := range results {
		raw, ratio, rawPass, retries := "-", "-", "-", "-"
		if r.Raw != nil && r.Raw.rate() > 0 {
			raw = fmt.Sprintf("%.0f", r.Raw.rate())
			jr := r.App.rate() / r.Raw.rate()
			ratio = fmt.Sprintf("%.0f%%", 100*jr)
			rawPass = passMiss(jr >= targetJoinRatio)
		}
		if r.Instances > 1 || r.TxRetries > 0 || strings.HasPrefix(r.Mode, "galera") {
			retries = fmt.Sprintf("%.0f", r.TxRetries)
		}
		appBare := "-"
		if r.Bare.rate() > 0 {
			appBare = fmt.Sprintf("%.1f%%", 100*r.App.rate()/r.Bare.rate())
		}
		counts := "OK"
		if !r.CountsOK {
			counts = "WRONG"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\t\n",
			r.Mode, r.Instances, r.App.N, r.C, r.App.rate(), ms(r.App.pct(.50)), ms(r.App.pct(.95)), ms(r.App.pct(.99)),
			passMiss(r.App.pct(.99) < targetP99 && r.App.Failures == 0), r.Bare.rate(), appBare, raw, ratio, rawPass, retries,
			r.Verified, r.App.N, counts)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, r := range results {
		fmt.Fprintf(w, "%s: K=%d inviters x N=%d = %d events, C=%d, %d instance(s); app %v (max %s ms), bare handler %v (p99 %s ms)",
			r.Mode, r.K, r.N, r.App.N, r.C, r.Instances, r.App.Elapsed.Round(time.Millisecond), ms(r.App.pct(1)), r.Bare.Elapsed.Round(time.Millisecond), ms(r.Bare.pct(.99)))
		if r.Raw != nil {
			fmt.Fprintf(w, ", raw inserts %v (p50 %s / p99 %s ms, %d retried)", r.Raw.Elapsed.Round(time.Millisecond), ms(r.Raw.pct(.5)), ms(r.Raw.pct(.99)), r.RawRetries)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  stats: users=%d invites=%d scan=%d followers=%d; outcomes %v\n",
			r.Stats.Users, r.Stats.Invites, r.Stats.InvitesByChannel["scan"], r.Stats.Followers, r.Outcomes)
		for _, f := range r.App.FirstFailures {
			fmt.Fprintf(w, "  reply failure %s\n", f)
		}
		if r.App.Failures > len(r.App.FirstFailures) {
			fmt.Fprintf(w, "  ... %d reply failures in all\n", r.App.Failures)
		}
		for _, p := range r.CountProblems {
			fmt.Fprintf(w, "  count problem: %s\n", p)
		}
		if r.Bare.Failures > 0 {
			fmt.Fprintf(w, "  bare handler failures: %d %v\n", r.Bare.Failures, r.Bare.FirstFailures)
		}
		if r.Raw != nil && r.Raw.Failures > 0 {
			fmt.Fprintf(w, "  raw insert failures: %d %v\n", r.Raw.Failures, r.Raw.FirstFailures)
		}
	}
	printCampaignRatios(w, results)
}

// targetCampaignRatio is the share of the throughput without a campaign the scan
// path must keep with one running (issue 14).
const targetCampaignRatio = 0.85

// printCampaignRatios sets the "+campaign" runs next to the same mode without one,
// by the median rate of each (several -rounds damp a noisy shared machine).
func printCampaignRatios(w io.Writer, results []*result) {
	rates := map[string][]float64{}
	var order []string
	for _, r := range results {
		if _, seen := rates[r.Mode]; !seen {
			order = append(order, r.Mode)
		}
		rates[r.Mode] = append(rates[r.Mode], r.App.rate())
	}
	for _, mode := range order {
		base := strings.TrimSuffix(mode, "+campaign")
		without := rates[base]
		if base == mode || len(without) == 0 {
			continue
		}
		on, off := median(rates[mode]), median(without)
		if off == 0 {
			continue
		}
		ratio := on / off
		fmt.Fprintf(w, "%s: with a running campaign %.0f events/s vs %.0f without (median of %d/%d runs) = %.0f%% (target >= %.0f%%: %s)\n",
			base, on, off, len(rates[mode]), len(without), 100*ratio, 100*targetCampaignRatio, passMiss(ratio >= targetCampaignRatio))
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
