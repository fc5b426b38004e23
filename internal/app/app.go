// Package app assembles a running laborx from its configuration: database, token
// verifier, services and HTTP handler. `laborx serve` and the end-to-end tests build
// the service the same way.
package app

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/laborx/laborx/graph"
	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/events"
	"github.com/laborx/laborx/internal/loader"
	"github.com/laborx/laborx/internal/pii"
	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/server"
	"github.com/laborx/laborx/internal/webhook"
)

// Config configures one instance.
type Config struct {
	DatabaseURL string
	// OperatorKeys verifies operator tokens; nil refuses them all.
	OperatorKeys *auth.KeySet
	Audience     string
	Server       server.Config
	Logger       *slog.Logger
	// PIIKey is the 32-byte master key that encrypts and hashes workers' national IDs.
	PIIKey []byte
	// QueryTracer, when set, sees every SQL statement of the main pool (tests count
	// the statements a request runs).
	QueryTracer pgx.QueryTracer
	// KeyQueryTracer sees the statements of the key-lookup pool: key lookups when the
	// verified-key cache misses, readiness and the outage probe. They are kept apart so
	// that a request's count does not depend on when the cache last heard its heartbeat.
	KeyQueryTracer pgx.QueryTracer
	// ListenDatabaseURL, when set, is a direct (not pooled) connection to the primary
	// for the LISTEN connection of the key follower and the change hub: a pooler in
	// transaction mode hands the server connection to another client after each
	// statement, so notifications never arrive. Empty: DatabaseURL.
	ListenDatabaseURL string
	// ReadDatabaseURL, when set, is a read replica that serves statistics; empty reads
	// them from DatabaseURL.
	ReadDatabaseURL string
	// Pool bounds the primary pool: size, connect timeout, statement and lock timeouts
	// (its Tracer is QueryTracer). Zero values keep pgx's defaults.
	Pool postgres.PoolOptions
	// ReadMaxLag is how far behind the replica may be before statistics read the
	// primary instead; zero means 30 s.
	ReadMaxLag time.Duration
	// SubscriptionRetry is how long a subscription retries a failing read before it
	// ends with UNAVAILABLE (zero: events.DefaultRetryFor).
	SubscriptionRetry time.Duration
	// Webhooks configures webhook deliveries; with an empty allow list
	// (--webhook-allow) no webhook can be created and no delivery worker runs.
	Webhooks webhook.Config
}

// App is one running instance.
type App struct {
	DB        *postgres.DB
	Migrator  *goose.Provider
	Handler   http.Handler
	Centers   *postgres.CenterService
	Referrals *postgres.ReferralService

	// ReadPool is the replica pool of statistics; nil when they read the primary.
	ReadPool *pgxpool.Pool
	// Drain is the HTTP side of shutdown: readiness first, websockets last.
	Drain *server.Drain
	// Webhooks is the delivery worker; nil when no address is allowed.
	Webhooks *webhook.Worker

	// keyPool serves token key lookups, readiness and the outage probe, so that
	// requests holding every connection of the main pool cannot starve them.
	keyPool *pgxpool.Pool
	outage  *server.Outage
	router  *postgres.ReadRouter // nil without a replica
	pending *goose.Provider      // Migrator on the key pool, for readiness

	stopListening context.CancelFunc
	listening     chan struct{}
	sequencing    chan struct{}
	stopKeys      context.CancelFunc
	keysDone      <-chan struct{}
	stopLimits    func()
}

