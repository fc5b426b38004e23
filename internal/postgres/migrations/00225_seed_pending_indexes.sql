-- +goose Up
-- The secondary indexes a scale seed has still to build after its rows committed
-- (seedscale.go): the seed builds them on several connections at once, each in a
-- transaction that also deletes its row here, so whatever this table holds is exactly
-- what is missing, and the next scale seed builds it first. Only the tables' owner (the
-- seed) reads or writes it.
CREATE TABLE seed_pending_indexes (
    statement text PRIMARY KEY
);
REVOKE ALL ON seed_pending_indexes FROM laborx_app;

-- +goose Down
DROP TABLE seed_pending_indexes;
