package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/laborx/laborx/internal/app"
	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/redact"
	"github.com/laborx/laborx/internal/server"
	"github.com/laborx/laborx/internal/webhook"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--dev] [--demo] [--data-dir DIR] [--addr HOST:PORT] [--no-migrate]", stderr)
	var db dbFlags
	db.register(fs)
	addr := fs.String("addr", env("LABORX_ADDR", "127.0.0.1:8080"), "listen address (LABORX_ADDR)")
	dev := fs.Bool("dev", envBool("LABORX_DEV"), "serve GraphiQL at / and allow introspection (LABORX_DEV)")
	withDemo := fs.Bool("demo", envBool("LABORX_DEMO"), "load the demo centers and data, print demo tokens (LABORX_DEMO)")
	noMigrate := fs.Bool("no-migrate", envBool("LABORX_NO_MIGRATE"), "do not apply pending migrations at start (LABORX_NO_MIGRATE)")
	jwksPath := fs.String("operator-jwks", env("LABORX_OPERATOR_JWKS", ""),
		"JWKS file of operator public keys (LABORX_OPERATOR_JWKS; default <data-dir>/operator/jwks.json if present)")
	audience := fs.String("audience", env("LABORX_AUDIENCE", auth.DefaultAudience), "required aud claim of tokens (LABORX_AUDIENCE)")
	logLevel := fs.String("log-level", env("LABORX_LOG_LEVEL", "info"), "debug, info, warn or error (LABORX_LOG_LEVEL)")
	rateLimit := fs.Float64("rate-limit", envFloat("LABORX_RATE_LIMIT", server.DefaultConfig().RateLimit),
		"sustained requests per second per caller, 0 for none (LABORX_RATE_LIMIT)")
	var piiKeyValue, readDatabaseURL secret
	secretVar(fs, &piiKeyValue, "pii-key", "LABORX_PII_KEY",
		"base64 32-byte `key` that encrypts workers' national IDs (LABORX_PII_KEY; --demo keeps one in <data-dir>/keys/pii.key)")
	secretVar(fs, &readDatabaseURL, "read-database-url", "LABORX_READ_DATABASE_URL",
		"PostgreSQL read replica (`URL`) that serves statistics; empty reads them from the primary (LABORX_READ_DATABASE_URL)")
	corsOrigins := newListFlag(fs, "cors-origin", "LABORX_CORS_ORIGINS",
		"an origin (scheme://host[:port]) whose browser pages may call /graphql, over HTTP and websocket; repeatable (LABORX_CORS_ORIGINS, comma-separated; default none: same origin only)")
	webhookAllow := newListFlag(fs, "webhook-allow", "LABORX_WEBHOOK_ALLOW",
		"a CIDR prefix (or address) webhooks may call, checked on every connection; repeatable (LABORX_WEBHOOK_ALLOW, comma-separated; default none: no webhooks)")
	debugAddr := fs.String("debug-addr", env("LABORX_DEBUG_ADDR", ""),
		"loopback address for net/http/pprof, e.g. 127.0.0.1:6060; empty for none (LABORX_DEBUG_ADDR)")
	var gc gcFlags
	gc.register(fs)
	var ops opsFlags
	ops.register(fs)
	limits := registerLimitFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := gc.apply(); err != nil {
		return err
	}
	pool, err := ops.poolOptions()
	if err != nil {
		return err
	}
	origins, err := server.ParseOrigins(corsOrigins.values)
	if err != nil {
		return fmt.Errorf("--cors-origin: %w", err)
	}
	allow, err := exchange.ParseAllowList(webhookAllow.values)
	if err != nil {
		return fmt.Errorf("--webhook-allow: %w", err)
	}
	piiKeyBytes, err := piiKey(piiKeyValue.value, db.dataDir, *withDemo)
	if err != nil {
		return err
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: redact.Attr}))

	database, err := db.open(ctx, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := database.Close(ctx); err != nil {
			logger.Error("stop embedded PostgreSQL", "err", err)
		}
	}()
	if !*noMigrate {
		if err := migrateUp(ctx, database.URL, logger); err != nil {
			return err
		}
	}
	operators, err := operatorKeys(db.dataDir, *jwksPath, *withDemo)
	if err != nil {
		return err
	}
	cfg := server.DefaultConfig()
	cfg.Dev = *dev
	cfg.RateLimit = *rateLimit
	cfg.CORSOrigins = origins
	if *withDemo {
		cfg.DemoSignIn = demoSignIn(db.dataDir)
	}
	ops.apply(&cfg)
	limits.apply(&cfg.Limits)
	a, err := app.New(ctx, app.Config{DatabaseURL: database.AppURL, OperatorKeys: operators, Audience: *audience, Server: cfg, Logger: logger,
		PIIKey: piiKeyBytes, ReadDatabaseURL: readDatabaseURL.value, Pool: pool, ReadMaxLag: ops.readMaxLag,
		ListenDatabaseURL: database.ListenURL, Webhooks: webhook.Config{Allow: allow}})
	if err != nil {
		return err
	}
	defer a.Close()
	if *withDemo {
		if err := demo.Seed(ctx, a.DB, db.dataDir); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}

	debugSrv, err := listenDebug(*debugAddr, logger)
	if err != nil {
		return err
	}
	if debugSrv != nil {
		defer debugSrv.Close()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := server.NewHTTPServer(cfg, a.Handler, logger)
	url := "http://" + ln.Addr().String()
	logger.Info("serving", "graphql", url+"/graphql", "graphiql", *dev)
	if *withDemo {
		if err := printDemoBanner(stdout, db.dataDir, url, *dev, operators != nil); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "laborx serving GraphQL at %s/graphql, the console at %s/console\n", url, url)
	}

	return serveUntilDone(ctx, srv, ln, a, ops, logger)
}

