// Package galera starts a throw-away MariaDB Galera cluster on loopback for
// tests and benchmarks.
//
// Every node is a mariadbd process started by this process, with its own
// datadir, socket, config file (passed with --defaults-file, so /etc/mysql is
// never read) and loopback ports. Nothing else on the machine is touched: in
// particular a MariaDB server already listening on 3306 is left alone.
//
// Typical use:
//
//	c, err := galera.Start(ctx, galera.Options{Logf: t.Logf})
//	if err != nil { ... }
//	defer c.Stop()
//	db, _ := sql.Open("mysql", c.DSN(0))
package galera

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql" // driver used for readiness checks and DSNs
)

// ProviderPath is the Galera provider library used by the nodes.
const ProviderPath = "/usr/lib/galera/libgalera_smm.so"

// markerName is the file written in BaseDir listing the PIDs started by a
// run, so that a later run can clean up after a crashed one.
const markerName = "wxinvite-galera.pids"

// Options configures Start. The zero value is usable.
type Options struct {
	// BaseDir holds the node datadirs, sockets, configs and logs. When
	// empty, Start creates a temporary directory (and Stop removes it).
	BaseDir string
	// Nodes is the cluster size (default 3).
	Nodes int
	// ReadyTimeout bounds the whole start-up (default 90s).
	ReadyTimeout time.Duration
	// Logf receives progress messages (optional).
	Logf func(format string, args ...any)
}

// Cluster is a running loopback Galera cluster started by this process.
type Cluster struct {
	baseDir    string
	ownBaseDir bool
	logf       func(string, ...any)
	nodes      []*node
	spawn      *spawner

	stopOnce sync.Once
	stopErr  error
}

type node struct {
	idx        int // 0-based
	dir        string
	dataDir    string
	socket     string
	cnf        string
	errLog     string
	port       int // client port
	gcommPort  int // P; P+1 IST, P+2 SST
	cmd        *exec.Cmd
	pid        int
	exited     chan struct{} // closed when the process has been reaped
	waitErr    error
	stdoutFile *os.File
}

// Ports returns the client TCP ports of the nodes, in node order.
func (c *Cluster) Ports() []int {
	ps := make([]int, len(c.nodes))
	for i, n := range c.nodes {
		ps[i] = n.port
	}
	return ps
}

// PIDs returns the PIDs of the mariadbd processes, in node order.
func (c *Cluster) PIDs() []int {
	ps := make([]int, len(c.nodes))
	for i, n := range c.nodes {
		ps[i] = n.pid
	}
	return ps
}

// BaseDir returns the directory holding the nodes' files.
func (c *Cluster) BaseDir() string { return c.baseDir }

// ErrorLog returns the path of node i's error log.
func (c *Cluster) ErrorLog(i int) string { return c.nodes[i].errLog }

// DSN returns a go-sql-driver/mysql DSN for node i (0-based): root, no
// password, TCP on 127.0.0.1.
func (c *Cluster) DSN(i int) string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/", c.nodes[i].port)
}

// URL returns "mysql://root@127.0.0.1:P/db" for node i (the form of
// WXINVITE_DATABASE_URL).
func (c *Cluster) URL(i int, db string) string {
	return fmt.Sprintf("mysql://root@127.0.0.1:%d/%s", c.nodes[i].port, db)
}

// ---------------------------------------------------------------------------
// Availability

