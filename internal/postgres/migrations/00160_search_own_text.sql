-- +goose Up
-- Text search finds its candidates through a trigram index over each row's OWN words
-- (search_own: a demand's title, employer, description, address and benefits note; a
-- supply's notes) and through the codes of the reference names that match, instead of a
-- trigram index over search_text, which repeats the occupation titles and province names
-- in every row: keeping that index was about 60 % of a bulk import (BENCHMARKS.md,
-- "Bulk import"). search_text stays, unindexed, as the text a candidate must contain, so
-- every search returns the rows it returned before (textSearch in demand.go).
--
-- occupations.search_text and provinces.search_name are the folded names the candidate
-- lookups match against; generated, so loadRefdata's upserts keep them.

ALTER TABLE occupations ADD COLUMN search_text text NOT NULL
    GENERATED ALWAYS AS (fold(title_en || ' ' || coalesce(title_vi, ''))) STORED;
ALTER TABLE provinces ADD COLUMN search_name text NOT NULL GENERATED ALWAYS AS (fold(name)) STORED;

ALTER TABLE labor_demands ADD COLUMN search_own text NOT NULL DEFAULT '';
ALTER TABLE labor_supplies ADD COLUMN search_own text NOT NULL DEFAULT '';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION labor_demands_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_own := fold(NEW.title || ' ' || NEW.employer_name || ' ' || coalesce(NEW.description, '') || ' ' ||
        coalesce(NEW.work_address, '') || ' ' || coalesce(NEW.benefits_note, ''));
    NEW.search_text := NEW.search_own || ' ' ||
        fold((SELECT o.title_en || ' ' || coalesce(o.title_vi, '') FROM occupations o WHERE o.code = NEW.occupation_code) || ' ' ||
        (SELECT p.name FROM provinces p WHERE p.code = NEW.work_province_code));
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION labor_supplies_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_own := fold(coalesce(NEW.notes, ''));
    NEW.search_text := NEW.search_own || ' ' ||
        fold((SELECT o.title_en || ' ' || coalesce(o.title_vi, '') FROM occupations o WHERE o.code = NEW.occupation_code) || ' ' ||
        coalesce((SELECT string_agg(p.name, ' ' ORDER BY d.n)
                  FROM unnest(NEW.destination_codes) WITH ORDINALITY d (code, n) JOIN provinces p ON p.code = d.code), '') || ' ' ||
        (SELECT p.name FROM centers c JOIN provinces p ON p.code = c.province_code WHERE c.id = NEW.center_id));
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- The search trigger is told to keep search_text as it is (fold works letter by letter,
-- so the own words folded alone are search_text's beginning).
SELECT set_config('laborx.search_text', 'given', true);
UPDATE labor_demands SET search_own = fold(title || ' ' || employer_name || ' ' || coalesce(description, '') || ' ' ||
    coalesce(work_address, '') || ' ' || coalesce(benefits_note, ''));
UPDATE labor_supplies SET search_own = fold(coalesce(notes, ''));
SELECT set_config('laborx.search_text', '', true);

DROP INDEX labor_demands_search;
DROP INDEX labor_supplies_search;
CREATE INDEX labor_demands_search_own ON labor_demands USING gin (search_own gin_trgm_ops);
CREATE INDEX labor_supplies_search_own ON labor_supplies USING gin (search_own gin_trgm_ops);

-- +goose Down
DROP INDEX labor_supplies_search_own;
DROP INDEX labor_demands_search_own;
CREATE INDEX labor_demands_search ON labor_demands USING gin (search_text gin_trgm_ops);
CREATE INDEX labor_supplies_search ON labor_supplies USING gin (search_text gin_trgm_ops);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION labor_demands_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := fold(NEW.title || ' ' || NEW.employer_name || ' ' || coalesce(NEW.description, '') || ' ' ||
        coalesce(NEW.work_address, '') || ' ' || coalesce(NEW.benefits_note, '') || ' ' ||
        (SELECT o.title_en || ' ' || coalesce(o.title_vi, '') FROM occupations o WHERE o.code = NEW.occupation_code) || ' ' ||
        (SELECT p.name FROM provinces p WHERE p.code = NEW.work_province_code));
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION labor_supplies_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := fold(coalesce(NEW.notes, '') || ' ' ||
        (SELECT o.title_en || ' ' || coalesce(o.title_vi, '') FROM occupations o WHERE o.code = NEW.occupation_code) || ' ' ||
        coalesce((SELECT string_agg(p.name, ' ' ORDER BY d.n)
                  FROM unnest(NEW.destination_codes) WITH ORDINALITY d (code, n) JOIN provinces p ON p.code = d.code), '') || ' ' ||
        (SELECT p.name FROM centers c JOIN provinces p ON p.code = c.province_code WHERE c.id = NEW.center_id));
    RETURN NEW;
END $$;
-- +goose StatementEnd

ALTER TABLE labor_supplies DROP COLUMN search_own;
ALTER TABLE labor_demands DROP COLUMN search_own;
ALTER TABLE provinces DROP COLUMN search_name;
ALTER TABLE occupations DROP COLUMN search_text;
