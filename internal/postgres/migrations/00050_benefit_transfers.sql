-- +goose Up
-- Unemployment-insurance transfers between centers (Decree 374/2025 Art. 20). The
-- benefit figures are typed once at the request; months_remaining is derived on read.
-- due_by is computed by the exchange's working-day calendar when the request is
-- stored (the holiday table ships with the code, so a later correction of the table
-- does not move deadlines already given).
CREATE TABLE benefit_transfers (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    worker_id          uuid NOT NULL REFERENCES workers (id),
    from_center_id     uuid NOT NULL REFERENCES centers (id),
    to_center_id       uuid NOT NULL REFERENCES centers (id),
    status             text NOT NULL DEFAULT 'REQUESTED' CHECK (status IN ('REQUESTED', 'NOTIFIED', 'SENT',
                           'RECEIVED', 'ACCEPTED', 'RETURNED', 'CANCELLED')),
    decision_number    text NOT NULL CHECK (length(decision_number) BETWEEN 1 AND 50),
    decision_date      date NOT NULL,
    monthly_amount     bigint NOT NULL CHECK (monthly_amount > 0),
    months_granted     integer NOT NULL CHECK (months_granted BETWEEN 1 AND 12),
    months_paid        integer NOT NULL CHECK (months_paid >= 0),
    requested_on       date NOT NULL,
    new_province_code  text NOT NULL REFERENCES provinces (code),
    due_by             date NOT NULL,
    notice_date        date,
    notice_reference   text CHECK (length(notice_reference) <= 100),
    first_sent_at      timestamptz,
    accepted_at        timestamptz,
    first_payment_date date,
    -- The dossier's revision: 1 until a returned dossier is sent again.
    revision           integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            integer NOT NULL DEFAULT 1,
    CONSTRAINT benefit_transfers_other_center CHECK (from_center_id <> to_center_id),
    CONSTRAINT benefit_transfers_months_remaining CHECK (months_paid < months_granted),
    CONSTRAINT benefit_transfers_stages CHECK (
        (status IN ('REQUESTED', 'CANCELLED') OR notice_date IS NOT NULL)
        AND (status NOT IN ('SENT', 'RECEIVED', 'ACCEPTED', 'RETURNED') OR first_sent_at IS NOT NULL)
        AND ((status = 'ACCEPTED') = (accepted_at IS NOT NULL)))
);
CREATE INDEX benefit_transfers_from ON benefit_transfers (from_center_id, created_at DESC, id DESC);
CREATE INDEX benefit_transfers_to ON benefit_transfers (to_center_id, created_at DESC, id DESC);
CREATE INDEX benefit_transfers_worker ON benefit_transfers (worker_id);

CREATE TABLE benefit_transfer_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id     uuid NOT NULL REFERENCES benefit_transfers (id),
    from_status     text,
    to_status       text NOT NULL,
    action          text,
    actor_center_id uuid REFERENCES centers (id),
    actor_subject   text NOT NULL,
    revision        integer NOT NULL,
    return_reason   text CHECK (return_reason IN ('INCOMPLETE_DOSSIER', 'WRONG_CENTER', 'OTHER')),
    note            text CHECK (length(note) <= 1000),
    recorded_at     timestamptz NOT NULL
);
CREATE INDEX benefit_transfer_events_transfer ON benefit_transfer_events (transfer_id, id);

-- +goose Down
DROP TABLE benefit_transfer_events;
DROP TABLE benefit_transfers;
