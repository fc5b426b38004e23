package main

import (
	"flag"
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// The collector's defaults for serve, chosen from measurements (BENCHMARKS.md, "GC
// settings" and "Q1 allocations"): a page of 50 demands allocates about 0.76 MB of
// short-lived objects over a live heap of 4-6 MB, so Go's GOGC=100 would collect every
// few requests. GOGC=800 lets the heap grow to about nine times the live heap (some
// 50 MB): a collection every ~55 such requests, half as many as at 400, each taking a
// share of the CPU and the latency of the requests it overlaps. The soft memory limit
// makes the collector work harder again before a burst (a large import) lets the heap
// grow without bound.
const (
	defaultGCPercent   = "800"
	defaultMemoryLimit = "1GiB"
)

// gcFlags set the garbage collector at serve (and seed) start. The standard GOGC and
// GOMEMLIMIT environment variables are their defaults, so deployments that already set
// them keep their values; a flag overrides both.
type gcFlags struct {
	percent string
	limit   string
}

func (f *gcFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.percent, "gogc", env("GOGC", defaultGCPercent),
		"garbage collector target percentage, or off (GOGC)")
	fs.StringVar(&f.limit, "gomemlimit", env("GOMEMLIMIT", defaultMemoryLimit),
		"soft memory limit of the Go heap, e.g. 512MiB or 2GiB, or off (GOMEMLIMIT)")
}

// apply sets the collector; it reports a malformed value instead of ignoring it.
func (f *gcFlags) apply() error {
	percent, err := parseGCPercent(f.percent)
	if err != nil {
		return fmt.Errorf("--gogc: %w", err)
	}
	limit, err := parseMemoryLimit(f.limit)
	if err != nil {
		return fmt.Errorf("--gomemlimit: %w", err)
	}
	debug.SetGCPercent(percent)
	debug.SetMemoryLimit(limit)
	return nil
}

func parseGCPercent(s string) (int, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a non-negative integer or off, got %q", s)
	}
	return n, nil
}

// parseMemoryLimit reads the GOMEMLIMIT syntax: a byte count with an optional B, KiB,
// MiB, GiB or TiB suffix, or off.
func parseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return math.MaxInt64, nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult, digits := int64(1), s
	for _, u := range units {
		if d, ok := strings.CutSuffix(s, u.suffix); ok {
			mult, digits = u.mult, d
			break
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("want a size such as 512MiB or 2GiB, or off, got %q", s)
	}
	return n * mult, nil
}
