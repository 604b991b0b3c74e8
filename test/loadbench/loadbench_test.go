package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the whole benchmark small on SQLite so CI keeps the tool working:
// every reply must verify and the counts must add up exactly.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an instance; skipped with -short")
	}
	const k, n, c = 2, 10, 4
	res := runMode(t, config{Store: "sqlite", K: k, N: n, C: c, Timeout: 2 * time.Minute, ReqTimeout: 10 * time.Second, Logf: t.Logf})
	var out bytes.Buffer
	printTable(&out, []*result{res})
	t.Log("\n" + out.String())
	if res.App.N != k*n || res.App.Failures != 0 || res.Verified != k*n {
		t.Errorf("replies: %d sent, %d failed, %d verified; want %d verified: %v", res.App.N, res.App.Failures, res.Verified, k*n, res.App.FirstFailures)
	}
	if !res.CountsOK {
		t.Errorf("counts do not add up: %s", strings.Join(res.CountProblems, "; "))
	}
	if res.Stats.Invites != k*n || res.Stats.Users != k+k*n {
		t.Errorf("stats = %+v, want invites %d and users %d", res.Stats, k*n, k+k*n)
	}
	if res.Bare.Failures != 0 || res.Bare.rate() <= 0 {
		t.Errorf("bare handler: %d failures, %.0f/s", res.Bare.Failures, res.Bare.rate())
	}
	if res.Outcomes["invited"] != k*n {
		t.Errorf("callback outcomes %v, want %d invited", res.Outcomes, k*n)
	}
}

// TestSmokeAES is the same in safe mode (encrypted pushes and replies).
func TestSmokeAES(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an instance; skipped with -short")
	}
	res := runMode(t, config{Store: "sqlite", K: 2, N: 5, C: 3, AES: true, Timeout: 2 * time.Minute, Logf: t.Logf})
	if res.App.Failures != 0 || res.Verified != 10 || !res.CountsOK {
		t.Errorf("aes: %d failures %v, %d verified, counts %v", res.App.Failures, res.App.FirstFailures, res.Verified, res.CountProblems)
	}
}
