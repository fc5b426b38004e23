-- +goose Up
-- A bulk import keeps its rows' GIN entries (trigrams of the search words, destination
-- codes) in the indexes' pending lists, gin_pending_list_limit raised for its
-- transaction, while a second connection moves them into the indexes as it goes
-- (importclean.go): the index work runs on another core than the inserts, instead of
-- each INSERT stopping to merge the list every 4 MB. gin_clean_pending_list wants the
-- index's owner; the service calls it through this function, for the GIN indexes of the
-- two posting tables only. It changes no row and nothing a query returns.
-- +goose StatementBegin
CREATE FUNCTION import_clean_pending(tab regclass) RETURNS bigint LANGUAGE sql
    SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT coalesce(sum(gin_clean_pending_list(i.indexrelid)), 0)::bigint
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
    WHERE i.indrelid = tab AND a.amname = 'gin'
      AND tab IN ('public.labor_demands'::regclass, 'public.labor_supplies'::regclass)
$$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION import_clean_pending(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION import_clean_pending(regclass) TO laborx_app;

-- +goose Down
DROP FUNCTION import_clean_pending(regclass);
