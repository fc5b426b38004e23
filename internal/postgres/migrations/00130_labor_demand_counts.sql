-- +goose Up
-- labor_demand_counts keeps how many demands each center has of each visibility, so
-- the totalCount of an unfiltered laborDemands list is a sum over a few rows (the
-- caller's visibility rule applied to center and visibility) instead of a scan of every
-- demand the caller may see (issue 11, point 4).
--
-- Statement-level triggers with transition tables keep it: one upsert per statement
-- whatever its rows, so an import's INSERT … SELECT of 100,000 rows adds one aggregate,
-- not 100,000 row triggers. Concurrent writers do not queue on one counter row until
-- they commit: each backend adds to its own slot (pg_backend_pid() % 16), a count sums
-- the slots, and the rows are upserted in key order so two statements that do meet on
-- a slot lock in the same order.
CREATE TABLE labor_demand_counts (
    center_id  uuid   NOT NULL REFERENCES centers (id),
    visibility text   NOT NULL,
    slot       int    NOT NULL,
    n          bigint NOT NULL,
    PRIMARY KEY (center_id, visibility, slot)
);

INSERT INTO labor_demand_counts (center_id, visibility, slot, n)
SELECT center_id, visibility, 0, count(*) FROM labor_demands GROUP BY 1, 2;

-- Inserts add and deletions subtract (the trigger's argument) the rows of the
-- statement's transition table, which both triggers name changed_rows.
-- +goose StatementBegin
CREATE FUNCTION labor_demand_counts_add() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO labor_demand_counts AS c (center_id, visibility, slot, n)
    SELECT center_id, visibility, pg_backend_pid() % 16, TG_ARGV[0]::int * count(*)
    FROM changed_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (center_id, visibility, slot) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- An update moves a demand between counts only when it changes the center or the
-- visibility (updateLaborDemand may change the visibility); otherwise the sums are zero
-- and nothing is written.
-- +goose StatementBegin
CREATE FUNCTION labor_demand_counts_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO labor_demand_counts AS c (center_id, visibility, slot, n)
    SELECT center_id, visibility, pg_backend_pid() % 16, sum(d)
    FROM (
        SELECT center_id, visibility, 1 AS d FROM new_rows
        UNION ALL
        SELECT center_id, visibility, -1 FROM old_rows
    ) x
    GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
    ON CONFLICT (center_id, visibility, slot) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION labor_demand_counts_truncate() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM labor_demand_counts;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER labor_demand_counts_insert AFTER INSERT ON labor_demands
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION labor_demand_counts_add('1');
CREATE TRIGGER labor_demand_counts_delete AFTER DELETE ON labor_demands
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION labor_demand_counts_add('-1');
CREATE TRIGGER labor_demand_counts_update AFTER UPDATE ON labor_demands
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION labor_demand_counts_update();
CREATE TRIGGER labor_demand_counts_truncate AFTER TRUNCATE ON labor_demands
    FOR EACH STATEMENT EXECUTE FUNCTION labor_demand_counts_truncate();

-- +goose Down
DROP TRIGGER labor_demand_counts_truncate ON labor_demands;
DROP TRIGGER labor_demand_counts_update ON labor_demands;
DROP TRIGGER labor_demand_counts_delete ON labor_demands;
DROP TRIGGER labor_demand_counts_insert ON labor_demands;
DROP FUNCTION labor_demand_counts_truncate();
DROP FUNCTION labor_demand_counts_update();
DROP FUNCTION labor_demand_counts_add();
DROP TABLE labor_demand_counts;
