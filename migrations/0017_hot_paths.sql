-- 0017_hot_paths: what the hot paths of issue 14 need from the database.
--
-- 1. Messages to the caches of running servers (src/store/notify.h). A server keeps the sessions
--    it verified lately in memory; these triggers tell every server, when the change commits, that
--    an account changed or one of its sessions ended or was cut short ("staff ID"), or that a
--    branch got another slug ("branch ID"), so that the change takes effect everywhere at once.
--    Writing last_seen_at forward (a session in use) or last_login_at (a login) says nothing.
--    The public search's answers hear "public" when the catalogue changes.

-- The message "TOPIC ID": the topic is the trigger's first argument, the id the column of the
-- old row that its second names.
CREATE FUNCTION notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hylla_changed', TG_ARGV[0] || ' ' || (to_jsonb(OLD) ->> TG_ARGV[1]));
    RETURN NULL;
END
$$;

-- A login notes last_login_at (0012): that changes nothing a session holds, so it says nothing
-- (else every login would empty the caches of the account's other sessions on every server).
CREATE TRIGGER staff_changed AFTER UPDATE ON staff
    FOR EACH ROW
    WHEN ((to_jsonb(OLD) - 'last_login_at' - 'updated_at')
          IS DISTINCT FROM (to_jsonb(NEW) - 'last_login_at' - 'updated_at'))
    EXECUTE FUNCTION notify_changed('staff', 'id');
CREATE TRIGGER staff_deleted AFTER DELETE ON staff
    FOR EACH ROW EXECUTE FUNCTION notify_changed('staff', 'id');
CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION notify_changed('staff', 'staff_id');
CREATE TRIGGER sessions_cut AFTER UPDATE ON sessions
    FOR EACH ROW
    WHEN (NEW.last_seen_at < OLD.last_seen_at OR NEW.expires_at < OLD.expires_at
          OR NEW.staff_id <> OLD.staff_id OR NEW.csrf_token <> OLD.csrf_token)
    EXECUTE FUNCTION notify_changed('staff', 'staff_id');
CREATE TRIGGER branch_renamed AFTER UPDATE OF slug ON branches
    FOR EACH ROW WHEN (NEW.slug <> OLD.slug) EXECUTE FUNCTION notify_changed('branch', 'id');

-- The public search's answers, which a server keeps for a few seconds (src/api/public.c), are
-- told "public" when anything they are read from changes: the vocabulary, the categories, the
-- branches, the photos and the items. Not a checkout, a return or a renewal: a NOTIFY takes a
-- lock of the whole cluster at its commit (PostgreSQL's notification queue) and holds it through
-- the commit, so every checkout in the network would queue on it, a hot row by another name. A
-- server forgets its answers after each change it made itself (src/api/routes.c), so a loan
-- shows there at once and on the other servers when their answers expire.
CREATE FUNCTION notify_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hylla_changed', 'public');
    RETURN NULL;
END
$$;

CREATE TRIGGER search_words_public AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON search_words
    FOR EACH STATEMENT EXECUTE FUNCTION notify_public();
CREATE TRIGGER categories_public AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION notify_public();
CREATE TRIGGER branches_public AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON branches
    FOR EACH STATEMENT EXECUTE FUNCTION notify_public();
CREATE TRIGGER item_photos_public AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON item_photos
    FOR EACH STATEMENT EXECUTE FUNCTION notify_public();
CREATE TRIGGER items_public AFTER INSERT OR DELETE OR TRUNCATE ON items
    FOR EACH STATEMENT EXECUTE FUNCTION notify_public();
-- Only loans move an item between available and on_loan (and nothing else at the same time).
CREATE TRIGGER items_public_update AFTER UPDATE ON items
    FOR EACH ROW
    WHEN (NOT (OLD.status IN ('available', 'on_loan') AND NEW.status IN ('available', 'on_loan')
               AND OLD.status <> NEW.status))
    EXECUTE FUNCTION notify_public();

-- 2. Statistics without a hot row. Under 0006 every statement that changed loans updated the
--    rollups in its own transaction, so every checkout of a day in the whole network queued on
--    that day's network row, and paid for the rollups' upkeep itself. Now a change to loans or
--    items only appends its facts to rollup_journal (one row per statement, a row nobody else
--    writes), and stats_fold_now() moves what the journal holds into the rollups, one fold at a
--    time (the advisory lock FOLD_LOCK: classid 1752787053, objid 0). Who folds:
--      - `hylla serve`, every second (stats_fold_tick), many changes at a time, which costs each
--        of them far less than a fold of its own;
--      - when no server's folder runs (a test, psql, a command-line import), the transaction
--        itself, at its commit (the deferred trigger rollup_journal_fold), unless another fold is
--        running: it tries the lock and never waits, so a lone change leaves the rollups current
--        when it commits;
--      - every read of the rollups by hylla, before it reads, when it sees the journal is not
--        empty (in the same snapshot), so that its figures are exact.
--    The rollups are written by folds only, so no two transactions ever wait for each other on a
--    rollup row, and 0006's locks (borrowers' advisory locks, items FOR NO KEY UPDATE) go. The
--    rollups keep their shape and meaning, and stats_rebuild() still computes them from scratch.

CREATE TABLE rollup_journal (
    id    bigint GENERATED ALWAYS AS IDENTITY,
    loans stats_loan_change[],     -- what a statement did to loans, or
    items stats_item_change[]      -- to items: an update is the old row (-1), then the new (+1)
) WITH (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0,
        autovacuum_vacuum_insert_threshold = -1);

DROP TRIGGER stats_loans_insert ON loans;
DROP TRIGGER stats_loans_update ON loans;
DROP TRIGGER stats_loans_delete ON loans;
DROP TRIGGER stats_items_insert ON items;
DROP TRIGGER stats_items_update ON items;
DROP TRIGGER stats_items_delete ON items;
DROP FUNCTION stats_loans_inserted(), stats_loans_updated(), stats_loans_deleted(),
              stats_items_inserted(), stats_items_updated(), stats_items_deleted(),
              stats_apply_items(stats_item_change[]);

-- Loans, one journal row per statement that changes what is counted: a renewal or an erasure
-- (borrower_id set to NULL) changes nothing counted and journals nothing.
CREATE FUNCTION rollup_journal_loans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rollup_journal (loans)
        SELECT array_agg(stats_loan_facts(1, n)) FROM stats_new n HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO rollup_journal (loans)
        SELECT array_agg(stats_loan_facts(-1, o)) FROM stats_old o HAVING count(*) > 0;
    ELSE
        INSERT INTO rollup_journal (loans)
        SELECT array_agg(f) FROM stats_old o JOIN stats_new n ON n.id = o.id,
               LATERAL (VALUES (stats_loan_facts(-1, o)), (stats_loan_facts(1, n))) v (f)
         WHERE stats_loan_facts(1, o) IS DISTINCT FROM stats_loan_facts(1, n)
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER stats_loans_insert AFTER INSERT ON loans
    REFERENCING NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_journal_loans();
CREATE TRIGGER stats_loans_update AFTER UPDATE ON loans
    REFERENCING OLD TABLE AS stats_old NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_journal_loans();
CREATE TRIGGER stats_loans_delete AFTER DELETE ON loans
    REFERENCING OLD TABLE AS stats_old
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_journal_loans();

-- Items. Updates are journaled row by row, and only those that change what is counted: a
-- checkout or a return flips the status between available and on_loan, which a WHEN clause
-- dismisses without calling anything.
CREATE FUNCTION rollup_journal_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rollup_journal (items)
        SELECT array_agg(stats_item_facts(1, n)) FROM stats_new n HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO rollup_journal (items)
        SELECT array_agg(stats_item_facts(-1, o)) FROM stats_old o HAVING count(*) > 0;
    ELSE
        INSERT INTO rollup_journal (items)
        VALUES (ARRAY[stats_item_facts(-1, OLD), stats_item_facts(1, NEW)]);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER stats_items_insert AFTER INSERT ON items
    REFERENCING NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_journal_items();
CREATE TRIGGER stats_items_update AFTER UPDATE ON items
    FOR EACH ROW
    WHEN (OLD.branch_id <> NEW.branch_id OR OLD.category_id <> NEW.category_id
          OR OLD.donated_on IS DISTINCT FROM NEW.donated_on
          OR (OLD.status = 'retired') <> (NEW.status = 'retired'))
    EXECUTE FUNCTION rollup_journal_items();
CREATE TRIGGER stats_items_delete AFTER DELETE ON items
    REFERENCING OLD TABLE AS stats_old
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_journal_items();

-- Apply a set of loan changes to the loan rollups (0006's function without its locks: only a
-- fold calls it, one at a time; and without "never lent", which stats_fold_now counts). Since
-- 0016 that function is stats_apply_counts, and stats_apply_loans, which a fold calls, applies
-- it and then stats_apply_people: the people rollups are folded from the journal as the others
-- (a loan's facts carry its age band and gender), and 0016's trigger that copies a corrected
-- birth year or gender to the borrower's loans journals that change as any other update of loans.
CREATE OR REPLACE FUNCTION stats_apply_counts(ch stats_loan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    now_loans integer;
    prev date;
    nxt date;
BEGIN
    IF coalesce(cardinality(ch), 0) = 0 THEN
        RETURN;
    END IF;

    INSERT INTO stats_day AS s (branch_id, day, loans, returns, returns_late, loan_seconds)
    SELECT coalesce(f.branch_id, 0), f.day, sum(f.loans), sum(f.returns), sum(f.late),
           sum(f.seconds)
      FROM (SELECT c.branch_id, c.out_day AS day, c.sign AS loans, 0 AS returns, 0 AS late,
                   0::bigint AS seconds
              FROM unnest(ch) c
            UNION ALL
            SELECT c.branch_id, c.ret_day, 0, c.sign, CASE WHEN c.late THEN c.sign ELSE 0 END,
                   c.sign * c.seconds
              FROM unnest(ch) c WHERE c.ret_day IS NOT NULL) f
     GROUP BY f.day, ROLLUP (f.branch_id)
    HAVING sum(f.loans) <> 0 OR sum(f.returns) <> 0 OR sum(f.late) <> 0 OR sum(f.seconds) <> 0
     ORDER BY 2, 1
    ON CONFLICT (branch_id, day) DO UPDATE
       SET loans = s.loans + excluded.loans, returns = s.returns + excluded.returns,
           returns_late = s.returns_late + excluded.returns_late,
           loan_seconds = s.loan_seconds + excluded.loan_seconds;

    INSERT INTO stats_month AS s (branch_id, month, loans, returns, returns_late, loan_seconds)
    SELECT coalesce(f.branch_id, 0), f.month, sum(f.loans), sum(f.returns), sum(f.late),
           sum(f.seconds)
      FROM (SELECT c.branch_id, date_trunc('month', c.out_day::timestamp)::date AS month,
                   c.sign AS loans, 0 AS returns, 0 AS late, 0::bigint AS seconds
              FROM unnest(ch) c
            UNION ALL
            SELECT c.branch_id, date_trunc('month', c.ret_day::timestamp)::date, 0, c.sign,
                   CASE WHEN c.late THEN c.sign ELSE 0 END, c.sign * c.seconds
              FROM unnest(ch) c WHERE c.ret_day IS NOT NULL) f
     GROUP BY f.month, ROLLUP (f.branch_id)
    HAVING sum(f.loans) <> 0 OR sum(f.returns) <> 0 OR sum(f.late) <> 0 OR sum(f.seconds) <> 0
     ORDER BY 2, 1
    ON CONFLICT (branch_id, month) DO UPDATE
       SET loans = s.loans + excluded.loans, returns = s.returns + excluded.returns,
           returns_late = s.returns_late + excluded.returns_late,
           loan_seconds = s.loan_seconds + excluded.loan_seconds;

    INSERT INTO stats_day_category AS s (branch_id, day, category_id, loans)
    SELECT coalesce(c.branch_id, 0), c.out_day, c.category_id, sum(c.sign)
      FROM unnest(ch) c
     GROUP BY c.out_day, c.category_id, ROLLUP (c.branch_id)
    HAVING sum(c.sign) <> 0
     ORDER BY 2, 1, 3
    ON CONFLICT (branch_id, day, category_id) DO UPDATE SET loans = s.loans + excluded.loans;

    INSERT INTO stats_month_category AS s (branch_id, month, category_id, loans)
    SELECT coalesce(c.branch_id, 0), date_trunc('month', c.out_day::timestamp)::date,
           c.category_id, sum(c.sign)
      FROM unnest(ch) c
     GROUP BY date_trunc('month', c.out_day::timestamp)::date, c.category_id, ROLLUP (c.branch_id)
    HAVING sum(c.sign) <> 0
     ORDER BY 2, 1, 3
    ON CONFLICT (branch_id, month, category_id) DO UPDATE SET loans = s.loans + excluded.loans;

    INSERT INTO stats_item_loans AS s (item_id, loans)
    SELECT c.item_id, sum(c.sign) FROM unnest(ch) c
     GROUP BY c.item_id HAVING sum(c.sign) <> 0 ORDER BY 1
    ON CONFLICT (item_id) DO UPDATE SET loans = s.loans + excluded.loans;
    DELETE FROM stats_item_loans s
     WHERE s.item_id IN (SELECT c.item_id FROM unnest(ch) c) AND s.loans = 0;

    -- Borrower days and their points, one day at a time, each against the days before it.
    FOR r IN SELECT s.scope, c.borrower_ref AS ref, c.out_day AS day, sum(c.sign)::integer AS n
               FROM unnest(ch) c CROSS JOIN LATERAL (VALUES (0), (c.branch_id)) s (scope)
              GROUP BY s.scope, c.borrower_ref, c.out_day
             HAVING sum(c.sign) <> 0
              ORDER BY 1, 2, 3 LOOP
        INSERT INTO stats_borrower_day AS s (branch_id, borrower_ref, day, loans)
        VALUES (r.scope, r.ref, r.day, r.n)
        ON CONFLICT (branch_id, borrower_ref, day) DO UPDATE SET loans = s.loans + r.n
        RETURNING s.loans INTO now_loans;
        IF (now_loans - r.n = 0) <> (now_loans = 0) THEN
            SELECT max(day) INTO prev FROM stats_borrower_day
             WHERE branch_id = r.scope AND borrower_ref = r.ref AND day < r.day;
            SELECT min(day) INTO nxt FROM stats_borrower_day
             WHERE branch_id = r.scope AND borrower_ref = r.ref AND day > r.day;
            prev := coalesce(prev, '-infinity');
            IF now_loans > 0 THEN           -- the day became a borrowing day
                PERFORM stats_gap_add(r.scope, r.day, prev, 1);
                IF nxt IS NOT NULL THEN
                    PERFORM stats_gap_add(r.scope, nxt, prev, -1);
                    PERFORM stats_gap_add(r.scope, nxt, r.day, 1);
                END IF;
            ELSE                            -- the day is one no more
                DELETE FROM stats_borrower_day
                 WHERE branch_id = r.scope AND borrower_ref = r.ref AND day = r.day;
                PERFORM stats_gap_add(r.scope, r.day, prev, -1);
                IF nxt IS NOT NULL THEN
                    PERFORM stats_gap_add(r.scope, nxt, r.day, -1);
                    PERFORM stats_gap_add(r.scope, nxt, prev, 1);
                END IF;
            END IF;
        END IF;
    END LOOP;
END
$$;

-- What an item counts as "never lent" moved from branch and category (-1) to another (+1).
CREATE TYPE stats_never_change AS (branch_id integer, category_id integer, sign integer);

-- Fold the journal into the rollups. The caller holds FOLD_LOCK. "Never lent" (an item that is
-- not retired and has no loan, counted at its home branch and category) depends on the item and
-- its loans together, which may change in different transactions folded in any order; so it is
-- counted by state: for each item the batch touches, what it counted as before (its attributes
-- as last folded, with its loans as last folded) comes out and what it counts as now goes in. Its
-- attributes now are read from items in the snapshot that took the batch out of the journal, so
-- that they and the batch agree; before, they were the old row of its first change in the batch,
-- or, without a change, those of now.
CREATE FUNCTION stats_fold_now() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    loans_ch stats_loan_change[];
    items_ch stats_item_change[];
    never_ch stats_never_change[];
BEGIN
    WITH j AS (DELETE FROM rollup_journal RETURNING id, loans, items),
         lent AS (SELECT c.item_id, sum(c.sign)::integer AS n
                    FROM j, unnest(j.loans) c GROUP BY c.item_id),
         changed AS (SELECT DISTINCT ON (x.item_id) x.item_id, x.sign, x.branch_id,
                            x.category_id, x.active
                       FROM j, unnest(j.items) WITH ORDINALITY
                               x (sign, item_id, branch_id, category_id, donated_on, active, n)
                      ORDER BY x.item_id, j.id, x.n),
         touched AS (SELECT item_id FROM lent UNION SELECT item_id FROM changed),
         state AS (
            SELECT coalesce(sl.loans, 0) AS loans_before, coalesce(l.n, 0) AS lent,
                   CASE WHEN c.item_id IS NULL THEN i.branch_id
                        WHEN c.sign < 0 THEN c.branch_id END AS branch_before,
                   CASE WHEN c.item_id IS NULL THEN i.category_id
                        WHEN c.sign < 0 THEN c.category_id END AS category_before,
                   CASE WHEN c.item_id IS NULL THEN i.status <> 'retired'
                        WHEN c.sign < 0 THEN c.active END AS active_before,
                   i.branch_id, i.category_id, i.status <> 'retired' AS active
              FROM touched t
              LEFT JOIN lent l USING (item_id)
              LEFT JOIN changed c USING (item_id)
              LEFT JOIN items i ON i.id = t.item_id
              LEFT JOIN stats_item_loans sl ON sl.item_id = t.item_id)
    SELECT (SELECT array_agg(c ORDER BY j.id) FROM j, unnest(j.loans) c),
           (SELECT array_agg(c ORDER BY j.id) FROM j, unnest(j.items) c),
           (SELECT array_agg(ROW(x.branch_id, x.category_id, x.sign)::stats_never_change)
              FROM (SELECT branch_before AS branch_id, category_before AS category_id, -1 AS sign
                      FROM state WHERE active_before AND loans_before = 0
                    UNION ALL
                    SELECT branch_id, category_id, 1
                      FROM state WHERE active AND loans_before + lent = 0) x)
      INTO loans_ch, items_ch, never_ch;

    PERFORM stats_apply_loans(loans_ch);

    IF coalesce(cardinality(items_ch), 0) > 0 THEN
        INSERT INTO stats_donations AS s (branch_id, day, items)
        SELECT coalesce(c.branch_id, 0), c.donated_on, sum(c.sign)
          FROM unnest(items_ch) c
         GROUP BY c.donated_on, ROLLUP (c.branch_id)
        HAVING sum(c.sign) <> 0
         ORDER BY 2, 1
        ON CONFLICT (branch_id, day) DO UPDATE SET items = s.items + excluded.items;
    END IF;

    IF coalesce(cardinality(items_ch), 0) + coalesce(cardinality(never_ch), 0) > 0 THEN
        INSERT INTO stats_items AS s (branch_id, category_id, items, never_lent)
        SELECT coalesce(x.branch_id, 0), coalesce(x.category_id, 0), sum(x.items), sum(x.never)
          FROM (SELECT c.branch_id, c.category_id, c.sign AS items, 0 AS never
                  FROM unnest(items_ch) c WHERE c.active
                UNION ALL
                SELECT n.branch_id, n.category_id, 0, n.sign FROM unnest(never_ch) n) x
         GROUP BY CUBE (x.branch_id, x.category_id)
        HAVING sum(x.items) <> 0 OR sum(x.never) <> 0
         ORDER BY 1, 2
        ON CONFLICT (branch_id, category_id) DO UPDATE
           SET items = s.items + excluded.items, never_lent = s.never_lent + excluded.never_lent;
    END IF;
END
$$;

-- At the commit of a transaction that journaled a change: fold, unless a fold is running or a
-- server's folder will (FOLDER_LOCK, classid 1752787053, objid 1, held by the session of
-- `hylla serve`'s folder while it lives: see stats_fold_tick).
CREATE FUNCTION rollup_journal_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_try_advisory_xact_lock_shared(1752787053, 1)
       AND pg_try_advisory_xact_lock(1752787053, 0) THEN
        PERFORM stats_fold_now();
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER rollup_journal_fold AFTER INSERT ON rollup_journal
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION rollup_journal_fold();

-- Fold what the journal holds, waiting for a fold that is running to end first. For the server's
-- tick and for readers that saw the journal was not empty; nothing to do is one look.
CREATE FUNCTION stats_fold() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM rollup_journal) THEN
        PERFORM pg_advisory_xact_lock(1752787053, 0);
        PERFORM stats_fold_now();
    END IF;
END
$$;

-- The tick of `hylla serve`'s folder: fold, and hold FOLDER_LOCK for the session, so that
-- committing transactions leave their changes to this folder (folded a second later at most, many
-- at a time, which costs each change far less than folding it alone) instead of folding them
-- while they commit. A second server's folder finds the lock taken and folds all the same.
CREATE FUNCTION stats_fold_tick() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_locks
                    WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                      AND classid = 1752787053 AND objid = 1) THEN
        PERFORM pg_try_advisory_lock(1752787053, 1);
    END IF;
    PERFORM stats_fold();
END
$$;

-- stats_rebuild(), first taking the fold and emptying the journal, whose changes the rebuild
-- counts from loans and items themselves; 0006's function does the rest.
ALTER FUNCTION stats_rebuild() RENAME TO stats_rebuild_tables;
CREATE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1752787053, 0);
    LOCK TABLE loans, items IN SHARE MODE;
    DELETE FROM rollup_journal;
    PERFORM stats_rebuild_tables();
