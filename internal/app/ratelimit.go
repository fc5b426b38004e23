package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/ratelimit"
)

// startRateLimits returns the callers' buckets and, when limits are on, shares them
// with the other instances on the same database (internal/ratelimit) until stop.
// The sync runs on a pool of its own connection, untraced and with tight timeouts: it
// never takes a connection from requests or key lookups, nor counts among their
// statements, and a stalled database fails a sync within a second. Without that pool
// each instance limits alone, as it does whenever the database cannot be reached.
func startRateLimits(ctx context.Context, cfg Config, reg prometheus.Registerer) (limits *ratelimit.Limiter, stop func()) {
	limits = ratelimit.New(cfg.Server.RateLimit, cfg.Server.Burst)
	if cfg.Server.RateLimit <= 0 {
		return limits, func() {}
	}
	o := cfg.Pool
	o.MaxConns, o.Tracer = 1, nil
	o.StatementTimeout, o.LockTimeout = time.Second, 200*time.Millisecond
	pool, err := postgres.OpenPool(ctx, cfg.DatabaseURL, o)
	if err != nil {
		cfg.Logger.Warn("rate limits are not shared: each instance enforces the whole limit alone", "err", err)
		return limits, func() {}
	}
	syncCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		limits.Sync(syncCtx, postgres.NewRateLimitStore(pool), cfg.Logger)
	}()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "laborx_rate_limit_instances",
		Help: "Live instances that share each caller's rate limit, as of the last sync (1 while not shared).",
	}, func() float64 { return float64(limits.Instances()) }), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "laborx_rate_limit_shared",
		Help: "1 while rate limits are shared with the other instances, 0 while this instance limits alone (database unreachable).",
	}, func() float64 {
		if limits.Shared() {
			return 1
		}
		return 0
	}))
	return limits, func() { cancel(); <-done; pool.Close() }
}
