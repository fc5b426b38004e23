package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// Fault says why a statement failed when the fault is the database's and not the
// request's: the API reports both as UNAVAILABLE (HTTP 503 with Retry-After), because
// the client did nothing wrong and the same request may succeed a little later.
type Fault int

const (
	// NoFault: the error, if any, is not a database outage or timeout.
	NoFault Fault = iota
	// Timeout: the database is reachable but the work did not finish in time (the
	// request deadline, statement_timeout or lock_timeout).
	Timeout
	// Unreachable: no connection could be made or kept (server down, restarting,
	// refusing connections, network gone).
	Unreachable
)

func (f Fault) String() string {
	switch f {
	case Timeout:
		return "timeout"
	case Unreachable:
		return "unreachable"
	}
	return "none"
}

// FaultOf classifies err. It looks through wrapping, so services may wrap freely.
func FaultOf(err error) Fault {
	if err == nil {
		return NoFault
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57014", // query_canceled: statement_timeout or our cancel at the deadline
			pgErr.Code == "55P03": // lock_not_available: lock_timeout
			return Timeout
		case strings.HasPrefix(pgErr.Code, "08"), // connection_exception
			pgErr.Code == "57P01", // admin_shutdown
			pgErr.Code == "57P02", // crash_shutdown
			pgErr.Code == "57P03", // cannot_connect_now (starting up, shutting down, recovering)
			pgErr.Code == "53300", // too_many_connections
			pgErr.Code == "25006": // read_only_sql_transaction: a standby answered, failover under way
			return Unreachable
		}
		return NoFault
	}
	var connectErr *pgconn.ConnectError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		// The request's deadline passed while waiting for a connection or a result.
		return Timeout
	case errors.As(err, &connectErr), errors.Is(err, puddle.ErrClosedPool):
		return Unreachable
	case pgconn.Timeout(err):
		return Timeout
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || isClosedConn(err) {
		return Unreachable
	}
	return NoFault
}

// isClosedConn matches the error pgx returns for a connection it already knows is
// broken; pgx has no exported value for it.
func isClosedConn(err error) bool {
	return strings.Contains(err.Error(), "conn closed")
}
