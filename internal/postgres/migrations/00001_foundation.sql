-- +goose Up
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (its dictionary could change), so it cannot back an index.
-- Pinning the dictionary and declaring the wrapper IMMUTABLE is the standard way to use
-- it in expression indexes; search text is folded with fold() on both sides.
-- +goose StatementBegin
CREATE FUNCTION fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;
-- +goose StatementEnd

CREATE TABLE provinces (
    code           text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
    name           text NOT NULL,
    name_ascii     text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('city', 'province')),
    is_current     boolean NOT NULL,
    former_name    text,
    dissolved_on   date,
    successor_code text REFERENCES provinces (code),
    merged_from    text[] NOT NULL DEFAULT '{}',
    CHECK (is_current = (successor_code IS NULL)),
    CHECK (is_current = (dissolved_on IS NULL))
);

CREATE TABLE occupations (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{1,4}$'),
    level       smallint NOT NULL CHECK (level BETWEEN 1 AND 4 AND level = length(code)),
    parent_code text REFERENCES occupations (code),
    title_en    text NOT NULL,
    title_vi    text,
    CHECK ((level = 1) = (parent_code IS NULL))
);

CREATE TABLE centers (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code             text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9-]{2,16}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    province_code    text NOT NULL REFERENCES provinces (code),
    email            text CHECK (length(email) <= 254),
    phone            text CHECK (length(phone) <= 32),
    status           text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED')),
    suspended_reason text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          integer NOT NULL DEFAULT 1
);

CREATE TABLE center_keys (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- kid alone picks the key when a token arrives, so it is unique exchange-wide.
    kid            text NOT NULL UNIQUE CHECK (length(kid) BETWEEN 1 AND 128),
    center_id      uuid NOT NULL REFERENCES centers (id),
    alg            text NOT NULL CHECK (alg IN ('EdDSA', 'ES256', 'RS256')),
    public_key_pem text NOT NULL CHECK (length(public_key_pem) <= 16384),
    created_at     timestamptz NOT NULL,
    not_after      timestamptz,
    revoked_at     timestamptz,
    updated_at     timestamptz NOT NULL,
    version        integer NOT NULL DEFAULT 1
);
CREATE INDEX center_keys_center_id ON center_keys (center_id);

-- The outbox. change_sequence hands out numbers under a row lock held until commit, so
-- sequences are gap-free and commit in order: a reader that has seen N has seen
-- everything before N. Writers append their change last to hold the lock briefly.
CREATE TABLE change_sequence (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last      bigint NOT NULL
);
INSERT INTO change_sequence (last) VALUES (0);

CREATE TABLE changes (
    sequence            bigint PRIMARY KEY,
    entity_kind         text NOT NULL,
    entity_id           uuid NOT NULL,
    action              text NOT NULL,
    actor_center_id     uuid REFERENCES centers (id),
    actor_subject       text NOT NULL,
    -- Who may read the change: ALL centers; the listed CENTERS; or the owner's
    -- PARTNERS (the owner and centers with an active agreement with it), which is
    -- decided at read time because agreements come and go.
    audience            text NOT NULL CHECK (audience IN ('ALL', 'CENTERS', 'PARTNERS')),
    audience_center_ids uuid[] NOT NULL DEFAULT '{}',
    owner_center_id     uuid REFERENCES centers (id),
    payload             jsonb NOT NULL,
    occurred_at         timestamptz NOT NULL
);
CREATE INDEX changes_entity ON changes (entity_kind, entity_id);

CREATE TABLE idempotency_keys (
    -- The caller's center id, or 'operator': keys are per center.
    scope        text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    operation    text NOT NULL,
    request_hash bytea NOT NULL,
    result_id    uuid,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE audit_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    center_id   uuid,
    center_code text,
    subject     text NOT NULL,
    roles       text[] NOT NULL,
    action      text NOT NULL,
    entity_kind text,
    entity_id   uuid,
    details     jsonb NOT NULL DEFAULT '{}',
    request_id  text
);
CREATE INDEX audit_entries_entity ON audit_entries (entity_kind, entity_id);

-- +goose StatementBegin
CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

-- +goose Down
DROP TABLE audit_entries;
DROP FUNCTION refuse_audit_change();
DROP TABLE idempotency_keys;
DROP TABLE changes;
DROP TABLE change_sequence;
DROP TABLE center_keys;
DROP TABLE centers;
DROP TABLE occupations;
DROP TABLE provinces;
DROP FUNCTION fold(text);
