-- +goose Up
-- The newest demands of a province whatever their status, for a text search with
-- provinceCodes (probedByPart in where.go): each province's walk stops after a window
-- of rows, which labor_demands_open_province (00180) gives for open demands only; for
-- any other status filter the planner read and sorted every demand of the province
-- (about 24,000 buffers a search at 1,000,000 demands). The visibility rule's columns
-- are here so that counting a window visits no row.
CREATE INDEX labor_demands_province_newest ON labor_demands (work_province_code, created_at DESC, id DESC)
    INCLUDE (visibility, center_id);

-- +goose Down
DROP INDEX labor_demands_province_newest;
