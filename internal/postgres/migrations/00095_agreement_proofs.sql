-- +goose Up
-- Signatures a center can prove (issue 13, point 5).
--
-- hash_version says how terms_hash was computed: 1 is the SHA-256 of the terms' canonical
-- JSON alone (every revision stored before this migration); 2 also covers the agreement,
-- the revision number, the title and the parties, with text NFC-normalised
-- (exchange.RevisionDocument). Old revisions keep their version-1 hash, so their
-- signatures still compare equal; every new revision is version 2.
ALTER TABLE agreement_revisions ADD COLUMN hash_version smallint NOT NULL DEFAULT 1 CHECK (hash_version IN (1, 2));
ALTER TABLE agreement_revisions ALTER COLUMN hash_version DROP DEFAULT;

-- A signature may carry a detached JWS over its terms_hash, made with one of the
-- signing center's keys: kid names the key, alg the algorithm of the JWS header.
ALTER TABLE agreement_signatures
    ADD COLUMN kid text,
    ADD COLUMN alg text,
    ADD COLUMN jws text CHECK (length(jws) <= 8192),
    ADD CONSTRAINT agreement_signatures_proof CHECK ((kid IS NULL) = (jws IS NULL) AND (alg IS NULL) = (jws IS NULL));

-- +goose Down
ALTER TABLE agreement_signatures DROP CONSTRAINT agreement_signatures_proof,
    DROP COLUMN jws, DROP COLUMN alg, DROP COLUMN kid;
ALTER TABLE agreement_revisions DROP COLUMN hash_version;