func findBinary(name string, extra ...string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range extra {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

func mariadbdPath() string {
	if p := findBinary("mariadbd", "/usr/sbin", "/usr/local/sbin", "/usr/libexec"); p != "" {
		return p
	}
	return ""
}

// Available reports whether this machine can run a cluster, with the reason
// when it cannot.
func Available() (bool, string) {
	if runtime.GOOS != "linux" {
		return false, "galera test cluster needs Linux, running on " + runtime.GOOS
	}
	var missing []string
	if mariadbdPath() == "" {
		missing = append(missing, "mariadbd (package mariadb-server)")
	}
	if findBinary("mariadb-install-db", "/usr/bin", "/usr/local/bin") == "" {
		missing = append(missing, "mariadb-install-db (package mariadb-server)")
	}
	if _, err := os.Stat(ProviderPath); err != nil {
		missing = append(missing, ProviderPath+" (package galera-4)")
	}
	if findBinary("rsync") == "" {
		missing = append(missing, "rsync (package rsync)")
	}
	if findBinary("wsrep_sst_rsync", "/usr/bin") == "" {
		missing = append(missing, "wsrep_sst_rsync (package mariadb-server)")
	}
	if findBinary("ss", "/usr/bin", "/usr/sbin", "/bin", "/sbin") == "" && findBinary("lsof", "/usr/bin", "/usr/sbin") == "" {
		missing = append(missing, "ss or lsof (package iproute2), needed by the rsync SST script")
	}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("mysql"); err != nil {
			missing = append(missing, "system user mysql (running as root, servers must run as mysql)")
		}
	}
	if len(missing) > 0 {
		return false, "missing: " + strings.Join(missing, ", ")
	}
	return true, ""
}

// EnsureInstalled installs galera-4, rsync and mariadb-server with apt-get
// when Available() is false and the process is root. It runs apt-get update
// first when the install fails without it. logf may be nil.
func EnsureInstalled(ctx context.Context, logf func(format string, args ...any)) error {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	ok, why := Available()
	if ok {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("galera: not available (%s) and not root, cannot install", why)
	}
	apt := findBinary("apt-get", "/usr/bin")
	if apt == "" {
		return fmt.Errorf("galera: not available (%s) and no apt-get", why)
	}
	pkgs := []string{"galera-4", "rsync", "mariadb-server"}
	if findBinary("ss", "/usr/bin", "/usr/sbin", "/bin", "/sbin") == "" && findBinary("lsof", "/usr/bin", "/usr/sbin") == "" {
		pkgs = append(pkgs, "iproute2")
	}
	run := func(args ...string) error {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, apt, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s: %v\n%s", strings.Join(args, " "), err, tail(out, 3000))
		}
		return nil
	}
	logf("galera: %s; installing %v", why, pkgs)
	install := append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)
	if err := run(install...); err != nil {
		logf("galera: install failed, running apt-get update: %v", err)
		if err := run("update"); err != nil {
			return err
		}
		if err := run(install...); err != nil {
			return err
		}
	}
	if ok, why := Available(); !ok {
		return fmt.Errorf("galera: still not available after install: %s", why)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Start

// Start brings up opt.Nodes nodes: node 1 with --wsrep-new-cluster, then the
// others join one after the other by rsync SST. It returns when every node
// reports wsrep_cluster_size=N and wsrep_local_state_comment=Synced, or an
// error (after stopping whatever it started) when ReadyTimeout passes or a
// node fails.
func Start(ctx context.Context, opt Options) (_ *Cluster, err error) {
	if ok, why := Available(); !ok {
		return nil, errors.New("galera: not available: " + why)
	}
	if opt.Nodes <= 0 {
		opt.Nodes = 3
	}
	if opt.ReadyTimeout <= 0 {
		opt.ReadyTimeout = 90 * time.Second
	}
	logf := opt.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithTimeout(ctx, opt.ReadyTimeout)
	defer cancel()

	cleanupLeftovers(logf)

	c := &Cluster{logf: logf}
	if opt.BaseDir == "" {
		d, err := os.MkdirTemp("", "wxinvite-galera-")
		if err != nil {
			return nil, fmt.Errorf("galera: %w", err)
		}
		c.baseDir, c.ownBaseDir = d, true
	} else {
		d, err := filepath.Abs(opt.BaseDir)
		if err != nil {
			return nil, fmt.Errorf("galera: %w", err)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("galera: %w", err)
		}
		c.baseDir = d
	}
	defer func() {
		if err != nil {
			if serr := c.Stop(); serr != nil {
				logf("galera: cleanup after failed start: %v", serr)
			}
		}
	}()

	asRoot := os.Geteuid() == 0
	var cred *syscall.Credential
	if asRoot {
		u, err := user.Lookup("mysql")
		if err != nil {
			return nil, fmt.Errorf("galera: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
		if err := makeTraversable(c.baseDir, logf); err != nil {
			return nil, err
		}
	}

	ports, err := freePorts(opt.Nodes)
	if err != nil {
		return nil, err
	}
	cluster := "wxinvite-test-" + randHex(4)
	var gcomm []string
	for i := 0; i < opt.Nodes; i++ {
		gcomm = append(gcomm, fmt.Sprintf("127.0.0.1:%d", ports[i][1]))
	}
	for i := 0; i < opt.Nodes; i++ {
		dir := filepath.Join(c.baseDir, fmt.Sprintf("node%d", i+1))
		n := &node{
			idx:       i,
			dir:       dir,
			dataDir:   filepath.Join(dir, "data"),
			socket:    filepath.Join(dir, "mysqld.sock"),
			cnf:       filepath.Join(dir, "my.cnf"),
			errLog:    filepath.Join(dir, "error.log"),
			port:      ports[i][0],
			gcommPort: ports[i][1],
			exited:    make(chan struct{}),
		}
		if len(n.socket) > 100 {
			return nil, fmt.Errorf("galera: socket path %q too long for a unix socket; use a shorter BaseDir", n.socket)
		}
		if err := os.MkdirAll(n.dataDir, 0o755); err != nil {
			return nil, fmt.Errorf("galera: %w", err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
			return nil, fmt.Errorf("galera: %w", err)
		}
		if err := os.WriteFile(n.cnf, []byte(n.config(cluster, strings.Join(gcomm, ","))), 0o644); err != nil {
			return nil, fmt.Errorf("galera: %w", err)
		}
		if cred != nil {
			for _, p := range []string{dir, n.dataDir, filepath.Join(dir, "tmp")} {
				if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
					return nil, fmt.Errorf("galera: %w", err)
				}
			}
		}
		c.nodes = append(c.nodes, n)
	}
	started := time.Now()
	if err := c.writeMarker(); err != nil {
		return nil, err
	}

	// Initialise all datadirs in parallel.
	var wg sync.WaitGroup
	errs := make([]error, len(c.nodes))
	for i, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = n.installDB(ctx, asRoot)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	logf("galera: datadirs initialised in %v", time.Since(started).Round(time.Millisecond))

	c.spawn = newSpawner()
	for i, n := range c.nodes {
		if err := c.startNode(n, i == 0, cred); err != nil {
			return nil, err
		}
		if i == 0 {
			if err := c.waitNode(ctx, n, 1, true); err != nil {
				return nil, err
			}
			if err := c.setupRoot(ctx, n); err != nil {
				return nil, err
			}
		} else if err := c.waitNode(ctx, n, i+1, false); err != nil {
			return nil, err
		}
		logf("galera: node %d up (pid %d, port %d) after %v", i+1, n.pid, n.port, time.Since(started).Round(time.Millisecond))
	}
	// Final check: everyone sees the full cluster and is Synced.
	for _, n := range c.nodes {
		if err := c.waitNode(ctx, n, len(c.nodes), false); err != nil {
			return nil, err
		}
	}
	logf("galera: %d-node cluster %s ready in %v (ports %v)", len(c.nodes), cluster, time.Since(started).Round(time.Millisecond), c.Ports())
	return c, nil
}

func (n *node) config(cluster, gcomm string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[mysqld]\n")
	fmt.Fprintf(&b, "datadir=%s\n", n.dataDir)
	fmt.Fprintf(&b, "socket=%s\n", n.socket)
	fmt.Fprintf(&b, "pid-file=%s\n", filepath.Join(n.dir, "mysqld.pid"))
	fmt.Fprintf(&b, "log-error=%s\n", n.errLog)
	fmt.Fprintf(&b, "tmpdir=%s\n", filepath.Join(n.dir, "tmp"))
	fmt.Fprintf(&b, "port=%d\n", n.port)
	b.WriteString("bind-address=127.0.0.1\n")
	b.WriteString("skip-name-resolve\n")
	b.WriteString("max_connections=300\n")
	b.WriteString("performance_schema=OFF\n")
	b.WriteString("innodb_buffer_pool_size=64M\n")
	b.WriteString("innodb_log_file_size=32M\n")
	b.WriteString("innodb_flush_log_at_trx_commit=2\n")
	b.WriteString("binlog_format=ROW\n")
	b.WriteString("default_storage_engine=InnoDB\n")
	b.WriteString("innodb_autoinc_lock_mode=2\n")
	b.WriteString("wsrep_on=ON\n")
	fmt.Fprintf(&b, "wsrep_provider=%s\n", ProviderPath)
	fmt.Fprintf(&b, "wsrep_cluster_name=%s\n", cluster)
	fmt.Fprintf(&b, "wsrep_cluster_address=gcomm://%s\n", gcomm)
	fmt.Fprintf(&b, "wsrep_node_name=node%d\n", n.idx+1)
	fmt.Fprintf(&b, "wsrep_node_address=127.0.0.1:%d\n", n.gcommPort)
	fmt.Fprintf(&b, "wsrep_provider_options=\"gmcast.listen_addr=tcp://127.0.0.1:%d;ist.recv_addr=127.0.0.1:%d;ist.recv_bind=127.0.0.1;gcache.size=32M\"\n",
		n.gcommPort, n.gcommPort+1)
	fmt.Fprintf(&b, "wsrep_sst_receive_address=127.0.0.1:%d\n", n.gcommPort+2)
	b.WriteString("wsrep_sst_method=rsync\n")
	return b.String()
}

func (n *node) installDB(ctx context.Context, asRoot bool) error {
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	args := []string{"--no-defaults", "--datadir=" + n.dataDir,
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
		// Its scratch tables must not go to the shared /tmp, where a busy machine (or
		// another cluster) made the bootstrap fail with "#sql-temptable… not found".
		"--tmpdir=" + filepath.Join(n.dir, "tmp")}
	if asRoot {
		args = append(args, "--user=mysql")
	}
	cmd := exec.CommandContext(cctx, findBinary("mariadb-install-db", "/usr/bin", "/usr/local/bin"), args...)
	cmd.Dir = n.dir
	cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Join(n.dir, "tmp"))
	cmd.WaitDelay = 5 * time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("galera: node %d: mariadb-install-db: %v\n%s", n.idx+1, err, tail(out, 3000))
	}
	return nil
}

func (c *Cluster) startNode(n *node, bootstrap bool, cred *syscall.Credential) error {
	args := []string{"--defaults-file=" + n.cnf}
	if cred != nil {
		args = append(args, "--user=mysql")
	}
	if bootstrap {
		args = append(args, "--wsrep-new-cluster")
	}
	out, err := os.OpenFile(filepath.Join(n.dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("galera: %w", err)
	}
	cmd := exec.Command(mariadbdPath(), args...)
	cmd.Dir = n.dir
	cmd.Stdout, cmd.Stderr = out, out
	env := os.Environ()
	if !strings.Contains(os.Getenv("PATH"), "/usr/sbin") {
		env = append(env, "PATH="+os.Getenv("PATH")+":/usr/sbin:/usr/bin:/sbin:/bin")
	}
	cmd.Env = env
	// Setpgid: the node and everything it spawns (SST scripts, rsync daemon)
	// share a process group we can recognise. Pdeathsig: the node dies with
	// the thread that started it (see spawner). Credential: drop to mysql in
	// the child before exec, because a uid change inside mariadbd (--user as
	// root) would clear the parent-death signal.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
	var startErr error
	c.spawn.run(func() { startErr = cmd.Start() })
	if startErr != nil {
		out.Close()
		return fmt.Errorf("galera: node %d: start mariadbd: %w", n.idx+1, startErr)
	}
	n.cmd, n.pid, n.stdoutFile = cmd, cmd.Process.Pid, out
	go func() {
		n.waitErr = cmd.Wait()
		close(n.exited)
	}()
	c.logf("galera: node %d: started mariadbd pid %d (port %d, gcomm %d)", n.idx+1, n.pid, n.port, n.gcommPort)
	return c.writeMarker()
}

// waitNode polls node n over TCP (socket=true: over its unix socket, for the
// first node before root@127.0.0.1 is guaranteed) until it reports
// wsrep_cluster_size >= size and Synced.
func (c *Cluster) waitNode(ctx context.Context, n *node, size int, socket bool) error {
	dsn := fmt.Sprintf("root@tcp(127.0.0.1:%d)/?timeout=2s&readTimeout=5s", n.port)
	if socket {
		dsn = fmt.Sprintf("root@unix(%s)/?timeout=2s&readTimeout=5s", n.socket)
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	last := "not reachable yet"
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-n.exited:
			return fmt.Errorf("galera: node %d (pid %d) exited during start-up: %v\n--- %s (tail) ---\n%s",
				n.idx+1, n.pid, n.waitErr, n.errLog, n.logTail())
		case <-ctx.Done():
			return fmt.Errorf("galera: node %d (pid %d) not ready (want cluster size %d, Synced): %s: %w\n--- %s (tail) ---\n%s",
				n.idx+1, n.pid, size, last, ctx.Err(), n.errLog, n.logTail())
		case <-tick.C:
		}
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := wsrepStatus(qctx, db)
		cancel()
		if err != nil {
			last = err.Error()
			continue
		}
		sz, _ := strconv.Atoi(st["wsrep_cluster_size"])
		state := st["wsrep_local_state_comment"]
		last = fmt.Sprintf("cluster_size=%s state=%s ready=%s", st["wsrep_cluster_size"], state, st["wsrep_ready"])
		if sz >= size && state == "Synced" && st["wsrep_ready"] == "ON" {
			return nil
		}
	}
}

func wsrepStatus(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_local_state_comment','wsrep_ready')")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[strings.ToLower(k)] = v
	}
	return m, rows.Err()
}

