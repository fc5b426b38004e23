-- +goose Up
-- A session outcome's referral count is public (how many referrals a session produced),
-- but referrals are visible to their two centers only (00080). The facts view, which
-- holds no worker and no personal data, gains the session so the count reads through it.
CREATE OR REPLACE VIEW referral_facts AS
    SELECT id, origin_center_id, destination_center_id, occupation_code, status,
        created_at, acknowledged_at, interviewed_at, hired_at, employed_at, session_id
    FROM referrals;

-- +goose Down
-- A view cannot lose a column in place: drop it and create it as 00080 did.
DROP VIEW referral_facts;
CREATE VIEW referral_facts AS
    SELECT id, origin_center_id, destination_center_id, occupation_code, status,
        created_at, acknowledged_at, interviewed_at, hired_at, employed_at
    FROM referrals;
GRANT SELECT ON referral_facts TO laborx_app;
