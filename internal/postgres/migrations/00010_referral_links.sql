-- +goose Up
-- Referrals name the demand and the agreement they were made under; both tables exist
-- now, so the references are enforced (00006 already indexes both columns).
ALTER TABLE referrals
    ADD CONSTRAINT referrals_demand_fk FOREIGN KEY (demand_id) REFERENCES labor_demands (id),
    ADD CONSTRAINT referrals_agreement_fk FOREIGN KEY (agreement_id) REFERENCES agreements (id);

-- +goose Down
ALTER TABLE referrals DROP CONSTRAINT referrals_agreement_fk, DROP CONSTRAINT referrals_demand_fk;
