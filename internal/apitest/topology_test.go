package apitest_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/devdb"
	"github.com/laborx/laborx/internal/postgres"
)

// topology is laborx as a national operator runs it: a primary with a streaming
// standby, PgBouncer in transaction mode in front of the primary, and the multi-host
// URL that finds whichever server takes writes.
type topology struct {
	primary *restartableCluster
	standby *devdb.Cluster
	bouncer *devdb.Bouncer
	// multi lists both servers with target_session_attrs=read-write; replica is the
	// standby alone. Both connect as the service's role.
	multi, replica string
}

func newTopology(t *testing.T) *topology {
	t.Helper()
	primary := newRestartableCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The service's role, which row-level security binds: its transaction-local
	// settings (laborx.center_id) must survive the pooler.
	app, err := primary.c.AppDSN(ctx, "laborx")
	if err != nil {
		t.Fatal(err)
	}
	standby := startStandby(t, primary)
	pu, err := url.Parse(app)
	if err != nil {
		t.Fatal(err)
	}
	su, err := url.Parse(standby.DSN("laborx"))
	if err != nil {
		t.Fatal(err)
	}
	multi, replica := *pu, *pu
	multi.Host = pu.Host + "," + su.Host
	multi.RawQuery += "&target_session_attrs=read-write"
	replica.Host = su.Host

	dir := filepath.Join(primary.dir, "pgbouncer")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	password, _ := pu.User.Password()
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Four server connections for the pools of the two instances behind it: clients
	// share them, so a named prepared statement of one would meet another (42P05).
	b, err := devdb.StartBouncer(ctx, devdb.BouncerOptions{Dir: dir, Server: pu.Host, Database: "laborx",
		User: pu.User.Username(), Password: password, PoolSize: 4})
	if err != nil {
		t.Fatalf("%v (the topology test needs PgBouncer: apt-get install -y pgbouncer)", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(b.Report())
		}
		b.Stop()
	})
	return &topology{primary: primary, standby: standby, bouncer: b, multi: multi.String(), replica: replica.String()}
}

// waitReplicated waits until the standby has replayed everything the primary wrote.
func (topo *topology) waitReplicated(t *testing.T) {
	t.Helper()
	var lsn string
	onServer(t, topo.primary.DSN, func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn)
	})
	onServer(t, topo.standby.DSN("laborx"), func(ctx context.Context, conn *pgx.Conn) error {
		waitUntil(t, "the standby replays the primary's last commit", func() bool {
			var caught bool
			err := conn.QueryRow(ctx, `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)`, lsn).Scan(&caught)
			return err == nil && caught
		})
		return nil
	})
}

// withApp names the connections of a URL, so the test can find them in pg_stat_activity.
func withApp(dsn, name string) string { return dsn + "&application_name=" + name }

// feedFollower follows changes(after:) on one instance as a client that resumes does:
// when the subscription ends (UNAVAILABLE while the database is down) it subscribes
// again after the last cursor it received.
type feedFollower struct {
	mu      sync.Mutex
	seqs    []int64
	resumes int
	stop    context.CancelFunc
	done    chan struct{}
}

func followFeed(t *testing.T, baseURL, token, after string) *feedFollower {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	f := &feedFollower{stop: stop, done: make(chan struct{})}
	const sub = `subscription($after: String) { changes(after: $after) { sequence } }`
	first := apitest.Subscribe(t, baseURL, token, sub, map[string]any{"after": after})
	go func() {
		defer close(f.done)
		s, cursor := first, after
		for ctx.Err() == nil {
			data, c, err := s.Read(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				f.mu.Lock()
				f.resumes++
				f.mu.Unlock()
				time.Sleep(200 * time.Millisecond)
				s = apitest.Subscribe(t, baseURL, token, sub, map[string]any{"after": cursor})
				continue
			}
			cursor = c
			f.mu.Lock()
			f.seqs = append(f.seqs, sequenceOf(data["changes"]))
			f.mu.Unlock()
		}
	}()
	t.Cleanup(func() { stop(); <-f.done })
	return f
}

func sequenceOf(change any) int64 {
	var n int64
	fmt.Sscan(fmt.Sprint(change.(map[string]any)["sequence"]), &n)
	return n
}

func (f *feedFollower) received() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.seqs)
}

// waitFor waits until the follower has received n changes.
func (f *feedFollower) waitFor(t *testing.T, what string, n int) {
	t.Helper()
	waitUntil(t, what, func() bool { return len(f.received()) >= n })
}

