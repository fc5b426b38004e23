// Command peers measures laborx side by side with the generic alternative on the same
// database: PostGraphile v4 over views of laborx's tables (peers.sql) and pgbench
// replaying the SQL laborx itself runs for each query. It runs the systems in
// alternating rounds and prints, per query, req/s, p50/p99 and the CPU that the server
// process and PostgreSQL spent per request, with statements per request and ratios.
// run.sh installs what it needs (wrk, pgbench, PostGraphile into a temporary folder)
// and builds laborx; everything listens on 127.0.0.1 and is stopped at the end.
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/devdb"
)

//go:embed peers.sql
var peersSQL string

type config struct {
	laborx, baseline string // binaries; baseline is optional (the "before" of a change)
	// laborxFlags and baselineFlags are extra `laborx serve` flags of each, so one
	// binary can be measured against itself with a setting changed.
	laborxFlags, baselineFlags string
	dataDir                    string
	nodePath                   string
	scale                      int
	rounds                     int
	duration                   time.Duration
	conns                      int
	only                       string
	out                        string
}

func main() {
	var c config
	flag.StringVar(&c.laborx, "laborx", "", "laborx binary to measure")
	flag.StringVar(&c.baseline, "baseline", "", "optional second laborx binary measured in the same rounds (before/after)")
	flag.StringVar(&c.laborxFlags, "laborx-flags", "", "extra serve flags of --laborx, space-separated (e.g. \"--max-concurrent 0\")")
	flag.StringVar(&c.baselineFlags, "baseline-flags", "", "extra serve flags of --baseline, space-separated")
	flag.StringVar(&c.dataDir, "data-dir", "/tmp/laborx-peers", "cluster, keys and seeded data; reused when already seeded")
	flag.StringVar(&c.nodePath, "node-path", "", "node_modules folder holding postgraphile and postgraphile-plugin-connection-filter")
	flag.IntVar(&c.scale, "scale", 20000, "laborx seed --scale N on first use")
	flag.IntVar(&c.rounds, "rounds", 3, "alternating rounds")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "length of each measurement")
	flag.IntVar(&c.conns, "conns", 10, "concurrent connections")
	flag.StringVar(&c.only, "only", "", "comma-separated query names to run (default all)")
	flag.StringVar(&c.out, "out", "", "also write the report (markdown) to this file")
	flag.Parse()
	if c.laborx == "" || c.nodePath == "" || c.rounds < 1 || c.rounds > 10 || c.duration <= 0 || c.duration > time.Minute {
		fmt.Fprintln(os.Stderr, "usage: peers --laborx BIN --node-path DIR [--baseline BIN] [--rounds 1-10] [--duration <=1m]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

// bench is one run: the cluster and the servers it started, stopped by close.
type bench struct {
	cfg     config
	cluster *devdb.Cluster
	dsn     string
	pgPID   int
	monitor *pgx.Conn
	procs   []*exec.Cmd
	tmp     string
	log     *slog.Logger
}

func run(ctx context.Context, c config) error {
	b := &bench{cfg: c, log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	defer b.close()
	var err error
	if b.tmp, err = os.MkdirTemp("", "laborx-peers-"); err != nil {
		return err
	}
	if err := b.startCluster(ctx); err != nil {
		return err
	}
	if err := b.seed(ctx); err != nil {
		return err
	}
	if err := b.dropPublished(ctx); err != nil { // left by an interrupted run
		return err
	}
	systems, err := b.startServers(ctx)
	if err != nil {
		return err
	}
	queries, err := b.prepareQueries(ctx, systems)
	if err != nil {
		return err
	}
	return b.measure(ctx, systems, queries)
}

func (b *bench) close() {
	for _, p := range slices.Backward(b.procs) {
		fmt.Fprintf(os.Stderr, "%s: peak RSS %s\n", filepath.Base(p.Path), peakRSS(p.Process.Pid))
		_ = p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = p.Process.Kill()
			<-done
		}
	}
	if b.monitor != nil {
		_ = b.monitor.Close(context.Background())
	}
	if b.cluster != nil {
		_ = b.cluster.Stop(context.Background())
	}
	if b.tmp != "" {
		_ = os.RemoveAll(b.tmp)
	}
}

// startCluster starts laborx's embedded cluster on the data dir with pg_stat_statements
// loaded (statements per request are counted there); the setting lives in
// postgresql.auto.conf, so the first start restarts once to load it.
func (b *bench) startCluster(ctx context.Context) error {
	start := func() error {
		var err error
		b.cluster, err = devdb.Start(ctx, devdb.Options{Dir: filepath.Join(b.cfg.dataDir, "pg"), Logger: b.log})
		if err != nil {
			return err
		}
		return b.cluster.EnsureDatabase(ctx, "laborx")
	}
	if err := start(); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, b.cluster.DSN("laborx"))
	if err != nil {
		return err
	}
	var libs string
	if err := conn.QueryRow(ctx, `SHOW shared_preload_libraries`).Scan(&libs); err != nil {
		return err
	}
	if !strings.Contains(libs, "pg_stat_statements") {
		if _, err := conn.Exec(ctx, `ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`); err != nil {
			return err
		}
		_ = conn.Close(ctx)
		if err := b.cluster.Stop(ctx); err != nil {
			return err
		}
		if err := start(); err != nil {
			return err
		}
		if conn, err = pgx.Connect(ctx, b.cluster.DSN("laborx")); err != nil {
			return err
		}
	}
	if _, err := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		return err
	}
	b.monitor, b.dsn = conn, b.cluster.DSN("laborx")
	pid, err := os.ReadFile(filepath.Join(b.cluster.DataDir(), "postmaster.pid"))
	if err != nil {
		return err
	}
	b.pgPID, _ = strconv.Atoi(strings.SplitN(string(pid), "\n", 2)[0])
	return nil
}

