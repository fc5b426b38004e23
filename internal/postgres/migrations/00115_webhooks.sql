-- +goose Up
-- Webhooks (issue 14, DESIGN §10): a center's change feed pushed over HTTP. A webhook
-- reads the feed like its center's coordinator would, from last_sequence on; every
-- visible change it selects becomes a delivery row, tried until the receiver answers
-- 2xx or a day has passed (DEAD). The cursor and the pending deliveries live here, so a
-- restart loses nothing. The delivering instance holds the webhook's cursor row lock
-- (FOR UPDATE SKIP LOCKED) while it delivers, so one instance at a time delivers a
-- webhook; the cursor is a table of its own so that rotating a secret or disabling a
-- webhook never waits for a delivery in progress.
CREATE TABLE webhooks (
    id                uuid PRIMARY KEY,
    center_id         uuid NOT NULL REFERENCES centers (id),
    url               text NOT NULL CHECK (length(url) <= 2000),
    entity_types      text[] NOT NULL DEFAULT '{}',
    demand_filter     jsonb,
    -- The secret, sealed with the PII key (internal/pii) bound to the webhook's id.
    secret_sealed     bytea NOT NULL,
    status            text NOT NULL CHECK (status IN ('ACTIVE', 'DISABLED')),
    created_at        timestamptz NOT NULL,
    created_by        text NOT NULL,
    secret_rotated_at timestamptz,
    disabled_at       timestamptz,
    CHECK ((status = 'DISABLED') = (disabled_at IS NOT NULL))
);
CREATE INDEX webhooks_center ON webhooks (center_id, created_at);

CREATE TABLE webhook_cursors (
    webhook_id    uuid PRIMARY KEY REFERENCES webhooks (id),
    last_sequence bigint NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    webhook_id      uuid NOT NULL REFERENCES webhooks (id),
    sequence        bigint NOT NULL REFERENCES changes (sequence),
    status          text NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
    attempts        integer NOT NULL DEFAULT 0,
    response_code   integer,
    last_error      text CHECK (length(last_error) <= 500),
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL,
    UNIQUE (webhook_id, sequence),
    CHECK ((status = 'PENDING') = (next_attempt_at IS NOT NULL))
);
-- The worker's "what is due" of each webhook.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at) WHERE status = 'PENDING';

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_cursors;
DROP TABLE webhooks;
