package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/demo"
)

func lxToken(dataDir string) (string, error) {
	return demo.Token(dataDir, "TNG", "bench", []string{"publisher", "coordinator"}, time.Hour)
}

// sample is one measurement of one system on one query.
type sample struct {
	requests      float64
	rps           float64
	p50, p99      float64 // ms
	serverMs      float64 // server process CPU per request; 0 for pgbench
	postgresMs    float64
	statements    float64
	failed        int64
	loadBefore    string
	loadAfter     string
	serverMeasure bool
}

// measure runs the rounds: in each, every query on every system in turn, so that
// whatever else loads the machine falls on all of them alike.
func (b *bench) measure(ctx context.Context, systems []*system, queries []*query) error {
	started := time.Now().UTC()
	loadStart := loadavg()
	results := map[string]map[string][]sample{} // query -> system -> rounds
	for round := 1; round <= b.cfg.rounds; round++ {
		for _, q := range queries {
			for _, s := range systems {
				if !applies(s, q) {
					continue
				}
				smp, err := b.one(ctx, s, q)
				if err != nil {
					return fmt.Errorf("round %d, %s on %s: %w", round, q.name, s.name, err)
				}
				if results[q.name] == nil {
					results[q.name] = map[string][]sample{}
				}
				results[q.name][s.name] = append(results[q.name][s.name], smp)
				if q.name == "publish" {
					if err := b.dropPublished(ctx); err != nil {
						return err
					}
				}
				fmt.Fprintf(os.Stderr, "round %d %-8s %-24s %8.1f req/s  p50 %6.2f ms  p99 %6.2f ms  cpu %5.2f + %5.2f ms/req  %4.1f stmts/req  load %s\n",
					round, q.name, s.name, smp.rps, smp.p50, smp.p99, smp.serverMs, smp.postgresMs, smp.statements, smp.loadAfter)
			}
		}
	}
	report := b.report(systems, queries, results, started, loadStart, loadavg())
	fmt.Print(report)
	if b.cfg.out != "" {
		return os.WriteFile(b.cfg.out, []byte(report), 0o644)
	}
	return nil
}

// dropPublished deletes the demands the publish measurements made, so that every
// round, and every run, reads the seeded market.
func (b *bench) dropPublished(ctx context.Context) error {
	if _, err := b.monitor.Exec(ctx, `DELETE FROM labor_demands WHERE employer_name = 'Công ty Bench'`); err != nil {
		return fmt.Errorf("drop published demands: %w", err)
	}
	_, err := b.monitor.Exec(ctx, `VACUUM (ANALYZE) labor_demands`)
	return err
}

func applies(s *system, q *query) bool {
	switch s.kind {
	case "postgraphile":
		return q.postgraphle != ""
	case "pgbench":
		return q.pgbench
	}
	return true
}