// seed loads the demo data and the synthetic market once per data dir.
func (b *bench) seed(ctx context.Context) error {
	marker := filepath.Join(b.cfg.dataDir, "seeded")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	fmt.Fprintf(os.Stderr, "seeding: demo data + --scale %d\n", b.cfg.scale)
	cmd := exec.CommandContext(ctx, b.cfg.laborx, "seed", "--demo", "--scale", strconv.Itoa(b.cfg.scale),
		"--database-url", b.dsn, "--data-dir", b.cfg.dataDir)
	cmd.Stdout, cmd.Stderr = os.Stderr, io.Discard
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("laborx seed: %w", err)
	}
	if _, err := b.monitor.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return err
	}
	return os.WriteFile(marker, nil, 0o600)
}

// system is one thing measured: a GraphQL server, or pgbench replaying laborx's SQL.
type system struct {
	name  string
	url   string // GraphQL endpoint; empty for pgbench
	pid   int
	token string
	kind  string // "laborx", "postgraphile" or "pgbench"
}

func (b *bench) startServers(ctx context.Context) ([]*system, error) {
	piiKey, err := os.ReadFile(demo.PIIKeyPath(b.cfg.dataDir))
	if err != nil {
		return nil, err
	}
	token, err := demo.Token(b.cfg.dataDir, "TNG", "bench", []string{"publisher", "coordinator"}, time.Hour)
	if err != nil {
		return nil, err
	}
	var systems []*system
	laborx := func(name, bin string, extra ...string) error {
		args := append([]string{"serve", "--database-url", b.dsn, "--data-dir", b.cfg.dataDir, "--addr", "127.0.0.1:0",
			"--rate-limit", "0", "--log-level", "warn"}, extra...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "LABORX_PII_KEY="+strings.TrimSpace(string(piiKey)))
		line, err := b.startProc(cmd, regexp.MustCompile(`serving GraphQL at (http://\S+/graphql)`))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		systems = append(systems, &system{name: name, url: line[1], pid: cmd.Process.Pid, token: token, kind: "laborx"})
		return nil
	}
	// The current binary starts first and migrates; the baseline may predate some of
	// the migrations and runs without migrating. It is listed first.
	if err := laborx("laborx", b.cfg.laborx, strings.Fields(b.cfg.laborxFlags)...); err != nil {
		return nil, err
	}
	if b.cfg.baseline != "" {
		if err := laborx("laborx (before)", b.cfg.baseline, append([]string{"--no-migrate"}, strings.Fields(b.cfg.baselineFlags)...)...); err != nil {
			return nil, err
		}
		systems[0], systems[1] = systems[1], systems[0]
	}
	if _, err := b.monitor.Exec(ctx, peersSQL); err != nil {
		return nil, fmt.Errorf("peers.sql: %w", err)
	}
	var tng uuid.UUID
	if err := b.monitor.QueryRow(ctx, `SELECT id FROM centers WHERE code = 'TNG'`).Scan(&tng); err != nil {
		return nil, err
	}
	secret := uuid.NewString()
	pgToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"center_id": tng.String(), "aud": "laborx", "sub": "bench", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte(secret))
	if err != nil {
		return nil, err
	}
	node := exec.Command("node", "postgraphile.js")
	node.Dir = benchDir()
	node.Env = append(os.Environ(), "NODE_PATH="+b.cfg.nodePath, "DATABASE_URL="+b.dsn, "JWT_SECRET="+secret, "NODE_ENV=production")
	m, err := b.startProc(node, regexp.MustCompile(`listening (\d+)`))
	if err != nil {
		return nil, fmt.Errorf("postgraphile: %w", err)
	}
	systems = append(systems, &system{name: "PostGraphile", url: "http://127.0.0.1:" + m[1] + "/graphql", pid: node.Process.Pid,
		token: pgToken, kind: "postgraphile"}, &system{name: "pgbench (laborx's SQL)", kind: "pgbench"})
	return systems, nil
}