// setupRoot makes sure root@127.0.0.1 (no password) exists with all
// privileges. mariadb-install-db --auth-root-authentication-method=normal
// already creates it; this is idempotent and replicates to the joiners (who
// get the whole datadir by SST anyway).
func (c *Cluster) setupRoot(ctx context.Context, n *node) error {
	db, err := sql.Open("mysql", fmt.Sprintf("root@unix(%s)/?timeout=5s", n.socket))
	if err != nil {
		return err
	}
	defer db.Close()
	qctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, q := range []string{
		"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''",
		"GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
	} {
		if _, err := db.ExecContext(qctx, q); err != nil {
			return fmt.Errorf("galera: node 1: %s: %w", q, err)
		}
	}
	// Verify over TCP, the way callers will connect.
	tdb, err := sql.Open("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/?timeout=5s", n.port))
	if err != nil {
		return err
	}
	defer tdb.Close()
	if err := tdb.PingContext(qctx); err != nil {
		return fmt.Errorf("galera: node 1: root@127.0.0.1 over TCP: %w", err)
	}
	return nil
}

func (n *node) logTail() string {
	b, err := os.ReadFile(n.errLog)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return tail(b, 4000)
}

func tail(b []byte, max int) string {
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freePorts returns, per node, a client port and a gcomm port P such that
// P, P+1 and P+2 are free on 127.0.0.1. All candidates are held open until
// every port is chosen, so no two are the same.
func freePorts(nodes int) ([][2]int, error) {
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	listen := func(port int) bool {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return false
		}
		held = append(held, l)
		return true
	}
	// Ports come from below the kernel's ephemeral range: a port from listen(":0")
	// is closed again before mariadbd binds it, and in between the kernel may hand
	// it to an outgoing connection ("Address already in use" at IST/SST start-up).
	lo, hi := 10000, ephemeralLow()-3
	if hi-lo < 1000 {
		lo, hi = 20000, 30000
	}
	pick := func(span int) (int, bool) {
		for try := 0; try < 500; try++ {
			base := lo + mrand.IntN(hi-lo-span)
			ok := true
			for k := 0; k < span && ok; k++ {
				ok = listen(base + k)
			}
			if ok {
				return base, true
			}
		}
		return 0, false
	}
	res := make([][2]int, nodes)
	for i := 0; i < nodes; i++ {
		p, ok := pick(1)
		if !ok {
			return nil, errors.New("galera: no free loopback port found")
		}
		g, ok := pick(3)
		if !ok {
			return nil, errors.New("galera: no three consecutive free loopback ports found")
		}
		res[i] = [2]int{p, g}
	}
	return res, nil
}

