package galera

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func TestClusterStartStop(t *testing.T) {
	if ok, why := Available(); !ok {
		if os.Getenv("CI") != "" {
			t.Fatalf("galera cluster not available on this CI machine: %s", why)
		}
		t.Skipf("\n*** SKIPPING GALERA CLUSTER TEST: %s ***\n*** run galera.EnsureInstalled or apt-get install galera-4 rsync mariadb-server ***", why)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	began := time.Now()
	c, err := Start(ctx, Options{Logf: t.Logf})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v", time.Since(began).Round(time.Millisecond))
	stopped := false
	defer func() {
		if !stopped {
			if err := c.Stop(); err != nil {
				t.Errorf("Stop (deferred): %v", err)
			}
		}
	}()

	if got := len(c.Ports()); got != 3 {
		t.Fatalf("Ports() = %v, want 3 ports", c.Ports())
	}
	if want := fmt.Sprintf("root@tcp(127.0.0.1:%d)/", c.Ports()[1]); c.DSN(1) != want {
		t.Errorf("DSN(1) = %q, want %q", c.DSN(1), want)
	}
	if want := fmt.Sprintf("mysql://root@127.0.0.1:%d/app", c.Ports()[2]); c.URL(2, "app") != want {
		t.Errorf("URL(2) = %q, want %q", c.URL(2, "app"), want)
	}

	dbs := make([]*sql.DB, 3)
	for i := range dbs {
		db, err := sql.Open("mysql", c.DSN(i)+"?timeout=5s&readTimeout=30s&writeTimeout=30s")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
		var size, state string
		if err := db.QueryRowContext(ctx, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_CLUSTER_SIZE'").Scan(&size); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if err := db.QueryRowContext(ctx, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_LOCAL_STATE_COMMENT'").Scan(&state); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if size != "3" || state != "Synced" {
			t.Fatalf("node %d: wsrep_cluster_size=%s state=%s, want 3 Synced", i, size, state)
		}
	}

	// Schema on node 0 (replicated by TOI).
	for _, q := range []string{
		"CREATE DATABASE galera_t",
		"CREATE TABLE galera_t.kv (id INT PRIMARY KEY, v BIGINT NOT NULL)",
	} {
		if _, err := dbs[0].ExecContext(ctx, q); err != nil {
			t.Fatalf("node 0: %s: %v", q, err)
		}
	}

	// Insert on node 1 (wait for the DDL to be applied there first).
	conn1, err := dbs[1].Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn1.ExecContext(ctx, "SET SESSION wsrep_sync_wait=15"); err != nil {
		t.Fatalf("node 1: %v", err)
	}
	if _, err := conn1.ExecContext(ctx, "INSERT INTO galera_t.kv (id, v) VALUES (1, 100)"); err != nil {
		t.Fatalf("node 1 insert: %v", err)
	}
	conn1.Close()

	// Read on node 2 with causal reads.
	readV := func(i int) int64 {
		t.Helper()
		conn, err := dbs[i].Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SET SESSION wsrep_sync_wait=1"); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		var v int64
		if err := conn.QueryRowContext(ctx, "SELECT v FROM galera_t.kv WHERE id=1").Scan(&v); err != nil {
			t.Fatalf("node %d read: %v", i, err)
		}
		return v
	}
	if v := readV(2); v != 100 {
		t.Fatalf("node 2 read v=%d, want 100 (row inserted on node 1)", v)
	}

	// Multi-primary conflict: the same row updated on node 0 and node 1 in
	// concurrent transactions; certification must abort at least one with
	// 1213. Bounded number of rounds.
	expected := int64(100)
	sawDeadlock := false
	for round := 1; round <= 5 && !sawDeadlock; round++ {
		deltas := []int64{1, 10}
		txs := make([]*sql.Tx, 2)
		for i := range txs {
			tx, err := dbs[i].BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			txs[i] = tx
		}
		// Both update before either commits.
		updErr := make([]error, 2)
		for i, tx := range txs {
			_, updErr[i] = tx.ExecContext(ctx, "UPDATE galera_t.kv SET v = v + ? WHERE id = 1", deltas[i])
		}
		commitErr := make([]error, 2)
		var wg sync.WaitGroup
		for i, tx := range txs {
			if updErr[i] != nil {
				_ = tx.Rollback()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				commitErr[i] = tx.Commit()
			}()
		}
		wg.Wait()
		for i := range txs {
			err := updErr[i]
			if err == nil {
				err = commitErr[i]
			}
			switch {
			case err == nil:
				expected += deltas[i]
				t.Logf("round %d: node %d committed +%d", round, i, deltas[i])
			case isDeadlock(err):
				sawDeadlock = true
				t.Logf("round %d: node %d got 1213 as expected: %v", round, i, err)
			default:
				t.Fatalf("round %d: node %d: unexpected error: %v", round, i, err)
			}
		}
		if updErr[0] == nil && updErr[1] == nil && commitErr[0] == nil && commitErr[1] == nil {
			t.Logf("round %d: both committed (no overlap?)", round)
		}
	}
	if !sawDeadlock {
		t.Fatalf("no 1213 deadlock in 5 rounds of conflicting transactions on two nodes")
	}
	for i := range dbs {
		if v := readV(i); v != expected {
			t.Errorf("node %d: v=%d, want %d (sum of committed updates)", i, v, expected)
		}
	}

	// Stop and check every process is gone.
	pids := c.PIDs()
	base := c.BaseDir()
	stopBegan := time.Now()
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	t.Logf("Stop took %v", time.Since(stopBegan).Round(time.Millisecond))
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	for _, p := range pids {
		if p <= 0 {
			t.Errorf("bad pid %d in %v", p, pids)
			continue
		}
		if err := syscall.Kill(p, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("pid %d still exists after Stop (kill 0: %v, cmdline %q)", p, err, cmdline(p))
		}
	}
	// No process anywhere still refers to the cluster's directory.
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if cl := cmdline(atoi(e.Name())); cl != "" && strings.Contains(cl, base) {
			t.Errorf("process %s still running with cluster dir: %q", e.Name(), cl)
		}
	}
	if _, err := os.Stat(base); !os.IsNotExist(err) {
		t.Errorf("BaseDir %s not removed (stat: %v)", base, err)
	}
}

