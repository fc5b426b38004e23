-- +goose Up
-- Shared rate limits (issue 14 point 5, internal/ratelimit): every instance reports here,
-- ten times a second, how many requests each active caller made at it over the last
-- second, and reads what the others reported, to take its fair part of each caller's
-- limit. The row of limit_key '' is each instance's heartbeat.
-- The rows are worth nothing after a few seconds, so the table is UNLOGGED: no WAL,
-- emptied by a crash, not replicated; the instances refill it within one sync.
CREATE UNLOGGED TABLE rate_limit_demand (
    limit_key   text NOT NULL,
    instance    text NOT NULL,
    per_second  double precision NOT NULL CHECK (per_second >= 0),
    reported_at timestamptz NOT NULL,
    PRIMARY KEY (limit_key, instance)
);
-- Rows of callers and instances gone quiet are deleted by age.
CREATE INDEX rate_limit_demand_reported ON rate_limit_demand (reported_at);

-- +goose Down
DROP TABLE rate_limit_demand;
