-- +goose Up
-- The median time to hire of a cohort created in a period (referralFunnel with from or
-- to) without walking every hire in order of time to hire: hires by whole day of time
-- to hire (the days of referral_hire_days, 00135) and then by creation instant, so that
-- the period's hires of one whole day are a range of this index. referralFunnel counts
-- them day by day from the shortest until the middle position is passed, then orders
-- only the hires of the day or two that hold it. Index-only: the stage instants and the
-- two centers are here for the exact time to hire and the center conditions.
CREATE INDEX referrals_hire_day_created ON referrals
    ((floor((extract(epoch FROM hired_at - created_at) / 86400)::float8)::integer), created_at)
    INCLUDE (hired_at, origin_center_id, destination_center_id) WHERE hired_at IS NOT NULL;

-- +goose Down
DROP INDEX referrals_hire_day_created;
