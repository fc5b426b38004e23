-- +goose Up
-- audit_entries_entity_at (00070) serves the reads of one entity's trail, and the only
-- ones are a worker's: Worker.accessLog and auditEntries(filter: {workerId}), both
-- `entity_kind = 'Worker' AND entity_id = $1` (audit.go). Every other entry (a publish
-- writes one per demand) no longer adds to it: one b-tree insert fewer per publish and
-- per other mutation. The plans are the same index scans (BENCHMARKS.md, session 7,
-- branch publish2).
CREATE INDEX audit_entries_entity_at_workers ON audit_entries (entity_kind, entity_id, at, id)
    WHERE entity_kind = 'Worker';
DROP INDEX audit_entries_entity_at;
ALTER INDEX audit_entries_entity_at_workers RENAME TO audit_entries_entity_at;

-- +goose Down
CREATE INDEX audit_entries_entity_at_all ON audit_entries (entity_kind, entity_id, at, id);
DROP INDEX audit_entries_entity_at;
ALTER INDEX audit_entries_entity_at_all RENAME TO audit_entries_entity_at;
