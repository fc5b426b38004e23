package apitest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/devdb"
	"github.com/laborx/laborx/internal/postgres"
)

// restartableCluster is a PostgreSQL cluster of the test's own, which it may stop and
// start again on the same port (the process-wide test cluster is shared, so stopping it
// is not an option). Its files are removed at cleanup.
type restartableCluster struct {
	t    *testing.T
	dir  string
	port int
	c    *devdb.Cluster
	DSN  string
}

func newRestartableCluster(t *testing.T) *restartableCluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "laborx-fault-")
	if err != nil {
		t.Fatal(err)
	}
	// MkdirTemp makes it 0700; when root runs the tests, the postgres OS user must pass
	// (or the cluster would be relocated out of the temporary folder).
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rc := &restartableCluster{t: t, dir: dir}
	t.Cleanup(func() {
		if rc.c != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = rc.c.Stop(ctx)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove the test cluster: %v", err)
		}
	})
	if err := copyGoldenCluster(filepath.Join(dir, "pg")); err != nil {
		t.Fatal(err)
	}
	rc.start()
	rc.DSN = rc.c.DSN("laborx")
	u, err := url.Parse(rc.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if rc.port, err = strconv.Atoi(u.Port()); err != nil {
		t.Fatal(err)
	}
	return rc
}

func (rc *restartableCluster) start() {
	rc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := devdb.Start(ctx, devdb.Options{Dir: filepath.Join(rc.dir, "pg"), Port: rc.port})
	if err != nil {
		rc.t.Fatalf("start PostgreSQL: %v", err)
	}
	rc.c = c
}

// crash stops PostgreSQL at once (immediate shutdown), as a crash would.
func (rc *restartableCluster) crash() {
	rc.c.Crash()
	rc.c = nil
}

func (rc *restartableCluster) stop() {
	rc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := rc.c.Stop(ctx); err != nil {
		rc.t.Fatalf("stop PostgreSQL: %v", err)
	}
	rc.c = nil
}

// loadTally is what the clients of the load saw.
type loadTally struct {
	mu          sync.Mutex
	ok, failed  int
	wrong       []string // answers that are neither success nor an honest 503
	lastOK      time.Time
	firstFail   time.Time
	slowestFail time.Duration
	published   map[string]bool   // idempotency keys acknowledged
	hires       map[string]string // referral → final answer
}

// record classifies one answer: 200 without errors, or 503 UNAVAILABLE with
// Retry-After; anything else (401, INTERNAL, a 200 carrying errors) is wrong.
func (l *loadTally) record(r *apitest.Response, took time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	codes := r.ErrorCodes()
	switch {
	case r.Status == http.StatusOK && len(codes) == 0:
		l.ok++
		l.lastOK = time.Now()
		return true
	case r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") != "" && len(codes) > 0 && codes[0] == "UNAVAILABLE":
		if l.failed == 0 {
			l.firstFail = time.Now()
		}
		l.failed++
		l.slowestFail = max(l.slowestFail, took)
		return false
	}
	if len(l.wrong) < 10 {
		l.wrong = append(l.wrong, fmt.Sprintf("%d %s", r.Status, r.Raw))
	}
	return false
}

func (l *loadTally) counts() (ok, failed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok, l.failed
}

// TestDatabaseRestartUnderLoad stops PostgreSQL while clients read, publish demands
// with idempotency keys and hire referred workers, then starts it again. While it is
// down every answer is a fast 503 UNAVAILABLE with Retry-After (never 401 or
// INTERNAL); once it is back the service recovers by itself within 10 s. Clients
// retry each write with the same idempotency key until it is answered, as clients
// should; afterwards nothing is lost or doubled: one demand per idempotency key, the
// demand's filled count and the quota line's hired count equal the HIRED referrals,
// and the change feed has no gap. The outage is logged once down, once up.
func TestDatabaseRestartUnderLoad(t *testing.T) { testOutageUnderLoad(t, false) }

// TestDatabaseCrashUnderLoad is TestDatabaseRestartUnderLoad with a crash (immediate
// shutdown, recovery from the WAL at the start) instead of a clean stop: changes
// committed and not yet numbered when it happens are numbered after it, and no
// sequence anybody saw is lost or handed to another change.
func TestDatabaseCrashUnderLoad(t *testing.T) { testOutageUnderLoad(t, true) }

