package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"
)

// Timing of the sync. A report stays fresh for FreshFor, well over a sync interval, so
// an instance that is slow for a moment (a pause, a slow statement) is not taken for
// gone and its part handed to the others; after FallbackAfter without a successful
// sync the instance stops trusting the parts and limits alone.
const (
	SyncInterval  = 100 * time.Millisecond
	FreshFor      = 2 * time.Second
	FallbackAfter = 2 * time.Second
	// syncTimeout bounds one sync's round trip; a slower one is a failed sync.
	syncTimeout = time.Second
)

// Heartbeat is the key of the report every instance sends with each sync, whatever
// its callers: the number of fresh heartbeats is the number of live instances. Real
// keys are never empty.
const Heartbeat = ""

// Demand is one instance's demand for one key: the requests per second it received
// (admitted and refused) over the last second.
type Demand struct {
	Key       string
	Instance  string
	PerSecond float64
}

// Store is where the instances exchange their demands (postgres.RateLimitStore).
type Store interface {
	// ShareDemand records the instance's own demands (replacing its earlier ones for
	// the same keys) and returns the other instances' demands for the same keys that
	// were reported within freshFor, in one round trip.
	ShareDemand(ctx context.Context, instance string, own []Demand, freshFor time.Duration) ([]Demand, error)
}

// Sync shares the limiter's parts through store every SyncInterval until ctx ends. It
// never blocks a request: Allow keeps deciding from the parts of the last sync, and
// from the whole limit once syncs have failed for FallbackAfter.
func (l *Limiter) Sync(ctx context.Context, store Store, logger *slog.Logger) {
	if l.limit <= 0 {
		return
	}
	instance := newInstanceID()
	tick := time.NewTicker(SyncInterval)
	defer tick.Stop()
	lastOK, alone := time.Now(), false
	for {
		own := l.measure(time.Now())
		callCtx, cancel := context.WithTimeout(ctx, syncTimeout)
		others, err := store.ShareDemand(callCtx, instance, own, FreshFor)
		cancel()
		now := time.Now()
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			if alone {
				logger.Info("rate limits are shared with the other instances again")
			}
			lastOK, alone = now, false
			l.apply(own, others, now)
		case now.Sub(lastOK) > FallbackAfter && !alone:
			logger.Warn("rate limits cannot be shared: each instance enforces the whole limit alone until the database answers",
				"err", err)
			alone = true
			l.limitAlone(now)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// measure closes the current interval of every bucket and returns the demands to
// report: the heartbeat and each key that had requests here within the last second.
func (l *Limiter) measure(now time.Time) []Demand {
	l.mu.Lock()
	defer l.mu.Unlock()
	span := min(now.Sub(l.synced), demandWindow) // a stalled sync measures over its whole interval
	if l.synced.IsZero() {
		span = SyncInterval
	}
	l.synced = now
	own := []Demand{{Key: Heartbeat}}
	for k, b := range l.buckets {
		b.ring.push(b.attempts, span)
		b.attempts = 0
		if d := b.ring.perSecond(); d > 0 {
			own = append(own, Demand{Key: k, PerSecond: d})
		}
	}
	return own
}

// apply sets every bucket's part from a successful sync: own are the demands measure
// reported, others what the other instances reported for the same keys.
func (l *Limiter) apply(own, others []Demand, now time.Time) {
	byKey := map[string][]float64{}
	instances := 1
	for _, d := range others {
		if d.Key == Heartbeat {
			instances++
			continue
		}
		byKey[d.Key] = append(byKey[d.Key], d.PerSecond)
	}
	reported := make(map[string]float64, len(own))
	for _, d := range own {
		reported[d.Key] = d.PerSecond
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.instances, l.shared = instances, true
	for k, b := range l.buckets {
		idle := float64(l.limit) / float64(instances) // what a new bucket gets
		d, ok := reported[k]
		if !ok || d == 0 {
			b.reports = 0
			l.setPart(b, idle, now)
			continue
		}
		// At the first report, instances that started on the caller at the same time
		// may not have reported yet: their absence proves nothing until the next sync,
		// by which time their first report is in.
		b.reports++
		part := Share(float64(l.limit), d, byKey[k])
		if b.reports < 2 {
			part = min(part, idle)
		}
		l.setPart(b, part, now)
	}
}

// limitAlone gives every bucket the whole limit: the sync has failed for FallbackAfter.
func (l *Limiter) limitAlone(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.instances, l.shared = 1, false
	for _, b := range l.buckets {
		l.setPart(b, float64(l.limit), now)
	}
}

// newInstanceID names this process in the Store; a restarted instance is a new one,
// and the old one's reports age out.
func newInstanceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
