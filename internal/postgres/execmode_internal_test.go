package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestParseExecMode(t *testing.T) {
	for in, want := range map[string]pgx.QueryExecMode{"": 0, "auto": 0, "cache_statement": pgx.QueryExecModeCacheStatement,
		"cache_describe": pgx.QueryExecModeCacheDescribe, "describe_exec": pgx.QueryExecModeDescribeExec} {
		if got, err := ParseExecMode(in); err != nil || got != want {
			t.Errorf("ParseExecMode(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"exec", "simple_protocol", "prepared"} {
		if _, err := ParseExecMode(in); err == nil {
			t.Errorf("ParseExecMode(%q) accepted a mode laborx cannot run in", in)
		}
	}
}

// TestAutoExecMode: a LISTEN URL apart from the main one means a transaction pooler.
func TestAutoExecMode(t *testing.T) {
	const direct, pooled = "postgres://db:5432/laborx", "postgres://bouncer:6432/laborx"
	if got := AutoExecMode(pooled, direct); got != pgx.QueryExecModeCacheDescribe {
		t.Errorf("pooled URL with a direct LISTEN URL: %v, want cache_describe", got)
	}
	for _, listen := range []string{"", direct} {
		if got := AutoExecMode(direct, listen); got != 0 {
			t.Errorf("LISTEN URL %q on the main one: %v, want the URL's own mode", listen, got)
		}
	}
}

// TestPoolConfigRefusesGuessingModes: the URL's default_query_exec_mode=exec is
// refused when the pool is configured, with what to use instead.
func TestPoolConfigRefusesGuessingModes(t *testing.T) {
	for _, mode := range []string{"exec", "simple_protocol"} {
		_, err := PoolConfig("postgres://u:secret@127.0.0.1:1/laborx?default_query_exec_mode="+mode, PoolOptions{})
		if err == nil || !strings.Contains(err.Error(), "--db-exec-mode cache_describe") {
			t.Errorf("default_query_exec_mode=%s: %v, want a refusal naming --db-exec-mode cache_describe", mode, err)
		}
	}
	if _, err := PoolConfig("postgres://u:secret@127.0.0.1:1/laborx?default_query_exec_mode=exec",
		PoolOptions{ExecMode: pgx.QueryExecModeCacheDescribe}); err != nil {
		t.Errorf("--db-exec-mode overrides the URL's mode: %v", err)
	}
}

// TestPoolConfigTurnsJITOff: connections run without JIT compilation (a generic plan of
// a text search was compiled for longer than it runs), unless the URL says otherwise.
func TestPoolConfigTurnsJITOff(t *testing.T) {
	for url, want := range map[string]string{
		"postgres://u@127.0.0.1:1/laborx":        "off",
		"postgres://u@127.0.0.1:1/laborx?jit=on": "on",
	} {
		cfg, err := PoolConfig(url, PoolOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.ConnConfig.RuntimeParams["jit"]; got != want {
			t.Errorf("%s: jit %q, want %q", url, got, want)
		}
	}
}

// TestContextWatcherThroughPooler: a request's deadline cancels the statement by a
// cancel request on a direct connection, and by cutting the socket in the modes chosen
// for a transaction pooler, where a cancel request can kill PgBouncer 1.18.
func TestContextWatcherThroughPooler(t *testing.T) {
	c := &pgconn.PgConn{}
	for mode, want := range map[pgx.QueryExecMode]string{
		pgx.QueryExecModeCacheStatement: "*pgconn.CancelRequestContextWatcherHandler",
		pgx.QueryExecModeCacheDescribe:  "*pgconn.DeadlineContextWatcherHandler",
		pgx.QueryExecModeDescribeExec:   "*pgconn.DeadlineContextWatcherHandler",
	} {
		cfg, err := PoolConfig("postgres://db:5432/laborx", PoolOptions{ExecMode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", cfg.ConnConfig.BuildContextWatcherHandler(c)); got != want {
			t.Errorf("exec mode %v: %s, want %s", mode, got, want)
		}
	}
}