// New connects to the database and builds the handler. Migrations must be current (run
// Migrate first).
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	poolOpts := cfg.Pool
	poolOpts.Tracer = cfg.QueryTracer
	if poolOpts.ExecMode == 0 {
		poolOpts.ExecMode = postgres.AutoExecMode(cfg.DatabaseURL, cfg.ListenDatabaseURL)
		cfg.Pool.ExecMode = poolOpts.ExecMode // the rate limits' pool goes through the pooler too
	} else if cfg.ListenDatabaseURL == "" && poolOpts.ExecMode != pgx.QueryExecModeCacheStatement {
		// A mode chosen for a pooler, with LISTEN through it: the pooler would swallow
		// the notifications without an error.
		cfg.Logger.Warn("--db-exec-mode " + poolOpts.ExecMode.String() + " without --listen-database-url: if --database-url " +
			"goes through a transaction pooler, LISTEN hears nothing and subscribers wait for the 15 s poll")
	}
	listenConfig, err := listenConnConfig(cfg, poolOpts)
	if err != nil {
		return nil, err
	}
	db, err := postgres.OpenWith(ctx, cfg.DatabaseURL, poolOpts)
	if err != nil {
		return nil, err
	}
	keyPool, err := postgres.OpenPool(ctx, cfg.DatabaseURL, keyPoolOptions(poolOpts, cfg.KeyQueryTracer))
	if err != nil {
		db.Close()
		return nil, err
	}
	closeAll := func() { keyPool.Close(); db.Close() }
	migrator, err := postgres.NewMigrator(stdlib.OpenDBFromPool(db.Pool), nil)
	if err != nil {
		closeAll()
		return nil, err
	}
	// Readiness reads the migration status through the key pool, which busy requests
	// cannot exhaust.
	pending, err := postgres.NewMigrator(stdlib.OpenDBFromPool(keyPool), nil)
	if err != nil {
		closeAll()
		return nil, err
	}
	if db.PII, err = pii.New(cfg.PIIKey); err != nil {
		closeAll()
		return nil, fmt.Errorf("PII key (LABORX_PII_KEY): %w", err)
	}
	if err := db.CheckPIIKey(ctx); err != nil {
		closeAll()
		return nil, err
	}
	if bound, err := db.RowSecurity(ctx); err != nil {
		closeAll()
		return nil, err
	} else if !bound {
		cfg.Logger.Warn("row-level security is not in force: the database role is a superuser or owns the tables; " +
			"connect as a member of laborx_app and migrate as the owner (docs/database-roles.md)")
	}
	readPool, err := openReadPool(ctx, cfg.ReadDatabaseURL, poolOpts)
	if err != nil {
		closeAll()
		return nil, err
	}
	var (
		read   postgres.DBTX // nil: statistics read the primary
		router *postgres.ReadRouter
	)
	if readPool != nil {
		router = postgres.NewReadRouter(ctx, db.Pool, readPool, cmp.Or(cfg.ReadMaxLag, 30*time.Second), cfg.Logger)
		read = router
	}
	referrals := postgres.NewReferralService(db)
	agreements := postgres.NewAgreementService(db)
	centers := postgres.NewCenterService(db)
	sessions := postgres.NewSessionService(db)
	market := postgres.NewMarketService(db)
	keyLookup := postgres.NewCenterService(&postgres.DB{Pool: keyPool, Catalog: db.Catalog, Now: db.Now, PII: db.PII})
	// Subscriptions re-read their keys before each delivery, past the cache: the
	// delivery may be the very change that revoked it.
	recheck := auth.NewVerifier(keyLookup, cfg.OperatorKeys, cfg.Audience)
	changeFeed := postgres.NewChangeService(db)
	hub := events.NewHub(changeFeed.OutboxAfter, recheck.Recheck, cfg.Logger)
	hub.RetryFor = cmp.Or(cfg.SubscriptionRetry, events.DefaultRetryFor)
	keysCtx, stopKeys := context.WithCancel(context.WithoutCancel(ctx))
	keys, keysDone := startKeyCache(keysCtx, listenConfig, keyLookup, centers, hub, cfg.Logger)
	verifier := auth.NewVerifier(keys, cfg.OperatorKeys, cfg.Audience)
	webhookGuard := webhook.NewGuard(cfg.Webhooks.Allow)
	resolver := &graph.Resolver{
		Recheck:                recheck.Recheck,
		Catalog:                db.Catalog,
		Refdata:                db,
		CenterService:          centers,
		Market:                 market,
		AgreementService:       agreements,
		ReferralService:        referrals,
		ChangeFeed:             changeFeed,
		StatsService:           postgres.NewStatsService(db, read),
		SessionService:         sessions,
		BenefitTransferService: postgres.NewBenefitTransferService(db),
		AuditTrail:             postgres.NewAuditTrail(db),
		WebhookService:         postgres.NewWebhookService(db, webhookGuard.CheckURL),
		Now:                    db.Now,
		Hub:                    hub,
		Logger:                 cfg.Logger,
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a := &App{DB: db, Migrator: migrator, Centers: centers, Referrals: referrals, listening: make(chan struct{}), sequencing: make(chan struct{}),
		ReadPool: readPool, keyPool: keyPool, Drain: server.NewDrain(reg), router: router, pending: pending,
		stopKeys: stopKeys, keysDone: keysDone}
	registerReplicaStats(reg, router)
	a.outage = server.NewOutage(keyPool.Ping, cfg.Logger, reg)
	registerPoolStats(reg, map[string]*pgxpool.Pool{"primary": db.Pool, "keys": keyPool, "replica": readPool})
	limits, stopLimits := startRateLimits(ctx, cfg, reg)
	a.stopLimits = stopLimits
	a.Handler = server.New(cfg.Server, server.Deps{
		Resolver: resolver,
		Verifier: verifier,
		Loaders: loader.Fetchers{Centers: centers.CentersByIDs,
			Workers: referrals.Workers, ReferralEvents: referrals.ReferralEvents,
			LaborDemands: market.LaborDemandsByIDs, Agreements: agreements.AgreementsByIDs,
			SessionParticipants: sessions.SessionParticipants, SessionDemands: sessions.SessionDemands,
			AgreementRevisions: agreements.RevisionsByAgreement, AgreementSignatures: agreements.SignaturesByAgreement,
			AgreementEvents: agreements.EventsByAgreement, AgreementComments: agreements.CommentsByAgreement,
			AgreementQuotaLines: agreements.QuotaLinesByAgreement,
			ReferralCheckpoints: referrals.ReferralCheckpoints, WorkerConsents: referrals.WorkerConsents,
			SessionReferrals: referrals.SessionReferrals, CenterKeys: centers.KeysByCenter},
		Ready:    a.ready,
		Logger:   cfg.Logger,
		Registry: reg,
		Outage:   a.outage,
		Drain:    a.Drain,

		CenterKeys: centers.PublishedKeys,
		RateLimits: limits,
	})
	if len(cfg.Webhooks.Allow) > 0 {
		wc := cfg.Webhooks
		wc.Logger = cmp.Or(wc.Logger, cfg.Logger)
		wc.Registry = reg
		a.Webhooks = webhook.Start(postgres.NewWebhookQueue(db), webhookGuard, wc)
	}
	// The hub's reader; the key follower's connection LISTENs for its changes.
	listenCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopListening = stop
	go func() {
		defer close(a.listening)
		hub.Run(listenCtx)
	}()
	// Publishers' changes are numbered by this instance's sequencer (and any other's).
	go func() {
		defer close(a.sequencing)
		postgres.RunSequencer(listenCtx, db, cfg.Logger)
	}()
	return a, nil
}

