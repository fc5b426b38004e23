-- +goose Up
-- Every change that can make a center key unusable is announced on laborx_keys, from
-- whichever process makes it (the API, `laborx center`, a hand-written UPDATE), so
-- each instance's verified-key cache drops what it holds (postgres.FollowKeyChanges).
-- Statement triggers: one announcement per statement, delivered at commit.
-- +goose StatementBegin
CREATE FUNCTION announce_key_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('laborx_keys', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER center_keys_announce AFTER UPDATE OR DELETE ON center_keys
    FOR EACH STATEMENT EXECUTE FUNCTION announce_key_change();
CREATE TRIGGER centers_status_announce AFTER UPDATE OF status OR DELETE ON centers
    FOR EACH STATEMENT EXECUTE FUNCTION announce_key_change();

-- +goose Down
DROP TRIGGER centers_status_announce ON centers;
DROP TRIGGER center_keys_announce ON center_keys;
DROP FUNCTION announce_key_change();
