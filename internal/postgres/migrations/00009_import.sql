-- +goose Up
-- Bulk imports write search_text themselves: the importer builds each row's text from
-- the reference data it already holds and folds it in the one INSERT … SELECT that
-- moves the rows in, which costs a fraction of running the trigger's lookups once per
-- row. The importer says so for that statement only with the transaction-local setting
-- laborx.search_text = 'given'; every other write still goes through the triggers.
--
-- The supply text now lists destination names in the order of destination_codes (the
-- importer does the same); before, the order was whatever the lookup's plan gave.

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

DROP TRIGGER labor_demands_search_text ON labor_demands;
CREATE TRIGGER labor_demands_search_text BEFORE INSERT OR UPDATE ON labor_demands
    FOR EACH ROW WHEN (current_setting('laborx.search_text', true) IS DISTINCT FROM 'given')
    EXECUTE FUNCTION labor_demands_search_text();

DROP TRIGGER labor_supplies_search_text ON labor_supplies;
CREATE TRIGGER labor_supplies_search_text BEFORE INSERT OR UPDATE ON labor_supplies
    FOR EACH ROW WHEN (current_setting('laborx.search_text', true) IS DISTINCT FROM 'given')
    EXECUTE FUNCTION labor_supplies_search_text();

-- +goose Down
DROP TRIGGER labor_supplies_search_text ON labor_supplies;
CREATE TRIGGER labor_supplies_search_text BEFORE INSERT OR UPDATE ON labor_supplies
    FOR EACH ROW EXECUTE FUNCTION labor_supplies_search_text();

DROP TRIGGER labor_demands_search_text ON labor_demands;
CREATE TRIGGER labor_demands_search_text BEFORE INSERT OR UPDATE ON labor_demands
    FOR EACH ROW EXECUTE FUNCTION labor_demands_search_text();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION labor_supplies_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := fold(coalesce(NEW.notes, '') || ' ' ||
        (SELECT o.title_en || ' ' || coalesce(o.title_vi, '') FROM occupations o WHERE o.code = NEW.occupation_code) || ' ' ||
        coalesce((SELECT string_agg(p.name, ' ') FROM provinces p WHERE p.code = ANY (NEW.destination_codes)), '') || ' ' ||
        (SELECT p.name FROM centers c JOIN provinces p ON p.code = c.province_code WHERE c.id = NEW.center_id));
    RETURN NEW;
END $$;
-- +goose StatementEnd