// feedSequences is what changes(after:) lists for the token, paged to the end.
func feedSequences(t *testing.T, baseURL, token, after string) []int64 {
	t.Helper()
	var seqs []int64
	for {
		r := apitest.Post(t, baseURL, token, `query($after: String) { changes(after: $after, first: 100) {
			edges { node { sequence } } pageInfo { hasNextPage endCursor } } }`, map[string]any{"after": after})
		r.NoErrors(t)
		for _, edge := range r.Get("changes.edges").([]any) {
			seqs = append(seqs, sequenceOf(edge.(map[string]any)["node"]))
		}
		if r.Get("changes.pageInfo.hasNextPage") != true {
			return seqs
		}
		after = r.String(t, "changes.pageInfo.endCursor")
	}
}

// publishUntilDone publishes a demand through an instance, retrying every 100 ms with
// the same idempotency key while the answer is the honest 503, and returns how long
// it took. Any other failure fails the test.
func publishUntilDone(t *testing.T, baseURL, token, key string) time.Duration {
	t.Helper()
	start := time.Now()
	for deadline := start.Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		r := apitest.Post(t, baseURL, token, publishDemand, map[string]any{"in": demandInput(map[string]any{"idempotencyKey": key})})
		if len(r.Errors) == 0 {
			r.NoErrors(t)
			return time.Since(start)
		}
		if codes := r.ErrorCodes(); r.Status != 503 || r.Header.Get("Retry-After") == "" || codes[0] != "UNAVAILABLE" {
			t.Fatalf("publish %s: %d %s, want success or 503 UNAVAILABLE with Retry-After", key, r.Status, r.Raw)
		}
	}
	t.Fatalf("publish %s: writes did not resume within a minute", key)
	return 0
}

// onServer runs fn on a new connection to dsn.
func onServer(t *testing.T, dsn string, fn func(ctx context.Context, conn *pgx.Conn) error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := fn(ctx, conn); err != nil {
		t.Fatal(err)
	}
}

