package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Issue 19's targets, judged from the runs of one invocation (medians over -rounds).
const (
	targetSafeRatio = 0.85               // safe mode vs plaintext throughput
	targetRSS       = 100 << 20          // resident memory at the end of the long run
	targetRSSGrowth = 0.10               // end minus the value after the first 100k joins
	tokenLifetime   = 7200 * time.Second // WeChat's access token lifetime
)

// storeOf is the store part of a mode name ("mysql+aes+campaign" → "mysql").
func storeOf(mode string) string {
	s, _, _ := strings.Cut(mode, "+")
	return s
}

// printTargets writes one line per target and store: what was measured (the
// median over the runs that apply), the target, and PASS or MISS.
func printTargets(w io.Writer, results []*result) {
	if len(results) == 0 {
		return
	}
	var stores []string
	by := map[string][]*result{}
	for _, r := range results {
		s := storeOf(r.Mode)
		if _, seen := by[s]; !seen {
			stores = append(stores, s)
		}
		by[s] = append(by[s], r)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "targets (issue 19), medians over the runs of this invocation:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "store\ttarget\tmeasured\tover\tresult\t")
	line := func(store, target, measured, over string, ok bool) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", store, target, measured, over, passMiss(ok))
	}
	for _, s := range stores {
		var ratios, p99s, plain, safe, plainNorm, safeNorm []float64
		var db []map[string]float64
		// The targets are for the full path: with a campaign running when such runs exist.
		full := false
		for _, r := range by[s] {
			full = full || (r.Memory == nil && strings.Contains(r.Mode, "+campaign"))
		}
		for _, r := range by[s] {
			if r.Memory != nil || (full && !strings.Contains(r.Mode, "+campaign")) {
				continue
			}
			if r.Raw != nil && r.Raw.rate() > 0 {
				if r.AES {
					safeNorm = append(safeNorm, r.App.rate()/r.Raw.rate())
				} else {
					plainNorm = append(plainNorm, r.App.rate()/r.Raw.rate())
				}
			}
			if r.Raw != nil && r.Raw.rate() > 0 && !r.AES {
				ratios = append(ratios, r.App.rate()/r.Raw.rate())
			}
			if !r.AES {
				p99s = append(p99s, float64(r.App.pct(.99)))
				plain = append(plain, r.App.rate())
				if r.DB != nil {
					db = append(db, r.DB)
				}
			} else {
				safe = append(safe, r.App.rate())
			}
		}
		if len(ratios) > 0 {
			m := median(ratios)
			line(s, "scan path >= 50% of raw insert tx/s", fmt.Sprintf("%.0f%%", 100*m), fmt.Sprintf("%d runs", len(ratios)), m >= targetJoinRatio)
		}
		if len(p99s) > 0 {
			m := time.Duration(median(p99s))
			line(s, "p99 < 50 ms at C concurrent", ms(m)+" ms", fmt.Sprintf("%d runs", len(p99s)), m < targetP99)
		}
		if len(safe) > 0 && len(plain) > 0 {
			m := median(safe) / median(plain)
			line(s, "safe mode >= 85% of plaintext", fmt.Sprintf("%.0f%% (%.0f vs %.0f/s)", 100*m, median(safe), median(plain)), fmt.Sprintf("%d/%d runs", len(safe), len(plain)), m >= targetSafeRatio)
			if len(safeNorm) > 0 && len(plainNorm) > 0 {
				// Each run divided by its own raw insert rate: damps a machine whose load
				// changed between the plaintext and the safe-mode runs.
				fmt.Fprintf(tw, "%s\t  same, each run over its raw inserts\t%.0f%% (%.0f%% vs %.0f%% of raw)\t\t\t\n", s,
					100*median(safeNorm)/median(plainNorm), 100*median(safeNorm), 100*median(plainNorm))
			}
		}
		for _, r := range by[s] {
			if r.Memory == nil || len(r.Memory.Samples) == 0 {
				continue
			}
			m := r.Memory
			line(s, "RSS < 100 MiB after the long run", mib(m.End)+" MiB (heap "+mib(m.Heap)+")", fmt.Sprintf("%d joins", m.Joins), m.End < targetRSS)
			line(s, "RSS end - after 100k < 10%", fmt.Sprintf("%+.1f%% (%s -> %s MiB)", 100*m.growth(), mib(m.Samples[0]), mib(m.End)), fmt.Sprintf("%d joins", m.Joins), m.growth() < targetRSSGrowth)
			fmt.Fprintf(tw, "%s\t  RSS every 100k joins (MiB)\t%s\t%.0f joins/s, p99 %s ms\t\t\n", s, rssCurve(m.Samples), r.App.rate(), ms(r.LongP99))
		}
		tokensOK, fetches, insts := true, 0, 0
		for _, r := range by[s] {
			fetches += r.TokenFetches
			insts += r.Instances
			// Every run starts fresh instances and lasts far less than a token's life.
			if r.TokenFetches > r.Instances {
				tokensOK = false
			}
		}
		line(s, "one token fetch per token lifetime", fmt.Sprintf("%d fetches for %d fresh instances", fetches, insts), fmt.Sprintf("runs < %v each", tokenLifetime), tokensOK)
		if len(db) > 0 {
			fmt.Fprintf(tw, "%s\t  server counters per join (median run)\t%s\t\t\t\n", s, formatPerOp(medianCounters(db)))
		}
		var raw []map[string]float64
		for _, r := range by[s] {
			if r.RawDB != nil {
				raw = append(raw, r.RawDB)
			}
		}
		if len(raw) > 0 {
			fmt.Fprintf(tw, "%s\t  same per raw insert (yardstick)\t%s\t\t\t\n", s, formatPerOp(medianCounters(raw)))
		}
	}
	_ = tw.Flush()
}

// medianCounters is the per-counter median of several perOp readings.
func medianCounters(ms []map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for _, k := range statusNames {
		var v []float64
		for _, m := range ms {
			v = append(v, m[k])
		}
		out[k] = median(v)
	}
	return out
}

func rssCurve(s []int64) string {
	var b strings.Builder
	for i, v := range s {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(mib(v))
	}
	return b.String()
}
