-- +goose Up
-- Retention checkpoints: every hire is followed up 30, 90 and 180 days after the HIRED
-- step (exchange.RetentionDays). status is DUE, CONFIRMED or LEFT; MISSED is derived
-- from due_on (exchange.CheckpointGraceDays), never stored.
CREATE TABLE referral_checkpoints (
    referral_id  uuid NOT NULL REFERENCES referrals (id),
    day          integer NOT NULL CHECK (day IN (30, 90, 180)),
    due_on       date NOT NULL,
    status       text NOT NULL DEFAULT 'DUE' CHECK (status IN ('DUE', 'CONFIRMED', 'LEFT')),
    confirmed_at timestamptz,
    PRIMARY KEY (referral_id, day),
    CHECK ((status = 'CONFIRMED') = (confirmed_at IS NOT NULL))
);
-- What is due: open checkpoints by due date.
CREATE INDEX referral_checkpoints_due ON referral_checkpoints (due_on) WHERE status = 'DUE';

-- Why a placed worker left (MARK_LEFT); null when not said.
ALTER TABLE referrals ADD COLUMN left_reason text CHECK (left_reason IN
    ('RETURNED_HOME', 'BETTER_JOB', 'CONDITIONS', 'DISMISSED', 'OTHER'));

-- Hires made before checkpoints existed get theirs, from the stage column.
INSERT INTO referral_checkpoints (referral_id, day, due_on)
SELECT r.id, d.day, (r.hired_at AT TIME ZONE 'UTC')::date + d.day
FROM referrals r CROSS JOIN (VALUES (30), (90), (180)) AS d (day)
WHERE r.hired_at IS NOT NULL;
UPDATE referral_checkpoints c SET status = 'LEFT'
FROM referrals r WHERE r.id = c.referral_id AND r.status = 'LEFT_JOB';

-- +goose Down
ALTER TABLE referrals DROP COLUMN left_reason;
DROP TABLE referral_checkpoints;
