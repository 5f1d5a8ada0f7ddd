-- 0005_circulation: what lending needs beyond the borrowers, checkouts and loans of 0001:
-- indexes behind the desk's borrower search, the fingerprint that lets a retried checkout be
-- recognised, and indexes for the loan lists and automatic anonymisation.

-- Borrower search at the desk is one indexed query: name substrings (ILIKE) and digits of the
-- phone number through trigrams, card codes by equality. pg_trgm is a trusted extension, so the
-- owner of the database may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX borrowers_name_trgm ON borrowers USING gin (name gin_trgm_ops);
CREATE INDEX borrowers_phone_trgm ON borrowers USING gin (phone gin_trgm_ops);
CREATE INDEX borrowers_card ON borrowers (card) WHERE card IS NOT NULL;
-- `hylla anonymize` looks for borrowers without activity for a long time.
CREATE INDEX borrowers_last_activity ON borrowers (last_activity_at);

-- A checkout sent with an Idempotency-Key stores a hash of what was asked (borrower, items, due
-- date; never a name), so that a retry with the same key is answered with the first result and
-- the same key with a different request is refused.
ALTER TABLE checkouts ADD COLUMN request_hash bytea;
ALTER TABLE checkouts ADD CONSTRAINT checkouts_key_has_hash
    CHECK (idempotency_key IS NULL
           OR (length(idempotency_key) BETWEEN 1 AND 200 AND request_hash IS NOT NULL));

-- The list of returned loans, newest first, per branch.
CREATE INDEX loans_branch_returned ON loans (branch_id, returned_at)
    WHERE returned_at IS NOT NULL;
-- A borrower's open loans (the item limit is counted under the borrower's row lock).
CREATE INDEX loans_borrower_open ON loans (borrower_id)
    WHERE returned_at IS NULL AND borrower_id IS NOT NULL;
