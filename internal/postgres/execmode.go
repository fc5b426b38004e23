package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ExecModes are the values of `laborx serve --db-exec-mode`: pgx's query exec modes by
// their URL names (default_query_exec_mode), and "auto".
var ExecModes = []string{"auto", "cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"}

// ParseExecMode reads an --db-exec-mode value. "auto" (and "") is 0: the mode is then
// chosen by AutoExecMode.
func ParseExecMode(s string) (pgx.QueryExecMode, error) {
	switch s {
	case "", "auto":
		return 0, nil
	case "cache_statement":
		return pgx.QueryExecModeCacheStatement, nil
	case "cache_describe":
		return pgx.QueryExecModeCacheDescribe, nil
	case "describe_exec":
		return pgx.QueryExecModeDescribeExec, nil
	case "exec":
		return pgx.QueryExecModeExec, nil
	case "simple_protocol":
		return pgx.QueryExecModeSimpleProtocol, nil
	}
	return 0, fmt.Errorf("unknown exec mode %q (one of %s)", s, strings.Join(ExecModes, ", "))
}

// AutoExecMode is what "auto" means. A LISTEN URL apart from the main one says the main
// one goes through a pooler in transaction mode (PgBouncer), where named prepared
// statements outlive the client that made them and meet the next client of the same
// server connection ("prepared statement stmtcache_… already exists", 42P05): then
// cache_describe, which prepares only the unnamed statement and still runs a cached
// query in one round trip. Otherwise 0: the URL's default_query_exec_mode, or pgx's
// cache_statement.
func AutoExecMode(databaseURL, listenURL string) pgx.QueryExecMode {
	if listenURL != "" && listenURL != databaseURL {
		return pgx.QueryExecModeCacheDescribe
	}
	return 0
}

// registerTypes teaches a connection's type map the Go types laborx passes as query
// arguments whose PostgreSQL type cannot be guessed from the Go type alone: the modes
// that do not ask the server for parameter types (exec, simple_protocol) otherwise
// fail with "unable to encode []uuid.UUID". It costs no round trip.
func registerTypes(_ context.Context, conn *pgx.Conn) error {
	m := conn.TypeMap()
	m.RegisterDefaultPgType(uuid.UUID{}, "uuid")
	m.RegisterDefaultPgType([]uuid.UUID{}, "_uuid")
	m.RegisterDefaultPgType(uuid.NullUUID{}, "uuid")
	return nil
}

// readOnlyServer reports the error a write gets from a server that takes no writes
// (read_only_sql_transaction): a standby, or a primary being demoted, that the
// connection reached before a failover. The write is refused, not lost; the client may
// retry once the connection pool reaches the new primary.
func readOnlyServer(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "25006"
}
