package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

// The long memory run: -joins J sends J scan joins built as they are sent (nothing
// per join is kept by the load generator: no prepared pushes, no per-request
// latencies, no emulated persons), so the process's resident memory is the
// instance's plus a constant, sampled every rssEvery joins.

// rssEvery is how often (in completed joins) the long run samples resident memory;
// the first sample is "after the first 100k" the target compares the end with.
const rssEvery = 100_000

// memoryRun is what the long run measured.
type memoryRun struct {
	Joins   int
	Samples []int64 // VmRSS after each rssEvery joins
	End     int64   // VmRSS after the last join (after a GC)
	Heap    int64   // Go heap in use at the end (after a GC)
}

// growth is the end minus the first sample, relative to the first sample.
func (m *memoryRun) growth() float64 {
	if m == nil || len(m.Samples) == 0 || m.Samples[0] == 0 {
		return 0
	}
	return float64(m.End-m.Samples[0]) / float64(m.Samples[0])
}

// latencyHist keeps latencies in 0.1 ms buckets up to 10 s: constant memory for
// any number of requests, exact enough for a p99.
type latencyHist struct {
	mu      sync.Mutex
	buckets [100_000]uint32
	n       int
}

func (h *latencyHist) add(d time.Duration) {
	i := int(d / (100 * time.Microsecond))
	if i >= len(h.buckets) {
		i = len(h.buckets) - 1
	}
	h.mu.Lock()
	h.buckets[i]++
	h.n++
	h.mu.Unlock()
}

// pct is the q-th latency quantile, rounded up to its bucket's upper edge.
func (h *latencyHist) pct(q float64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	want := int(q*float64(h.n) + 0.999999)
	seen := 0
	for i, c := range h.buckets {
		seen += int(c)
		if seen >= want && c > 0 {
			return time.Duration(i+1) * 100 * time.Microsecond
		}
	}
	return 0
}

// fireLong sends cfg's joins with c senders, building each push as it goes.
func fireLong(ctx context.Context, client *http.Client, joins, c int, reqTimeout time.Duration,
	build func(i int) (push, error), base []string, check func(p push, status int, body []byte) error) (phase, *memoryRun, *latencyHist) {
	mem := &memoryRun{Joins: joins}
	hist := &latencyHist{}
	var next, done atomic.Int64
	var failures atomic.Int64
	var mu sync.Mutex
	var first []string
	fail := func(i int, err error) {
		failures.Add(1)
		mu.Lock()
		if len(first) < 5 {
			first = append(first, fmt.Sprintf("#%d: %v", i, err))
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	began := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= joins {
					return
				}
				err := ctx.Err()
				var p push
				if err == nil {
					p, err = build(i)
				}
				if err == nil {
					err = sendOne(ctx, client, base[p.target]+p.query, p.body, reqTimeout, hist, func(status int, body []byte) error { return check(p, status, body) })
				}
				if err != nil {
					fail(i, err)
				}
				if n := done.Add(1); n%rssEvery == 0 {
					mu.Lock()
					mem.Samples = append(mem.Samples, rssBytes())
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mem.End, mem.Heap = rssBytes(), int64(ms.HeapInuse)
	ph := phase{N: joins, Elapsed: elapsed, Failures: int(failures.Load()), FirstFailures: first}
	return ph, mem, hist
}

func sendOne(ctx context.Context, client *http.Client, u string, body []byte, reqTimeout time.Duration, hist *latencyHist, check func(int, []byte) error) error {
	req, err := newPost(u, body)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, reqTimeout)
	defer cancel()
	req = req.WithContext(rctx)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	hist.add(time.Since(start))
	if err != nil {
		return err
	}
	return check(resp.StatusCode, b)
}

// longOpenID is the openid of join i of run prefix: 28 characters like WeChat's.
// These persons are not registered with the emulator (it would keep every one), so
// the background user/info lookup answers "invalid openid" for them.
func longOpenID(prefix string, i int) string {
	return "o" + prefix + fmt.Sprintf("%019d", i)
}

// longPushBuilder builds push i of the long run for inviter i%len(invs).
func longPushBuilder(token, originalID string, invs []inviter, targets int, cipher *wxcrypto.Cipher) func(i int) (push, error) {
	prefix := randHex(4)
	return func(i int) (push, error) {
		now := time.Now().Unix()
		in := i % len(invs)
		p, err := buildPush(token, originalID, longOpenID(prefix, i), now, strconv.FormatInt(now, 10), "qrscene_"+invs[in].qr.Scene, invs[in].qr.Ticket, cipher)
		p.target, p.inviter = i%targets, in
		return p, err
	}
}
