-- +goose Up
-- terminateAgreement(effectiveOn:) (issue 13, point 5): a signed agreement stays in force
-- until the day its termination takes effect. terminates_on is that day (the first day
-- it is no longer in force); in_force_until is the last day it is in force, the earlier
-- of valid_until and the day before terminates_on (LEAST ignores a NULL terminates_on).
-- Every "in force on day d" rule reads in_force_until instead of valid_until:
--   status = 'SIGNED' AND valid_from <= d AND d <= in_force_until
-- and the status a caller sees is TERMINATED once terminates_on has come
-- (postgres.AgreementStatusSQL, exchange.AgreementStatusAt).
ALTER TABLE agreements
    ADD COLUMN terminates_on date,
    ADD COLUMN in_force_until date GENERATED ALWAYS AS (LEAST(valid_until, terminates_on - 1)) STORED,
    ADD CONSTRAINT agreements_terminates_signed CHECK (terminates_on IS NULL OR status IN ('SIGNED', 'TERMINATED'));

CREATE INDEX agreements_signed_in_force ON agreements (id, valid_from, in_force_until) WHERE status = 'SIGNED';
DROP INDEX agreements_signed_validity;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION are_partners(a uuid, b uuid, on_day date) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT a = b OR EXISTS (
        SELECT 1
        FROM agreement_parties pa
        JOIN agreement_parties pb ON pb.agreement_id = pa.agreement_id AND pb.center_id = b
        JOIN agreements ag ON ag.id = pa.agreement_id
        WHERE pa.center_id = a
          AND ag.status = 'SIGNED'
          AND ag.valid_from <= on_day AND on_day <= ag.in_force_until)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION partner_centers(me uuid, on_day date) RETURNS SETOF uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT me
    UNION
    SELECT pb.center_id
    FROM agreement_parties pa
    JOIN agreements ag ON ag.id = pa.agreement_id
    JOIN agreement_parties pb ON pb.agreement_id = pa.agreement_id
    WHERE pa.center_id = me
      AND ag.status = 'SIGNED'
      AND ag.valid_from <= on_day AND on_day <= ag.in_force_until
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION partner_centers(me uuid, on_day date) RETURNS SETOF uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT me
    UNION
    SELECT pb.center_id
    FROM agreement_parties pa
    JOIN agreements ag ON ag.id = pa.agreement_id
    JOIN agreement_parties pb ON pb.agreement_id = pa.agreement_id
    WHERE pa.center_id = me
      AND ag.status = 'SIGNED'
      AND ag.valid_from <= on_day AND on_day <= ag.valid_until
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION are_partners(a uuid, b uuid, on_day date) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT a = b OR EXISTS (
        SELECT 1
        FROM agreement_parties pa
        JOIN agreement_parties pb ON pb.agreement_id = pa.agreement_id AND pb.center_id = b
        JOIN agreements ag ON ag.id = pa.agreement_id
        WHERE pa.center_id = a
          AND ag.status = 'SIGNED'
          AND ag.valid_from <= on_day AND on_day <= ag.valid_until)
$$;
-- +goose StatementEnd
CREATE INDEX agreements_signed_validity ON agreements (id, valid_from, valid_until) WHERE status = 'SIGNED';
DROP INDEX agreements_signed_in_force;
-- A scheduled termination that has not come yet is dropped with the column: the
-- agreement stays SIGNED, as it was before this migration.
ALTER TABLE agreements DROP CONSTRAINT agreements_terminates_signed, DROP COLUMN in_force_until, DROP COLUMN terminates_on;
