-- 0006_stats: statistics rollups, kept right by triggers in the same transaction as every change
-- to loans and items, whatever code makes the change (the desk, an import, demo data, a bulk
-- load). The statistics API reads only these tables and small indexed slices of them, so a report
-- over ten million loans costs about what one over ten thousand does.
--
-- Definitions (all days are calendar days in Europe/Stockholm, whatever the session's TimeZone):
--   loan          counts on the day it was checked out, at the branch that lent it, in the
--                 category the item had then (loans.category_id);
--   return        counts on the day it was returned; it is late when that day is after the
--                 due date; its length is returned_at - checked_out_at in seconds;
--   borrower      loans.borrower_ref, which survives erasure, so counts of past periods never
--                 change when borrowers are anonymised;
--   donation      an item counts on its donated_on day at its home branch;
--   never lent    an item that is not retired and has no loan at all, at its home branch.
-- branch_id 0 in a rollup means the whole network; category_id 0 means every category. The
-- primary keys of the tables the report reads carry the counters (INCLUDE), so a report reads
-- index pages only.
--
-- Changes come as one set per statement (statement triggers with transition tables), so a
-- checkout of five items costs one pass, and a bulk load can instead disable the triggers and
-- call stats_rebuild() once (contrib/bench/generate does).
--
-- Contention: every statement that changes the loans of a day first updates that day's network
-- row of stats_day, so changes to the same day queue there and take the remaining rollup rows
-- in the same order (no deadlock between checkouts). The queue is held from the trigger to the
-- commit: with ten million loans the network manages about 200 checkouts a second that way
-- (contrib/bench/README.md), while a busy network makes a few a second at most. Deadlocks remain
-- possible only for transactions that change loans of several days in opposite orders (undoing
-- old checkouts in bulk); they fail with 40P01 and store_tx runs them again.

-- Loans, returns, late returns and loan seconds per day and per month.
CREATE TABLE stats_day (
    branch_id    integer NOT NULL,
    day          date NOT NULL,
    loans        integer NOT NULL DEFAULT 0,
    returns      integer NOT NULL DEFAULT 0,
    returns_late integer NOT NULL DEFAULT 0,
    loan_seconds bigint NOT NULL DEFAULT 0,
    new_borrowers integer NOT NULL DEFAULT 0,       -- borrowing here for the first time ever
    PRIMARY KEY (branch_id, day)
        INCLUDE (loans, returns, returns_late, loan_seconds, new_borrowers)
);

CREATE TABLE stats_month (
    branch_id    integer NOT NULL,
    month        date NOT NULL,                     -- the first day of the month
    loans        integer NOT NULL DEFAULT 0,
    returns      integer NOT NULL DEFAULT 0,
    returns_late integer NOT NULL DEFAULT 0,
    loan_seconds bigint NOT NULL DEFAULT 0,
    new_borrowers integer NOT NULL DEFAULT 0,
    PRIMARY KEY (branch_id, month)
        INCLUDE (loans, returns, returns_late, loan_seconds, new_borrowers)
);

-- Loans per category (category_id is never 0 here: stats_day holds the totals).
CREATE TABLE stats_day_category (
    branch_id   integer NOT NULL,
    day         date NOT NULL,
    category_id integer NOT NULL,
    loans       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (branch_id, day, category_id) INCLUDE (loans)
);

CREATE TABLE stats_month_category (
    branch_id   integer NOT NULL,
    month       date NOT NULL,
    category_id integer NOT NULL,
    loans       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (branch_id, month, category_id) INCLUDE (loans)
);

-- Unique borrowers of any period, exactly, without reading the borrowers of the period.
-- stats_borrower_day holds the days on which a borrower borrowed (per branch and in the network).
-- Each such day is a point (day, prev_day), prev_day being the borrower's previous day there
-- (none for their first day). A borrower borrowed in [f, t] exactly when one of their points has
-- f <= day <= t and no prev_day or prev_day < f, and only one point does; so
--     unique(f, t) = new_borrowers(f..t) + sum over days d in [f, t] of #{points of d: prev_day < f}.
-- new_borrowers (first days) is a column of stats_day and stats_month. stats_borrower_gap counts
-- the other points per (day, prev_day) with a running sum over prev_day within the day, so a day
-- of the period costs one index probe; stats_borrower_gap_month does the same per (month,
-- prev_day), so a whole month of the period costs one probe too. A new point updates only the
-- rows of its day and month whose prev_day lies between its own prev_day and its day: few,
-- because borrowers mostly come back within weeks.
CREATE TABLE stats_borrower_day (
    branch_id    integer NOT NULL,
    borrower_ref bigint NOT NULL,
    day          date NOT NULL,
    loans        integer NOT NULL,     -- rows that reach 0 are deleted
    PRIMARY KEY (branch_id, borrower_ref, day)
);

CREATE TABLE stats_borrower_gap (
    branch_id integer NOT NULL,
    day       date NOT NULL,
    prev_day  date NOT NULL,
    borrowers integer NOT NULL,        -- rows that reach 0 are deleted
    running   integer NOT NULL,        -- sum of borrowers of this day's rows up to this prev_day
    PRIMARY KEY (branch_id, day, prev_day) INCLUDE (running)
);

CREATE TABLE stats_borrower_gap_month (
    branch_id integer NOT NULL,
    month     date NOT NULL,
    prev_day  date NOT NULL,
    borrowers integer NOT NULL,        -- rows that reach 0 are deleted
    running   integer NOT NULL,        -- sum of borrowers of this month's rows up to prev_day
    PRIMARY KEY (branch_id, month, prev_day) INCLUDE (running)
);

-- Loans per item ever (only items with loans), for "never lent".
CREATE TABLE stats_item_loans (
    item_id bigint PRIMARY KEY,
    loans   integer NOT NULL           -- rows that reach 0 are deleted
);

-- Items donated per day, by home branch.
CREATE TABLE stats_donations (
    branch_id integer NOT NULL,
    day       date NOT NULL,
    items     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (branch_id, day) INCLUDE (items)
);

-- Items in the catalogue now (not retired), and how many of them were never lent, by home branch
-- and current category (0: all).
CREATE TABLE stats_items (
    branch_id   integer NOT NULL,
    category_id integer NOT NULL,
    items       integer NOT NULL DEFAULT 0,
    never_lent  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (branch_id, category_id)
);

-- The impact factors that apply to each category: its own, or else its nearest ancestor's
-- (separately for kg CO2e and SEK), so an admin can set a figure for "Skidor" and have every
-- kind of ski without a figure of its own use it. A category with no factor up its whole line
-- counts 0.
CREATE VIEW stats_category_factors AS
WITH RECURSIVE line AS (
    SELECT id, id AS ancestor, parent_id, co2e_kg, sek, 0 AS depth FROM categories
    UNION ALL
    SELECT l.id, p.id, p.parent_id, p.co2e_kg, p.sek, l.depth + 1
      FROM line l JOIN categories p ON p.id = l.parent_id
     WHERE l.depth < 32
)
SELECT c.id AS category_id,
       coalesce((SELECT l.co2e_kg FROM line l WHERE l.id = c.id AND l.co2e_kg IS NOT NULL
                  ORDER BY l.depth LIMIT 1), 0) AS co2e_kg,
       coalesce((SELECT l.sek FROM line l WHERE l.id = c.id AND l.sek IS NOT NULL
                  ORDER BY l.depth LIMIT 1), 0) AS sek
  FROM categories c;

-- How a period f..t is read from the rollups: the whole months inside it, from
-- stats_months_from(f) up to (not including) stats_months_until(f, t), come from the month tables,
-- and the days before and after them from the day tables. A year costs twelve month rows; any
-- period at most about sixty day rows besides its months. (Plain expressions of the arguments, so
-- that they become index bounds.)
CREATE FUNCTION stats_months_from(f date) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT (date_trunc('month', (f - 1)::timestamp) + interval '1 month')::date
$$;

CREATE FUNCTION stats_months_until(f date, t date) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT greatest(stats_months_from(f), date_trunc('month', (t + 1)::timestamp)::date)
$$;

-- What one version of a loan row contributes, with a sign: +1 for a row that now exists, -1 for
-- one that no longer does (an UPDATE is both).
CREATE TYPE stats_loan_change AS (
    sign         integer,
    item_id      bigint,
    branch_id    integer,
    category_id  integer,
    borrower_ref bigint,
    out_day      date,
    ret_day      date,
    late         boolean,
    seconds      bigint
);

CREATE FUNCTION stats_loan_facts(sign integer, l loans) RETURNS stats_loan_change
LANGUAGE sql STABLE AS $$
    SELECT ROW(sign, l.item_id, l.branch_id, l.category_id, l.borrower_ref,
               (l.checked_out_at AT TIME ZONE 'Europe/Stockholm')::date,
               (l.returned_at AT TIME ZONE 'Europe/Stockholm')::date,
               (l.returned_at AT TIME ZONE 'Europe/Stockholm')::date > l.due_date,
               round(extract(epoch FROM l.returned_at - l.checked_out_at))::bigint
              )::stats_loan_change
$$;

-- Add delta points (day, prev_day) of a scope: a first day (prev '-infinity') to new_borrowers,
-- any other to stats_borrower_gap and stats_borrower_gap_month, keeping their running sums.
CREATE FUNCTION stats_gap_add(scope integer, d date, prev date, delta integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', d::timestamp)::date;
BEGIN
    IF prev = '-infinity' THEN
        INSERT INTO stats_day AS s (branch_id, day, new_borrowers) VALUES (scope, d, delta)
        ON CONFLICT (branch_id, day) DO UPDATE SET new_borrowers = s.new_borrowers + delta;
        INSERT INTO stats_month AS s (branch_id, month, new_borrowers) VALUES (scope, m, delta)
        ON CONFLICT (branch_id, month) DO UPDATE SET new_borrowers = s.new_borrowers + delta;
        RETURN;
    END IF;

    INSERT INTO stats_borrower_gap AS g (branch_id, day, prev_day, borrowers, running)
    VALUES (scope, d, prev, delta,
            delta + coalesce((SELECT b.running FROM stats_borrower_gap b
                               WHERE b.branch_id = scope AND b.day = d AND b.prev_day < prev
                               ORDER BY b.prev_day DESC LIMIT 1), 0))
    ON CONFLICT (branch_id, day, prev_day)
    DO UPDATE SET borrowers = g.borrowers + delta, running = g.running + delta;
    UPDATE stats_borrower_gap SET running = running + delta
     WHERE branch_id = scope AND day = d AND prev_day > prev;
    DELETE FROM stats_borrower_gap
     WHERE branch_id = scope AND day = d AND prev_day = prev AND borrowers = 0;

    INSERT INTO stats_borrower_gap_month AS g (branch_id, month, prev_day, borrowers, running)
    VALUES (scope, m, prev, delta,
            delta + coalesce((SELECT b.running FROM stats_borrower_gap_month b
                               WHERE b.branch_id = scope AND b.month = m AND b.prev_day < prev
                               ORDER BY b.prev_day DESC LIMIT 1), 0))
    ON CONFLICT (branch_id, month, prev_day)
    DO UPDATE SET borrowers = g.borrowers + delta, running = g.running + delta;
    UPDATE stats_borrower_gap_month SET running = running + delta
     WHERE branch_id = scope AND month = m AND prev_day > prev;
    DELETE FROM stats_borrower_gap_month
     WHERE branch_id = scope AND month = m AND prev_day = prev AND borrowers = 0;
END
$$;

-- Apply a set of loan changes to every loan rollup.
CREATE FUNCTION stats_apply_loans(ch stats_loan_change[]) RETURNS void
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

    -- First, so that the network row of each day orders everything after it (see the top).
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
      FROM (SELECT c.branch_id, date_trunc('month', c.out_day::timestamp)::date AS month, c.sign AS loans,
                   0 AS returns, 0 AS late, 0::bigint AS seconds
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
    SELECT coalesce(c.branch_id, 0), date_trunc('month', c.out_day::timestamp)::date, c.category_id,
           sum(c.sign)
      FROM unnest(ch) c
     GROUP BY date_trunc('month', c.out_day::timestamp)::date, c.category_id, ROLLUP (c.branch_id)
    HAVING sum(c.sign) <> 0
     ORDER BY 2, 1, 3
    ON CONFLICT (branch_id, month, category_id) DO UPDATE SET loans = s.loans + excluded.loans;

    -- Never lent: an item's first loan (or the undo of its only one) moves it, at its home branch
    -- and current category. The item rows are locked so that a concurrent change of the item
    -- (another branch, category or status) sees this loan, and this loan sees that change.
    PERFORM 1 FROM items
      WHERE id IN (SELECT c.item_id FROM unnest(ch) c) ORDER BY id FOR NO KEY UPDATE;
    WITH d AS (SELECT c.item_id, sum(c.sign)::integer AS n FROM unnest(ch) c
                GROUP BY c.item_id HAVING sum(c.sign) <> 0),
         up AS (INSERT INTO stats_item_loans AS s (item_id, loans)
                SELECT d.item_id, d.n FROM d ORDER BY d.item_id
                ON CONFLICT (item_id) DO UPDATE SET loans = s.loans + excluded.loans
                RETURNING s.item_id, s.loans),
         flips AS (SELECT up.item_id, CASE WHEN up.loans = 0 THEN 1 ELSE -1 END AS never
                     FROM up JOIN d USING (item_id)
                    WHERE (up.loans = 0) <> (up.loans - d.n = 0))
    INSERT INTO stats_items AS s (branch_id, category_id, items, never_lent)
    SELECT coalesce(i.branch_id, 0), coalesce(i.category_id, 0), 0, sum(f.never)
      FROM flips f JOIN items i ON i.id = f.item_id
     WHERE i.status <> 'retired'
     GROUP BY CUBE (i.branch_id, i.category_id)
    HAVING sum(f.never) <> 0
     ORDER BY 1, 2
    ON CONFLICT (branch_id, category_id) DO UPDATE SET never_lent = s.never_lent + excluded.never_lent;
    DELETE FROM stats_item_loans s
     WHERE s.item_id IN (SELECT c.item_id FROM unnest(ch) c) AND s.loans = 0;

    -- Borrower days and their points. Changes of one borrower queue on a lock of their own, so
    -- the previous and next days read below stay true until commit; a statement about many
    -- borrowers (a bulk undo or import) takes the table instead of thousands of locks.
    IF (SELECT count(DISTINCT c.borrower_ref) FROM unnest(ch) c) > 64 THEN
        LOCK TABLE stats_borrower_day IN SHARE ROW EXCLUSIVE MODE;
    ELSE
        PERFORM pg_advisory_xact_lock(1752787052, hashint8(b.ref))
           FROM (SELECT DISTINCT c.borrower_ref AS ref FROM unnest(ch) c) b
          ORDER BY hashint8(b.ref);
    END IF;
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

CREATE FUNCTION stats_loans_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_apply_loans(ARRAY(SELECT stats_loan_facts(1, n) FROM stats_new n));
    RETURN NULL;
END
$$;

-- Only rows whose contribution changed count: renewals and erasures (borrower_id set to NULL)
-- change nothing here.
CREATE FUNCTION stats_loans_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_apply_loans(ARRAY(
        SELECT f FROM stats_old o JOIN stats_new n ON n.id = o.id,
               LATERAL (VALUES (stats_loan_facts(-1, o)), (stats_loan_facts(1, n))) v (f)
         WHERE stats_loan_facts(1, o) IS DISTINCT FROM stats_loan_facts(1, n)));
    RETURN NULL;
END
$$;

CREATE FUNCTION stats_loans_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_apply_loans(ARRAY(SELECT stats_loan_facts(-1, o) FROM stats_old o));
    RETURN NULL;
END
$$;

CREATE TRIGGER stats_loans_insert AFTER INSERT ON loans
    REFERENCING NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION stats_loans_inserted();
CREATE TRIGGER stats_loans_update AFTER UPDATE ON loans
    REFERENCING OLD TABLE AS stats_old NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION stats_loans_updated();
CREATE TRIGGER stats_loans_delete AFTER DELETE ON loans
    REFERENCING OLD TABLE AS stats_old
    FOR EACH STATEMENT EXECUTE FUNCTION stats_loans_deleted();

-- Items: donations and the catalogue counts.
CREATE TYPE stats_item_change AS (
    sign        integer,
    item_id     bigint,
    branch_id   integer,
    category_id integer,
    donated_on  date,
    active      boolean
);

CREATE FUNCTION stats_item_facts(sign integer, i items) RETURNS stats_item_change
LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(sign, i.id, i.branch_id, i.category_id, i.donated_on,
               i.status <> 'retired')::stats_item_change
$$;

CREATE FUNCTION stats_apply_items(ch stats_item_change[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(ch), 0) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO stats_donations AS s (branch_id, day, items)
    SELECT coalesce(c.branch_id, 0), c.donated_on, sum(c.sign)
      FROM unnest(ch) c
     GROUP BY c.donated_on, ROLLUP (c.branch_id)
    HAVING sum(c.sign) <> 0
     ORDER BY 2, 1
    ON CONFLICT (branch_id, day) DO UPDATE SET items = s.items + excluded.items;

    INSERT INTO stats_items AS s (branch_id, category_id, items, never_lent)
    SELECT coalesce(c.branch_id, 0), coalesce(c.category_id, 0), sum(c.sign),
           coalesce(sum(c.sign) FILTER (WHERE l.item_id IS NULL), 0)
      FROM unnest(ch) c LEFT JOIN stats_item_loans l ON l.item_id = c.item_id
     WHERE c.active
     GROUP BY CUBE (c.branch_id, c.category_id)
    HAVING sum(c.sign) <> 0 OR coalesce(sum(c.sign) FILTER (WHERE l.item_id IS NULL), 0) <> 0
     ORDER BY 1, 2
    ON CONFLICT (branch_id, category_id) DO UPDATE
       SET items = s.items + excluded.items,
           never_lent = s.never_lent + excluded.never_lent;
END
$$;

CREATE FUNCTION stats_items_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_apply_items(ARRAY(SELECT stats_item_facts(1, n) FROM stats_new n));
    RETURN NULL;
END
$$;

-- Status changes between available, on loan and repair (every checkout and return) cancel out.
CREATE FUNCTION stats_items_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_apply_items(ARRAY(
        SELECT f FROM stats_old o JOIN stats_new n ON n.id = o.id,
               LATERAL (VALUES (stats_item_facts(-1, o)), (stats_item_facts(1, n))) v (f)
         WHERE stats_item_facts(1, o) IS DISTINCT FROM stats_item_facts(1, n)));
    RETURN NULL;
END
$$;

CREATE FUNCTION stats_items_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_apply_items(ARRAY(SELECT stats_item_facts(-1, o) FROM stats_old o));
    RETURN NULL;
END
$$;

CREATE TRIGGER stats_items_insert AFTER INSERT ON items
    REFERENCING NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION stats_items_inserted();
CREATE TRIGGER stats_items_update AFTER UPDATE ON items
    REFERENCING OLD TABLE AS stats_old NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION stats_items_updated();
CREATE TRIGGER stats_items_delete AFTER DELETE ON items
    REFERENCING OLD TABLE AS stats_old
    FOR EACH STATEMENT EXECUTE FUNCTION stats_items_deleted();

-- Recompute every rollup from loans and items, as the triggers would have left them. For bulk
-- loads that run with the triggers disabled (ALTER TABLE loans DISABLE TRIGGER USER, or
-- session_replication_role = replica), and for checking the triggers: the test suite compares
-- what they kept with what this computes. Blocks changes to loans and items while it runs.
CREATE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE loans, items IN SHARE MODE;
    TRUNCATE stats_day, stats_month, stats_day_category, stats_month_category,
             stats_borrower_day, stats_borrower_gap, stats_borrower_gap_month, stats_item_loans,
             stats_donations, stats_items;

    CREATE TEMP TABLE stats_rebuild_facts ON COMMIT DROP AS
    SELECT f.* FROM loans l, LATERAL stats_loan_facts(1, l) f;

    INSERT INTO stats_borrower_day (branch_id, borrower_ref, day, loans)
    SELECT coalesce(branch_id, 0), borrower_ref, out_day, count(*)
      FROM stats_rebuild_facts GROUP BY borrower_ref, out_day, ROLLUP (branch_id);

    CREATE TEMP TABLE stats_rebuild_points ON COMMIT DROP AS
    SELECT branch_id, day, lag(day) OVER (PARTITION BY branch_id, borrower_ref ORDER BY day)
               AS prev_day
      FROM stats_borrower_day;

    INSERT INTO stats_day (branch_id, day, loans, returns, returns_late, loan_seconds,
                           new_borrowers)
    SELECT f.branch_id, f.day, f.loans, f.returns, f.late, f.seconds, coalesce(p.n, 0)
      FROM (SELECT coalesce(branch_id, 0) AS branch_id, day, sum(loans) AS loans,
                   sum(returns) AS returns, sum(late) AS late, sum(seconds) AS seconds
              FROM (SELECT branch_id, out_day AS day, 1 AS loans, 0 AS returns, 0 AS late,
                           0::bigint AS seconds FROM stats_rebuild_facts
                    UNION ALL
                    SELECT branch_id, ret_day, 0, 1, late::integer, seconds
                      FROM stats_rebuild_facts WHERE ret_day IS NOT NULL) x
             GROUP BY day, ROLLUP (branch_id)) f
      LEFT JOIN (SELECT branch_id, day, count(*) AS n FROM stats_rebuild_points
                  WHERE prev_day IS NULL GROUP BY 1, 2) p USING (branch_id, day)
     ORDER BY 1, 2;

    INSERT INTO stats_month (branch_id, month, loans, returns, returns_late, loan_seconds,
                             new_borrowers)
    SELECT branch_id, date_trunc('month', day::timestamp)::date, sum(loans), sum(returns),
           sum(returns_late), sum(loan_seconds), sum(new_borrowers)
      FROM stats_day GROUP BY 1, 2 ORDER BY 1, 2;

    INSERT INTO stats_day_category (branch_id, day, category_id, loans)
    SELECT coalesce(branch_id, 0), out_day, category_id, count(*)
      FROM stats_rebuild_facts GROUP BY out_day, category_id, ROLLUP (branch_id)
     ORDER BY 1, 2, 3;

    INSERT INTO stats_month_category (branch_id, month, category_id, loans)
    SELECT branch_id, date_trunc('month', day::timestamp)::date, category_id, sum(loans)
      FROM stats_day_category GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

    INSERT INTO stats_item_loans (item_id, loans)
    SELECT item_id, count(*) FROM stats_rebuild_facts GROUP BY item_id;

    INSERT INTO stats_donations (branch_id, day, items)
    SELECT coalesce(branch_id, 0), donated_on, count(*)
      FROM items GROUP BY donated_on, ROLLUP (branch_id) ORDER BY 1, 2;

    INSERT INTO stats_items (branch_id, category_id, items, never_lent)
    SELECT coalesce(i.branch_id, 0), coalesce(i.category_id, 0), count(*),
           count(*) FILTER (WHERE l.item_id IS NULL)
      FROM items i LEFT JOIN stats_item_loans l ON l.item_id = i.id
     WHERE i.status <> 'retired'
     GROUP BY CUBE (i.branch_id, i.category_id);

    INSERT INTO stats_borrower_gap (branch_id, day, prev_day, borrowers, running)
    SELECT branch_id, day, prev_day, n,
           sum(n) OVER (PARTITION BY branch_id, day ORDER BY prev_day)
      FROM (SELECT branch_id, day, prev_day, count(*)::integer AS n
              FROM stats_rebuild_points WHERE prev_day IS NOT NULL GROUP BY 1, 2, 3) g
     ORDER BY 1, 2, 3;

    INSERT INTO stats_borrower_gap_month (branch_id, month, prev_day, borrowers, running)
    SELECT branch_id, month, prev_day, n,
           sum(n) OVER (PARTITION BY branch_id, month ORDER BY prev_day)
      FROM (SELECT branch_id, date_trunc('month', day::timestamp)::date AS month, prev_day,
                   count(*)::integer AS n
              FROM stats_rebuild_points WHERE prev_day IS NOT NULL GROUP BY 1, 2, 3) g
     ORDER BY 1, 2, 3;

    -- No ANALYZE here: statistics of tables analysed while empty would steer the triggers'
    -- cached plans to sequential scans. A bulk load analyses after calling this.
    DROP TABLE stats_rebuild_facts, stats_rebuild_points;
END
$$;

-- What a database holds before this migration (demo data, an import) enters the rollups now.
SELECT stats_rebuild();