// benchDir is the folder of this program's files (postgraphile.js).
func benchDir() string {
	if d := os.Getenv("PEERS_DIR"); d != "" {
		return d
	}
	return "bench/peers"
}

// startProc starts cmd and waits for a line of its stdout matching re.
func (b *bench) startProc(cmd *exec.Cmd, re *regexp.Regexp) ([]string, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b.procs = append(b.procs, cmd)
	found := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m:
				default:
				}
			}
		}
	}()
	select {
	case m := <-found:
		return m, nil
	case <-time.After(60 * time.Second):
		return nil, errors.New("did not start within 60 s")
	}
}

// post sends one GraphQL request and returns the decoded data; GraphQL errors fail.
func post(url, token, body string) (map[string]any, error) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r struct {
		Data   map[string]any `json:"data"`
		Errors []any          `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || resp.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		return nil, fmt.Errorf("status %d: %.300s", resp.StatusCode, raw)
	}
	return r.Data, nil
}

func gqlBody(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

// statements returns the statements PostgreSQL has run so far (pg_stat_statements),
// less the monitor's own.
func (b *bench) statements(ctx context.Context) (int64, error) {
	var n int64
	err := b.monitor.QueryRow(ctx, `SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements`).Scan(&n)
	return n, err
}

// cpuTicks is utime+stime of pid in clock ticks (/proc/<pid>/stat fields 14 and 15),
// with its reaped children's (16, 17) when children is set.
func cpuTicks(pid int, children bool) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after it start at ") ".
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	sum := func(idx ...int) int64 {
		var s int64
		for _, i := range idx {
			n, _ := strconv.ParseInt(fields[i-3], 10, 64)
			s += n
		}
		return s
	}
	if children {
		return sum(14, 15, 16, 17)
	}
	return sum(14, 15)
}

// postgresTicks is the CPU of the whole cluster: the postmaster, its live children
// (backends, writers) and the backends that already exited (reaped into its cutime).
func (b *bench) postgresTicks() int64 {
	total := cpuTicks(b.pgPID, true)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
		if ppid, _ := strconv.Atoi(fields[1]); ppid == b.pgPID {
			total += cpuTicks(pid, false)
		}
	}
	return total
}

// ticksPerSecond is USER_HZ, 100 on every Linux this runs on.
const ticksPerSecond = 100

// peakRSS is VmHWM of pid, the most memory it has held.
func peakRSS(pid int) string {
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func loadavg() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
