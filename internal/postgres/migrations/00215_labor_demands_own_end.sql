-- +goose Up
-- The end of each demand's own words, for text search: a phrase that runs from the own
-- words into the occupation's and province's names ends its first part where search_own
-- ends, so "search_own ends with it" is a range of this btree (the last 32 characters
-- reversed; a longer first part is matched on its last 32 and checked in search_text).
-- The trigram index cannot answer "ends with": for a common word it gave hundreds of
-- thousands of candidates (demandText in demandtext.go; BENCHMARKS.md, session 7,
-- branch scale2).
CREATE INDEX labor_demands_own_end ON labor_demands ((reverse(right(search_own, 32)) COLLATE "C"));

-- +goose Down
DROP INDEX labor_demands_own_end;
