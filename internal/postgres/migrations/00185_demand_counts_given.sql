-- +goose Up
-- A publish counts its demand in labor_demand_counts in its own statement (publishSQL's
-- counts, the same upsert as labor_demand_counts_add('1') for one row) and tells the
-- insert trigger so with laborx.demand_counts = 'counted', as it tells the search
-- trigger with laborx.search_text = 'given': the trigger's PL/pgSQL call and its SPI
-- statement were about 6 % of the publishing backend's CPU (BENCHMARKS.md,
-- "publishLaborDemand: where the CPU goes"). Every other insert (imports,
-- seeds, tests, psql) sets nothing and is counted by the trigger as before.
DROP TRIGGER labor_demand_counts_insert ON labor_demands;
CREATE TRIGGER labor_demand_counts_insert AFTER INSERT ON labor_demands
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    WHEN (current_setting('laborx.demand_counts', true) IS DISTINCT FROM 'counted')
    EXECUTE FUNCTION labor_demand_counts_add('1');

-- +goose Down
DROP TRIGGER labor_demand_counts_insert ON labor_demands;
CREATE TRIGGER labor_demand_counts_insert AFTER INSERT ON labor_demands
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION labor_demand_counts_add('1');
