-- +goose Up
-- Row-level security, the second line behind the Go rules (DESIGN §5, issue 10 point 8).
--
-- Migrations run as the tables' owner; the service connects as a member of laborx_app,
-- which owns nothing, is no superuser, and so is bound by the policies below. Every
-- service transaction says whose it is (postgres.withTxAt):
--   laborx.center_id  the caller's center (unset for the operator and for no caller)
--   laborx.operator   'on' for the national operator
-- set with set_config(…, true), so they end with the transaction. Unset, a policy's
-- laborx_center() is NULL and admits no row: no setting, no rows. The policies call them
-- as (SELECT …): an init plan, read once per statement, not once per row.
--
-- A table of workers' personal data joins by: ENABLE ROW LEVEL SECURITY and a policy
-- over laborx_center() / laborx_operator() (see docs/database-roles.md). The grants
-- come by themselves (ALTER DEFAULT PRIVILEGES below).

-- The group role the service's login role belongs to. Cluster-wide, so made only when
-- missing (that needs CREATEROLE once; a DBA may create it beforehand instead).
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'laborx_app') THEN
        CREATE ROLE laborx_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END $$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO laborx_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO laborx_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO laborx_app;
-- Readiness reads the migration status; only migrations (the owner) write it.
REVOKE INSERT, UPDATE, DELETE ON goose_db_version FROM laborx_app;
-- Tables and sequences later migrations create are the service's to use too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO laborx_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO laborx_app;

CREATE FUNCTION laborx_center() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('laborx.center_id', true), '')::uuid $$;
CREATE FUNCTION laborx_operator() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(current_setting('laborx.operator', true), '') = 'on' $$;

-- Referrals: their two centers (operators see statistics only).
ALTER TABLE referrals ENABLE ROW LEVEL SECURITY;
CREATE POLICY referrals_two_centers ON referrals
    USING ((SELECT laborx_center()) IN (origin_center_id, destination_center_id));

ALTER TABLE referral_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY referral_events_two_centers ON referral_events
    USING (EXISTS (SELECT 1 FROM referrals r WHERE r.id = referral_id
        AND (SELECT laborx_center()) IN (r.origin_center_id, r.destination_center_id)));

-- Workers: the registering center writes; it, the destinations of the worker's
-- referrals and the receiving centers of their benefit transfers read (the Go rule,
-- workerVisibleTo, narrows this further).
ALTER TABLE workers ENABLE ROW LEVEL SECURITY;
CREATE POLICY workers_read ON workers FOR SELECT
    USING (registered_by = (SELECT laborx_center())
        OR EXISTS (SELECT 1 FROM referrals r WHERE r.worker_id = workers.id AND r.destination_center_id = (SELECT laborx_center()))
        OR EXISTS (SELECT 1 FROM benefit_transfers t WHERE t.worker_id = workers.id AND t.to_center_id = (SELECT laborx_center())));
CREATE POLICY workers_insert ON workers FOR INSERT WITH CHECK (registered_by = (SELECT laborx_center()));
-- A destination may lock the row (to be told FORBIDDEN by the Go rule); only the
-- registering center's change is admitted.
CREATE POLICY workers_update ON workers FOR UPDATE
    USING (registered_by = (SELECT laborx_center())
        OR EXISTS (SELECT 1 FROM referrals r WHERE r.worker_id = workers.id AND r.destination_center_id = (SELECT laborx_center()))
        OR EXISTS (SELECT 1 FROM benefit_transfers t WHERE t.worker_id = workers.id AND t.to_center_id = (SELECT laborx_center())))
    WITH CHECK (registered_by = (SELECT laborx_center()));

-- Benefit transfers and their papers: the paying and receiving centers; the operator
-- reads them all.
ALTER TABLE benefit_transfers ENABLE ROW LEVEL SECURITY;
CREATE POLICY benefit_transfers_two_centers ON benefit_transfers
    USING ((SELECT laborx_operator()) OR (SELECT laborx_center()) IN (from_center_id, to_center_id));
ALTER TABLE benefit_transfer_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY benefit_transfer_events_two_centers ON benefit_transfer_events
    USING (EXISTS (SELECT 1 FROM benefit_transfers t WHERE t.id = transfer_id
        AND ((SELECT laborx_operator()) OR (SELECT laborx_center()) IN (t.from_center_id, t.to_center_id))));