// ephemeralLow is the start of the kernel's ephemeral port range (32768 if unknown).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return n
}

// makeTraversable chmods dir to 0755 and makes sure the mysql user can reach
// it: ancestors inside os.TempDir() that lack o+x (t.TempDir() creates its
// parent 0700) get o+x; any other untraversable ancestor is an error.
func makeTraversable(dir string, logf func(string, ...any)) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("galera: %w", err)
	}
	tmp, _ := filepath.Abs(os.TempDir())
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("galera: %w", err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			if rel, err := filepath.Rel(tmp, p); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
				if err := os.Chmod(p, st.Mode().Perm()|0o011); err != nil {
					return fmt.Errorf("galera: %w", err)
				}
				logf("galera: added search permission to %s so the mysql user can reach %s", p, dir)
			} else {
				return fmt.Errorf("galera: %s is not searchable by other users; the mysql user cannot reach %s", p, dir)
			}
		}
		if p == "/" || p == filepath.Dir(p) {
			return nil
		}
	}
}

// ---------------------------------------------------------------------------
// Spawner: Pdeathsig fires when the *thread* that forked the child exits, so
// all servers are started from one goroutine locked to its OS thread, which
// lives until Stop.

type spawner struct {
	req  chan func()
	once sync.Once
}

func newSpawner() *spawner {
	s := &spawner{req: make(chan func())}
	go func() {
		runtime.LockOSThread()
		// Never unlocked: when this goroutine returns (after Stop), the
		// thread exits, which is also a last-resort kill for any survivor.
		for f := range s.req {
			f()
		}
	}()
	return s
}

