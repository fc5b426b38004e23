// Package server wires laborx's HTTP surface: the GraphQL handler with its limits,
// authentication, per-request loaders, logging, metrics, health and readiness.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/laborx/laborx/graph"
	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/loader"
	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/ratelimit"
)

// Config holds the HTTP-level settings.
type Config struct {
	// Dev serves GraphiQL at / and allows introspection.
	Dev bool
	// MaxBodyBytes bounds a request body; bulk CSV imports are the largest requests.
	MaxBodyBytes int64
	// Limits bound a query's depth, aliases, nodes and cost (limits.go).
	Limits Limits
	// RateLimit is each caller's sustained requests per second; Burst its bucket size.
	RateLimit float64
	Burst     int
	// CORSOrigins are the other origins whose browser pages may call /graphql, over
	// HTTP and websocket (see cors.go); none means same origin only.
	CORSOrigins []string
	// DemoSignIn, when set (--demo), lets the console mint demo tokens.
	DemoSignIn *DemoSignIn
	// RequestTimeout bounds each query and mutation (and each token's key lookup); a
	// request past it is answered UNAVAILABLE and its statements are cancelled.
	RequestTimeout time.Duration
	// ImportTimeout bounds the CSV import mutations, which may take longer.
	ImportTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (a 32 MB import).
	ReadTimeout time.Duration
	// TrustedProxies are the load balancers whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	// UnauthRate and UnauthBurst are the bucket of each client IP for requests and
	// websocket connections that carry no valid token yet (0: no cap).
	UnauthRate  float64
	UnauthBurst int
	// WebsocketInitTimeout closes a websocket that sends no connection_init in time.
	WebsocketInitTimeout time.Duration
	// MaxConcurrent bounds the queries running at once (0: no bound);
	// the others wait in arrival order up to QueueWait (0: up to their deadline), then
	// are answered UNAVAILABLE (admission.go).
	MaxConcurrent int
	QueueWait     time.Duration
	// slotLease replaces slotLease in tests (0: the constant).
	slotLease time.Duration
}

// DefaultConfig returns production defaults.
func DefaultConfig() Config {
	return Config{MaxBodyBytes: 32 << 20, Limits: DefaultLimits(), RateLimit: 50, Burst: 200,
		UnauthRate: 2, UnauthBurst: 30, WebsocketInitTimeout: 10 * time.Second,
		RequestTimeout: 10 * time.Second, ImportTimeout: time.Minute, ReadTimeout: 2 * time.Minute,
		MaxConcurrent: defaultMaxConcurrent()}
}

// Deps are the parts the server is built from.
type Deps struct {
	Resolver *graph.Resolver
	Verifier *auth.Verifier
	Loaders  loader.Fetchers
	// Ready reports whether the database is reachable and migrations are current.
	Ready    func(ctx context.Context) error
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Outage tracks database outages; Drain the shutdown sequence.
	Outage *Outage
	Drain  *Drain
	// CenterKeys returns the keys a center's JWKS document publishes, by center code.
	CenterKeys func(ctx context.Context, code string) ([]*exchange.CenterKey, error)
	// RateLimits are the callers' buckets, shared with the other instances (app);
	// nil limits this instance alone by Config.RateLimit and Burst.
	RateLimits *ratelimit.Limiter
}

// New returns the HTTP handler for the whole service.
func New(cfg Config, d Deps) http.Handler {
	m := newMetrics(d.Registry)
	guard := newUnauthGuard(cfg, d.Registry, m.rateLimited, d.Logger)
	gql := newGraphQL(cfg, d, m, guard)
	limiter := d.RateLimits
	if limiter == nil {
		limiter = ratelimit.New(cfg.RateLimit, cfg.Burst)
	}

	mux := http.NewServeMux()
	api := authenticate(cfg, d, limiter, guard, m, answerUnavailable(gql))
	mux.Handle("/graphql", corsHeaders(cfg.CORSOrigins, limitBody(cfg.MaxBodyBytes, d.Drain.trackWebsockets(api))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", readiness(d))
	mux.HandleFunc("GET /.well-known/centers/{code}/jwks.json", centerJWKS(d))
	mux.Handle("GET /documents/benefit-transfers/{id}/letter", authenticate(cfg, d, limiter, guard, m,
		transferLetter(d.Resolver.BenefitTransferService, d.Resolver.Now)))
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{}))
	mountPages(mux, cfg)
	return requestContext(d.Logger, m, cfg.TrustedProxies, mux)
}

