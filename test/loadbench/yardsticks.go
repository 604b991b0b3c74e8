package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the raw SQLite yardstick opens its own file
)

// The yardsticks the scan path is compared with in the same run, and the counters
// that say what one join costs the database.

// runRawSQLite is SQLite's raw single-row INSERT transaction rate (BEGIN; INSERT;
// COMMIT) on a scratch file next to the instance's, with the store's own settings:
// WAL, synchronous NORMAL, one connection that c writers share.
func runRawSQLite(ctx context.Context, path string, rows, c int) (phase, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)", "journal_mode(WAL)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return phase{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE loadbench_raw (id INTEGER PRIMARY KEY AUTOINCREMENT,
		openid TEXT NOT NULL UNIQUE, invite_code TEXT NOT NULL, created_at DATETIME NOT NULL)`); err != nil {
		return phase{}, err
	}
	prefix := randHex(4)
	lat := make([]time.Duration, rows)
	errs := make([]error, rows)
	var next atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= rows {
					return
				}
				start := time.Now()
				errs[i] = insertOne(ctx, db, "loadbench_raw", fmt.Sprintf("raw-%s-%07d", prefix, i))
				lat[i] = time.Since(start)
			}
		}()
	}
	wg.Wait()
	return newPhase(rows, time.Since(began), lat, errs), nil
}

// statusNames are the MySQL server counters read before and after a phase. They
// are server-wide: other clients of a shared server add to them, so the raw phase
// (exactly BEGIN, INSERT, COMMIT per row) is measured the same way as a yardstick.
var statusNames = []string{"Questions", "Com_select", "Com_insert", "Com_update", "Com_delete", "Com_begin", "Com_commit", "Com_rollback", "Handler_commit"}

// serverStatus reads statusNames from the server.
func serverStatus(ctx context.Context, db *sql.DB) (map[string]float64, error) {
	rows, err := db.QueryContext(ctx, "SHOW GLOBAL STATUS WHERE Variable_name IN ('"+strings.Join(statusNames, "','")+"')")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k], _ = strconv.ParseFloat(v, 64)
	}
	return out, rows.Err()
}

// perOp is the change of each counter between two readings divided by ops.
func perOp(before, after map[string]float64, ops int) map[string]float64 {
	if before == nil || after == nil || ops <= 0 {
		return nil
	}
	out := map[string]float64{}
	for _, k := range statusNames {
		out[k] = (after[k] - before[k]) / float64(ops)
	}
	return out
}

// formatPerOp renders perOp's result on one line in statusNames order.
func formatPerOp(m map[string]float64) string {
	if m == nil {
		return "-"
	}
	var b strings.Builder
	for i, k := range statusNames {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%.2f", strings.TrimPrefix(k, "Com_"), m[k])
	}
	return b.String()
}

// rssBytes is this process's resident set size (VmRSS); the instances run in it.
func rssBytes() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b int64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }
