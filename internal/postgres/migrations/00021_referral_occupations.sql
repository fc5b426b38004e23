-- +goose Up
-- A referral keeps both occupations: occupation_code is what it is for (the demand's
-- when it names one; the quota line it counts against), worker_occupation_code the
-- worker's registered occupation. Older referrals were made for the worker's.
ALTER TABLE referrals ADD COLUMN worker_occupation_code text REFERENCES occupations (code);
UPDATE referrals SET worker_occupation_code = occupation_code;
ALTER TABLE referrals ALTER COLUMN worker_occupation_code SET NOT NULL;

-- +goose Down
ALTER TABLE referrals DROP COLUMN worker_occupation_code;
