-- +goose Up
-- Workers are the only personal data in laborx (DESIGN §5). The national ID is never
-- stored in clear: national_id_enc is AES-256-GCM (bound to the row's id) and
-- national_id_hmac a keyed hash that finds the same person again within a center;
-- national_id_last4 serves the mask. eraseWorker nulls every personal column and sets
-- erased_at; the row stays so that referrals keep their history, anonymous.
CREATE TABLE workers (
    id                   uuid PRIMARY KEY,
    registered_by        uuid NOT NULL REFERENCES centers (id),
    full_name            text CHECK (length(full_name) BETWEEN 1 AND 200),
    date_of_birth        date,
    gender               text CHECK (gender IN ('FEMALE', 'MALE', 'OTHER')),
    phone                text CHECK (phone ~ '^\+84[0-9]{9,10}$'),
    national_id_enc      bytea,
    national_id_hmac     bytea CHECK (length(national_id_hmac) = 32),
    national_id_last4    text CHECK (national_id_last4 ~ '^[0-9]{4}$'),
    occupation_code      text NOT NULL REFERENCES occupations (code),
    skills               text[],
    education_level      text CHECK (education_level IN ('NONE', 'PRIMARY', 'LOWER_SECONDARY', 'UPPER_SECONDARY',
                             'VOCATIONAL_ELEMENTARY', 'VOCATIONAL_INTERMEDIATE', 'COLLEGE', 'UNIVERSITY', 'POSTGRADUATE')),
    consent_given        boolean NOT NULL,
    consent_at           timestamptz,
    consent_purpose      text CHECK (length(consent_purpose) <= 500),
    consent_withdrawn_at timestamptz,
    erased_at            timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    version              integer NOT NULL DEFAULT 1,
    -- One record per person per center: referWorker reuses it.
    CONSTRAINT workers_national_id_key UNIQUE (registered_by, national_id_hmac),
    CONSTRAINT workers_personal_data CHECK (
        (erased_at IS NULL AND full_name IS NOT NULL AND date_of_birth IS NOT NULL
            AND national_id_enc IS NOT NULL AND national_id_hmac IS NOT NULL AND national_id_last4 IS NOT NULL)
        OR (erased_at IS NOT NULL AND full_name IS NULL AND date_of_birth IS NULL AND gender IS NULL
            AND phone IS NULL AND national_id_enc IS NULL AND national_id_hmac IS NULL
            AND national_id_last4 IS NULL AND skills IS NULL AND education_level IS NULL)),
    CONSTRAINT workers_consent CHECK (consent_given = (consent_withdrawn_at IS NULL))
);

-- demand_id and agreement_id get their foreign keys when referrals are linked to the
-- marketplace and to agreements.
CREATE TABLE referrals (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    worker_id             uuid NOT NULL REFERENCES workers (id),
    origin_center_id      uuid NOT NULL REFERENCES centers (id),
    destination_center_id uuid NOT NULL REFERENCES centers (id),
    occupation_code       text NOT NULL REFERENCES occupations (code),
    demand_id             uuid,
    agreement_id          uuid,
    status                text NOT NULL DEFAULT 'REFERRED' CHECK (status IN ('REFERRED', 'ACKNOWLEDGED',
                              'INTERVIEW_SCHEDULED', 'HIRED', 'NOT_HIRED', 'WITHDRAWN', 'EMPLOYED', 'LEFT_JOB')),
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    version               integer NOT NULL DEFAULT 1,
    CONSTRAINT referrals_other_center CHECK (origin_center_id <> destination_center_id)
);
CREATE INDEX referrals_origin ON referrals (origin_center_id, created_at DESC, id DESC);
CREATE INDEX referrals_destination ON referrals (destination_center_id, created_at DESC, id DESC);
CREATE INDEX referrals_worker ON referrals (worker_id);
CREATE INDEX referrals_demand ON referrals (demand_id) WHERE demand_id IS NOT NULL;
CREATE INDEX referrals_agreement ON referrals (agreement_id) WHERE agreement_id IS NOT NULL;

-- Every step of every referral; the first (from_status and action null) is its creation.
CREATE TABLE referral_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id     uuid NOT NULL REFERENCES referrals (id),
    from_status     text,
    to_status       text NOT NULL,
    action          text,
    actor_center_id uuid REFERENCES centers (id),
    actor_subject   text NOT NULL,
    note            text CHECK (length(note) <= 2000),
    at              timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    CHECK ((from_status IS NULL) = (action IS NULL))
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, id);

-- +goose Down
DROP TABLE referral_events;
DROP TABLE referrals;
DROP TABLE workers;
