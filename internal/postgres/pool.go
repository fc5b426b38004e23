package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolOptions bound what one pool asks of PostgreSQL. Zero values keep pgx's and the
// server's defaults, which is what the command-line tools want (a long `seed --scale`
// must not hit a statement timeout); `laborx serve` sets them all.
type PoolOptions struct {
	// MaxConns is the pool size; it overrides pool_max_conns in the URL.
	MaxConns int32
	// ConnectTimeout bounds dialing and authenticating a new connection.
	ConnectTimeout time.Duration
	// StatementTimeout is the server-side bound of every statement (statement_timeout),
	// the backstop behind the request deadline for work that runs without one.
	StatementTimeout time.Duration
	// LockTimeout bounds a statement's wait for a lock (lock_timeout), so a table held
	// locked fails requests at once with a clear error rather than piling them up.
	LockTimeout time.Duration
	// Tracer sees every statement (tests count them); nil for none.
	Tracer pgx.QueryTracer
	// ExecMode is how statements are sent (`--db-exec-mode`); 0 keeps the URL's
	// default_query_exec_mode, else pgx's cache_statement. Behind PgBouncer in
	// transaction mode it must not be cache_statement (see AutoExecMode).
	ExecMode pgx.QueryExecMode
}

// PoolConfig parses dsn and applies o.
func PoolConfig(dsn string, o PoolOptions) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err) // pgx redacts the password
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	if o.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	}
	if o.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = millis(o.StatementTimeout)
	}
	if o.LockTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["lock_timeout"] = millis(o.LockTimeout)
	}
	// No JIT compilation unless the URL asks for it (jit=on): PostgreSQL compiles a
	// statement whose estimated cost passes jit_above_cost, and a text search's
	// prepared (generic) plan estimates the branch it rarely runs that high; compiling
	// took 200-1,000 ms of a search that runs in 2-30 ms (BENCHMARKS.md, "Text search
	// at 1,000,000 demands"). The API's statements are short; none gains from it.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	if o.Tracer != nil {
		cfg.ConnConfig.Tracer = o.Tracer
	}
	if o.ExecMode != 0 {
		cfg.ConnConfig.DefaultQueryExecMode = o.ExecMode
	}
	if err := checkExecMode(cfg.ConnConfig.DefaultQueryExecMode); err != nil {
		return nil, err
	}
	cfg.ConnConfig.BuildContextWatcherHandler = contextWatcher(cfg.ConnConfig.DefaultQueryExecMode)
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		encodeUUIDs(c.TypeMap())
		scanUUIDs(c.TypeMap())
		return nil
	}
	return cfg, nil
}

// contextWatcher is what a connection does when a request's deadline passes
// mid-statement. Directly on PostgreSQL it asks the server to cancel the statement
// and keeps the connection, instead of pgx's default of cutting the socket: a cut
// connection is lost to the pool, and the server would go on waiting for the lock or
// finishing the query for nobody. Through a transaction pooler (the exec modes
// chosen for one, see AutoExecMode) it cuts the socket after the same grace: a
// pooler's connections are cheap to remake, it cancels the server's statement
// itself when its client goes, and a cancel request sent through PgBouncer before
// 1.20 (Debian 12 ships 1.18) kills the whole pooler when the client gives up on it
// before the server has answered, as it does while the server is down or stuck
// ("FATAL … disconnect_client(): bad client state: 0", pgbouncer/pgbouncer#801,
// fixed by #846), which TestTopology met.
func contextWatcher(m pgx.QueryExecMode) func(*pgconn.PgConn) ctxwatch.Handler {
	const grace = 2 * time.Second
	if m == pgx.QueryExecModeCacheDescribe || m == pgx.QueryExecModeDescribeExec {
		return func(c *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn(), DeadlineDelay: grace}
		}
	}
	return func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: grace}
	}
}

// OpenPool connects a pool configured by o. Connections are made on first use, so a
// database that is down when the pool opens is reported by the first request.
func OpenPool(ctx context.Context, dsn string, o PoolOptions) (*pgxpool.Pool, error) {
	cfg, err := PoolConfig(dsn, o)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return pool, nil
}

// OpenWith is Open with pool options.
func OpenWith(ctx context.Context, dsn string, o PoolOptions) (*DB, error) {
	pool, err := OpenPool(ctx, dsn, o)
	if err != nil {
		return nil, err
	}
	db, err := New(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

func millis(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10)
}
