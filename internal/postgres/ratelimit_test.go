package postgres_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/ratelimit"
)

func TestRateLimitStoreSharesFreshDemand(t *testing.T) {
	ctx := context.Background()
	owner := pgtest.NewDSN(t, pgtest.Laborx)
	pool, err := postgres.OpenPool(ctx, pgtest.AppDSN(owner), postgres.PoolOptions{}) // as the service role
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ownerPool, err := postgres.OpenPool(ctx, owner, postgres.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ownerPool.Close()
	s := postgres.NewRateLimitStore(pool)
	share := func(instance string, own ...ratelimit.Demand) []ratelimit.Demand {
		t.Helper()
		others, err := s.ShareDemand(ctx, instance, own, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(others, func(a, b ratelimit.Demand) int {
			return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Instance, b.Instance))
		})
		return others
	}
	beat := ratelimit.Demand{Key: ratelimit.Heartbeat}
	if got := share("a", beat, ratelimit.Demand{Key: "TNG/x", PerSecond: 30}); len(got) != 0 {
		t.Errorf("first instance sees %v, want nothing", got)
	}
	got := share("b", beat, ratelimit.Demand{Key: "TNG/x", PerSecond: 10}, ratelimit.Demand{Key: "HPG/y", PerSecond: 5})
	want := []ratelimit.Demand{{Key: "", Instance: "a"}, {Key: "TNG/x", Instance: "a", PerSecond: 30}}
	if !slices.Equal(got, want) {
		t.Errorf("second instance sees %v, want %v", got, want)
	}
	// A report replaces the instance's earlier one; only the asked keys come back.
	got = share("a", beat, ratelimit.Demand{Key: "TNG/x", PerSecond: 40})
	want = []ratelimit.Demand{{Key: "", Instance: "b"}, {Key: "TNG/x", Instance: "b", PerSecond: 10}}
	if !slices.Equal(got, want) {
		t.Errorf("first instance sees %v, want %v", got, want)
	}

	// b falls silent: its rows go stale after the freshness asked for, and are deleted
	// once expired.
	if _, err := ownerPool.Exec(ctx, `UPDATE rate_limit_demand SET reported_at = now() - interval '5 seconds' WHERE instance = 'b'`); err != nil {
		t.Fatal(err)
	}
	if got = share("a", beat, ratelimit.Demand{Key: "TNG/x", PerSecond: 40}); len(got) != 0 {
		t.Errorf("stale rows returned: %v", got)
	}
	if _, err := ownerPool.Exec(ctx, `UPDATE rate_limit_demand SET reported_at = now() - interval '2 minutes' WHERE instance = 'b'`); err != nil {
		t.Fatal(err)
	}
	share("a", beat)
	var left []string
	if err := ownerPool.QueryRow(ctx, `SELECT coalesce(array_agg(instance || ':' || limit_key ORDER BY instance, limit_key), '{}') FROM rate_limit_demand`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(left, []string{"a:", "a:TNG/x"}) {
		t.Errorf("rows after expiry: %v, want a's only", left)
	}
}
