-- +goose Up
-- Changes committed but not yet numbered. A mutation that publishes one change inserts
-- it here, without a feed sequence, so publishing transactions share no row and their
-- commits share WAL flushes (group commit); before it answers, its instance's sequencer
-- moves every committed pending row into `changes` with the next sequences, in one
-- transaction under an advisory lock (sequencer.go). The feed's readers only read
-- `changes`, so a pending row is invisible until numbered, and a sequence, once seen,
-- is committed and durable: the feed stays gap-free and never reuses a number across
-- crashes. `id` orders the rows of one numbering round: a transaction that began after
-- another's answer has a higher id and is numbered no earlier.
-- The columns are the outbox's (LIKE keeps them in step), the sequence replaced by id;
-- the foreign keys are checked here too, so a bad row fails its publisher, not a round.
CREATE TABLE pending_changes (LIKE changes INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE pending_changes DROP COLUMN sequence,
    ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ADD FOREIGN KEY (actor_center_id) REFERENCES centers (id),
    ADD FOREIGN KEY (owner_center_id) REFERENCES centers (id);
GRANT SELECT, INSERT, UPDATE, DELETE ON pending_changes TO laborx_app;

-- +goose Down
-- Number what is still pending, as the sequencer would, so no committed change is lost.
WITH p AS (DELETE FROM pending_changes RETURNING *),
n AS (SELECT p.*, row_number() OVER (ORDER BY id) AS rn, count(*) OVER () AS cnt FROM p),
s AS (UPDATE change_sequence SET last = last + (SELECT count(*) FROM p) WHERE EXISTS (SELECT FROM p) RETURNING last),
i AS (INSERT INTO changes (sequence, entity_kind, entity_id, action, actor_center_id, actor_subject,
        audience, audience_center_ids, owner_center_id, payload, occurred_at)
    SELECT s.last - n.cnt + n.rn, entity_kind, entity_id, action, actor_center_id, actor_subject,
        audience, audience_center_ids, owner_center_id, payload, occurred_at FROM n, s)
SELECT FROM s;
DROP TABLE pending_changes;