// operatorKeys loads the operator JWKS: the given file, else the data dir's (created
// with --demo), else none, which refuses every operator token.
func operatorKeys(dataDir, path string, withDemo bool) (*auth.KeySet, error) {
	if path != "" {
		return auth.LoadJWKS(path)
	}
	if withDemo {
		return demo.EnsureOperatorKeys(dataDir)
	}
	if _, err := os.Stat(demo.OperatorJWKSPath(dataDir)); err == nil {
		return auth.LoadJWKS(demo.OperatorJWKSPath(dataDir))
	}
	return nil, nil
}

func printDemoBanner(w io.Writer, dataDir, url string, dev, operator bool) error {
	fmt.Fprintf(w, "\nlaborx demo exchange is up.\n  GraphQL:  %s/graphql\n", url)
	fmt.Fprintf(w, "  Console:  %s/console  (choose \"sign in as a demo center\", or paste a token below)\n", url)
	if dev {
		fmt.Fprintf(w, "  GraphiQL: %s/  (asks once for a token: paste one below, or sign in on the console first;\n"+
			"            it is sent on every request, the schema introspection included)\n", url)
	}
	fmt.Fprintf(w, "\nDemo tokens (valid 1 hour; mint more with `laborx token mint --data-dir %s --center TNG --roles publisher`):\n", dataDir)
	for _, c := range demo.Centers {
		tok, err := demo.Token(dataDir, c.Code, "demo-staff", []string{"publisher", "coordinator"}, time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n  %s (%s) publisher+coordinator:\n  %s\n", c.Code, c.Name, tok)
	}
	tok, err := demo.Token(dataDir, "TNG", "demo-dashboard", []string{"viewer"}, time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n  TNG viewer (dashboards):\n  %s\n", tok)
	if operator {
		tok, err := demo.OperatorToken(dataDir, "demo-operator", time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n  operator:\n  %s\n", tok)
	}
	fmt.Fprintf(w, "\nTry:\n  curl -s %s/graphql -H 'Content-Type: application/json' \\\n"+
		"    -H \"Authorization: Bearer $TOKEN\" -d '{\"query\":\"{ viewer { center { code name } roles } }\"}'\n\n", url)
	return nil
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func envFloat(name string, def float64) float64 {
	if f, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return f
	}
	return def
}
