-- +goose Up
-- One worker, one place, under any concurrency: at most one open referral (before
-- HIRED, NOT_HIRED or WITHDRAWN) of a worker to the same demand, and at most one
-- referral of a worker in HIRED or EMPLOYED at a time. The store reports a violation as
-- ALREADY_REFERRED and WORKER_ALREADY_PLACED (postgres/errors.go).
CREATE UNIQUE INDEX referrals_one_open_per_demand ON referrals (worker_id, demand_id)
    WHERE demand_id IS NOT NULL AND status IN ('REFERRED', 'ACKNOWLEDGED', 'INTERVIEW_SCHEDULED');
CREATE UNIQUE INDEX referrals_one_placement ON referrals (worker_id) WHERE status IN ('HIRED', 'EMPLOYED');

-- +goose Down
DROP INDEX referrals_one_placement;
DROP INDEX referrals_one_open_per_demand;
