-- +goose Up
-- The dossier of a benefit transfer. Files live in PostgreSQL (bytea, TOASTed), not on
-- disk: a document is added in the same transaction as the version bump and the change
-- it publishes, every laborx instance on the database reads it without a shared disk,
-- and the database's backups and access rules cover it. The size limit (4 MiB, checked
-- by exchange.CheckBenefitDocument and here) keeps that cheap.
CREATE TABLE benefit_transfer_documents (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    transfer_id     uuid NOT NULL REFERENCES benefit_transfers (id),
    kind            text NOT NULL CHECK (kind IN ('DECISION', 'REQUEST_FORM', 'BENEFIT_RECORD', 'IDENTITY', 'OTHER')),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    sha256          bytea NOT NULL CHECK (length(sha256) = 32),
    size            integer NOT NULL CHECK (size BETWEEN 1 AND 4194304),
    content         bytea NOT NULL CHECK (length(content) = size),
    revision        integer NOT NULL,
    added_by_center uuid NOT NULL REFERENCES centers (id),
    added_at        timestamptz NOT NULL
);
CREATE INDEX benefit_transfer_documents_transfer ON benefit_transfer_documents (transfer_id, added_at, id);

-- +goose Down
DROP TABLE benefit_transfer_documents;
