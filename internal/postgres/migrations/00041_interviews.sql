-- +goose Up
-- The interview a referral's destination last scheduled (SCHEDULE_INTERVIEW with
-- interviewAt), and on each event the interview it scheduled, so that rescheduling
-- stays in the history.
ALTER TABLE referrals
    ADD COLUMN interview_at    timestamptz,
    ADD COLUMN interview_place text CHECK (length(interview_place) <= 500),
    ADD COLUMN interview_link  text CHECK (length(interview_link) <= 500),
    ADD CONSTRAINT referrals_interview CHECK (interview_at IS NOT NULL
        OR (interview_place IS NULL AND interview_link IS NULL));
ALTER TABLE referral_events
    ADD COLUMN interview_at    timestamptz,
    ADD COLUMN interview_place text CHECK (length(interview_place) <= 500),
    ADD COLUMN interview_link  text CHECK (length(interview_link) <= 500);

-- +goose Down
ALTER TABLE referral_events DROP COLUMN interview_link, DROP COLUMN interview_place, DROP COLUMN interview_at;
ALTER TABLE referrals DROP CONSTRAINT referrals_interview,
    DROP COLUMN interview_link, DROP COLUMN interview_place, DROP COLUMN interview_at;
