-- +goose Up
-- The newest open demands of a province (laborDemands with provinceCodes, newest
-- first: keysetByPart walks this index once per province and stops at the page). The
-- occupation, expiry and the two columns of the visibility rule are here so that the
-- rest of the filter is applied in the index, without visiting a row that is not on
-- the page; the predicate is demandOpenSQL's, as for labor_demands_open_occupation.
CREATE INDEX labor_demands_open_province ON labor_demands (work_province_code, created_at DESC, id DESC)
    INCLUDE (occupation_code, expires_at, visibility, center_id)
    WHERE closed_at IS NULL AND filled_count < quantity;

-- +goose Down
DROP INDEX labor_demands_open_province;
