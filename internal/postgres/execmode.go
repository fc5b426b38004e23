package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ExecModes are the values of `laborx serve --db-exec-mode`: pgx's query exec modes by
// their URL names (default_query_exec_mode), and "auto". exec and simple_protocol are
// not among them: they guess each parameter's PostgreSQL type from its Go type, and
// laborx passes JSON documents (maps, structs) whose type only the server's statement
// description gives ("unable to encode map[string]interface {} … unknown type (OID
// 0)"); describe_exec and cache_describe ask the server, as cache_statement does.
var ExecModes = []string{"auto", "cache_statement", "cache_describe", "describe_exec"}

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
	}
	return 0, fmt.Errorf("unknown or unsupported exec mode %q (one of %s)", s, strings.Join(ExecModes, ", "))
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

// checkExecMode refuses the modes that guess parameter types (see ExecModes), also
// when the URL's default_query_exec_mode asks for one, at start rather than at the
// first request that writes a JSON document.
func checkExecMode(m pgx.QueryExecMode) error {
	if m == pgx.QueryExecModeExec || m == pgx.QueryExecModeSimpleProtocol {
		return fmt.Errorf("default_query_exec_mode=%s is not supported (laborx passes JSON parameters whose type "+
			"only the server describes): use --db-exec-mode cache_describe behind a transaction pooler", m)
	}
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
