-- +goose Up
-- The access log's reads (issue 10): the operator's trail newest first, by center,
-- and each worker's log for its registering center, all keyset-paginated on (at, id).
CREATE INDEX audit_entries_at ON audit_entries (at, id);
CREATE INDEX audit_entries_center_at ON audit_entries (center_code, at, id);
CREATE INDEX audit_entries_entity_at ON audit_entries (entity_kind, entity_id, at, id);
DROP INDEX audit_entries_entity;

-- +goose Down
CREATE INDEX audit_entries_entity ON audit_entries (entity_kind, entity_id);
DROP INDEX audit_entries_entity_at;
DROP INDEX audit_entries_center_at;
DROP INDEX audit_entries_at;
