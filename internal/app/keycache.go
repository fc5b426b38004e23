package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// keyCacheStartWait bounds how long New waits for the key follower's first heartbeat;
// until then tokens are verified against the database, so a slow start only costs
// round trips.
const keyCacheStartWait = 2 * time.Second

// startKeyCache puts a verified-key cache in front of lookup, cleared by this
// instance's own revocations and suspensions at once and by every other process's
// through the database's announcements. done closes when the follower has stopped.
func startKeyCache(ctx context.Context, listen *pgx.ConnConfig, lookup exchange.KeyLookup, centers *postgres.CenterService,
	logger *slog.Logger) (cache *auth.KeyCache, done <-chan struct{}) {
	cache = auth.NewKeyCache(lookup)
	centers.OnKeysChanged(cache.Invalidate)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		postgres.FollowKeyChanges(ctx, listen, cache, logger)
	}()
	select {
	case <-cache.Ready():
	case <-time.After(keyCacheStartWait):
		logger.Warn("key change follower not ready; verifying tokens against the database until it is")
	}
	return cache, stopped
}
