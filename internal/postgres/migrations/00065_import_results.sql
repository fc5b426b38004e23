-- +goose Up
-- The outcome of a CSV import sent with an idempotencyKey, so that the same file sent
-- again with the same key (after a lost response) gets the first answer back instead
-- of writing every row twice. idempotency_keys.result_id names the row. Row errors
-- describe demand and supply rows, which hold no personal data.
CREATE TABLE import_results (
    id            uuid PRIMARY KEY,
    center_id     uuid NOT NULL REFERENCES centers (id),
    operation     text NOT NULL,
    row_count     integer NOT NULL CHECK (row_count >= 0),
    created_count integer NOT NULL CHECK (created_count BETWEEN 0 AND row_count),
    row_errors    jsonb NOT NULL,
    created_at    timestamptz NOT NULL
);

-- +goose Down
DROP TABLE import_results;
