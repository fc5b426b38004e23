package postgres

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// replicaCheckEvery is how often the replica's health and lag are read.
const replicaCheckEvery = 2 * time.Second

// ReadRouter is the DBTX of statistics: the read replica while it answers and lags no
// more than maxLag, the primary otherwise. The replica is an optimisation, never a
// dependency: when it fails a query, that query is run again on the primary (statistics
// only read), and the router stays on the primary until a check finds the replica well.
type ReadRouter struct {
	primary, replica *pgxpool.Pool
	maxLag           time.Duration
	log              *slog.Logger

	onReplica atomic.Bool
	lagMillis atomic.Int64 // last lag read, -1 when the replica did not answer

	mu      sync.Mutex
	reason  string // why statistics read the primary, for the log line of a switch
	stop    context.CancelFunc
	stopped chan struct{}
}

// NewReadRouter checks the replica once and then every replicaCheckEvery until Close.
func NewReadRouter(ctx context.Context, primary, replica *pgxpool.Pool, maxLag time.Duration, logger *slog.Logger) *ReadRouter {
	r := &ReadRouter{primary: primary, replica: replica, maxLag: maxLag, log: logger, stopped: make(chan struct{})}
	r.lagMillis.Store(-1)
	r.check(ctx)
	ctx, r.stop = context.WithCancel(context.WithoutCancel(ctx))
	go r.watch(ctx)
	return r
}

// UsingReplica reports whether statistics currently read the replica.
func (r *ReadRouter) UsingReplica() bool { return r.onReplica.Load() }

// Lag is the replica's last measured replay lag; negative when it did not answer.
func (r *ReadRouter) Lag() time.Duration {
	ms := r.lagMillis.Load()
	if ms < 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// Close stops the checks.
func (r *ReadRouter) Close() {
	r.stop()
	<-r.stopped
}

func (r *ReadRouter) watch(ctx context.Context) {
	defer close(r.stopped)
	tick := time.NewTicker(replicaCheckEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.check(ctx)
		}
	}
}

// check reads the replica's lag: how long ago the last transaction it replayed was
// committed on the primary (pg_last_xact_replay_timestamp). A primary given as the
// replica has no lag. An idle primary makes an idle replica look behind; statistics
// then read the primary, which is idle too.
func (r *ReadRouter) check(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	var lag float64
	err := r.replica.QueryRow(ctx, `
		SELECT CASE WHEN pg_is_in_recovery()
			THEN coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
			ELSE 0 END`).Scan(&lag)
	if err != nil {
		if parent.Err() != nil {
			return // shutting down
		}
		r.lagMillis.Store(-1)
		r.use(false, "read replica unreachable", err)
		return
	}
	r.lagMillis.Store(int64(math.Round(lag * 1000)))
	if d := time.Duration(lag * float64(time.Second)); d > r.maxLag {
		r.use(false, "read replica lags beyond --read-max-lag", nil, "lag_seconds", lag)
		return
	}
	r.use(true, "", nil, "lag_seconds", lag)
}

// use switches between replica and primary, with one log line per switch.
func (r *ReadRouter) use(replica bool, reason string, err error, attrs ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.onReplica.Load() == replica && (replica || r.reason != "") {
		return
	}
	r.onReplica.Store(replica)
	if replica {
		r.reason = ""
		r.log.Info("statistics read the replica", attrs...)
		return
	}
	r.reason = reason
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	r.log.Warn("statistics read the primary: "+reason, attrs...)
}

func (r *ReadRouter) failed(err error) bool {
	if FaultOf(err) != Unreachable {
		return false
	}
	r.use(false, "read replica unreachable", err)
	return true
}

// Exec runs on the replica or, failing that, the primary.
func (r *ReadRouter) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if r.onReplica.Load() {
		tag, err := r.replica.Exec(ctx, sql, args...)
		if !r.failed(err) {
			return tag, err
		}
	}
	return r.primary.Exec(ctx, sql, args...)
}

// Query runs on the replica or, when the replica cannot be reached, the primary. pgx
// often reports a dead connection only when the first row is read, so the rows
// themselves fall back.
func (r *ReadRouter) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if r.onReplica.Load() {
		rows, err := r.replica.Query(ctx, sql, args...)
		if !r.failed(err) {
			return &fallbackRows{Rows: rows, r: r, ctx: ctx, sql: sql, args: args}, err
		}
	}
	return r.primary.Query(ctx, sql, args...)
}

// fallbackRows are replica rows that, when the first row fails to arrive because the
// replica is gone, are read from the primary instead.
type fallbackRows struct {
	pgx.Rows
	r       *ReadRouter
	ctx     context.Context
	sql     string
	args    []any
	started bool
}

func (f *fallbackRows) Next() bool {
	if f.started {
		return f.Rows.Next()
	}
	f.started = true
	if f.Rows.Next() {
		return true
	}
	if !f.r.failed(f.Rows.Err()) {
		return false
	}
	f.Rows.Close()
	f.Rows, _ = f.r.primary.Query(f.ctx, f.sql, f.args...) // an error shows in Err
	return f.Rows.Next()
}

// QueryRow runs on the replica; a row that fails to arrive because the replica is
// gone is read from the primary.
func (r *ReadRouter) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if !r.onReplica.Load() {
		return r.primary.QueryRow(ctx, sql, args...)
	}
	return &fallbackRow{r: r, row: r.replica.QueryRow(ctx, sql, args...), ctx: ctx, sql: sql, args: args}
}

type fallbackRow struct {
	r    *ReadRouter
	row  pgx.Row
	ctx  context.Context
	sql  string
	args []any
}

func (f *fallbackRow) Scan(dest ...any) error {
	err := f.row.Scan(dest...)
	if !f.r.failed(err) {
		return err
	}
	return f.r.primary.QueryRow(f.ctx, f.sql, f.args...).Scan(dest...)
}
