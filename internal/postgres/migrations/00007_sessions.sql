-- +goose Up
-- Job-exchange sessions (phiên giao dịch việc làm, DESIGN §2). A session is an
-- announcement every center sees. Its status is read from the clock and cancelled_at,
-- so nothing sweeps it. Every join, outcome and cancellation locks the sessions row
-- first and bumps its version, so expectedVersion guards the session as a whole.
CREATE TABLE exchange_sessions (
    id             uuid PRIMARY KEY,
    host_center_id uuid NOT NULL REFERENCES centers (id),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description    text CHECK (length(description) <= 5000),
    mode           text NOT NULL CHECK (mode IN ('ONLINE', 'ON_SITE', 'HYBRID')),
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    province_code  text REFERENCES provinces (code),
    address        text CHECK (length(address) <= 500),
    online_url     text CHECK (length(online_url) <= 500),
    cancelled_at   timestamptz,
    cancel_reason  text CHECK (length(cancel_reason) <= 1000),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        integer NOT NULL DEFAULT 1,
    CHECK (ends_at > starts_at),
    CHECK (mode = 'ONLINE' OR (address IS NOT NULL AND province_code IS NOT NULL)),
    CHECK (mode = 'ON_SITE' OR online_url IS NOT NULL)
);
CREATE INDEX exchange_sessions_starts ON exchange_sessions (starts_at, id);
CREATE INDEX exchange_sessions_host ON exchange_sessions (host_center_id, starts_at);
CREATE INDEX exchange_sessions_province ON exchange_sessions (province_code, starts_at);

-- The centers of a session, the host included, each with its outcome once recorded
-- (counts only: no person is ever named).
CREATE TABLE exchange_session_participants (
    session_id          uuid NOT NULL REFERENCES exchange_sessions (id),
    center_id           uuid NOT NULL REFERENCES centers (id),
    is_host             boolean NOT NULL,
    joined_at           timestamptz NOT NULL,
    joined_by_subject   text NOT NULL,
    workers_attending   integer CHECK (workers_attending BETWEEN 0 AND 100000),
    interviewed         integer CHECK (interviewed >= 0),
    hired_on_spot       integer CHECK (hired_on_spot >= 0),
    referred_after      integer CHECK (referred_after >= 0),
    notes               text CHECK (length(notes) <= 2000),
    outcome_recorded_at timestamptz,
    outcome_updated_at  timestamptz,
    outcome_subject     text,
    PRIMARY KEY (session_id, center_id),
    -- An outcome is all there or not at all, and consistent.
    CONSTRAINT exchange_session_outcome_complete CHECK (
        (outcome_recorded_at IS NULL) = (workers_attending IS NULL) AND
        (outcome_recorded_at IS NULL) = (interviewed IS NULL) AND
        (outcome_recorded_at IS NULL) = (hired_on_spot IS NULL) AND
        (outcome_recorded_at IS NULL) = (referred_after IS NULL)),
    CONSTRAINT exchange_session_outcome_consistent CHECK (
        interviewed <= workers_attending AND hired_on_spot <= interviewed AND referred_after <= workers_attending)
);
-- "Sessions center X takes part in".
CREATE INDEX exchange_session_participants_center ON exchange_session_participants (center_id, session_id);
-- One host per session.
CREATE UNIQUE INDEX exchange_session_participants_host ON exchange_session_participants (session_id) WHERE is_host;

CREATE TABLE exchange_session_demands (
    session_id         uuid NOT NULL REFERENCES exchange_sessions (id),
    demand_id          uuid NOT NULL REFERENCES labor_demands (id),
    added_by_center_id uuid NOT NULL,
    position           integer NOT NULL,
    PRIMARY KEY (session_id, demand_id),
    UNIQUE (session_id, position),
    FOREIGN KEY (session_id, added_by_center_id) REFERENCES exchange_session_participants (session_id, center_id)
);
CREATE INDEX exchange_session_demands_demand ON exchange_session_demands (demand_id);

-- +goose Down
DROP TABLE exchange_session_demands;
DROP TABLE exchange_session_participants;
DROP TABLE exchange_sessions;
