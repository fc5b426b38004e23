package apitest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/server"
)

// faultServer is the HTTP configuration of fault tests: no rate limit, a short
// request timeout so that waiting for it stays cheap.
func faultServer(timeout time.Duration) *server.Config {
	cfg := server.DefaultConfig()
	cfg.RateLimit = 0
	cfg.RequestTimeout = timeout
	return &cfg
}

// wantUnavailable checks an answer is the honest outage answer: 503, Retry-After and
// UNAVAILABLE, never 401 or INTERNAL.
func wantUnavailable(t *testing.T, r *apitest.Response) {
	t.Helper()
	codes := r.ErrorCodes()
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || len(codes) == 0 || codes[0] != "UNAVAILABLE" {
		t.Errorf("got status %d, Retry-After %q, codes %v, want 503 with Retry-After and UNAVAILABLE: %s",
			r.Status, r.Header.Get("Retry-After"), codes, r.Raw)
	}
}

// waitUntil polls cond until it holds; the bound only keeps a broken test from hanging.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting until %s", what)
}

// TestTableLockTimesOutAtTheDeadline holds labor_demands locked from another session,
// as `LOCK TABLE` from psql or a long migration would. More requests than the pool has
// connections ask for demands: those holding a connection wait on the lock, the others
// for a connection, and all get UNAVAILABLE at the request deadline, not when the lock
// goes. Meanwhile `{ viewer { subject } }` and /readyz answer: token keys and readiness
// use their own pool. The pool never opens more than its 2 connections: the timed-out statements
// were cancelled and their connections given back, not cut.
func TestTableLockTimesOutAtTheDeadline(t *testing.T) {
	const timeout = 2 * time.Second
	e := apitest.NewWith(t, apitest.Options{Server: faultServer(timeout),
		Pool: postgres.PoolOptions{MaxConns: 2, StatementTimeout: timeout, LockTimeout: timeout}})
	tok := e.AddCenter(t, "TNG", "19").Token(t, "viewer")
	const demands = `{ laborDemands { totalCount } }`
	e.Do(t, tok, demands, nil).NoErrors(t)

	ctx := context.Background()
	locker := dbPool(t, e)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE labor_demands IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		r    *apitest.Response
		took time.Duration
	}
	answers := make(chan answer, 4)
	for range 4 {
		go func() {
			start := time.Now()
			r := e.Do(t, tok, demands, nil)
			answers <- answer{r, time.Since(start)}
		}()
	}
	// pg_stat_activity shows a session's wait only to its own role (or a superuser):
	// the service's role watches its own connections.
	watcher, err := pgxpool.New(ctx, e.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	waitUntil(t, "both pool connections wait on the lock", func() bool {
		return lockWaiters(t, watcher) == 2
	})
	start := time.Now()
	r := e.Do(t, tok, `{ viewer { subject } }`, nil)
	r.NoErrors(t)
	t.Logf("viewer answered in %v while labor_demands was locked", time.Since(start))
	if got := status(t, e.Server.URL+"/readyz"); got != http.StatusOK {
		t.Errorf("/readyz while every connection waits on the lock: %d, want 200 (the database is up)", got)
	}
	for range 4 {
		a := <-answers
		wantUnavailable(t, a.r)
		t.Logf("laborDemands answered %d after %v (request timeout %v)", a.r.Status, a.took, timeout)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	e.Do(t, tok, demands, nil).NoErrors(t)
	if n := e.App.DB.Pool.Stat().NewConnsCount(); n > 2 {
		t.Errorf("a pool of 2 opened %d connections: timed-out requests lost theirs", n)
	}
}

// lockWaiters counts the sessions waiting for a lock in the test's database.
func lockWaiters(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
