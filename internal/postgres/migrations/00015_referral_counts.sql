-- +goose Up
-- Referral statistics at national scale (a million referrals) read counts kept per day
-- instead of scanning referrals. Each referral is counted once per kind:
--   created:  on its creation day (UTC), with its status, the furthest funnel stage it
--             reached (0 referred … 4 employed, as referralFunnel defines them) and
--             whether it has a hire instant (the median time to hire needs that count);
--   hired:    on the day of its HIRED event (hired_at), if any;
--   employed: on the day of its EMPLOYED event (employed_at), if any.
-- Periods of the statistics are whole UTC days, so day counts give exact figures.
-- A deferred constraint trigger moves a referral between counts when it changes: the
-- count rows are locked only at commit, after every other lock of the transaction, so
-- they add no lock-order cycles with the referral, demand and quota rows that a
-- transition locks. Rows that fall to zero stay (readers skip them).
CREATE TABLE referral_counts (
    kind                  text NOT NULL CHECK (kind IN ('created', 'hired', 'employed')),
    day                   date NOT NULL,
    origin_center_id      uuid NOT NULL,
    destination_center_id uuid NOT NULL,
    status                text NOT NULL,
    stage                 smallint NOT NULL,
    with_hire             boolean NOT NULL,
    n                     bigint NOT NULL,
    PRIMARY KEY (kind, day, origin_center_id, destination_center_id, status, stage, with_hire)
);

-- +goose StatementBegin
CREATE FUNCTION referral_stage(acknowledged_at timestamptz, interviewed_at timestamptz, hired_at timestamptz,
    employed_at timestamptz) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN employed_at IS NOT NULL THEN 4
        WHEN hired_at IS NOT NULL THEN 3
        WHEN interviewed_at IS NOT NULL THEN 2
        WHEN acknowledged_at IS NOT NULL THEN 1
        ELSE 0 END::smallint
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION referral_counts_add(r referrals, delta bigint) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO referral_counts VALUES ('created', (r.created_at AT TIME ZONE 'UTC')::date, r.origin_center_id,
        r.destination_center_id, r.status, referral_stage(r.acknowledged_at, r.interviewed_at, r.hired_at, r.employed_at),
        r.hired_at IS NOT NULL, delta)
    ON CONFLICT (kind, day, origin_center_id, destination_center_id, status, stage, with_hire)
    DO UPDATE SET n = referral_counts.n + EXCLUDED.n;
    IF r.hired_at IS NOT NULL THEN
        INSERT INTO referral_counts VALUES ('hired', (r.hired_at AT TIME ZONE 'UTC')::date, r.origin_center_id,
            r.destination_center_id, '', 0, true, delta)
        ON CONFLICT (kind, day, origin_center_id, destination_center_id, status, stage, with_hire)
        DO UPDATE SET n = referral_counts.n + EXCLUDED.n;
    END IF;
    IF r.employed_at IS NOT NULL THEN
        INSERT INTO referral_counts VALUES ('employed', (r.employed_at AT TIME ZONE 'UTC')::date, r.origin_center_id,
            r.destination_center_id, '', 0, true, delta)
        ON CONFLICT (kind, day, origin_center_id, destination_center_id, status, stage, with_hire)
        DO UPDATE SET n = referral_counts.n + EXCLUDED.n;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION referral_counts_track() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM referral_counts_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM referral_counts_add(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER referral_counts_insert_delete AFTER INSERT OR DELETE ON referrals
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION referral_counts_track();
CREATE CONSTRAINT TRIGGER referral_counts_update
    AFTER UPDATE OF created_at, origin_center_id, destination_center_id, status, acknowledged_at, interviewed_at,
        hired_at, employed_at ON referrals
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.created_at, OLD.origin_center_id, OLD.destination_center_id, OLD.status, OLD.acknowledged_at,
            OLD.interviewed_at, OLD.hired_at, OLD.employed_at)
        IS DISTINCT FROM (NEW.created_at, NEW.origin_center_id, NEW.destination_center_id, NEW.status,
            NEW.acknowledged_at, NEW.interviewed_at, NEW.hired_at, NEW.employed_at))
    EXECUTE FUNCTION referral_counts_track();

INSERT INTO referral_counts
SELECT 'created', (created_at AT TIME ZONE 'UTC')::date, origin_center_id, destination_center_id, status,
    referral_stage(acknowledged_at, interviewed_at, hired_at, employed_at), hired_at IS NOT NULL, count(*)
FROM referrals GROUP BY 1, 2, 3, 4, 5, 6, 7
UNION ALL
SELECT 'hired', (hired_at AT TIME ZONE 'UTC')::date, origin_center_id, destination_center_id, '', 0, true, count(*)
FROM referrals WHERE hired_at IS NOT NULL GROUP BY 1, 2, 3, 4
UNION ALL
SELECT 'employed', (employed_at AT TIME ZONE 'UTC')::date, origin_center_id, destination_center_id, '', 0, true, count(*)
FROM referrals WHERE employed_at IS NOT NULL GROUP BY 1, 2, 3, 4;

-- The median time to hire of a cohort is read in order of the time to hire from here,
-- skipping to the middle: index-only, with what the cohort conditions need.
CREATE INDEX referrals_days_to_hire ON referrals (((extract(epoch FROM hired_at - created_at) / 86400)::float8))
    INCLUDE (created_at, origin_center_id, destination_center_id) WHERE hired_at IS NOT NULL;

-- +goose Down
DROP INDEX referrals_days_to_hire;
DROP TRIGGER referral_counts_update ON referrals;
DROP TRIGGER referral_counts_insert_delete ON referrals;
DROP FUNCTION referral_counts_track();
DROP FUNCTION referral_counts_add(referrals, bigint);
DROP FUNCTION referral_stage(timestamptz, timestamptz, timestamptz, timestamptz);
DROP TABLE referral_counts;
