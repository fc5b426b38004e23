package auth

import (
	"context"
	"sync"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// KeyCache is an exchange.KeyLookup that keeps the key rows it has read, so verifying a
// token costs no database round trip once its key is known. It stays correct across
// instances because the database announces every change that can make a key unusable
// (a revocation, a center's suspension) and a follower (postgres.FollowKeyChanges)
// calls Invalidate for each announcement. Cached rows are trusted only while that
// follower proves itself alive, at least every Alive period: if it stalls or loses its
// connection, lookups go to the database again, so a revoked key is refused on every
// instance within one second even when an announcement is lost. Failed lookups,
// unknown keys and unusable keys are never cached.
type KeyCache struct {
	lookup exchange.KeyLookup

	mu         sync.Mutex
	keys       map[string]*exchange.CenterKey
	gen        uint64    // bumped by Invalidate: a lookup started before it must not be stored
	aliveUntil time.Time // rows are trusted until then
	ready      chan struct{}
	readyOnce  sync.Once
}

// NewKeyCache returns a cache in front of lookup. Until the follower first reports
// itself alive every lookup reads through.
func NewKeyCache(lookup exchange.KeyLookup) *KeyCache {
	return &KeyCache{lookup: lookup, keys: map[string]*exchange.CenterKey{}, ready: make(chan struct{})}
}

// CenterKeyByKID implements exchange.KeyLookup. Errors are the underlying lookup's,
// unchanged.
func (c *KeyCache) CenterKeyByKID(ctx context.Context, kid string) (*exchange.CenterKey, error) {
	c.mu.Lock()
	trusted := time.Now().Before(c.aliveUntil)
	if k, ok := c.keys[kid]; ok && trusted {
		c.mu.Unlock()
		return k, nil
	}
	gen := c.gen
	c.mu.Unlock()

	k, err := c.lookup.CenterKeyByKID(ctx, kid)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	// Only usable keys are kept: a refusal is always read fresh, so a reinstated
	// center's tokens work at once on every instance.
	if now := time.Now(); c.gen == gen && now.Before(c.aliveUntil) && k.Usable(now) {
		c.keys[kid] = k
	}
	c.mu.Unlock()
	return k, nil
}

// Invalidate forgets every cached key. Key changes are rare, so one announcement
// clears all rather than naming a key.
func (c *KeyCache) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.keys)
}

// Alive records that every change committed so far has been delivered and that rows
// may be trusted until until.
func (c *KeyCache) Alive(until time.Time) {
	c.mu.Lock()
	c.aliveUntil = until
	c.mu.Unlock()
	c.readyOnce.Do(func() { close(c.ready) })
}

// Ready is closed once the follower has first reported itself alive.
func (c *KeyCache) Ready() <-chan struct{} { return c.ready }