func (s *spawner) run(f func()) {
	done := make(chan struct{})
	s.req <- func() { f(); close(done) }
	<-done
}

func (s *spawner) close() { s.once.Do(func() { close(s.req) }) }

// ---------------------------------------------------------------------------
// Stop

// Stop terminates every process the cluster started, by PID: SIGTERM, a
// bounded wait (~20s), then SIGKILL; also the SST scripts and rsync daemons
// a node spawned (its descendants, members of its process group, the pid in
// rsync_sst.pid). It removes BaseDir if Start created it. Idempotent.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	var wg sync.WaitGroup
	errs := make([]error, len(c.nodes))
	for i, n := range c.nodes {
		if n.cmd == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = n.stop(c.logf)
		}()
	}
	wg.Wait()
	if c.spawn != nil {
		c.spawn.close()
	}
	err := errors.Join(errs...)
	if err == nil && c.baseDir != "" {
		if c.ownBaseDir {
			if rerr := os.RemoveAll(c.baseDir); rerr != nil {
				err = fmt.Errorf("galera: remove %s: %w", c.baseDir, rerr)
			}
		} else {
			_ = os.Remove(filepath.Join(c.baseDir, markerName))
		}
	}
	return err
}

func (n *node) stop(logf func(string, ...any)) error {
	defer func() {
		if n.stdoutFile != nil {
			n.stdoutFile.Close()
		}
	}()
	// Remember the helpers before the node goes away (they get reparented).
	extra := n.helperPIDs()
	select {
	case <-n.exited:
	default:
		_ = syscall.Kill(n.pid, syscall.SIGTERM)
		select {
		case <-n.exited:
		case <-time.After(20 * time.Second):
			logf("galera: node %d (pid %d) ignored SIGTERM for 20s, sending SIGKILL", n.idx+1, n.pid)
			_ = syscall.Kill(n.pid, syscall.SIGKILL)
			select {
			case <-n.exited:
			case <-time.After(10 * time.Second):
				return fmt.Errorf("galera: node %d pid %d survived SIGKILL", n.idx+1, n.pid)
			}
		}
	}
	// Orphans: SST scripts / rsync daemon left behind.
	extra = append(extra, n.helperPIDs()...)
	var survivors []int
	for _, p := range uniq(extra) {
		if !n.ownsHelper(p) {
			continue
		}
		_ = syscall.Kill(p, syscall.SIGTERM)
		survivors = append(survivors, p)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(survivors) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		survivors = filterAlive(survivors, n.ownsHelper)
	}
	for _, p := range survivors {
		logf("galera: node %d: helper pid %d still alive, SIGKILL", n.idx+1, p)
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	deadline = time.Now().Add(5 * time.Second)
	for len(survivors) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		survivors = filterAlive(survivors, n.ownsHelper)
	}
	if len(survivors) > 0 {
		return fmt.Errorf("galera: node %d: helper pids %v survived SIGKILL", n.idx+1, survivors)
	}
	return nil
}

