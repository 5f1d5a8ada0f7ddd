-- 0022_people_fold: a fold reads a borrower's whole history only when a day of theirs comes or
-- goes (issue 14).
--
-- 1. The people rollups. 0020's stats_apply_people read every loan of each borrower of the
--    batch, in every scope, and computed the points of all their days twice (after the batch
--    and before it), to keep those that differ. But the points of a borrower in a scope (branch
--    or network, category or all, age band, gender or everyone) change only when the set of
--    their days in that scope changes: when a day gets its first loan there, or loses its last.
--    A borrower's second loan of a day, a return (it changes no day), or a loan in a scope where
--    they have already borrowed that day, changes no point. So the fold now first counts, for
--    each scope and day whose count the batch changes, the borrower's loans of that day after
--    the batch and before it (a range of loans_borrower_ref_time: only that day's loans), and
--    runs 0020's computation only for the scopes of a borrower where a day came or went. The
--    figures are exactly 0020's: for the other scopes the days after and before are the same
--    set, so their points cancel.
--
--    What that cost the desk: contrib/bench's lend-and-return cycle lends and returns the same
--    items to the same borrowers hundreds of times a day, each time reading the borrower's
--    whole history; the folder took 0.2-0.4 ms of PostgreSQL's CPU per cycle (12-17% of the
--    cluster's), and more as the borrowers' histories grew (the bench's borrowers reached 3,243
--    loans).

-- A borrower's loans by time, for the fold's reading of a day's loans; it replaces 0020's
-- loans_borrower_ref, which the fold's whole-history reads use as well.
CREATE INDEX loans_borrower_ref_time ON loans (borrower_ref, checked_out_at);
DROP INDEX loans_borrower_ref;

-- The scopes of what places a loan in them (0020's stats_people_scopes of a loan is this of its
-- branch, category, band and gender), so that loans alike are placed once.
CREATE FUNCTION stats_people_scopes(branch integer, category integer, band smallint,
                                    gender smallint)
RETURNS TABLE (branch_id integer, category_id integer, code smallint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT b, k, g
      FROM unnest(ARRAY[0, branch]) b, unnest(ARRAY[0, category]) k,
           unnest(ARRAY[0, band, gender]::smallint[]) g
     WHERE k <> 0 OR g <> 0
$$;
CREATE OR REPLACE FUNCTION stats_people_scopes(c stats_loan_change)
RETURNS TABLE (branch_id integer, category_id integer, code smallint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT * FROM stats_people_scopes(c.branch_id, c.category_id, c.band, c.gender)
$$;

CREATE OR REPLACE FUNCTION stats_apply_people(ch stats_loan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    pts stats_people_point[];
BEGIN
    IF coalesce(cardinality(ch), 0) = 0 THEN
        RETURN;
    END IF;
    -- The loans of each scope and day (month), changes alike summed before they are placed in
    -- their scopes.
    INSERT INTO stats_people_day AS s (branch_id, category_id, code, day, loans)
    SELECT p.branch_id, p.category_id, p.code, k.out_day, sum(k.n)
      FROM (SELECT c.out_day, c.branch_id, c.category_id, c.band, c.gender, sum(c.sign) AS n
              FROM unnest(ch) c GROUP BY 1, 2, 3, 4, 5) k,
           LATERAL stats_people_scopes(k.branch_id, k.category_id, k.band, k.gender) p
     GROUP BY 1, 2, 3, 4 HAVING sum(k.n) <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (branch_id, category_id, code, day) DO UPDATE SET loans = s.loans + excluded.loans;

    INSERT INTO stats_people_month AS s (branch_id, category_id, code, month, loans)
    SELECT p.branch_id, p.category_id, p.code, k.month, sum(k.n)
      FROM (SELECT date_trunc('month', c.out_day::timestamp)::date AS month, c.branch_id,
                   c.category_id, c.band, c.gender, sum(c.sign) AS n
              FROM unnest(ch) c GROUP BY 1, 2, 3, 4, 5) k,
           LATERAL stats_people_scopes(k.branch_id, k.category_id, k.band, k.gender) p
     GROUP BY 1, 2, 3, 4 HAVING sum(k.n) <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (branch_id, category_id, code, month)
    DO UPDATE SET loans = s.loans + excluded.loans;

    -- As 0020, each fact counts with a sign after the batch (a) and before it (b): the loans as
    -- they are now, less the journal's changes not taken, are the state after; less the batch
    -- too, before. First only the batch's days are counted, and only those where the batch
    -- changes a count (a return changes none): moved are the scopes of a borrower where one of
    -- those days came or went. Then every day of those scopes. Facts alike (the same borrower,
    -- day, branch, category, band and gender) are summed before they are placed in their scopes,
    -- and each borrower's loans are read by the index (OFFSET 0 keeps the planner from joining
    -- them by a scan of every loan).
    WITH bdays AS (
            SELECT DISTINCT k.borrower_ref, k.out_day
              FROM (SELECT c.borrower_ref, c.out_day FROM unnest(ch) c
                     GROUP BY c.borrower_ref, c.out_day, c.branch_id, c.category_id, c.band,
                              c.gender
                    HAVING sum(c.sign) <> 0) k),
         day_kinds AS (
            SELECT k.borrower_ref, k.out_day, k.branch_id, k.category_id, k.band, k.gender,
                   sum(k.a) AS a, sum(k.b) AS b
              FROM (SELECT d.borrower_ref, d.out_day, x.branch_id, x.category_id, x.band,
                           x.gender, 1 AS a, 1 AS b
                      FROM bdays d
                      JOIN LATERAL (
                            SELECT (stats_loan_facts(1, l)).* FROM loans l
                             WHERE l.borrower_ref = d.borrower_ref
                               AND l.checked_out_at
                                   >= d.out_day::timestamp AT TIME ZONE 'Europe/Stockholm'
                               AND l.checked_out_at
                                   < (d.out_day + 1)::timestamp AT TIME ZONE 'Europe/Stockholm'
                            OFFSET 0) x ON x.out_day = d.out_day
                    UNION ALL
                    SELECT c.borrower_ref, c.out_day, c.branch_id, c.category_id, c.band, c.gender,
                           -c.sign, -c.sign
                      FROM rollup_journal j, unnest(j.loans) c
                     WHERE (c.borrower_ref, c.out_day) IN (SELECT * FROM bdays)
                    UNION ALL
                    SELECT c.borrower_ref, c.out_day, c.branch_id, c.category_id, c.band, c.gender,
                           0, -c.sign
                      FROM unnest(ch) c
                     WHERE (c.borrower_ref, c.out_day) IN (SELECT * FROM bdays)) k
             GROUP BY 1, 2, 3, 4, 5, 6),
         moved AS (
            SELECT DISTINCT s.branch_id, s.category_id, s.code, k.borrower_ref
              FROM day_kinds k,
                   LATERAL stats_people_scopes(k.branch_id, k.category_id, k.band, k.gender) s
             GROUP BY 1, 2, 3, 4, k.out_day
            HAVING (sum(k.a) > 0) <> (sum(k.b) > 0)),
         refs AS (SELECT DISTINCT m.borrower_ref FROM moved m),
         kinds AS (
            SELECT k.borrower_ref, k.out_day, k.branch_id, k.category_id, k.band, k.gender,
                   sum(k.a) AS a, sum(k.b) AS b
              FROM (SELECT r.borrower_ref, x.out_day, x.branch_id, x.category_id, x.band,
                           x.gender, 1 AS a, 1 AS b
                      FROM refs r
                      JOIN LATERAL (SELECT (stats_loan_facts(1, l)).* FROM loans l
                                     WHERE l.borrower_ref = r.borrower_ref OFFSET 0) x ON true
                    UNION ALL
                    SELECT c.borrower_ref, c.out_day, c.branch_id, c.category_id, c.band, c.gender,
                           -c.sign, -c.sign
                      FROM rollup_journal j, unnest(j.loans) c
                     WHERE c.borrower_ref IN (SELECT r.borrower_ref FROM refs r)
                    UNION ALL
                    SELECT c.borrower_ref, c.out_day, c.branch_id, c.category_id, c.band, c.gender,
                           0, -c.sign
                      FROM unnest(ch) c
                     WHERE c.borrower_ref IN (SELECT r.borrower_ref FROM refs r)) k
             GROUP BY 1, 2, 3, 4, 5, 6),
         days AS (
            SELECT s.branch_id, s.category_id, s.code, k.borrower_ref, k.out_day AS day,
                   sum(k.a) AS a, sum(k.b) AS b
              FROM kinds k,
                   LATERAL stats_people_scopes(k.branch_id, k.category_id, k.band, k.gender) s
             WHERE (s.branch_id, s.category_id, s.code, k.borrower_ref) IN (SELECT * FROM moved)
             GROUP BY 1, 2, 3, 4, 5),
         points AS (
            SELECT d.branch_id, d.category_id, d.code, d.day,
                   lag(d.day) OVER (PARTITION BY d.branch_id, d.category_id, d.code,
                                                 d.borrower_ref ORDER BY d.day) AS prev_day,
                   1 AS delta
              FROM days d WHERE d.a > 0
            UNION ALL
            SELECT d.branch_id, d.category_id, d.code, d.day,
                   lag(d.day) OVER (PARTITION BY d.branch_id, d.category_id, d.code,
                                                 d.borrower_ref ORDER BY d.day),
                   -1
              FROM days d WHERE d.b > 0)
    SELECT array_agg(ROW(p.branch_id, p.category_id, p.code, p.day, p.prev_day,
                         p.n)::stats_people_point)
      INTO pts
      FROM (SELECT branch_id, category_id, code, day, prev_day, sum(delta)::integer AS n
              FROM points GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0) p;
    PERFORM stats_people_points_add(pts);
END
$$;

-- 2. The borrower days of 0006 (the unique borrowers of a branch and of the network, all
--    categories and everyone), which 0019's stats_apply_counts kept one day at a time, each an
--    upsert and, when the day came or went, two more statements: now in one statement, and the
--    points as the people fold counts them (the days after the batch less those before it) for
--    the borrowers whose days moved. The rest is 0019's function, unchanged.
CREATE OR REPLACE FUNCTION stats_apply_counts(ch stats_loan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    pts stats_gap_point[];
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

    -- Borrower days (0006's stats_borrower_day: a borrower's loans of a day, in the network and
    -- at the branch) all at once; then, as the people fold does, the points of the borrowers
    -- whose days came or went: those of their days after the batch less those before it. The
    -- days before it are the table as this statement sees it (its own upsert unseen); after it,
    -- those plus the batch.
    WITH g AS (SELECT s.scope, c.borrower_ref AS ref, c.out_day AS day, sum(c.sign)::integer AS n
                 FROM unnest(ch) c CROSS JOIN LATERAL (VALUES (0), (c.branch_id)) s (scope)
                GROUP BY 1, 2, 3 HAVING sum(c.sign) <> 0),
         up AS (INSERT INTO stats_borrower_day AS s (branch_id, borrower_ref, day, loans)
                SELECT g.scope, g.ref, g.day, g.n FROM g ORDER BY 1, 2, 3
                ON CONFLICT (branch_id, borrower_ref, day)
                DO UPDATE SET loans = s.loans + excluded.loans
                RETURNING s.branch_id, s.borrower_ref, s.day, s.loans),
         moved AS (SELECT DISTINCT g.scope, g.ref
                     FROM g
                     JOIN up u ON (u.branch_id, u.borrower_ref, u.day) = (g.scope, g.ref, g.day)
                    WHERE (u.loans - g.n = 0) <> (u.loans = 0)),
         d AS (SELECT x.scope, x.ref, x.day, sum(x.b) AS b, sum(x.b + x.n) AS a
                 FROM (SELECT s.branch_id AS scope, s.borrower_ref AS ref, s.day, s.loans AS b,
                              0 AS n
                         FROM moved m
                         JOIN stats_borrower_day s
                           ON (s.branch_id, s.borrower_ref) = (m.scope, m.ref)
                       UNION ALL
                       SELECT g.scope, g.ref, g.day, 0, g.n
                         FROM g JOIN moved m ON (m.scope, m.ref) = (g.scope, g.ref)) x
                GROUP BY 1, 2, 3),
         points AS (
            SELECT d.scope, d.day,
                   coalesce(lag(d.day) OVER (PARTITION BY d.scope, d.ref ORDER BY d.day),
                            '-infinity') AS prev_day,
                   1 AS delta
              FROM d WHERE d.a > 0
            UNION ALL
            SELECT d.scope, d.day,
                   coalesce(lag(d.day) OVER (PARTITION BY d.scope, d.ref ORDER BY d.day),
                            '-infinity'),
                   -1
              FROM d WHERE d.b > 0)
    SELECT array_agg(ROW(p.scope, p.day, p.prev_day, p.n)::stats_gap_point)
      INTO pts
      FROM (SELECT scope, day, prev_day, sum(delta)::integer AS n
              FROM points GROUP BY 1, 2, 3 HAVING sum(delta) <> 0) p;
    DELETE FROM stats_borrower_day s
     USING (SELECT DISTINCT x.scope, c.borrower_ref, c.out_day
              FROM unnest(ch) c CROSS JOIN LATERAL (VALUES (0), (c.branch_id)) x (scope)) g
     WHERE (s.branch_id, s.borrower_ref, s.day) = (g.scope, g.borrower_ref, g.out_day)
       AND s.loans = 0;
    PERFORM stats_gap_apply(pts);
END
$$;