END
$$;

-- 0007's stats_verify compares the rollups with a rebuild; it now first folds the journal (and
-- keeps the fold to itself until it ends), so that the rollups it compares count every change.
-- The journal is named rollup_journal, not stats_*, so that it is no rollup to compare.
ALTER FUNCTION stats_verify() RENAME TO stats_verify_folded;
CREATE FUNCTION stats_verify()
RETURNS TABLE (rollup text, missing bigint, unexpected bigint)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1752787053, 0);
    PERFORM stats_fold_now();
    RETURN QUERY SELECT * FROM stats_verify_folded();
END
$$;

-- 3. The search, whose words 0004 matched by computing every item's text and stems anew for each
--    row it read. Items and categories now keep them (stored generated columns), and the two
--    indexes take the branch as well (btree_gin), so that a search within one branch reads only
--    that branch's matches from each index. btree_gin ships with PostgreSQL and is trusted, so the
--    owner of the database may create it, as pg_trgm.
CREATE EXTENSION IF NOT EXISTS btree_gin;

ALTER TABLE items
    ADD COLUMN search_tsv tsvector NOT NULL
        GENERATED ALWAYS AS (to_tsvector('swedish'::regconfig, name || ' ' || coalesce(brand, '')))
        STORED,
    ADD COLUMN search_text text NOT NULL
        GENERATED ALWAYS AS (hylla_fold(name || ' ' || coalesce(brand, ''))) STORED;