ALTER TABLE benefit_transfer_documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY benefit_transfer_documents_two_centers ON benefit_transfer_documents
    USING (EXISTS (SELECT 1 FROM benefit_transfers t WHERE t.id = transfer_id
        AND ((SELECT laborx_operator()) OR (SELECT laborx_center()) IN (t.from_center_id, t.to_center_id))));

-- Consent records: read where their worker may be read (the worker's policies apply
-- inside this one: a destination sees whether consent is given, Go shows the history
-- to the origin only); written by the registering center.
ALTER TABLE worker_consents ENABLE ROW LEVEL SECURITY;
CREATE POLICY worker_consents_read ON worker_consents FOR SELECT
    USING (EXISTS (SELECT 1 FROM workers w WHERE w.id = worker_id));
CREATE POLICY worker_consents_write ON worker_consents FOR ALL
    USING (EXISTS (SELECT 1 FROM workers w WHERE w.id = worker_id AND w.registered_by = (SELECT laborx_center())));

-- Audit entries: every caller appends its own; the operator reads all, a center its
-- own entries and those about the workers it registered (who read them).
ALTER TABLE audit_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_entries_append ON audit_entries FOR INSERT
    WITH CHECK ((SELECT laborx_operator()) OR center_id = (SELECT laborx_center()));
CREATE POLICY audit_entries_read ON audit_entries FOR SELECT
    USING ((SELECT laborx_operator()) OR center_id = (SELECT laborx_center())
        OR (entity_kind = 'Worker' AND EXISTS (SELECT 1 FROM workers w WHERE w.id = entity_id
            AND w.registered_by = (SELECT laborx_center()))));

-- Statistics are national figures open to every role: they read referrals and benefit
-- transfers through these views, which run with its owner's rights (not the caller's, so past the policies) and
-- carry no worker and no personal data, only the centers, occupation, status and dates.
CREATE VIEW referral_facts AS
    SELECT id, origin_center_id, destination_center_id, occupation_code, status,
        created_at, acknowledged_at, interviewed_at, hired_at, employed_at
    FROM referrals;
GRANT SELECT ON referral_facts TO laborx_app;
CREATE VIEW benefit_transfer_facts AS
    SELECT id, from_center_id, to_center_id, status, requested_on, due_by, first_sent_at, accepted_at, created_at
    FROM benefit_transfers;
GRANT SELECT ON benefit_transfer_facts TO laborx_app;

-- +goose Down
DROP VIEW benefit_transfer_facts;
DROP VIEW referral_facts;
DROP POLICY worker_consents_write ON worker_consents;
DROP POLICY worker_consents_read ON worker_consents;
ALTER TABLE worker_consents DISABLE ROW LEVEL SECURITY;
DROP POLICY audit_entries_read ON audit_entries;
DROP POLICY audit_entries_append ON audit_entries;
ALTER TABLE audit_entries DISABLE ROW LEVEL SECURITY;
DROP POLICY benefit_transfer_documents_two_centers ON benefit_transfer_documents;
ALTER TABLE benefit_transfer_documents DISABLE ROW LEVEL SECURITY;
DROP POLICY benefit_transfer_events_two_centers ON benefit_transfer_events;
ALTER TABLE benefit_transfer_events DISABLE ROW LEVEL SECURITY;
DROP POLICY benefit_transfers_two_centers ON benefit_transfers;
ALTER TABLE benefit_transfers DISABLE ROW LEVEL SECURITY;
DROP POLICY workers_update ON workers;
DROP POLICY workers_insert ON workers;
DROP POLICY workers_read ON workers;
ALTER TABLE workers DISABLE ROW LEVEL SECURITY;
DROP POLICY referral_events_two_centers ON referral_events;
ALTER TABLE referral_events DISABLE ROW LEVEL SECURITY;
DROP POLICY referrals_two_centers ON referrals;
ALTER TABLE referrals DISABLE ROW LEVEL SECURITY;
DROP FUNCTION laborx_operator();
DROP FUNCTION laborx_center();
-- The grants stay: revoking them would lock the service out, readiness included (it
-- reads the migration status); dropping the tables drops them.
