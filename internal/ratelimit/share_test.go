package ratelimit

import (
	"math"
	"testing"
	"time"
)

func TestShare(t *testing.T) {
	for _, c := range []struct {
		name   string
		own    float64
		others []float64
		want   float64
	}{
		{"AloneUnderTheLimit", 5, nil, 20},
		{"AloneOverTheLimit", 500, nil, 20},
		{"TwoHammering", 900, []float64{700}, 10},
		{"SpareSplitEqually", 4, []float64{6}, 9},
		{"SmallDemandKeepsIt", 3, []float64{800}, 3},
		{"BigDemandGetsTheRest", 800, []float64{3}, 17},
		{"WaterLevelOfThree", 30, []float64{2, 30}, 9},
		{"IdleEverywhere", 0, []float64{0, 0, 0}, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Share(20, c.own, c.others); math.Abs(got-c.want) > 1e-9 {
				t.Errorf("Share(20, %v, %v) = %v, want %v", c.own, c.others, got, c.want)
			}
		})
	}
}

// The parts that all the instances compute from the same demands add up to the limit,
// and none exceeds the limit or falls below zero.
func TestSharesAddUpToTheLimit(t *testing.T) {
	for _, demands := range [][]float64{
		{1}, {0, 0}, {25, 0}, {10, 10}, {19, 2}, {100, 1, 1}, {7, 7, 7, 7}, {0.5, 3, 40, 900}, {50, 50, 50},
	} {
		var sum float64
		for i, d := range demands {
			others := append(append([]float64{}, demands[:i]...), demands[i+1:]...)
			part := Share(20, d, others)
			if part < 0 || part > 20 {
				t.Errorf("demands %v: instance %d gets %v", demands, i, part)
			}
			sum += part
		}
		if math.Abs(sum-20) > 1e-9 {
			t.Errorf("demands %v: parts add up to %v, want 20", demands, sum)
		}
	}
}

func TestDemandRing(t *testing.T) {
	var r demandRing
	if d := r.perSecond(); d != 0 {
		t.Errorf("empty ring: %v", d)
	}
	r.push(5, 100*time.Millisecond)
	if d := r.perSecond(); d != 50 {
		t.Errorf("5 in 100 ms: %v/s, want 50", d)
	}
	for range 9 {
		r.push(1, 100*time.Millisecond)
	}
	if d := r.perSecond(); d != 14 { // (5 + 9) in 1 s
		t.Errorf("14 in 1 s: %v/s, want 14", d)
	}
	r.push(0, 100*time.Millisecond) // the 5 falls out of the window
	if d := r.perSecond(); d != 9 {
		t.Errorf("9 in 1 s: %v/s, want 9", d)
	}
	for range 10 {
		r.push(0, 100*time.Millisecond)
	}
	if d := r.perSecond(); d != 0 {
		t.Errorf("idle for a second: %v/s, want 0", d)
	}
	r.push(30, 3*time.Second) // one stalled sync counts over its whole span
	if d := r.perSecond(); d != 10 {
		t.Errorf("30 in 3 s: %v/s, want 10", d)
	}
}
