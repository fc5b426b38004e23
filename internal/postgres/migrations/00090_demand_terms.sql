-- +goose Up
-- A job order's terms (issue 13): hours, shifts, contract length, overtime, pay
-- period, deductions, probation and social insurance. The rules and the Labour Code
-- 2019 bounds they follow live in exchange/demand_terms.go; the CHECKs below only
-- keep values a rule change could never make sensible out of the table.
ALTER TABLE labor_demands
    ADD COLUMN hours_per_week           smallint CHECK (hours_per_week BETWEEN 1 AND 48),
    ADD COLUMN shifts                   text[] NOT NULL DEFAULT '{}',
    ADD COLUMN contract_months          smallint CHECK (contract_months BETWEEN 1 AND 60),
    ADD COLUMN contract_end_date        date,
    ADD COLUMN overtime_hours_per_month smallint CHECK (overtime_hours_per_month BETWEEN 1 AND 40),
    ADD COLUMN overtime_pay_percent     smallint CHECK (overtime_pay_percent BETWEEN 150 AND 400),
    ADD COLUMN pay_period               text CHECK (pay_period IN ('HOURLY', 'DAILY', 'WEEKLY', 'SEMI_MONTHLY', 'MONTHLY')),
    -- [{"kind": "HOUSING", "amount": 500000}, ...]: VND a month, each kind at most once.
    ADD COLUMN deductions               jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(deductions) = 'array'),
    ADD COLUMN probation_days           smallint CHECK (probation_days BETWEEN 0 AND 180),
    ADD COLUMN social_insurance         boolean,
    ADD CONSTRAINT labor_demands_contract_term CHECK (contract_months IS NULL OR contract_end_date IS NULL),
    ADD CONSTRAINT labor_demands_overtime CHECK ((overtime_hours_per_month IS NULL) = (overtime_pay_percent IS NULL));

-- What a supply's workers have, as a group (counts only, never a person): the lowest
-- education level any of them completed and the range of their ages, so matching can
-- weigh a demand's requirements.
ALTER TABLE labor_supplies
    ADD COLUMN education_level text,
    ADD COLUMN min_age         smallint CHECK (min_age BETWEEN 15 AND 70),
    ADD COLUMN max_age         smallint CHECK (max_age BETWEEN 15 AND 70),
    ADD CONSTRAINT labor_supplies_age_range CHECK (min_age <= max_age);

-- +goose Down
ALTER TABLE labor_supplies DROP CONSTRAINT labor_supplies_age_range,
    DROP COLUMN max_age, DROP COLUMN min_age, DROP COLUMN education_level;
ALTER TABLE labor_demands DROP CONSTRAINT labor_demands_overtime, DROP CONSTRAINT labor_demands_contract_term,
    DROP COLUMN social_insurance, DROP COLUMN probation_days, DROP COLUMN deductions, DROP COLUMN pay_period,
    DROP COLUMN overtime_pay_percent, DROP COLUMN overtime_hours_per_month, DROP COLUMN contract_end_date,
    DROP COLUMN contract_months, DROP COLUMN shifts, DROP COLUMN hours_per_week;
