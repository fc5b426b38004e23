-- +goose Up
-- The national median time to hire without walking half of all hire times: hires are
-- counted per center pair and whole day of time to hire (floor of the days from
-- creation to hire, the expression of referrals_days_to_hire). referralFunnel without
-- a period sums these few rows to find the day that holds the middle position, and the
-- index walk then starts at that day instead of at the shortest hire. A deferred
-- constraint trigger keeps the counts, as referral_counts' does (00015): exact, and the
-- count rows locked only at commit. With a period the cohort is cut by creation day,
-- which these counts do not keep; that walk is over one period's hires, as before.
CREATE TABLE referral_hire_days (
    origin_center_id      uuid NOT NULL,
    destination_center_id uuid NOT NULL,
    days                  integer NOT NULL,
    n                     bigint NOT NULL,
    PRIMARY KEY (origin_center_id, destination_center_id, days)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON referral_hire_days TO laborx_app;

-- +goose StatementBegin
CREATE FUNCTION referral_hire_days_track() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.hired_at IS NOT NULL THEN
        INSERT INTO referral_hire_days VALUES (OLD.origin_center_id, OLD.destination_center_id,
            floor((extract(epoch FROM OLD.hired_at - OLD.created_at) / 86400)::float8)::integer, -1)
        ON CONFLICT (origin_center_id, destination_center_id, days) DO UPDATE SET n = referral_hire_days.n - 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.hired_at IS NOT NULL THEN
        INSERT INTO referral_hire_days VALUES (NEW.origin_center_id, NEW.destination_center_id,
            floor((extract(epoch FROM NEW.hired_at - NEW.created_at) / 86400)::float8)::integer, 1)
        ON CONFLICT (origin_center_id, destination_center_id, days) DO UPDATE SET n = referral_hire_days.n + 1;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER referral_hire_days_insert AFTER INSERT ON referrals
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.hired_at IS NOT NULL)
    EXECUTE FUNCTION referral_hire_days_track();
CREATE CONSTRAINT TRIGGER referral_hire_days_delete AFTER DELETE ON referrals
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.hired_at IS NOT NULL)
    EXECUTE FUNCTION referral_hire_days_track();
CREATE CONSTRAINT TRIGGER referral_hire_days_update
    AFTER UPDATE OF created_at, origin_center_id, destination_center_id, hired_at ON referrals
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.created_at, OLD.origin_center_id, OLD.destination_center_id, OLD.hired_at)
        IS DISTINCT FROM (NEW.created_at, NEW.origin_center_id, NEW.destination_center_id, NEW.hired_at))
    EXECUTE FUNCTION referral_hire_days_track();

INSERT INTO referral_hire_days
SELECT origin_center_id, destination_center_id, floor((extract(epoch FROM hired_at - created_at) / 86400)::float8)::integer,
    count(*)
FROM referrals WHERE hired_at IS NOT NULL GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER referral_hire_days_update ON referrals;
DROP TRIGGER referral_hire_days_delete ON referrals;
DROP TRIGGER referral_hire_days_insert ON referrals;
DROP FUNCTION referral_hire_days_track();
DROP TABLE referral_hire_days;
