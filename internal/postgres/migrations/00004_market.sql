-- +goose Up
-- The marketplace: labor demand (job orders) and labor supply (ready workers, counts
-- only). Status is stored only as far as people decide it (closed, withdrawn); FILLED,
-- EXPIRED and EXHAUSTED are read from the counts and dates, so nothing needs a sweeper.

CREATE TABLE labor_demands (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    center_id          uuid NOT NULL REFERENCES centers (id),
    employer_name      text NOT NULL CHECK (length(employer_name) BETWEEN 1 AND 200),
    employer_tax_code  text CHECK (employer_tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'),
    occupation_code    text NOT NULL REFERENCES occupations (code),
    title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description        text CHECK (length(description) <= 5000),
    quantity           integer NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
    filled_count       integer NOT NULL DEFAULT 0,
    wage_min           bigint CHECK (wage_min >= 0),
    wage_max           bigint CHECK (wage_max >= 0),
    work_province_code text NOT NULL REFERENCES provinces (code),
    work_address       text CHECK (length(work_address) <= 500),
    employment_type    text NOT NULL CHECK (employment_type IN ('FULL_TIME', 'PART_TIME', 'SEASONAL', 'FIXED_TERM')),
    education_level    text,
    skill_level        text,
    min_age            smallint CHECK (min_age BETWEEN 15 AND 70),
    max_age            smallint CHECK (max_age BETWEEN 15 AND 70),
    experience_years   smallint CHECK (experience_years BETWEEN 0 AND 50),
    housing            boolean NOT NULL DEFAULT false,
    transport_support  boolean NOT NULL DEFAULT false,
    meals              boolean NOT NULL DEFAULT false,
    benefits_note      text CHECK (length(benefits_note) <= 2000),
    start_date         date,
    expires_at         timestamptz NOT NULL,
    visibility         text NOT NULL CHECK (visibility IN ('ALL_PARTNERS', 'AGREEMENT_PARTNERS')),
    closed_at          timestamptz,
    close_reason       text CHECK (length(close_reason) <= 1000),
    -- Sort key of the WAGE order: the best wage offered, 0 when none is given.
    wage_sort          bigint GENERATED ALWAYS AS (coalesce(wage_max, wage_min, 0)) STORED,
    -- Folded (lower case, no diacritics) title, employer, description, address,
    -- occupation titles and province name, kept by a trigger for text search.
    search_text        text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            integer NOT NULL DEFAULT 1,
    CONSTRAINT labor_demands_filled_range CHECK (filled_count BETWEEN 0 AND quantity),
    CONSTRAINT labor_demands_wage_range CHECK (wage_min <= wage_max),
    CONSTRAINT labor_demands_age_range CHECK (min_age <= max_age)
);
CREATE INDEX labor_demands_newest ON labor_demands (created_at DESC, id DESC);
CREATE INDEX labor_demands_wage ON labor_demands (wage_sort DESC, id DESC);
CREATE INDEX labor_demands_expiry ON labor_demands (expires_at, id);
CREATE INDEX labor_demands_occupation ON labor_demands (occupation_code text_pattern_ops);
CREATE INDEX labor_demands_province ON labor_demands (work_province_code);
CREATE INDEX labor_demands_center ON labor_demands (center_id, created_at DESC);
CREATE INDEX labor_demands_search ON labor_demands USING gin (search_text gin_trgm_ops);
-- Matching reads open demands of an occupation group.
CREATE INDEX labor_demands_open_occupation ON labor_demands (occupation_code text_pattern_ops, expires_at)
    WHERE closed_at IS NULL AND filled_count < quantity;

CREATE TABLE labor_supplies (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    center_id           uuid NOT NULL REFERENCES centers (id),
    occupation_code     text NOT NULL REFERENCES occupations (code),
    skill_level         text,
    -- Workers still available; 0 reads EXHAUSTED.
    quantity            integer NOT NULL CHECK (quantity BETWEEN 0 AND 100000),
    available_from      date NOT NULL,
    available_until     date,
    -- Empty: any province.
    destination_codes   text[] NOT NULL DEFAULT '{}',
    expected_wage_min   bigint CHECK (expected_wage_min >= 0),
    notes               text CHECK (length(notes) <= 2000),
    withdrawn_at        timestamptz,
    withdraw_reason     text CHECK (length(withdraw_reason) <= 1000),
    search_text         text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    version             integer NOT NULL DEFAULT 1,
    CONSTRAINT labor_supplies_dates CHECK (available_until >= available_from)
);
CREATE INDEX labor_supplies_newest ON labor_supplies (created_at DESC, id DESC);
CREATE INDEX labor_supplies_available ON labor_supplies (available_from, id);
CREATE INDEX labor_supplies_occupation ON labor_supplies (occupation_code text_pattern_ops);
CREATE INDEX labor_supplies_center ON labor_supplies (center_id, created_at DESC);
CREATE INDEX labor_supplies_destinations ON labor_supplies USING gin (destination_codes);
CREATE INDEX labor_supplies_search ON labor_supplies USING gin (search_text gin_trgm_ops);
CREATE INDEX labor_supplies_open_occupation ON labor_supplies (occupation_code text_pattern_ops)
    WHERE withdrawn_at IS NULL AND quantity > 0;

-- +goose StatementBegin
CREATE FUNCTION labor_demands_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := fold(NEW.title || ' ' || NEW.employer_name || ' ' || coalesce(NEW.description, '') || ' ' ||
        coalesce(NEW.work_address, '') || ' ' || coalesce(NEW.benefits_note, '') || ' ' ||
        (SELECT o.title_en || ' ' || coalesce(o.title_vi, '') FROM occupations o WHERE o.code = NEW.occupation_code) || ' ' ||
        (SELECT p.name FROM provinces p WHERE p.code = NEW.work_province_code));
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER labor_demands_search_text BEFORE INSERT OR UPDATE ON labor_demands
    FOR EACH ROW EXECUTE FUNCTION labor_demands_search_text();

-- +goose StatementBegin
CREATE FUNCTION labor_supplies_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := fold(coalesce(NEW.notes, '') || ' ' ||
        (SELECT o.title_en || ' ' || coalesce(o.title_vi, '') FROM occupations o WHERE o.code = NEW.occupation_code) || ' ' ||
        coalesce((SELECT string_agg(p.name, ' ') FROM provinces p WHERE p.code = ANY (NEW.destination_codes)), '') || ' ' ||
        (SELECT p.name FROM centers c JOIN provinces p ON p.code = c.province_code WHERE c.id = NEW.center_id));
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER labor_supplies_search_text BEFORE INSERT OR UPDATE ON labor_supplies
    FOR EACH ROW EXECUTE FUNCTION labor_supplies_search_text();

-- +goose Down
DROP TABLE labor_supplies;
DROP TABLE labor_demands;
DROP FUNCTION labor_supplies_search_text();
DROP FUNCTION labor_demands_search_text();