// ready is the /readyz check, "can serve writes": the primary answers and no migration
// is pending. The statistics replica is not part of it: without it statistics read the
// primary, and a load balancer must not take every instance out for a dashboard.
func (a *App) ready(ctx context.Context) error {
	if err := a.keyPool.Ping(ctx); err != nil {
		return &server.NotReady{Reason: "database unreachable", Err: err}
	}
	pending, err := a.pending.HasPending(ctx)
	if err != nil {
		return &server.NotReady{Reason: "migration status unknown", Err: err}
	}
	if pending {
		return &server.NotReady{Reason: "migrations pending: run `laborx migrate up`"}
	}
	return nil
}

// Close stops listening for changes and releases the database pool. Open
// subscriptions end with their connections.
func (a *App) Close() {
	if a.Webhooks != nil {
		a.Webhooks.Close()
	}
	a.stopListening()
	<-a.listening
	<-a.sequencing
	a.stopKeys()
	<-a.keysDone
	a.stopLimits()
	a.outage.Close()
	if a.router != nil {
		a.router.Close()
	}
	if a.ReadPool != nil {
		a.ReadPool.Close()
	}
	a.keyPool.Close()
	a.DB.Close()
}

// listenConnConfig is the connection the LISTENs use: ListenDatabaseURL, else the
// primary's.
func listenConnConfig(cfg Config, o postgres.PoolOptions) (*pgx.ConnConfig, error) {
	o.Tracer, o.ExecMode = nil, 0
	pc, err := postgres.PoolConfig(cmp.Or(cfg.ListenDatabaseURL, cfg.DatabaseURL), o)
	if err != nil {
		return nil, fmt.Errorf("listen database: %w", err)
	}
	return pc.ConnConfig, nil
}

// openReadPool connects to the read replica that serves statistics; nil when dsn is empty.
// It connects on first use: a replica that is down at start only sends statistics to
// the primary.
func openReadPool(ctx context.Context, dsn string, o postgres.PoolOptions) (*pgxpool.Pool, error) {
	if dsn == "" {
		return nil, nil
	}
	pool, err := postgres.OpenPool(ctx, dsn, o)
	if err != nil {
		return nil, fmt.Errorf("read database: %w", err)
	}
	return pool, nil
}
