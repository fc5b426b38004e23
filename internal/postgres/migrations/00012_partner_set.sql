-- +goose Up
-- partner_centers(me, day) is the set form of are_partners: the caller itself and every
-- center it has a signed agreement in force with that day. Visibility filters use it as
-- an uncorrelated subquery, which PostgreSQL computes once per query and hashes,
-- instead of calling are_partners for every row.
-- +goose StatementBegin
CREATE FUNCTION partner_centers(me uuid, on_day date) RETURNS SETOF uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT me
    UNION
    SELECT pb.center_id
    FROM agreement_parties pa
    JOIN agreements ag ON ag.id = pa.agreement_id
    JOIN agreement_parties pb ON pb.agreement_id = pa.agreement_id
    WHERE pa.center_id = me
      AND ag.status = 'SIGNED'
      AND ag.valid_from <= on_day AND on_day <= ag.valid_until
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION partner_centers(uuid, date);
