-- The schema PostGraphile serves in the side-by-side benchmark (bench/peers): views over
-- laborx's own tables, so both read the same rows through the same indexes. The caller's
-- center comes from the verified JWT (PostGraphile sets jwt.claims.center_id in the
-- request's transaction), and labor_demands shows exactly the demands laborx shows that
-- center: ALL_PARTNERS ones, its own, and AGREEMENT_PARTNERS ones of its partners
-- (internal/postgres demandVisibility), with status computed as exchange.DemandStatusAt.
-- Smart comments give the views the keys and relations the tables have.
DROP SCHEMA IF EXISTS peers CASCADE;
CREATE SCHEMA peers;

CREATE VIEW peers.provinces AS SELECT code, name, name_ascii, kind, is_current FROM public.provinces;
COMMENT ON VIEW peers.provinces IS E'@primaryKey code';

CREATE VIEW peers.occupations AS SELECT code, level, parent_code, title_en, title_vi FROM public.occupations;
COMMENT ON VIEW peers.occupations IS E'@primaryKey code\n@foreignKey (parent_code) references peers.occupations (code)';

CREATE VIEW peers.centers AS SELECT id, code, name, province_code, status FROM public.centers;
COMMENT ON VIEW peers.centers IS E'@primaryKey id\n@foreignKey (province_code) references peers.provinces (code)';

CREATE VIEW peers.labor_demands AS
SELECT d.id, d.center_id, d.employer_name, d.occupation_code, d.title, d.description, d.quantity, d.filled_count,
       d.wage_min, d.wage_max, d.work_province_code, d.employment_type, d.expires_at, d.visibility, d.created_at,
       CASE WHEN d.closed_at IS NOT NULL THEN 'CLOSED' WHEN d.filled_count >= d.quantity THEN 'FILLED'
            WHEN d.expires_at <= now() THEN 'EXPIRED' ELSE 'OPEN' END AS status
FROM public.labor_demands d
WHERE d.visibility = 'ALL_PARTNERS'
   OR d.center_id IN (SELECT partner_centers(current_setting('jwt.claims.center_id')::uuid, (now() AT TIME ZONE 'UTC')::date));
COMMENT ON VIEW peers.labor_demands IS E'@primaryKey id\n'
  '@foreignKey (center_id) references peers.centers (id)\n'
  '@foreignKey (occupation_code) references peers.occupations (code)\n'
  '@foreignKey (work_province_code) references peers.provinces (code)';
