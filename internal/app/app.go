// Package app assembles a running laborx from its configuration: database, token
// verifier, services and HTTP handler. `laborx serve` and the end-to-end tests build
// the service the same way.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

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
	// QueryTracer, when set, sees every SQL statement (tests count them).
	QueryTracer pgx.QueryTracer
	// ReadDatabaseURL, when set, is a read replica that serves statistics; empty reads
	// them from DatabaseURL.
	ReadDatabaseURL string
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

	stopListening context.CancelFunc
	listening     chan struct{}
}

// New connects to the database and builds the handler. Migrations must be current (run
// Migrate first).
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	db, err := postgres.OpenTraced(ctx, cfg.DatabaseURL, cfg.QueryTracer)
	if err != nil {
		return nil, err
	}
	migrator, err := postgres.NewMigrator(stdlib.OpenDBFromPool(db.Pool), nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	if db.PII, err = pii.New(cfg.PIIKey); err != nil {
		db.Close()
		return nil, fmt.Errorf("PII key (LABORX_PII_KEY): %w", err)
	}
	readPool, err := openReadPool(ctx, cfg.ReadDatabaseURL, cfg.QueryTracer)
	if err != nil {
		db.Close()
		return nil, err
	}
	var read postgres.DBTX // nil: statistics read the primary
	if readPool != nil {
		read = readPool
	}
	referrals := postgres.NewReferralService(db)
	agreements := postgres.NewAgreementService(db)
	centers := postgres.NewCenterService(db)
	sessions := postgres.NewSessionService(db)
	hub := events.NewHub()
	market := postgres.NewMarketService(db)
	verifier := auth.NewVerifier(centers, cfg.OperatorKeys, cfg.Audience)
	resolver := &graph.Resolver{
		Recheck:          verifier.Recheck,
		Catalog:          db.Catalog,
		Refdata:          db,
		CenterService:    centers,
		Market:           market,
		AgreementService: agreements,
		ReferralService:  referrals,
		ChangeFeed:       postgres.NewChangeService(db),
		StatsService:     postgres.NewStatsService(db, read),
		SessionService:   sessions,
		Hub:              hub,
		Logger:           cfg.Logger,
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a := &App{DB: db, Migrator: migrator, Centers: centers, Referrals: referrals, listening: make(chan struct{})}
	a.ReadPool = readPool
	a.Handler = server.New(cfg.Server, server.Deps{
		Resolver: resolver,
		Verifier: verifier,
		Loaders: loader.Fetchers{Centers: centers.CentersByIDs,
			Workers: referrals.Workers, ReferralEvents: referrals.ReferralEvents,
			LaborDemands: market.LaborDemandsByIDs, Agreements: agreements.AgreementsByIDs,
			SessionParticipants: sessions.SessionParticipants, SessionDemands: sessions.SessionDemands,
			AgreementRevisions: agreements.RevisionsByAgreement, AgreementSignatures: agreements.SignaturesByAgreement,
			AgreementEvents: agreements.EventsByAgreement, AgreementComments: agreements.CommentsByAgreement,
			AgreementQuotaLines: agreements.QuotaLinesByAgreement},
		Ready:    a.ready,
		Logger:   cfg.Logger,
		Registry: reg,
	})
	// One dedicated connection per instance LISTENs for changes committed anywhere.
	listenCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopListening = stop
	go func() {
		defer close(a.listening)
		connect := func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.ConnectConfig(ctx, db.Pool.Config().ConnConfig.Copy())
		}
		_ = hub.Listen(listenCtx, postgres.ChangesChannel, connect, cfg.Logger)
	}()
	return a, nil
}

// ready is the /readyz check: the database answers and no migration is pending.
func (a *App) ready(ctx context.Context) error {
	if err := a.DB.Pool.Ping(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	if a.ReadPool != nil {
		if err := a.ReadPool.Ping(ctx); err != nil {
			return fmt.Errorf("read replica unreachable: %w", err)
		}
	}
	pending, err := a.Migrator.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	if pending {
		return errors.New("migrations pending: run `laborx migrate up`")
	}
	return nil
}

// Close stops listening for changes and releases the database pool. Open
// subscriptions end with their connections.
func (a *App) Close() {
	a.stopListening()
	<-a.listening
	if a.ReadPool != nil {
		a.ReadPool.Close()
	}
	a.DB.Close()
}

// openReadPool connects to the read replica that serves statistics; nil when dsn is empty.
func openReadPool(ctx context.Context, dsn string, tracer pgx.QueryTracer) (*pgxpool.Pool, error) {
	if dsn == "" {
		return nil, nil
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse read database URL: %w", err)
	}
	if tracer != nil {
		cfg.ConnConfig.Tracer = tracer
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to read database: %w", err)
	}
	return pool, nil
}