func (b *bench) one(ctx context.Context, s *system, q *query) (sample, error) {
	smp := sample{loadBefore: loadavg()}
	stmts0, err := b.statements(ctx)
	if err != nil {
		return smp, err
	}
	srv0, pg0 := cpuTicks(s.pid, false), b.postgresTicks()
	if s.kind == "pgbench" {
		err = b.pgbench(ctx, q, &smp)
	} else {
		body := q.laborx
		if s.kind == "postgraphile" {
			body = q.postgraphle
		}
		err = b.wrk(ctx, s, body, &smp)
	}
	if err != nil {
		return smp, err
	}
	time.Sleep(300 * time.Millisecond) // closed connections' backends exit and are reaped
	srv1, pg1 := cpuTicks(s.pid, false), b.postgresTicks()
	stmts1, err := b.statements(ctx)
	if err != nil {
		return smp, err
	}
	smp.loadAfter = loadavg()
	if smp.requests > 0 {
		perReq := 1000.0 / ticksPerSecond / smp.requests
		if s.kind != "pgbench" {
			smp.serverMs = float64(srv1-srv0) * perReq
			smp.serverMeasure = true
		}
		smp.postgresMs = float64(pg1-pg0) * perReq
		smp.statements = float64(stmts1-stmts0-1) / smp.requests // less the monitor's own
	}
	return smp, nil
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkLatency  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func (b *bench) wrk(ctx context.Context, s *system, body string, smp *sample) error {
	script := filepath.Join(b.tmp, "wrk.lua")
	lua := fmt.Sprintf("wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"+
		"wrk.headers[\"Authorization\"] = \"Bearer %s\"\nwrk.body = [==[%s]==]\n", s.token, body)
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.duration+30*time.Second)
	defer cancel()
	// wrk counts a request slower than 2 s (its default) as a socket timeout, which fails
	// the run; on a loaded shared machine such requests are slow, not failed.
	out, err := exec.CommandContext(ctx, "wrk", "-t1", "-c"+strconv.Itoa(b.cfg.conns), "-d"+durationArg(b.cfg.duration),
		"--timeout", "10s", "--latency", "-s", script, s.url).CombinedOutput()
	if err != nil {
		return fmt.Errorf("wrk: %w: %s", err, out)
	}
	text := string(out)
	m := wrkRequests.FindStringSubmatch(text)
	r := wrkRPS.FindStringSubmatch(text)
	if m == nil || r == nil {
		return fmt.Errorf("unreadable wrk output: %s", text)
	}
	smp.requests, _ = strconv.ParseFloat(m[1], 64)
	smp.rps, _ = strconv.ParseFloat(r[1], 64)
	for _, l := range wrkLatency.FindAllStringSubmatch(text, -1) {
		v, _ := strconv.ParseFloat(l[2], 64)
		switch l[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if l[1] == "50" {
			smp.p50 = v
		} else {
			smp.p99 = v
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(text); m != nil {
		smp.failed, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := wrkSocket.FindStringSubmatch(text); m != nil {
		for _, x := range m[1:] {
			n, _ := strconv.ParseInt(x, 10, 64)
			smp.failed += n
		}
	}
	if smp.failed > 0 {
		return fmt.Errorf("%d failed requests: %s", smp.failed, text)
	}
	return nil
}

func durationArg(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Round(time.Second).Seconds()))) + "s"
}

var (
	pgbProcessed = regexp.MustCompile(`number of transactions actually processed: (\d+)`)
	pgbTPS       = regexp.MustCompile(`tps = ([\d.]+) \(without initial connection time\)`)
	pgbFailed    = regexp.MustCompile(`number of failed transactions: (\d+)`)
)

func (b *bench) pgbench(ctx context.Context, q *query, smp *sample) error {
	u, err := url.Parse(b.dsn)
	if err != nil {
		return err
	}
	pw, _ := u.User.Password()
	logDir, err := os.MkdirTemp(b.tmp, "pgbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(logDir)
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(b.cfg.conns), "-j", "1",
		"-T", strings.TrimSuffix(durationArg(b.cfg.duration), "s"), "-f", q.script,
		"-l", "--log-prefix", filepath.Join(logDir, "tx"),
		"-h", u.Hostname(), "-p", u.Port(), "-U", u.User.Username()}
	for _, d := range q.defines {
		args = append(args, "-D", d)
	}
	args = append(args, strings.TrimPrefix(u.Path, "/"))
	ctx, cancel := context.WithTimeout(ctx, b.cfg.duration+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pgbench", args...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+pw, "PGSSLMODE=disable")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgbench: %w: %s", err, out)
	}
	text := string(out)
	m, t := pgbProcessed.FindStringSubmatch(text), pgbTPS.FindStringSubmatch(text)
	if m == nil || t == nil {
		return fmt.Errorf("unreadable pgbench output: %s", text)
	}
	if f := pgbFailed.FindStringSubmatch(text); f != nil && f[1] != "0" {
		return fmt.Errorf("pgbench: %s failed transactions: %s", f[1], text)
	}
	smp.requests, _ = strconv.ParseFloat(m[1], 64)
	smp.rps, _ = strconv.ParseFloat(t[1], 64)
	// Per-transaction log lines: client_id transaction_no latency_us script_no epoch us.
	var lat []float64
	files, _ := filepath.Glob(filepath.Join(logDir, "tx*"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if fs := strings.Fields(line); len(fs) >= 3 {
				v, _ := strconv.ParseFloat(fs[2], 64)
				lat = append(lat, v/1000)
			}
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		smp.p50, smp.p99 = lat[(len(lat)-1)*50/100], lat[(len(lat)-1)*99/100]
	}
	return nil
}

// median of one metric over the rounds.
func median(s []sample, f func(sample) float64) float64 {
	v := make([]float64, len(s))
	for i, x := range s {
		v[i] = f(x)
	}
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func (b *bench) report(systems []*system, queries []*query, results map[string]map[string][]sample,
	started time.Time, loadStart, loadEnd string) string {
	var w strings.Builder
	var demands int64
	_ = b.monitor.QueryRow(context.Background(), `SELECT count(*) FROM labor_demands`).Scan(&demands)
	fmt.Fprintf(&w, "Run %s–%s UTC, %d round(s) × %s per system and query, %d connections (wrk -t1 / pgbench -j1), "+
		"%d demands in the database at the end. Load average (1/5/15 min) at start %s, at end %s.\n\n",
		started.Format("2006-01-02 15:04"), time.Now().UTC().Format("15:04"), b.cfg.rounds, b.cfg.duration, b.cfg.conns,
		demands, loadStart, loadEnd)
	for _, f := range []struct{ who, flags string }{{"laborx", b.cfg.laborxFlags}, {"laborx (before)", b.cfg.baselineFlags}} {
		if f.flags != "" {
			fmt.Fprintf(&w, "%s ran with `%s`.\n\n", f.who, f.flags)
		}
	}
	w.WriteString("| query | system | req/s (median; rounds) | p50 ms | p99 ms | server CPU ms/req | PostgreSQL CPU ms/req | statements/req |\n")
	w.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, q := range queries {
		for _, s := range systems {
			rs := results[q.name][s.name]
			if len(rs) == 0 {
				continue
			}
			var rounds []string
			for _, r := range rs {
				rounds = append(rounds, fmt.Sprintf("%.0f", r.rps))
			}
			server := "—"
			if s.kind != "pgbench" {
				server = fmt.Sprintf("%.2f", median(rs, func(x sample) float64 { return x.serverMs }))
			}
			fmt.Fprintf(&w, "| %s | %s | %.0f (%s) | %.2f | %.2f | %s | %.2f | %.1f |\n", q.name, s.name,
				median(rs, func(x sample) float64 { return x.rps }), strings.Join(rounds, ", "),
				median(rs, func(x sample) float64 { return x.p50 }), median(rs, func(x sample) float64 { return x.p99 }),
				server, median(rs, func(x sample) float64 { return x.postgresMs }),
				median(rs, func(x sample) float64 { return x.statements }))
		}
	}
	w.WriteString("\nRatios of median req/s:\n\n| query | laborx ÷ PostGraphile | laborx ÷ pgbench of its SQL |")
	hasBefore := b.cfg.baseline != ""
	if hasBefore {
		w.WriteString(" laborx ÷ laborx (before) |")
	}
	w.WriteString("\n|---|---|---|")
	if hasBefore {
		w.WriteString("---|")
	}
	w.WriteString("\n")
	rps := func(q, s string) float64 {
		return median(results[q][s], func(x sample) float64 { return x.rps })
	}
	ratio := func(a, b float64) string {
		if a == 0 || b == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f×", a/b)
	}
	for _, q := range queries {
		fmt.Fprintf(&w, "| %s | %s | %s |", q.name, ratio(rps(q.name, "laborx"), rps(q.name, "PostGraphile")),
			ratio(rps(q.name, "laborx"), rps(q.name, "pgbench (laborx's SQL)")))
		if hasBefore {
			fmt.Fprintf(&w, " %s |", ratio(rps(q.name, "laborx"), rps(q.name, "laborx (before)")))
		}
		w.WriteString("\n")
	}
	w.WriteString("\nQueries:\n\n")
	for _, q := range queries {
		fmt.Fprintf(&w, "- %s: %s (laborx: %d statements traced per request)\n", q.name, q.what, q.statements)
	}
	return w.String()
}