func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// TestCrashedOwnerCleanup starts a 1-node cluster in a child process, kills
// that process with SIGKILL, and checks that the server dies with it
// (Pdeathsig) and that the next run's leftover scan removes its directory.
func TestCrashedOwnerCleanup(t *testing.T) {
	if os.Getenv("WXINVITE_GALERA_CRASH_CHILD") == "1" {
		c, err := Start(context.Background(), Options{Nodes: 1, ReadyTimeout: 60 * time.Second})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		fmt.Printf("READY %s %d\n", c.BaseDir(), c.PIDs()[0])
		time.Sleep(2 * time.Minute) // killed by the parent long before
		os.Exit(2)
	}
	if ok, why := Available(); !ok {
		if os.Getenv("CI") != "" {
			t.Fatalf("galera cluster not available on this CI machine: %s", why)
		}
		t.Skipf("\n*** SKIPPING GALERA CRASH-CLEANUP TEST: %s ***", why)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashedOwnerCleanup$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WXINVITE_GALERA_CRASH_CHILD=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	type ready struct {
		dir string
		pid int
		err error
	}
	ch := make(chan ready, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var r ready
			if n, _ := fmt.Sscanf(sc.Text(), "READY %s %d", &r.dir, &r.pid); n == 2 {
				ch <- r
				return
			}
			if strings.HasPrefix(sc.Text(), "ERROR") {
				ch <- ready{err: errors.New(sc.Text())}
				return
			}
		}
		ch <- ready{err: fmt.Errorf("child exited without READY: %v", sc.Err())}
	}()
	var r ready
	select {
	case r = <-ch:
	case <-time.After(90 * time.Second):
		t.Fatal("child did not start its cluster within 90s")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !strings.Contains(cmdline(r.pid), "mariadbd") {
		t.Fatalf("pid %d is not a mariadbd: %q", r.pid, cmdline(r.pid))
	}
	if _, err := os.Stat(filepath.Join(r.dir, markerName)); err != nil {
		t.Fatalf("marker file missing: %v", err)
	}

	// Crash the owner.
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, ok := procStat(r.pid)
		if !ok || st.state == "Z" {
			break
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(r.pid, syscall.SIGKILL)
			t.Fatalf("mariadbd pid %d survived its owner's death by 15s (Pdeathsig not effective)", r.pid)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("mariadbd pid %d died with its owner", r.pid)

	// The next run's scan removes the leftover directory.
	cleanupLeftovers(t.Logf)
	if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
		t.Fatalf("leftover dir %s not removed (stat: %v)", r.dir, err)
	}
}