func testOutageUnderLoad(t *testing.T, crash bool) {
	rc := newRestartableCluster(t)
	logs := &lockedBuffer{}
	f := newHireFixtureWith(t, apitest.Options{DSN: rc.DSN, Server: faultServer(5 * time.Second),
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Pool:   postgres.PoolOptions{MaxConns: 8, ConnectTimeout: 2 * time.Second, StatementTimeout: 5 * time.Second, LockTimeout: 5 * time.Second}}, 30, 1000)
	referrals := f.referAcknowledged(t, 40, map[string]any{"demandId": f.demandID, "agreementId": f.agreementID})
	todo := make(chan string, len(referrals))
	for _, id := range referrals {
		todo <- id
	}
	close(todo)

	tally := &loadTally{published: map[string]bool{}, hires: map[string]string{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				tally.record(f.e.Do(t, f.dest, `{ viewer { subject } laborDemands(first: 5) { totalCount } }`, nil), time.Since(start))
				key := fmt.Sprintf("fault-%d-%d", w, i)
				in := demandInput(map[string]any{"title": "Fault " + key, "idempotencyKey": key})
				retry(t, tally, func() *apitest.Response { return f.e.Do(t, f.dest, publishDemand, map[string]any{"in": in}) })
				tally.mu.Lock()
				tally.published[key] = true
				tally.mu.Unlock()
				// Hires are spread over the run, so some meet the outage.
				if i%4 == 0 {
					if id, ok := <-todo; ok {
						hire(t, f, tally, id)
					}
				}
			}
		}()
	}
	waitUntil(t, "the load is under way", func() bool { ok, _ := tally.counts(); return ok >= 40 })

	stopAt := time.Now()
	if crash {
		rc.crash()
	} else {
		rc.stop()
	}
	t.Logf("PostgreSQL stopped in %v", time.Since(stopAt))
	waitUntil(t, "clients see the outage", func() bool { _, failed := tally.counts(); return failed >= 20 })
	// Not ready (it cannot serve writes), and the answer names no user, host or port.
	resp, err := http.Get(f.e.Server.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body), "127.0.0.1") ||
		strings.Contains(string(body), strconv.Itoa(rc.port)) || strings.Contains(string(body), "user") {
		t.Errorf("/readyz during the outage: %d %q", resp.StatusCode, body)
	}
	// A websocket whose token cannot be checked is told to try again later (1013), not
	// refused (4403), and is not told where the database is.
	if _, err := apitest.Dial(t, f.e.Server.URL, f.dest); websocket.CloseStatus(err) != 1013 ||
		strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("websocket during the outage: %v, want close code 1013", err)
	}
	rc.start()
	backAt := time.Now()
	waitUntil(t, "the service answers again", func() bool {
		tally.mu.Lock()
		defer tally.mu.Unlock()
		return tally.lastOK.After(backAt)
	})
	tally.mu.Lock()
	recovered := tally.lastOK.Sub(backAt)
	t.Logf("first 503 %v after the stop; slowest 503 took %v; first success %v after PostgreSQL accepted connections again",
		tally.firstFail.Sub(stopAt), tally.slowestFail, recovered)
	tally.mu.Unlock()
	if recovered > 10*time.Second {
		t.Errorf("recovered %v after the database was back, want within 10 s", recovered)
	}
	okBefore, _ := tally.counts()
	waitUntil(t, "the load goes on after the restart", func() bool { ok, _ := tally.counts(); return ok >= okBefore+40 })
	close(stop)
	wg.Wait()

	ok, failed := tally.counts()
	t.Logf("%d answers succeeded, %d were 503 UNAVAILABLE, %d were wrong; %d demands published, %d hires answered",
		ok, failed, len(tally.wrong), len(tally.published), len(tally.hires))
	for _, w := range tally.wrong {
		t.Errorf("answer neither success nor 503 UNAVAILABLE: %s", w)
	}
	checkInvariants(t, f, tally)
	checkOutageLogged(t, logs.String())
}

// retry sends a request until it is answered other than 503, waiting a little between
// tries (a real client would honour Retry-After; the test wants many tries).
func retry(t *testing.T, tally *loadTally, send func() *apitest.Response) *apitest.Response {
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		start := time.Now()
		r := send()
		if tally.record(r, time.Since(start)) || r.Status != http.StatusServiceUnavailable {
			return r
		}
	}
	t.Errorf("a request was answered 503 for 2 minutes")
	return nil
}

