package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// closeTryAgainLater is RFC 6455's 1013: a websocket whose token could not be checked
// because the database is down; the client keeps its token and reconnects.
const closeTryAgainLater = 1013

// errDatabaseDown refuses to look a key up during an outage: the prober knows the
// database is down, and a request trying anyway could wait for the connect timeout
// (a failed-over address that does not answer) to learn the same.
var errDatabaseDown = errors.New("the database is down (outage in progress)")

// faultOf is postgres.FaultOf that also knows errDatabaseDown.
func faultOf(err error) postgres.Fault {
	if errors.Is(err, errDatabaseDown) {
		return postgres.Unreachable
	}
	return postgres.FaultOf(err)
}

// verify checks a bearer token within the request timeout: the key lookup must not
// hold a request longer than the request itself may take. During an outage it fails at
// once, so requests fail fast until the prober finds the database back.
func verify(ctx context.Context, cfg Config, d Deps, authorization string) (*exchange.Principal, error) {
	if d.Outage.Down() {
		return nil, errDatabaseDown
	}
	if cfg.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.RequestTimeout)
		defer cancel()
	}
	return d.Verifier.VerifyHeader(ctx, authorization)
}

// refuseUnverified answers a request whose token was not accepted: 401 when the token
// is refused, 503 UNAVAILABLE when it could not be checked (the database is down or
// slow: the client must keep its token and retry, not re-authenticate), 500 otherwise.
func refuseUnverified(w http.ResponseWriter, r *http.Request, d Deps, g *unauthGuard, err error) {
	ctx := r.Context()
	info := requestInfoFrom(ctx)
	if exchange.ErrorCode(err) == exchange.CodeUnauthenticated {
		if info != nil {
			info.setAuthFailure(exchange.ErrorMessage(err))
			info.addCode(string(exchange.CodeUnauthenticated))
		}
		g.refuse(w, r, err)
		return
	}
	if f := faultOf(err); f != postgres.NoFault {
		appErr := d.Outage.unavailable(ctx, f, err)
		if info != nil {
			info.setAuthFailure("key lookup " + f.String())
			info.addCode(string(appErr.Code))
		}
		setRetryAfter(w.Header())
		writeError(w, http.StatusServiceUnavailable, appErr.Code, appErr.Message)
		return
	}
	d.Logger.ErrorContext(ctx, "token verification failed", "err", err, "request_id", exchange.RequestID(ctx))
	if info != nil {
		info.addCode(string(exchange.CodeInternal))
	}
	writeError(w, http.StatusInternalServerError, exchange.CodeInternal, "internal error")
}

func isSubscription(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	return op.Operation != nil && op.Operation.Operation == ast.Subscription
}

// writeTimeout is counted from the end of a request's headers: reading the body, then
// running it, then writing the answer.
func writeTimeout(cfg Config) time.Duration {
	if cfg.ReadTimeout == 0 || cfg.ImportTimeout == 0 {
		return 0
	}
	return cfg.ReadTimeout + max(cfg.ImportTimeout, cfg.RequestTimeout) + 10*time.Second
}