func newGraphQL(cfg Config, d Deps, m *metrics, guard *unauthGuard) *handler.Server {
	ops := newOperations(cfg, d.Registry)
	r := *d.Resolver
	r.Market = ops.meterImports(r.Market)
	es := graph.NewExecutableSchema(graph.Config{Resolvers: &r})
	srv := handler.New(es)
	wsInit := func(ctx context.Context, payload transport.InitPayload) (context.Context, *wsRefusal) {
		p, err := verify(ctx, cfg, d, payload.Authorization())
		if f := faultOf(err); f != postgres.NoFault {
			// The token could not be checked: 1013 "try again later", not a refusal.
			// gqlgen sends the error's text to the client: the cause stays here.
			appErr := d.Outage.unavailable(ctx, f, err)
			return ctx, &wsRefusal{appErr, closeTryAgainLater, fmt.Sprintf("%s: %s", appErr.Code, appErr.Message)}
		}
		if err != nil {
			guard.record(ctx, clientIPFrom(ctx), err)
			// graphql-transport-ws closes an unauthorised connection with 4403; the
			// reason carries the code and why, as errors[] would over HTTP.
			return ctx, &wsRefusal{err, 4403, fmt.Sprintf("%s: %s", exchange.ErrorCode(err), exchange.ErrorMessage(err))}
		}
		// The connection lives no longer than its token: the client reconnects with a
		// fresh one, which is verified again (revocation, suspension, expiry).
		ctx, cancel := context.WithDeadline(ctx, p.ExpiresAt.Add(auth.Leeway))
		context.AfterFunc(ctx, cancel) // release the timer when the connection ends first
		return auth.NewContext(endable(ctx, cancel), p), nil
	}
	websockets := d.Drain.websocket(websocketOrigins(cfg.CORSOrigins))
	// graphql-transport-ws by our transport (its events written without re-encoding),
	// the legacy graphql-ws by gqlgen's.
	srv.AddTransport(transportWS{implementation: websockets, initTimeout: cfg.WebsocketInitTimeout, init: wsInit})
	srv.AddTransport(transport.Websocket{
		Implementation:        websockets,
		KeepAlivePingInterval: 10 * time.Second,
		InitTimeout:           cfg.WebsocketInitTimeout,
		InitFunc:              gqlgenInit(wsInit),
	})
	srv.AddTransport(httpTransport{maxQuery: cfg.Limits.MaxQueryBytes})
	queries := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queries)
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	// After APQ has filled in the query: the limits first, so a refused request costs
	// no pass over its variables; then the text checks and NFC.
	srv.Use(newQueryLimits(cfg, es, queries, d.Logger))
	srv.Use(inputText{})
	srv.Use(graph.Streams{Stats: streamStats(d.Registry)})
	// Every response resolves with fresh loaders: a subscription sends many responses
	// over one connection, and a loader would serve the next event what it read for the
	// last (an agreement's revisions before a revision was added). Inside Streams, so
	// that an event whose render another subscriber shares makes none.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(loader.NewLazyContext(ctx, d.Loaders))
	})
	if cfg.Dev {
		srv.Use(extension.Introspection{})
	} else {
		srv.AroundRootFields(hideTypes)
	}
	srv.AroundRootFields(renderRootFields)
	srv.SetDisableSuggestion(true)
	srv.SetParserTokenLimit(cfg.Limits.MaxTokens)
	ops.use(srv)
	present := presentError(d.Logger, m, d.Outage)
	if gate := newAdmission(cfg, present, d.Registry); gate != nil {
		srv.AroundOperations(gate.aroundOperation) // inside the deadline that ops gives
	}
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		d.Logger.ErrorContext(ctx, "panic in resolver", "panic", v, "request_id", exchange.RequestID(ctx))
		return errors.New("internal error")
	})
	return srv
}

// presentError gives every error an extensions.code and hides internals: an error that
// is not an application error is logged with the request id and reported as INTERNAL.
func presentError(logger *slog.Logger, m *metrics, outage *Outage) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if gerr.Extensions == nil {
			gerr.Extensions = map[string]any{}
		}
		var appErr *exchange.Error
		switch {
		case errors.As(err, &appErr):
			gerr.Message = appErr.Message
			gerr.Extensions["code"] = string(appErr.Code)
		case gerr.Extensions["code"] != nil:
			// Parse and validation errors keep gqlgen's codes (GRAPHQL_PARSE_FAILED,
			// GRAPHQL_VALIDATION_FAILED): the query itself is malformed. Their
			// "Did you mean" hints, which would spell out the schema to a scanner,
			// are cut by tidyMessage below.
		case errors.Is(ctx.Err(), context.Canceled) || (ctx.Err() != nil && isSubscription(ctx)):
			// The client went away (or its subscription's token expired): nothing failed.
			logger.DebugContext(ctx, "request ended early", "err", err, "request_id", exchange.RequestID(ctx))
			gerr.Message = "request cancelled"
			gerr.Extensions["code"] = string(exchange.CodeInternal)
		case postgres.FaultOf(err) != postgres.NoFault || ctx.Err() != nil:
			// The request's deadline passed, or the database failed it: the client did
			// nothing wrong and may retry (HTTP 503, Retry-After).
			f := postgres.FaultOf(err)
			if f == postgres.NoFault {
				f = postgres.Timeout
			}
			appErr := outage.unavailable(ctx, f, err)
			logger.WarnContext(ctx, "database fault", "fault", f.String(), "err", err, "request_id", exchange.RequestID(ctx))
			gerr.Message = appErr.Message
			gerr.Extensions["code"] = string(appErr.Code)
		case gerr.Path == nil:
			gerr.Extensions["code"] = string(exchange.CodeBadUserInput)
		default:
			logger.ErrorContext(ctx, "internal error", "err", err, "path", gerr.Path.String(),
				"request_id", exchange.RequestID(ctx))
			gerr.Message = "internal error"
			gerr.Extensions["code"] = string(exchange.CodeInternal)
		}
		gerr.Message = tidyMessage(gerr.Message)
		code := gerr.Extensions["code"].(string)
		m.graphqlErrors.WithLabelValues(code).Inc()
		if info := requestInfoFrom(ctx); info != nil {
			info.addCode(code)
		}
		return gerr
	}
}

// NewHTTPServer returns the http.Server settings `laborx serve` runs the handler with.
// A request may take ReadTimeout to arrive (a large import on a slow link) and then run
// up to ImportTimeout; WriteTimeout, counted from the end of the headers, covers both.
func NewHTTPServer(cfg Config, h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      writeTimeout(cfg),
		IdleTimeout:       2 * time.Minute,
		// Large enough that an oversized Authorization header reaches the verifier and
		// gets a GraphQL UNAUTHENTICATED answer instead of a bare 431.
		MaxHeaderBytes: 2 << 20,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
