package ratelimit

import (
	"math"
	"testing"
	"time"
)

// A limit that refills one token in minutes: the tests count burst tokens only, however
// slowly they run.
const slow = 0.01

func admitted(l *Limiter, key string, n int) int {
	var ok int
	for range n {
		if l.Allow(key) {
			ok++
		}
	}
	return ok
}

func TestAloneTheBucketIsTheWholeLimit(t *testing.T) {
	l := New(slow, 20)
	if n := admitted(l, "TNG/a", 30); n != 20 {
		t.Errorf("admitted %d of 30 with a burst of 20", n)
	}
	if n := admitted(l, "HPG/a", 30); n != 20 {
		t.Errorf("another caller: admitted %d of 30, want its own 20", n)
	}
	if l.Instances() != 1 || l.Shared() {
		t.Errorf("before any sync: %d instances, shared %v", l.Instances(), l.Shared())
	}
}

func TestOffAdmitsEverything(t *testing.T) {
	l := New(0, 0)
	if n := admitted(l, "TNG/a", 1000); n != 1000 {
		t.Errorf("no limit: admitted %d of 1000", n)
	}
}

// Once another instance's heartbeat is seen, a caller new here starts with half.
func TestNewCallerStartsWithItsPartOfTheLiveInstances(t *testing.T) {
	l := New(slow, 20)
	now := time.Now()
	l.apply(l.measure(now), []Demand{{Key: Heartbeat, Instance: "b"}}, now)
	if l.Instances() != 2 || !l.Shared() {
		t.Fatalf("after a sync with one other heartbeat: %d instances, shared %v", l.Instances(), l.Shared())
	}
	if n := admitted(l, "TNG/a", 30); n != 10 {
		t.Errorf("admitted %d of 30, want half the burst of 20", n)
	}
}

func TestPartsFollowTheReportedDemands(t *testing.T) {
	l := New(slow, 20)
	admitted(l, "TNG/a", 30) // 30 requests in the first interval: 300/s
	admitted(l, "HPG/a", 1)
	now := time.Now()
	own := l.measure(now)
	if got := demandOf(own, "TNG/a"); math.Abs(got-300) > 1e-9 {
		t.Errorf("reported demand %v/s, want 300 (%v)", got, own)
	}
	if demandOf(own, Heartbeat) != 0 || len(own) != 3 {
		t.Errorf("reported %v, want the heartbeat and both callers", own)
	}
	// The other instance hammers TNG/a twice as hard; HPG/a is not its. At the first
	// report HPG/a keeps the idle part: b may not have reported it yet.
	others := []Demand{{Key: Heartbeat, Instance: "b"}, {Key: "TNG/a", Instance: "b", PerSecond: 600}}
	l.apply(own, others, now)
	assertPart(t, l, "TNG/a", slow/2, 10)
	assertPart(t, l, "HPG/a", slow/2, 10)
	now = now.Add(SyncInterval)
	l.apply(l.measure(now), others, now)
	assertPart(t, l, "TNG/a", slow/2, 10)
	assertPart(t, l, "HPG/a", slow, 20)

	// A second later HPG/a has been idle here: it is not reported, and holds the part a
	// new caller gets.
	for i := range 9 {
		own = l.measure(now.Add(time.Duration(i+1) * SyncInterval))
	}
	if demandOf(own, "HPG/a") >= 0 {
		t.Errorf("idle caller reported: %v", own)
	}
	l.apply(own, []Demand{{Key: Heartbeat, Instance: "b"}}, now.Add(time.Second))
	assertPart(t, l, "HPG/a", slow/2, 10)
}

func TestWithoutTheStoreEachInstanceLimitsAlone(t *testing.T) {
	l := New(slow, 20)
	admitted(l, "TNG/a", 5)
	now := time.Now()
	l.apply(l.measure(now), []Demand{{Key: Heartbeat, Instance: "b"}, {Key: "TNG/a", Instance: "b", PerSecond: 50}}, now)
	assertPart(t, l, "TNG/a", slow/2, 10)
	l.limitAlone(now.Add(FallbackAfter))
	assertPart(t, l, "TNG/a", slow, 20)
	if l.Instances() != 1 || l.Shared() {
		t.Errorf("alone: %d instances, shared %v", l.Instances(), l.Shared())
	}
	if n := admitted(l, "HNI/a", 30); n != 20 {
		t.Errorf("a new caller while alone: admitted %d of 30, want the whole burst", n)
	}
}

// demandOf returns the reported demand of key, or -1 when it was not reported.
func demandOf(ds []Demand, key string) float64 {
	for _, d := range ds {
		if d.Key == key {
			return d.PerSecond
		}
	}
	return -1
}

func assertPart(t *testing.T, l *Limiter, key string, part float64, burst int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if math.Abs(b.part-part) > 1e-12 || math.Abs(float64(b.lim.Limit())-part) > 1e-12 || b.lim.Burst() != burst {
		t.Errorf("%s: part %v (limiter %v), burst %d; want %v and %d", key, b.part, b.lim.Limit(), b.lim.Burst(), part, burst)
	}
}