// countConns counts the backends of an application name on a server whose last
// statement matches queryRegexp (case-insensitive; "" matches every one).
func countConns(t *testing.T, dsn, app, queryRegexp string) (n int) {
	t.Helper()
	onServer(t, dsn, func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND query ~* $2`,
			app, queryRegexp).Scan(&n)
	})
	return n
}

func execOn(t *testing.T, dsn string, sqls ...string) {
	t.Helper()
	onServer(t, dsn, func(ctx context.Context, conn *pgx.Conn) error {
		for _, sql := range sqls {
			if _, err := conn.Exec(ctx, sql); err != nil {
				return fmt.Errorf("%s: %w", sql, err)
			}
		}
		return nil
	})
}

// TestTopology runs two laborx instances the way production does: B on the
// multi-host URL (primary, then the promoted standby) with statistics from the
// standby, A and a second start of it through PgBouncer in transaction mode with
// LISTEN on a direct connection. Changes cross instances; two more instances, one
// through the pooler, share one rate limit; a key revocation ends
// subscriptions on both; a primary that turns read-only answers 503 and loses the
// pool's connections to it; writes resume after the primary restarts and after it
// fails over to the promoted standby; and clients that follow changes(after:) on
// either instance see every change, in order, without gaps or duplicates.
func TestTopology(t *testing.T) {
	t.Parallel()
	topo := newTopology(t)
	pool := postgres.PoolOptions{MaxConns: 4, ConnectTimeout: 2 * time.Second, StatementTimeout: 5 * time.Second, LockTimeout: 5 * time.Second}
	e := apitest.NewWith(t, apitest.Options{DSN: withApp(topo.multi, "laborx-b"), Server: faultServer(5 * time.Second),
		ReadDatabaseURL: topo.replica, Pool: pool, SubscriptionRetry: 30 * time.Second})
	b := e.Server.URL
	instanceA := apitest.Options{DSN: topo.bouncer.DSN(), ListenDatabaseURL: withApp(topo.multi, "laborx-a-listen"),
		Server: faultServer(5 * time.Second), Pool: pool, SubscriptionRetry: 30 * time.Second}
	_, srvA := e.NewInstance(t, instanceA)
	// A second start through the pooler met the first one's prepared statements
	// ("stmtcache_… already exists") before the exec mode followed the listen URL.
	_, srvA2 := e.NewInstance(t, instanceA)
	a := srvA.URL

	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	viewer, publisher := tng.Token(t, "viewer"), hpg.Token(t, "publisher")
	start := feedCursor(t, e)
	onA, onB := followFeed(t, a, viewer, start), followFeed(t, b, viewer, start)

	t.Run("LISTEN goes direct", func(t *testing.T) {
		waitUntil(t, "A listens on its direct connection", func() bool {
			// The key follower's connection LISTENs for keys and changes, then runs
			// its heartbeat, so its last statement is one of those two.
			return countConns(t, topo.primary.DSN, "laborx-a-listen", `^(LISTEN laborx_keys; LISTEN laborx_changes|SELECT 1)$`) >= 1
		})
	})

	t.Run("cross-instance delivery", func(t *testing.T) {
		publishUntilDone(t, a, publisher, "through-pgbouncer")
		publishUntilDone(t, b, publisher, "direct")
		publishUntilDone(t, srvA2.URL, publisher, "second-start")
		onA.waitFor(t, "A's follower sees all three", 3)
		onB.waitFor(t, "B's follower sees all three", 3)
	})

	t.Run("shared rate limit", func(t *testing.T) {
		// Two more instances with a limit, one through the pooler, one direct: they
		// share it through the database as the others would.
		const limit, burst = 20, 20
		cfg := *faultServer(5 * time.Second)
		cfg.RateLimit, cfg.Burst = limit, burst
		limitedA := instanceA
		limitedA.Server = &cfg
		_, rlA := e.NewInstance(t, limitedA)
		_, rlB := e.NewInstance(t, apitest.Options{DSN: withApp(topo.multi, "laborx-rate"), Server: &cfg, Pool: pool})
		tok := tng.TokenWith(t, auth.Claims{Subject: "rate@tng", Roles: []string{"viewer"}})
		apitest.WaitRateLimitInstances(t, 2, rlA.URL, rlB.URL)
		h := apitest.Hammer(t, 3*time.Second, 4, tok, rlA.URL, rlB.URL)
		allowed := limit*h.Elapsed.Seconds() + burst
		t.Logf("shared rate limit %d/s burst %d over PgBouncer and direct: accepted %d (%v per instance) of %.0f allowed in %v",
			limit, burst, h.TotalAccepted(), h.Accepted, allowed, h.Elapsed.Round(time.Millisecond))
		if got := float64(h.TotalAccepted()); got > 1.1*allowed {
			t.Errorf("two instances admitted %.0f, more than 10 %% over the one limit's %.0f", got, allowed)
		}
	})

	t.Run("statistics from the replica", func(t *testing.T) {
		waitUntil(t, "statistics read the replica", func() bool {
			return strings.Contains(metrics(t, e), "\nlaborx_read_replica_in_use 1\n")
		})
		waitUntil(t, "the replica has the demands", func() bool {
			got := rows(t, e.Do(t, viewer, statsMarketBalanceDefault, nil), "stats.marketBalance", "province", "occupation", "demandPositions")
			return slices.Contains(got, "31 81 30")
		})
	})

	t.Run("revocation reaches both instances", func(t *testing.T) {
		bnh := e.AddCenter(t, "BNH", "24")
		tok := bnh.Token(t, "viewer")
		const sub = `subscription { changes { sequence } }`
		subA, subB := apitest.Subscribe(t, a, tok, sub, nil), apitest.Subscribe(t, b, tok, sub, nil)
		apitest.Post(t, a, tok, `{ viewer { roles } }`, nil).NoErrors(t)
		apitest.Post(t, b, tok, `{ viewer { roles } }`, nil).NoErrors(t)
		revoked := time.Now()
		apitest.Post(t, a, e.OperatorToken(t), `mutation($kid: String!) { revokeCenterKey(input: {kid: $kid}) { userErrors { code } } }`,
			map[string]any{"kid": bnh.KID}).NoErrors(t)
		for name, s := range map[string]*apitest.Subscription{"A": subA, "B": subB} {
			if errs := s.Failed(t, 20*time.Second); len(errs) != 1 || errs[0].Code() != "UNAUTHENTICATED" {
				t.Errorf("%s: the revoked key's subscription ended with %v, want UNAUTHENTICATED", name, errs)
			}
			t.Logf("%s: subscription ended %s after the revocation", name, time.Since(revoked).Round(time.Millisecond))
		}
		// The other instance's verified-key cache hears of it through NOTIFY: until
		// then (the follower's proof of liveness lasts 700 ms) it may still accept.
		for name, u := range map[string]string{"A": a, "B": b} {
			waitUntil(t, name+" refuses the revoked key", func() bool {
				return slices.Equal(apitest.Post(t, u, tok, `{ viewer { roles } }`, nil).ErrorCodes(), []string{"UNAUTHENTICATED"})
			})
			t.Logf("%s: requests refused %s after the revocation", name, time.Since(revoked).Round(time.Millisecond))
		}
	})

	t.Run("read-only primary", func(t *testing.T) {
		// A primary being demoted (or a standby a stale connection reached) refuses
		// writes with read_only_sql_transaction: the answer is 503 with Retry-After,
		// not INTERNAL, and the connection leaves the pool.
		execOn(t, topo.primary.DSN, `ALTER SYSTEM SET default_transaction_read_only = on`, `SELECT pg_reload_conf()`)
		before := countConns(t, topo.primary.DSN, "laborx-b", "")
		r := e.Do(t, publisher, publishDemand, map[string]any{"in": demandInput(map[string]any{"idempotencyKey": "read-only"})})
		wantUnavailable(t, r)
		if after := countConns(t, topo.primary.DSN, "laborx-b", ""); after >= before {
			t.Errorf("B holds %d connections to the read-only primary after the refused write, %d before: want fewer", after, before)
		}
		wantUnavailable(t, apitest.Post(t, a, publisher, publishDemand, map[string]any{"in": demandInput(map[string]any{"idempotencyKey": "read-only-a"})}))
		execOn(t, topo.primary.DSN, `ALTER SYSTEM RESET default_transaction_read_only`, `SELECT pg_reload_conf()`)
		t.Logf("writes resumed %s after the primary took writes again (B)", publishUntilDone(t, b, publisher, "read-only"))
		publishUntilDone(t, a, publisher, "read-only-a")
	})

	t.Run("primary restart", func(t *testing.T) {
		topo.primary.stop()
		topo.primary.start()
		t.Logf("writes resumed %s after the restart (A, through PgBouncer)", publishUntilDone(t, a, publisher, "after-restart-a"))
		t.Logf("writes resumed %s after the restart (B)", publishUntilDone(t, b, publisher, "after-restart-b"))
	})

	t.Run("failover to the promoted standby", func(t *testing.T) {
		// Replication is asynchronous: a standby that has not replayed the primary's
		// last commits would lose them at promotion, and hand their sequences to new
		// changes. A failover manager promotes only a standby that has caught up
		// (Patroni's maximum_lag_on_failover; synchronous replication in production,
		// docs/scaling.md).
		topo.waitReplicated(t)
		stopping := time.Now()
		topo.primary.stop()
		stopped := time.Now()
		execOn(t, topo.standby.DSN("postgres"), `SELECT pg_promote(true, 30)`)
		promoted := time.Now()
		su, _ := url.Parse(topo.standby.DSN("laborx"))
		if err := topo.bouncer.Retarget(su.Host); err != nil {
			t.Fatal(err)
		}
		tookB := publishUntilDone(t, b, publisher, "after-failover-b")
		tookA := publishUntilDone(t, a, publisher, "after-failover-a")
		t.Logf("failover: fast shutdown of the primary %s, promotion %s; then writes resumed on B (multi-host URL) after %s, "+
			"on A (PgBouncer retargeted) %s later; %s from the stop to A's write",
			stopped.Sub(stopping).Round(time.Millisecond), promoted.Sub(stopped).Round(time.Millisecond),
			tookB.Round(time.Millisecond), tookA.Round(time.Millisecond), time.Since(stopping).Round(time.Millisecond))
	})

	t.Run("no gaps", func(t *testing.T) {
		want := feedSequences(t, b, viewer, start)
		if len(want) < 9 {
			t.Fatalf("the feed lists %d changes, want the 9 published: %v", len(want), want)
		}
		for name, f := range map[string]*feedFollower{"A": onA, "B": onB} {
			f.waitFor(t, name+"'s follower catches up", len(want))
			if got := f.received(); !slices.Equal(got, want) {
				t.Errorf("%s's follower received %v, the feed lists %v", name, got, want)
			}
			f.mu.Lock()
			t.Logf("%s's follower resubscribed %d times", name, f.resumes)
			f.mu.Unlock()
		}
	})
}
