-- +goose Up
-- Cooperation agreements (DESIGN §2, Agreement lifecycle). Every action locks the
-- agreements row (SELECT ... FOR UPDATE) first, so actions on one agreement run one at
-- a time and signatures always name the current revision.
CREATE TABLE agreements (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    status             text NOT NULL CHECK (status IN ('PROPOSED', 'NEGOTIATING', 'SIGNED', 'REJECTED', 'WITHDRAWN', 'TERMINATED')),
    proposer_center_id uuid NOT NULL REFERENCES centers (id),
    current_revision   integer NOT NULL CHECK (current_revision >= 1),
    -- The validity of the current revision, copied from its terms so that are_partners
    -- and the activeOn filter read it from an index instead of from JSON.
    valid_from         date NOT NULL,
    valid_until        date NOT NULL,
    status_reason      text CHECK (length(status_reason) <= 4000),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            integer NOT NULL DEFAULT 1,
    CHECK (valid_from < valid_until)
);
CREATE INDEX agreements_created ON agreements (created_at DESC, id DESC);
-- are_partners looks signed agreements up by id and checks the day.
CREATE INDEX agreements_signed_validity ON agreements (id, valid_from, valid_until) WHERE status = 'SIGNED';

CREATE TABLE agreement_parties (
    agreement_id uuid NOT NULL REFERENCES agreements (id),
    center_id    uuid NOT NULL REFERENCES centers (id),
    -- Input order, the proposer first.
    position     smallint NOT NULL,
    PRIMARY KEY (agreement_id, center_id),
    UNIQUE (agreement_id, position)
);
-- "Agreements of center X" and the first leg of are_partners.
CREATE INDEX agreement_parties_center ON agreement_parties (center_id, agreement_id);

CREATE TABLE agreement_revisions (
    agreement_id          uuid NOT NULL REFERENCES agreements (id),
    number                integer NOT NULL CHECK (number >= 1),
    -- exchange.AgreementTerms.CanonicalJSON; terms_hash is its SHA-256 (hex).
    terms                 jsonb NOT NULL,
    terms_hash            text NOT NULL CHECK (terms_hash ~ '^[0-9a-f]{64}$'),
    proposed_by_center_id uuid NOT NULL REFERENCES centers (id),
    proposed_by_subject   text NOT NULL,
    note                  text CHECK (length(note) <= 4000),
    created_at            timestamptz NOT NULL,
    PRIMARY KEY (agreement_id, number),
    FOREIGN KEY (agreement_id, proposed_by_center_id) REFERENCES agreement_parties (agreement_id, center_id)
);
-- An agreement and its first revision are inserted in one transaction.
ALTER TABLE agreements ADD CONSTRAINT agreements_current_revision_fkey
    FOREIGN KEY (id, current_revision) REFERENCES agreement_revisions (agreement_id, number)
    DEFERRABLE INITIALLY DEFERRED;

-- Quota lines per revision. Referrals count against the lines of the current revision
-- of a SIGNED agreement, which can no longer be revised, so the counters of a signed
-- agreement never move to another row.
CREATE TABLE agreement_quota_lines (
    agreement_id    uuid NOT NULL,
    revision        integer NOT NULL,
    occupation_code text NOT NULL REFERENCES occupations (code),
    from_center_id  uuid NOT NULL,
    to_center_id    uuid NOT NULL,
    workers         integer NOT NULL CHECK (workers > 0),
    referred_count  integer NOT NULL DEFAULT 0 CHECK (referred_count >= 0),
    hired_count     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (agreement_id, revision, occupation_code, from_center_id, to_center_id),
    FOREIGN KEY (agreement_id, revision) REFERENCES agreement_revisions (agreement_id, number),
    FOREIGN KEY (agreement_id, from_center_id) REFERENCES agreement_parties (agreement_id, center_id),
    FOREIGN KEY (agreement_id, to_center_id) REFERENCES agreement_parties (agreement_id, center_id),
    CONSTRAINT agreement_quota_lines_hired_within_quota CHECK (hired_count BETWEEN 0 AND workers),
    CHECK (from_center_id <> to_center_id)
);

CREATE TABLE agreement_signatures (
    agreement_id   uuid NOT NULL,
    revision       integer NOT NULL,
    center_id      uuid NOT NULL,
    signer_subject text NOT NULL,
    terms_hash     text NOT NULL CHECK (terms_hash ~ '^[0-9a-f]{64}$'),
    signed_at      timestamptz NOT NULL,
    CONSTRAINT agreement_signatures_once UNIQUE (agreement_id, revision, center_id),
    FOREIGN KEY (agreement_id, revision) REFERENCES agreement_revisions (agreement_id, number),
    FOREIGN KEY (agreement_id, center_id) REFERENCES agreement_parties (agreement_id, center_id)
);

CREATE TABLE agreement_comments (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agreement_id   uuid NOT NULL REFERENCES agreements (id),
    center_id      uuid NOT NULL,
    author_subject text NOT NULL,
    revision       integer NOT NULL,
    text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    created_at     timestamptz NOT NULL,
    FOREIGN KEY (agreement_id, center_id) REFERENCES agreement_parties (agreement_id, center_id)
);
CREATE INDEX agreement_comments_agreement ON agreement_comments (agreement_id, created_at, id);

CREATE TABLE agreement_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id    uuid NOT NULL REFERENCES agreements (id),
    action          text NOT NULL CHECK (action IN ('PROPOSE', 'REVISE', 'COMMENT', 'SIGN', 'REJECT', 'WITHDRAW', 'TERMINATE')),
    from_status     text,
    to_status       text NOT NULL,
    actor_center_id uuid NOT NULL REFERENCES centers (id),
    actor_subject   text NOT NULL,
    revision        integer NOT NULL,
    note            text,
    at              timestamptz NOT NULL
);
CREATE INDEX agreement_events_agreement ON agreement_events (agreement_id, id);

-- The real partner rule: a center is its own partner, and two centers are partners on
-- a day when a SIGNED agreement has both as parties and the day is within its validity.
-- The EXISTS starts from a's parties (agreement_parties_center), probes b in the same
-- agreement (the parties primary key) and checks the agreement through
-- agreements_signed_validity (or the primary key): index lookups only, a few rows per
-- call, however many postings a visibility query checks.
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION are_partners(a uuid, b uuid, on_day date) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT a = b $$;
-- +goose StatementEnd
DROP TABLE agreement_events;
DROP TABLE agreement_comments;
DROP TABLE agreement_signatures;
DROP TABLE agreement_quota_lines;
ALTER TABLE agreements DROP CONSTRAINT agreements_current_revision_fkey;
DROP TABLE agreement_revisions;
DROP TABLE agreement_parties;
DROP TABLE agreements;
