-- +goose Up
-- When each referral reached the stages of the funnel: the instant (the event's at) of
-- its ACKNOWLEDGED, INTERVIEW_SCHEDULED, HIRED and EMPLOYED events. Statistics read them
-- with one scan of referrals instead of joining and grouping referral_events.
-- updateReferralStatus sets the column of the status it moves to in the statement that
-- changes the status, in the transaction that writes the event and holds the referral's
-- row lock. The lifecycle reaches each status at most once (DESIGN §2), so a column is
-- written once and never cleared.
ALTER TABLE referrals
    ADD COLUMN acknowledged_at timestamptz,
    ADD COLUMN interviewed_at  timestamptz,
    ADD COLUMN hired_at        timestamptz,
    ADD COLUMN employed_at     timestamptz;

UPDATE referrals r SET acknowledged_at = e.acknowledged_at, interviewed_at = e.interviewed_at,
    hired_at = e.hired_at, employed_at = e.employed_at
FROM (SELECT referral_id,
        min(at) FILTER (WHERE to_status = 'ACKNOWLEDGED') AS acknowledged_at,
        min(at) FILTER (WHERE to_status = 'INTERVIEW_SCHEDULED') AS interviewed_at,
        min(at) FILTER (WHERE to_status = 'HIRED') AS hired_at,
        min(at) FILTER (WHERE to_status = 'EMPLOYED') AS employed_at
    FROM referral_events
    WHERE to_status IN ('ACKNOWLEDGED', 'INTERVIEW_SCHEDULED', 'HIRED', 'EMPLOYED')
    GROUP BY referral_id) e
WHERE e.referral_id = r.id;

-- The stages agree with the status: a status has the stage it names, and no stage
-- beyond it (NOT_HIRED and WITHDRAWN end before a hire; LEFT_JOB follows one).
ALTER TABLE referrals ADD CONSTRAINT referrals_stages CHECK (CASE status
    WHEN 'REFERRED' THEN acknowledged_at IS NULL AND interviewed_at IS NULL AND hired_at IS NULL AND employed_at IS NULL
    WHEN 'ACKNOWLEDGED' THEN acknowledged_at IS NOT NULL AND interviewed_at IS NULL AND hired_at IS NULL AND employed_at IS NULL
    WHEN 'INTERVIEW_SCHEDULED' THEN interviewed_at IS NOT NULL AND hired_at IS NULL AND employed_at IS NULL
    WHEN 'HIRED' THEN hired_at IS NOT NULL AND employed_at IS NULL
    WHEN 'NOT_HIRED' THEN hired_at IS NULL AND employed_at IS NULL
    WHEN 'WITHDRAWN' THEN hired_at IS NULL AND employed_at IS NULL
    WHEN 'EMPLOYED' THEN hired_at IS NOT NULL AND employed_at IS NOT NULL
    WHEN 'LEFT_JOB' THEN hired_at IS NOT NULL
    END);

-- Cohorts by creation date (referralFunnel, referralFlows and monthly REFERRALS over a
-- period), and the monthly HIRES and EMPLOYMENTS_CONFIRMED series, index-only with the
-- two centers for the center-scoped series.
CREATE INDEX referrals_created ON referrals (created_at);
CREATE INDEX referrals_hired ON referrals (hired_at) INCLUDE (origin_center_id, destination_center_id)
    WHERE hired_at IS NOT NULL;
CREATE INDEX referrals_employed ON referrals (employed_at) INCLUDE (origin_center_id, destination_center_id)
    WHERE employed_at IS NOT NULL;

-- +goose Down
DROP INDEX referrals_employed;
DROP INDEX referrals_hired;
DROP INDEX referrals_created;
ALTER TABLE referrals DROP CONSTRAINT referrals_stages,
    DROP COLUMN employed_at, DROP COLUMN hired_at, DROP COLUMN interviewed_at, DROP COLUMN acknowledged_at;
