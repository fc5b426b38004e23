package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/events"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// keyCacheStartWait bounds how long New waits for the key follower's first heartbeat;
// until then tokens are verified against the database, so a slow start only costs
// round trips.
const keyCacheStartWait = 2 * time.Second

// startKeyCache puts a verified-key cache in front of lookup, cleared by this
// instance's own revocations and suspensions at once and by every other process's
// through the database's announcements; each also has hub re-check the keys of the
// instance's subscriptions. The follower's connection also wakes hub for every change
// committed anywhere. done closes when the follower has stopped.
func startKeyCache(ctx context.Context, listen *pgx.ConnConfig, lookup exchange.KeyLookup, centers *postgres.CenterService,
	hub *events.Hub, logger *slog.Logger) (cache *auth.KeyCache, done <-chan struct{}) {
	cache = auth.NewKeyCache(lookup)
	follower := keyFollower{cache, hub}
	centers.OnKeysChanged(follower.Invalidate)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		postgres.FollowKeyChanges(ctx, listen, follower, hub.Wake, logger)
	}()
	select {
	case <-cache.Ready():
	case <-time.After(keyCacheStartWait):
		logger.Warn("key change follower not ready; verifying tokens against the database until it is")
	}
	return cache, stopped
}

// keyFollower is the key cache that also tells the subscriptions' hub.
type keyFollower struct {
	*auth.KeyCache
	hub *events.Hub
}

// Invalidate clears the cache and has the hub re-check its subscribers' keys.
func (f keyFollower) Invalidate() {
	f.KeyCache.Invalidate()
	f.hub.KeysChanged()
}
