-- 0033_rollup_version: a number that moves on whenever what the statistics summary reads changes,
-- so that a server may keep the summaries it answered and answer an identical request again after
-- a look at that number and the journal, instead of adding up the rollups once more (issue 14;
-- src/store/stats_store.c).
--
-- The summary reads the rollups and the categories' impact factors. The rollups change only in a
-- fold (stats_fold_now, which every fold runs, under FOLD_LOCK) and in a rebuild; the factors
-- when categories change. Each of these now adds one to rollup_version.n in its own transaction,
-- so a snapshot that reads n reads the rollups as they were at that n. A change to loans or items
-- that is not folded yet is in the journal, which the same snapshot sees (store/rollup.h): a kept
-- summary read at n, with the journal empty, is the summary of every later snapshot that finds n
-- and an empty journal.
--
-- Folds write the row one at a time (FOLD_LOCK), so two folds never wait for each other on it:
-- the folder's once a second, or, with no server running, the commit that took FOLD_LOCK. A fold
-- and a change to the categories (which a manager makes rarely) may wait for each other's commit;
-- while a server runs, that fold is its folder's, never a checkout's.

CREATE TABLE rollup_version (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    n   bigint NOT NULL
);
INSERT INTO rollup_version (n) VALUES (0);

ALTER FUNCTION stats_fold_now() RENAME TO stats_fold_journal;
CREATE FUNCTION stats_fold_now() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_fold_journal();
    UPDATE rollup_version SET n = n + 1;
END
$$;

-- 0017's stats_rebuild, which now also moves the number on.
CREATE OR REPLACE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1752787053, 0);
    LOCK TABLE loans, items IN SHARE MODE;
    DELETE FROM rollup_journal;
    PERFORM stats_rebuild_tables();
    UPDATE rollup_version SET n = n + 1;
END
$$;

CREATE FUNCTION rollup_version_next() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rollup_version SET n = n + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER categories_rollup_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_version_next();