// helperPIDs lists the node's live descendants, the members of its process
// group and the rsync daemon recorded in its datadir.
func (n *node) helperPIDs() []int {
	var out []int
	var walk func(pid int, depth int)
	walk = func(pid int, depth int) {
		if depth > 10 {
			return
		}
		for _, ch := range children(pid) {
			out = append(out, ch)
			walk(ch, depth+1)
		}
	}
	walk(n.pid, 0)
	out = append(out, processGroupMembers(n.pid)...)
	for _, f := range []string{"rsync_sst.pid", "stunnel.pid"} {
		if b, err := os.ReadFile(filepath.Join(n.dataDir, f)); err == nil {
			if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && p > 1 {
				out = append(out, p)
			}
		}
	}
	var res []int
	for _, p := range uniq(out) {
		if p != n.pid && p > 1 && p != os.Getpid() {
			res = append(res, p)
		}
	}
	return res
}

// ownsHelper reports whether pid is still alive and belongs to this node:
// it is in the node's process group or its command line names the node's
// directory.
func (n *node) ownsHelper(pid int) bool {
	if pid <= 1 || pid == os.Getpid() {
		return false
	}
	st, ok := procStat(pid)
	if !ok || st.state == "Z" {
		return false
	}
	if st.pgrp == n.pid {
		return true
	}
	return strings.Contains(cmdline(pid), n.dir+string(filepath.Separator))
}

