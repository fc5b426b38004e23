-- +goose Up
-- are_partners(a, b, day) says whether center b may see center a's AGREEMENT_PARTNERS
-- postings (and partner-only changes) on a day. Visibility queries call it so the rule
-- lives in one place; the agreements migration replaces the body with the real rule
-- (an active agreement with both as parties). Until then a center is only its own partner.
-- +goose StatementBegin
CREATE FUNCTION are_partners(a uuid, b uuid, on_day date) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT a = b $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION are_partners(uuid, uuid, date);
