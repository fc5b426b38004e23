-- +goose Up
-- Sessions of the past recorded as history (issue 13): a record is not an
-- announcement; it may start on any day since 2015 and has ended.
ALTER TABLE exchange_sessions ADD COLUMN is_record boolean NOT NULL DEFAULT false;

-- A host's invitations to a session: INVITED until the center joins (ACCEPTED) or
-- declines (DECLINED). Only the host and the invited center read them.
CREATE TABLE exchange_session_invitations (
    session_id         uuid NOT NULL REFERENCES exchange_sessions (id),
    center_id          uuid NOT NULL REFERENCES centers (id),
    status             text NOT NULL CHECK (status IN ('INVITED', 'ACCEPTED', 'DECLINED')),
    message            text CHECK (length(message) <= 2000),
    invited_at         timestamptz NOT NULL,
    invited_by_subject text NOT NULL,
    responded_at       timestamptz,
    decline_reason     text CHECK (length(decline_reason) <= 1000),
    PRIMARY KEY (session_id, center_id),
    CHECK ((status = 'INVITED') = (responded_at IS NULL))
);
-- "Sessions my center is invited to".
CREATE INDEX exchange_session_invitations_center ON exchange_session_invitations (center_id, status, session_id);

-- The session a referral came out of (ReferWorkerInput.sessionId).
ALTER TABLE referrals ADD COLUMN session_id uuid REFERENCES exchange_sessions (id);
CREATE INDEX referrals_session ON referrals (session_id, origin_center_id) WHERE session_id IS NOT NULL;

-- +goose Down
DROP INDEX referrals_session;
ALTER TABLE referrals DROP COLUMN session_id;
DROP TABLE exchange_session_invitations;
ALTER TABLE exchange_sessions DROP COLUMN is_record;