ALTER TABLE categories
    ADD COLUMN search_tsv tsvector NOT NULL
        GENERATED ALWAYS AS (to_tsvector('swedish'::regconfig, name_sv)) STORED,
    ADD COLUMN search_text text NOT NULL
        GENERATED ALWAYS AS (hylla_fold(name_sv || ' ' || name_en)) STORED;

DROP INDEX items_fts, items_trgm;
CREATE INDEX items_search_tsv ON items USING gin (branch_id, search_tsv);
CREATE INDEX items_search_text ON items USING gin (branch_id, search_text gin_trgm_ops);
-- A category and its subtree within one branch (the category CTEs of the search).
CREATE INDEX items_branch_category ON items (branch_id, category_id);

-- 0004's hylla_like_words as PL/pgSQL, whose plan a session keeps: as a SQL function its query was
-- planned again at every call.
CREATE OR REPLACE FUNCTION hylla_like_words(q text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
BEGIN
    RETURN ARRAY(SELECT '%' || replace(replace(replace(w, '\', '\\'), '%', '\%'), '_', '\_') || '%'
                   FROM regexp_split_to_table(hylla_fold(btrim(q)), '\s+') AS w
                  WHERE w <> ''
                  ORDER BY length(w) DESC, w);
END
$$;

-- 4. A checkout and a return, each one statement from the server: what loan_store.c sent as a
--    dozen statements between BEGIN and COMMIT (each a round trip), in the same order, with the
--    same row locks taken in the same order (the borrower, then the items by id, then the loans),
--    so that concurrent checkouts still queue instead of deadlocking, and the rules (the
--    borrower's branch, whether they are blocked, the branch's item limit) read once, inside.
--    A unique violation of loans_one_open_per_item still reaches the caller as an error, which
--    it answers as a refusal: the whole statement, and so the checkout, is undone.

-- Lend codes to a borrower in scope (0: any branch) as staff, due on the first day the branch is
-- open (the calendar's resolver, calendar_open_day of 0008) on or after the requested date, or
-- after the branch's loan period when none is requested (or on due, when the caller resolved it
-- already and gives it). key and request: the Idempotency-Key
-- and the canonical text of the request, or NULL. The outcome is one of done (due_date is the
-- loan's due date), replayed (response is the first answer), key_reused, no_borrower,
-- due_in_past or due_too_late (the requested date is before today or more than a year ahead),
-- never_open (the branch opens on no day within two years), refused (blocked, over_limit with
-- open_loans and item_limit, and problems: one per code, '' when the item can go, else unknown,
-- other_branch, on_loan, not_available or consent:AGE, when the category's age rule of 0015
-- (category_rules) asks for the guardian's consent from a borrower younger than AGE, as
-- loan_store.c asked it before: the borrower's age the year they turn it, a child without a
-- birth year counting as younger); nothing is written unless done. The loans get the borrower's
-- birth year and gender (0016's trigger) and a receipt (0014's trigger) as any other insert.
CREATE FUNCTION loan_checkout(staff integer, scope integer, borrower bigint, codes text[],
                              requested date, due date, key text, request text,
                              undo_minutes integer,
                              OUT outcome text, OUT response text, OUT blocked boolean,
                              OUT over_limit boolean, OUT open_loans integer,
                              OUT item_limit integer, OUT problems text[], OUT due_date date)
LANGUAGE plpgsql AS $$
DECLARE
    branch integer;
    checkout bigint;
    ids bigint[];
    same boolean;
    age integer;
    consent boolean;
BEGIN
    PERFORM set_config('hylla.staff_id', CASE WHEN staff > 0 THEN staff::text ELSE '' END, true);
    -- The borrower's lock queues checkouts for the same borrower (and the same key).
    -- Age rules stop only those without the guardian's consent whose age is known to be under
    -- the highest possible rule, or unknown for a child; for the others no rule is read.
    SELECT b.branch_id, b.blocked,
           coalesce(due, calendar_open_day(br.opening_hours, br.seasons, br.closed_periods,
                                           coalesce(requested, current_date + br.loan_days))),
           coalesce(borrower_age(b.birth_year, current_date), -1),
           NOT b.guardian_consent AND (borrower_age(b.birth_year, current_date) < 25
                                       OR (b.birth_year IS NULL AND b.guardian_id IS NOT NULL))
      INTO branch, blocked, due_date, age, consent
      FROM borrowers b JOIN branches br ON br.id = b.branch_id
     WHERE b.id = borrower AND (scope = 0 OR b.branch_id = scope)
       FOR UPDATE OF b;
    IF NOT FOUND THEN
        outcome := 'no_borrower';
        RETURN;
    END IF;
    outcome := CASE WHEN requested < current_date THEN 'due_in_past'
                    WHEN requested > current_date + 365 THEN 'due_too_late'
                    WHEN due_date IS NULL THEN 'never_open' END;
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    IF key IS NOT NULL THEN
        SELECT c.request_hash = sha256(convert_to(request, 'UTF8')), c.response::text
          INTO same, response FROM checkouts c WHERE c.staff_id = staff AND c.idempotency_key = key;
        IF FOUND THEN
            outcome := CASE WHEN same THEN 'replayed' ELSE 'key_reused' END;
            response := CASE WHEN same THEN response END;
            RETURN;
        END IF;
    END IF;

    -- The items, locked by id; what is wrong with each, in the order of codes.
    SELECT array_agg(coalesce(CASE WHEN i.id IS NULL THEN 'unknown'
                                   WHEN i.branch_id <> branch THEN 'other_branch'
                                   WHEN i.status = 'on_loan' THEN 'on_loan'
                                   WHEN i.status <> 'available' THEN 'not_available'
                                   WHEN r.consent_age > 0 AND age < r.consent_age
                                   THEN 'consent:' || r.consent_age
                                   ELSE '' END, '') ORDER BY u.n),
           array_agg(i.id ORDER BY i.id) FILTER (WHERE i.id IS NOT NULL)
      INTO problems, ids
      FROM unnest(codes) WITH ORDINALITY AS u (code, n)
      LEFT JOIN (SELECT it.id, it.code, it.branch_id, it.status, it.category_id FROM items it
                  WHERE it.code = ANY (codes) ORDER BY it.id FOR UPDATE) i ON i.code = u.code
      LEFT JOIN LATERAL (SELECT cr.consent_age FROM category_rules cr
                          WHERE consent AND cr.category_id = i.category_id) r ON true;
    -- Counted after the borrower's lock, in a snapshot of its own: a checkout for the same
    -- borrower that committed while we waited for the lock counts.
    SELECT count(*)::integer, (SELECT br.item_limit FROM branches br WHERE br.id = branch)
      INTO open_loans, item_limit
      FROM loans l WHERE l.borrower_id = borrower AND l.returned_at IS NULL;
    over_limit := open_loans + cardinality(codes) > item_limit;
    IF blocked OR over_limit OR EXISTS (SELECT FROM unnest(problems) p WHERE p <> '') THEN
        outcome := 'refused';
        RETURN;
    END IF;

    INSERT INTO checkouts (branch_id, borrower_id, staff_id, idempotency_key, request_hash)
    VALUES (branch, borrower, staff, key,
            CASE WHEN key IS NOT NULL THEN sha256(convert_to(request, 'UTF8')) END)
        ON CONFLICT (staff_id, idempotency_key) DO NOTHING
    RETURNING id INTO checkout;
    IF checkout IS NULL THEN
        -- The same key committed while we waited for the borrower: run again, as its retry.
        RAISE EXCEPTION 'a checkout with this key was made meanwhile'
            USING ERRCODE = 'serialization_failure';
    END IF;
    -- Loans, the items' status, the borrower's activity, the stored answer and the audit entry
    -- in one statement: loans and status cannot disagree.
    WITH lent AS (
        INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id,
                           borrower_ref, checked_out_by, due_date)
        SELECT checkout, i.id, i.branch_id, i.category_id, borrower, borrower, staff,
               loan_checkout.due_date
          FROM items i WHERE i.id = ANY (ids) ORDER BY i.id
        RETURNING loans.id, loans.item_id, loans.due_date),
     lending AS (
        UPDATE items SET status = 'on_loan', updated_at = now()
         WHERE id IN (SELECT item_id FROM lent)),
     active AS (
        UPDATE borrowers SET last_activity_at = now() WHERE id = borrower),
     answer AS (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', l.id, 'item', jsonb_build_object('code', i.code, 'name', i.name),
                   'due_date', l.due_date) ORDER BY u.n) AS loans,
               jsonb_agg(jsonb_build_object('id', l.id, 'item_id', l.item_id) ORDER BY l.id)
                   AS audited
          FROM lent l JOIN items i ON i.id = l.item_id
          JOIN unnest(codes) WITH ORDINALITY AS u (code, n) ON u.code = i.code),
     kept AS (
        UPDATE checkouts c SET response = jsonb_build_object(
                'checkout_id', c.id, 'due_date', loan_checkout.due_date,
                'undo_until', c.created_at + make_interval(mins => undo_minutes),
                'loans', (SELECT a.loans FROM answer a))
         WHERE c.id = checkout
        RETURNING c.response::text AS text),
     audited AS (
        INSERT INTO audit_log (staff_id, action, object_type, object_id, branch_id, details)
        SELECT nullif(staff, 0), 'checkout', 'checkout', checkout, branch,
               jsonb_build_object('borrower_id', borrower, 'loans', a.audited)
          FROM answer a)
    SELECT k.text INTO response FROM kept k;
    outcome := 'done';
END
$$;

-- Return the item with this code (upper case) as staff within scope: its open loan closed now
-- (or at the start of returned_on, never before the checkout), the item available (or in
-- repair, the note then also in its status history), the note kept on the loan, the borrower's
-- last activity, the audit entry loan_returned. A lost item that comes back is found instead:
-- available (or repair) again, with the audit entry item_found, its last loan (closed as lost)
-- as it is. The outcome is done or found (with what was returned), unknown_item, not_on_loan
-- (also when someone else returned or found it meanwhile), other_branch or before_checkout;
-- nothing is written unless done or found.
CREATE FUNCTION loan_return(staff integer, scope integer, item_code text, repair boolean,
                            note text, returned_on date,
                            OUT outcome text, OUT loan_id bigint, OUT code text, OUT name text,
                            OUT borrower_id bigint, OUT borrower_name text, OUT due_date date,
                            OUT overdue_days integer, OUT item_status text)
LANGUAGE plpgsql AS $$
DECLARE
    f record;
    item bigint;
BEGIN
    PERFORM set_config('hylla.staff_id', CASE WHEN staff > 0 THEN staff::text ELSE '' END, true);
    SELECT lo.id, lo.branch_id, lo.borrower_id,
           coalesce(returned_on < lo.checked_out_at::date, false) AS too_early,
           i.status = 'lost' AS lost, i.branch_id AS item_branch
      INTO f
      FROM items i LEFT JOIN loans lo ON lo.item_id = i.id AND lo.returned_at IS NULL
     WHERE i.code = item_code;
    outcome := CASE WHEN NOT FOUND THEN 'unknown_item'
                    WHEN f.id IS NULL AND f.lost AND scope <> 0 AND f.item_branch <> scope
                    THEN 'other_branch'
                    WHEN f.id IS NULL AND NOT f.lost THEN 'not_on_loan'
                    WHEN f.id IS NULL THEN NULL
                    WHEN scope <> 0 AND f.branch_id <> scope THEN 'other_branch'
                    WHEN f.too_early THEN 'before_checkout' END;
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    IF repair THEN
        PERFORM set_config('hylla.status_note', coalesce(note, ''), true);
    END IF;

    IF f.id IS NULL THEN
        -- Found: the item, and what its last loan says.
        UPDATE items i SET status = CASE WHEN repair THEN 'repair' ELSE 'available' END,
               updated_at = now()
         WHERE i.code = item_code AND i.status = 'lost'
        RETURNING i.id, i.code, i.name, i.status INTO item, code, name, item_status;
        IF NOT FOUND THEN
            outcome := 'not_on_loan';
            RETURN;
        END IF;
        SELECT lo.id, lo.due_date, greatest(0, current_date - lo.due_date), b.id, b.name
          INTO loan_id, due_date, overdue_days, borrower_id, borrower_name
          FROM loans lo LEFT JOIN borrowers b ON b.id = lo.borrower_id
         WHERE lo.item_id = item
         ORDER BY lo.checked_out_at DESC, lo.id DESC LIMIT 1;
        INSERT INTO audit_log (staff_id, action, object_type, object_id, branch_id, details)
        VALUES (nullif(staff, 0), 'item_found', 'item', item, f.item_branch,
                jsonb_build_object('loan_id', loan_id, 'repair', repair));
        outcome := 'found';
        RETURN;
    END IF;

    -- The borrower first, as a checkout locks it first: the same order everywhere.
    UPDATE borrowers b SET last_activity_at = greatest(b.last_activity_at, now())
     WHERE b.id = f.borrower_id;
    -- The loan closed, the item back, the audit entry and the answer, in one statement.
    WITH l AS (
        UPDATE loans lo SET returned_at = CASE WHEN returned_on IS NULL THEN now()
                                ELSE greatest(lo.checked_out_at, returned_on::timestamptz) END,
               returned_by = staff, return_note = note
         WHERE lo.id = f.id AND lo.returned_at IS NULL
        RETURNING lo.id, lo.item_id, lo.borrower_id, lo.due_date,
                  greatest(0, lo.returned_at::date - lo.due_date) AS overdue),
     back AS (
        UPDATE items i SET status = CASE WHEN repair THEN 'repair' ELSE 'available' END,
               updated_at = now()
         WHERE i.id = (SELECT l.item_id FROM l) AND i.status = 'on_loan'
        RETURNING i.status),
     audited AS (
        INSERT INTO audit_log (staff_id, action, object_type, object_id, branch_id, details)
        SELECT nullif(staff, 0), 'loan_returned', 'loan', l.id, f.branch_id,
               jsonb_build_object('item_id', l.item_id, 'repair', repair,
                                  'backdated', returned_on IS NOT NULL, 'overdue_days', l.overdue)
          FROM l)
    SELECT l.id, it.code, it.name, coalesce((SELECT back.status FROM back), it.status),
           b.id, b.name, l.due_date, l.overdue
      INTO loan_id, code, name, item_status, borrower_id, borrower_name, due_date, overdue_days
      FROM l JOIN items it ON it.id = l.item_id LEFT JOIN borrowers b ON b.id = l.borrower_id;
    IF NOT FOUND THEN
        outcome := 'not_on_loan'; -- returned by someone else meanwhile
        RETURN;
    END IF;
    outcome := 'done';
END
$$;
