-- +goose Up
-- The newest demands of a province whatever their status, for a text search with
-- provinceCodes (probedByPart in where.go): each province's walk stops after a window
-- of rows, which labor_demands_open_province (00180) gives for open demands only; for
-- any other status filter the planner read and sorted every demand of the province
-- (about 24,000 buffers a search at 1,000,000 demands). The visibility rule's columns
-- are here so that counting a window visits no row. It leads with the province, so it
-- replaces labor_demands_province (00004): a demand still writes as many index entries.
CREATE INDEX labor_demands_province_newest ON labor_demands (work_province_code, created_at DESC, id DESC)
    INCLUDE (visibility, center_id);
DROP INDEX labor_demands_province;

-- +goose Down
CREATE INDEX labor_demands_province ON labor_demands (work_province_code);
DROP INDEX labor_demands_province_newest;