type pstat struct {
	state string
	ppid  int
	pgrp  int
	start uint64
}

func procStat(pid int) (pstat, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return pstat{}, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return pstat{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return pstat{}, false
	}
	var st pstat
	st.state = f[0]
	st.ppid, _ = strconv.Atoi(f[1])
	st.pgrp, _ = strconv.Atoi(f[2])
	st.start, _ = strconv.ParseUint(f[19], 10, 64)
	return st, true
}

func cmdline(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
}

func children(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if p, err := strconv.Atoi(f); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

func processGroupMembers(pgid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(p); ok && st.pgrp == pgid && p != pgid {
			out = append(out, p)
		}
	}
	return out
}

func filterAlive(pids []int, keep func(int) bool) []int {
	var out []int
	for _, p := range pids {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

func uniq(in []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, p := range in {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Crash recovery: a marker file in BaseDir records the owning process and
// the node PIDs; a later Start removes the leftovers of an owner that died.

func (c *Cluster) writeMarker() error {
	self, _ := procStat(os.Getpid())
	var b strings.Builder
	fmt.Fprintf(&b, "owner %d %d\n", os.Getpid(), self.start)
	for _, n := range c.nodes {
		if n.pid > 0 {
			fmt.Fprintf(&b, "node %d %s\n", n.pid, n.dir)
		}
	}
	tmp := filepath.Join(c.baseDir, markerName+".tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("galera: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(c.baseDir, markerName)); err != nil {
		return fmt.Errorf("galera: %w", err)
	}
	return nil
}

// cleanupLeftovers looks for marker files up to two levels below
// os.TempDir() (covers Start's own temp dirs and t.TempDir()s) whose owner
// process is gone, kills the mariadbd PIDs listed there whose command line
// still names that directory (and their helpers), then removes the directory.
func cleanupLeftovers(logf func(string, ...any)) {
	tmp := os.TempDir()
	var markers []string
	for _, pat := range []string{
		filepath.Join(tmp, "*", markerName),
		filepath.Join(tmp, "*", "*", markerName),
	} {
		m, _ := filepath.Glob(pat)
		markers = append(markers, m...)
	}
	for _, m := range markers {
		dir := filepath.Dir(m)
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		ownerAlive := true // be conservative with unreadable markers
		type leftover struct {
			pid int
			dir string
		}
		var nodes []leftover
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) == 3 && f[0] == "owner":
				pid, _ := strconv.Atoi(f[1])
				start, _ := strconv.ParseUint(f[2], 10, 64)
				st, ok := procStat(pid)
				ownerAlive = ok && st.start == start
			case len(f) >= 3 && f[0] == "node":
				pid, _ := strconv.Atoi(f[1])
				nodes = append(nodes, leftover{pid, strings.Join(f[2:], " ")})
			}
		}
		if ownerAlive {
			continue
		}
		logf("galera: cleaning up leftover cluster in %s (owner gone)", dir)
		var killed []int
		for _, l := range nodes {
			if l.pid <= 1 || !strings.HasPrefix(l.dir, dir) {
				continue
			}
			cl := cmdline(l.pid)
			if !strings.Contains(cl, "mariadbd") || !strings.Contains(cl, l.dir) {
				continue
			}
			ln := &node{pid: l.pid, dir: l.dir, dataDir: filepath.Join(l.dir, "data")}
			helpers := ln.helperPIDs()
			_ = syscall.Kill(l.pid, syscall.SIGKILL)
			killed = append(killed, l.pid)
			for _, h := range helpers {
				if ln.ownsHelper(h) {
					_ = syscall.Kill(h, syscall.SIGKILL)
					killed = append(killed, h)
				}
			}
			logf("galera: killed leftover mariadbd pid %d (%s) and helpers %v", l.pid, l.dir, helpers)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(killed) > 0 && time.Now().Before(deadline) {
			killed = filterAlive(killed, func(p int) bool {
				st, ok := procStat(p)
				return ok && st.state != "Z"
			})
			if len(killed) > 0 {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if len(killed) == 0 {
			if err := os.RemoveAll(dir); err != nil {
				logf("galera: remove leftover %s: %v", dir, err)
			}
		} else {
			logf("galera: leftover pids %v in %s still alive; not removing it", killed, dir)
		}
	}
}
