// Package ratelimit keeps token buckets per caller and shares each caller's limit
// among the instances of laborx that serve it, so that N instances behind a load
// balancer together admit what one would, without a database round trip per request.
//
// Each instance decides every request locally, from its own golang.org/x/time/rate
// bucket. A background sync (Limiter.Sync, every SyncInterval) reports to a shared
// Store how many requests each active caller made at this instance over the last
// second (its demand: admitted and refused), reads what the other instances reported
// for the same callers, and gives each local bucket the instance's fair part of the
// limit (Share) and of the burst, in proportion. The parts of all the instances add up
// to the configured limit, so the total admitted stays within it (docs/rate-limits.md):
//
//   - While the demands hold still, the instances together admit at most limit × D +
//     burst over any D seconds, plus up to one request per instance from rounding the
//     burst's parts.
//   - When a caller starts at an instance where it was idle, that instance admits it at
//     no more than limit/N (burst/N) until its second sync, and the others keep their
//     parts until they read its first report (within two sync intervals): at most
//     burst/N + 2 × SyncInterval × limit/N more, per instance joining. N is the number
//     of live instances, from their heartbeats; a caller served by one instance only
//     gets the whole limit there from its second sync, within two intervals.
//   - Demands are estimated over the last second, so when the load moves between
//     instances the parts lag it by up to a second (an instance that gained load
//     admits less than it could). Each instance combines its own current demand with
//     the others' reports of up to one interval ago, so meanwhile the parts may exceed
//     the limit by how much a demand below the water level changed in one interval.
//   - When the Store cannot be reached for FallbackAfter, each instance falls back to
//     the whole limit on its own (as if alone), so N instances admit up to N times the
//     limit until it answers again. Requests never wait for, or fail with, the sync.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter keeps one token bucket per key: per caller (center and subject), so one busy
// integration cannot starve the other centers, or per client IP. Idle buckets are
// dropped. Without Share it limits this instance alone.
type Limiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
	// instances is how many live instances share the limits (1 when alone, before the
	// first sync and while the Store is unreachable); a new bucket starts with 1/instances
	// of the limit.
	instances int
	// shared reports whether the parts come from a recent sync.
	shared bool
	// synced is when the last sync interval ended (demand is counted per interval).
	synced time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
	// attempts are the requests since the last sync; ring their counts per interval;
	// reports the syncs in a row that reported the demand.
	attempts int
	ring     demandRing
	reports  int
	// part is the share of the limit this instance admits (requests per second).
	part float64
}

// New returns a limiter of perSecond requests per key with bursts of burst; perSecond
// 0 or less admits everything.
func New(perSecond float64, burst int) *Limiter {
	return &Limiter{limit: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}, instances: 1}
}

// Limit is the configured requests per second of each key.
func (l *Limiter) Limit() float64 { return float64(l.limit) }

// Allow takes one request from key's bucket and reports whether it may proceed.
func (l *Limiter) Allow(key string) bool {
	if l.limit <= 0 {
		return true
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		part := float64(l.limit) / float64(l.instances)
		b = &bucket{lim: rate.NewLimiter(rate.Limit(part), l.burstOf(part)), part: part}
		l.buckets[key] = b
	}
	b.seen = now
	b.attempts++
	return b.lim.AllowN(now, 1)
}

// burstOf is the part of the burst that goes with part of the limit: at least one
// request, or no bucket would ever admit anything.
func (l *Limiter) burstOf(part float64) int {
	if l.burst <= 0 {
		return l.burst
	}
	return max(1, int(math.Round(float64(l.burst)*part/float64(l.limit))))
}

// setPart gives b its part of the limit and of the burst; the tokens it holds above the
// new burst are dropped.
func (l *Limiter) setPart(b *bucket, part float64, now time.Time) {
	if part == b.part {
		return
	}
	b.part = part
	b.lim.SetLimitAt(now, rate.Limit(part))
	b.lim.SetBurstAt(now, l.burstOf(part))
}

// Instances is how many live instances share the limits, as of the last sync (1 while
// the limits are not shared).
func (l *Limiter) Instances() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.instances
}

// Shared reports whether the limits are shared: the last sync is recent.
func (l *Limiter) Shared() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shared
}