// hire marks a referral hired, retrying through the outage. A retry may find the hire
// already done (the first try committed but its answer was lost): INVALID_TRANSITION.
func hire(t *testing.T, f *hireFixture, tally *loadTally, id string) {
	r := retry(t, tally, func() *apitest.Response { return act(t, f.e, f.dest, id, "MARK_HIRED") })
	if r == nil {
		return
	}
	outcome := "HIRED"
	if ue := r.UserErrorCodes("updateReferralStatus"); len(ue) > 0 {
		outcome = ue[0]
	}
	tally.mu.Lock()
	tally.hires[id] = outcome
	tally.mu.Unlock()
}

func checkInvariants(t *testing.T, f *hireFixture, tally *loadTally) {
	t.Helper()
	ctx := context.Background()
	pool := dbPool(t, f.e)
	one := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	for key := range tally.published {
		if n := one(`SELECT count(*) FROM labor_demands WHERE title = $1`, "Fault "+key); n != 1 {
			t.Errorf("idempotency key %s: %d demands, want 1", key, n)
		}
		if n := one(`SELECT count(*) FROM idempotency_keys k JOIN labor_demands d ON d.id = k.result_id
			WHERE k.key = $1 AND d.title = $2`, key, "Fault "+key); n != 1 {
			t.Errorf("idempotency key %s: %d keys pointing at its demand, want 1", key, n)
		}
	}
	if n := one(`SELECT count(*) FROM labor_demands WHERE title LIKE 'Fault %'`); n != len(tally.published) {
		t.Errorf("%d demands published by the load, %d acknowledged", n, len(tally.published))
	}
	const hired = `status IN ('HIRED', 'EMPLOYED', 'LEFT_JOB')`
	if n := one(`SELECT count(*) FROM labor_demands d WHERE filled_count <> (SELECT count(*) FROM referrals r
		WHERE r.demand_id = d.id AND r.` + hired + `)`); n != 0 {
		t.Errorf("%d demands whose filled count is not their HIRED referrals", n)
	}
	if n := one(`SELECT count(*) FROM agreement_quota_lines q WHERE hired_count <> (SELECT count(*) FROM referrals r
		WHERE r.agreement_id = q.agreement_id AND r.occupation_code = q.occupation_code
		AND r.origin_center_id = q.from_center_id AND r.destination_center_id = q.to_center_id AND r.` + hired + `)`); n != 0 {
		t.Errorf("%d quota lines whose hired count is not their HIRED referrals", n)
	}
	answeredHired := 0
	for _, outcome := range tally.hires {
		if outcome == "HIRED" || outcome == "INVALID_TRANSITION" {
			answeredHired++
		}
	}
	if n := one(`SELECT count(*) FROM referrals WHERE ` + hired); n != answeredHired {
		t.Errorf("%d referrals HIRED, clients were answered HIRED (or already hired) %d times", n, answeredHired)
	}
	// Changes committed while their numbering round met the outage are numbered by the
	// sequencer's sweep; then every published demand is in the feed once.
	waitUntil(t, "the sequencer numbers every committed change", func() bool { return one(`SELECT count(*) FROM pending_changes`) == 0 })
	if n := one(`SELECT count(*) FROM labor_demands d WHERE title LIKE 'Fault %' AND (SELECT count(*) FROM changes c
		WHERE c.entity_id = d.id AND c.action = 'PUBLISHED') <> 1`); n != 0 {
		t.Errorf("%d published demands not in the feed exactly once", n)
	}
	var count, distinct, lowest, highest, last int64
	if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT sequence), coalesce(min(sequence), 1), coalesce(max(sequence), 0),
		(SELECT last FROM change_sequence) FROM changes`).Scan(&count, &distinct, &lowest, &highest, &last); err != nil {
		t.Fatal(err)
	}
	if count != distinct || lowest != 1 || highest != count || last != highest {
		t.Errorf("change feed: %d entries (%d distinct) numbered %d..%d, sequence at %d: want 1..n without gaps",
			count, distinct, lowest, highest, last)
	}
}

// checkOutageLogged wants each outage logged as two ERROR lines, down and up, however
// many requests failed during it.
func checkOutageLogged(t *testing.T, logs string) {
	t.Helper()
	down := strings.Count(logs, `"level":"ERROR","msg":"database unavailable`)
	up := strings.Count(logs, `"level":"ERROR","msg":"database available again"`)
	if down == 0 || down != up || down > 3 {
		t.Errorf("outage logged %d times down and %d times up, want once each (a stale pooled connection may add a short second one)", down, up)
	}
	t.Logf("outage log lines: %d down, %d up", down, up)
}

// lockedBuffer collects log lines written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
