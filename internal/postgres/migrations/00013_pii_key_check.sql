-- +goose Up
-- The check value of the PII key (pii.Protector.KeyCheck) that the first instance on
-- this database used: an instance with another LABORX_PII_KEY refuses to start instead
-- of encrypting and hashing national IDs under a key the rest of the data was not
-- written with (a second worker for the same person, unreadable records).
CREATE TABLE pii_key_check (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    check_value bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE pii_key_check;
