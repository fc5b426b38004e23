package ratelimit

import (
	"slices"
	"time"
)

// Share returns the part of limit (requests per second) that an instance whose caller
// demands own requests per second may admit, when the other instances serving the same
// caller demand others: a max-min fair split. While the demands add up to no more than
// limit, every instance gets its demand and an equal part of what is left over, so each
// can grow before the next sync; above it, the limit is filled like water: instances
// that demand less than an equal part get their demand, the rest split what remains.
// Either way the shares of all the instances, computed from the same demands, add up to
// exactly limit.
func Share(limit, own float64, others []float64) float64 {
	n := float64(1 + len(others))
	total := own
	for _, d := range others {
		total += d
	}
	if total <= limit {
		return own + (limit-total)/n
	}
	demands := append(slices.Clone(others), own)
	slices.Sort(demands)
	left := limit
	for i, d := range demands {
		rest := float64(len(demands) - i)
		if d*rest >= left {
			return min(own, left/rest)
		}
		left -= d
	}
	return own // unreachable: the demands add up to more than limit
}

// demandWindow is how far back an instance's demand is measured: long enough to smooth
// a client's bursts, short enough that shares follow a load balancer's moves within a
// second.
const demandWindow = time.Second

// demandRing measures one caller's demand at one instance: the requests it made
// (admitted or refused) in each of the last sync intervals, with their lengths.
type demandRing struct {
	counts [10]int
	spans  [10]time.Duration
	next   int
}

// push records count requests over the interval of length span just ended.
func (r *demandRing) push(count int, span time.Duration) {
	r.counts[r.next], r.spans[r.next] = count, span
	r.next = (r.next + 1) % len(r.counts)
}

// perSecond is the demand over the recorded intervals that fall within demandWindow,
// newest first; 0 when there was none.
func (r *demandRing) perSecond() float64 {
	var count int
	var span time.Duration
	for i := range len(r.counts) {
		j := (r.next - 1 - i + 2*len(r.counts)) % len(r.counts)
		if r.spans[j] == 0 || (span > 0 && span+r.spans[j] > demandWindow) {
			break
		}
		count += r.counts[j]
		span += r.spans[j]
	}
	if count == 0 || span == 0 {
		return 0
	}
	return float64(count) / span.Seconds()
}
