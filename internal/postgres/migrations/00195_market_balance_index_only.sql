-- +goose Up
-- marketBalance reads every open demand and every available supply (about 20,000 each
-- nationally) for a few columns; the partial indexes of open postings already hold the
-- rows it reads, and now also the columns, so both sides are index-only scans instead
-- of visiting every row: about 2,000 buffers became 260 and PostgreSQL's CPU per
-- national table went from 62 to 42-57 ms at occupation level 4 and from 37 to 25-28 ms
-- at level 2 (BENCHMARKS.md, "Statistics and text search at 1,000,000"). Widened, not
-- added: a publish still writes the same number of index entries.
-- labor_demands_open_province keeps its key and columns for keysetByPart (00180).
CREATE INDEX labor_demands_open_province_wide ON labor_demands (work_province_code, created_at DESC, id DESC)
    INCLUDE (occupation_code, expires_at, visibility, center_id, quantity, filled_count)
    WHERE closed_at IS NULL AND filled_count < quantity;
DROP INDEX labor_demands_open_province;
ALTER INDEX labor_demands_open_province_wide RENAME TO labor_demands_open_province;

CREATE INDEX labor_supplies_open_occupation_wide ON labor_supplies (occupation_code text_pattern_ops)
    INCLUDE (center_id, quantity, available_until)
    WHERE withdrawn_at IS NULL AND quantity > 0;
DROP INDEX labor_supplies_open_occupation;
ALTER INDEX labor_supplies_open_occupation_wide RENAME TO labor_supplies_open_occupation;

-- +goose Down
CREATE INDEX labor_supplies_open_occupation_narrow ON labor_supplies (occupation_code text_pattern_ops)
    WHERE withdrawn_at IS NULL AND quantity > 0;
DROP INDEX labor_supplies_open_occupation;
ALTER INDEX labor_supplies_open_occupation_narrow RENAME TO labor_supplies_open_occupation;

CREATE INDEX labor_demands_open_province_narrow ON labor_demands (work_province_code, created_at DESC, id DESC)
    INCLUDE (occupation_code, expires_at, visibility, center_id)
    WHERE closed_at IS NULL AND filled_count < quantity;
DROP INDEX labor_demands_open_province;
ALTER INDEX labor_demands_open_province_narrow RENAME TO labor_demands_open_province;
