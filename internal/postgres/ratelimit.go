package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/ratelimit"
)

// RateLimitStore is where the instances exchange their callers' demand
// (ratelimit.Store), in the UNLOGGED table rate_limit_demand (migration 00125).
type RateLimitStore struct{ db DBTX }

// NewRateLimitStore returns the store over db: its own small pool, so that a sync
// neither waits behind requests nor counts among their statements.
func NewRateLimitStore(db DBTX) *RateLimitStore { return &RateLimitStore{db: db} }

// rateLimitExpiry is the age past which rows are deleted: far past any freshness an
// instance asks for. Each sync deletes at most rateLimitExpireBatch of them, skipping
// rows another instance is deleting, so syncs never wait on each other.
const (
	rateLimitExpiry      = time.Minute
	rateLimitExpireBatch = 1000
)

// shareDemandSQL upserts the instance's rows, deletes expired ones (never the rows it
// is writing: one statement must not change a row twice) and reads the other instances'
// fresh rows for the same keys. The read sees the table as the statement began, which
// holds every other instance's last report.
const shareDemandSQL = `WITH reported AS (
	INSERT INTO rate_limit_demand AS d (limit_key, instance, per_second, reported_at)
	SELECT k, $1, p, now() FROM unnest($2::text[], $3::float8[]) AS r(k, p)
	ON CONFLICT (limit_key, instance) DO UPDATE SET per_second = excluded.per_second, reported_at = excluded.reported_at
), expired AS (
	DELETE FROM rate_limit_demand WHERE (limit_key, instance) IN (
		SELECT limit_key, instance FROM rate_limit_demand
		WHERE reported_at < now() - make_interval(secs => $5) AND NOT (instance = $1 AND limit_key = ANY($2))
		LIMIT $6 FOR UPDATE SKIP LOCKED)
)
SELECT limit_key, instance, per_second FROM rate_limit_demand
WHERE limit_key = ANY($2) AND instance <> $1 AND reported_at > now() - make_interval(secs => $4)`

// ShareDemand records own (for instance) and returns the other instances' demands for
// the same keys reported within freshFor, in one statement.
func (s *RateLimitStore) ShareDemand(ctx context.Context, instance string, own []ratelimit.Demand,
	freshFor time.Duration) ([]ratelimit.Demand, error) {
	keys := make([]string, len(own))
	perSecond := make([]float64, len(own))
	for i, d := range own {
		keys[i], perSecond[i] = d.Key, d.PerSecond
	}
	rows, err := s.db.Query(ctx, shareDemandSQL, instance, keys, perSecond,
		freshFor.Seconds(), rateLimitExpiry.Seconds(), rateLimitExpireBatch)
	if err != nil {
		return nil, fmt.Errorf("share rate-limit demand: %w", err)
	}
	others, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ratelimit.Demand, error) {
		var d ratelimit.Demand
		err := row.Scan(&d.Key, &d.Instance, &d.PerSecond)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("share rate-limit demand: %w", err)
	}
	return others, nil
}
