-- +goose Up
-- Consent as a history (Personal Data Protection Law 91/2025/QH15, Decree 356/2025):
-- each record is one consent given for a purpose, to referrals towards some provinces
-- (empty: any), until a day in Vietnam (null: until withdrawn). Withdrawing sets
-- withdrawn_at on the records in force; giving consent again adds a record, so the
-- history keeps every step. purpose is personal data: eraseWorker nulls it, and the
-- dates and provinces stay, anonymous, with the erased worker. The one-consent columns
-- of workers move here, one record per worker.
CREATE TABLE worker_consents (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    worker_id                  uuid NOT NULL REFERENCES workers (id),
    purpose                    text CHECK (length(purpose) BETWEEN 1 AND 500),
    destination_province_codes text[] NOT NULL DEFAULT '{}',
    valid_until                date,
    given_at                   timestamptz NOT NULL,
    withdrawn_at               timestamptz
);
CREATE INDEX worker_consents_worker ON worker_consents (worker_id, given_at, id);

INSERT INTO worker_consents (worker_id, purpose, given_at, withdrawn_at)
SELECT id, CASE WHEN erased_at IS NULL THEN nullif(btrim(consent_purpose), '') END,
    coalesce(consent_at, created_at), consent_withdrawn_at
FROM workers;

ALTER TABLE workers DROP CONSTRAINT workers_consent,
    DROP COLUMN consent_given, DROP COLUMN consent_at, DROP COLUMN consent_purpose, DROP COLUMN consent_withdrawn_at;

-- +goose Down
-- The latest record of each worker goes back into the columns; the rest of the history
-- is lost.
ALTER TABLE workers ADD COLUMN consent_given boolean, ADD COLUMN consent_at timestamptz,
    ADD COLUMN consent_purpose text CHECK (length(consent_purpose) <= 500), ADD COLUMN consent_withdrawn_at timestamptz;
UPDATE workers w SET consent_at = c.given_at, consent_purpose = c.purpose,
    consent_withdrawn_at = CASE WHEN c.in_force THEN NULL ELSE coalesce(c.withdrawn_at, c.given_at) END,
    consent_given = c.in_force
FROM (SELECT DISTINCT ON (worker_id) worker_id, given_at, purpose, withdrawn_at,
        bool_or(withdrawn_at IS NULL) OVER (PARTITION BY worker_id) AS in_force
      FROM worker_consents ORDER BY worker_id, given_at DESC, id DESC) c
WHERE c.worker_id = w.id;
UPDATE workers SET consent_given = false, consent_withdrawn_at = created_at WHERE consent_given IS NULL;
ALTER TABLE workers ALTER COLUMN consent_given SET NOT NULL,
    ADD CONSTRAINT workers_consent CHECK (consent_given = (consent_withdrawn_at IS NULL));
DROP TABLE worker_consents;
