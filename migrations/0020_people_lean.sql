-- 0020_people_lean: the people rollups of 0016 (loans and unique borrowers by age band and by
-- gender) with the same figures in a fraction of the rows, kept by set-based statements.
--
-- 0016 counted every loan in twelve scopes (branch or network, x its category or all, x everyone,
-- its band, its gender) and kept, per scope, every day a borrower borrowed
-- (stats_people_borrower_day): at a million loans 12 million rows, 1.3 GB of the 2.8 GB the
-- people rollups took, and a rebuild that did not end at ten million loans. Now:
--   - No per-borrower days. What a fold needs of a borrower's days (the previous and the next in
--     a scope) is read from the borrower's loans through loans_borrower_ref: a borrower has few.
--     To read them as the batch left them, in the snapshot of one statement, the loans of the
--     batch's borrowers are taken as they are, less the changes the journal holds that this fold
--     did not take (a change and its journal row commit together, so they are seen together).
--     The batch's points are then the points of the borrowers' days after it less those before
--     it, both computed with window functions, and they change the day and month counters and
--     the gap rows in a few statements whatever their number.
--   - No "everyone" scope in every category (category 0): that is 0006's stats_day, stats_month
--     and stats_borrower_gap*, which the report reads for the total row instead. Everyone in one
--     category stays (code 0 with category_id <> 0): 0006 has no unique borrowers per category.
--   - A rebuild in one pass: the loans' scopes grouped by borrower and day once, the previous day
--     of each with lag(), and every table filled from that.
--   - The report reads the figures through one function, stats_people_figures, whose plans are
--     generic (at a million loans a custom plan cost 2 ms of planning at every call).
-- The tables keep their meaning (0016's header): loans and firsts per scope and day or month,
-- and the points (day, prev_day) of a borrower's days after their first in stats_people_gap and
-- stats_people_gap_month with running sums over prev_day.

DROP TABLE stats_people_borrower_day;
DROP FUNCTION stats_people_gap_add(integer, integer, smallint, date, date, integer);

-- A borrower's loans, for the fold's reading of their days.
CREATE INDEX loans_borrower_ref ON loans (borrower_ref);

-- The scopes a loan counts in: its branch and the network, its category and all, its band and
-- its gender, and everyone (code 0) in its category.
CREATE OR REPLACE FUNCTION stats_people_scopes(c stats_loan_change)
RETURNS TABLE (branch_id integer, category_id integer, code smallint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT b, k, g
      FROM unnest(ARRAY[0, c.branch_id]) b, unnest(ARRAY[0, c.category_id]) k,
           unnest(ARRAY[0, c.band, c.gender]::smallint[]) g
     WHERE k <> 0 OR g <> 0
$$;

-- One change of the points of a scope: delta points (day, prev_day), prev_day NULL for a
-- borrower's first day in the scope.
CREATE TYPE stats_people_point AS (
    branch_id   integer,
    category_id integer,
    code        smallint,
    day         date,
    prev_day    date,
    delta       integer
);

-- Apply delta points: firsts to the day and month counters, the others to the gap rows, whose
-- running sums grow by the deltas at or below their prev_day (a new row starts from the running
-- sum below it), and rows left with no borrowers go. Each gap row in reach of a delta is updated
-- once: the deltas of its day (or month), summed up to each delta's prev_day, each cover the rows
-- from that prev_day to the next delta's.
CREATE FUNCTION stats_people_points_add(pts stats_people_point[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(pts), 0) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO stats_people_day AS s (branch_id, category_id, code, day, firsts)
    SELECT p.branch_id, p.category_id, p.code, p.day, sum(p.delta)
      FROM unnest(pts) p WHERE p.prev_day IS NULL
     GROUP BY 1, 2, 3, 4 HAVING sum(p.delta) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (branch_id, category_id, code, day) DO UPDATE SET firsts = s.firsts + excluded.firsts;
    INSERT INTO stats_people_month AS s (branch_id, category_id, code, month, firsts)
    SELECT p.branch_id, p.category_id, p.code, date_trunc('month', p.day::timestamp)::date,
           sum(p.delta)
      FROM unnest(pts) p WHERE p.prev_day IS NULL
     GROUP BY 1, 2, 3, 4 HAVING sum(p.delta) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (branch_id, category_id, code, month)
    DO UPDATE SET firsts = s.firsts + excluded.firsts;

    -- Per day.
    INSERT INTO stats_people_gap AS s (branch_id, category_id, code, day, prev_day, borrowers,
                                       running)
    SELECT d.branch_id, d.category_id, d.code, d.day, d.prev_day, d.n,
           coalesce((SELECT x.running FROM stats_people_gap x
                      WHERE (x.branch_id, x.category_id, x.code, x.day)
                            = (d.branch_id, d.category_id, d.code, d.day)
                        AND x.prev_day < d.prev_day
                      ORDER BY x.prev_day DESC LIMIT 1), 0)
      FROM (SELECT p.branch_id, p.category_id, p.code, p.day, p.prev_day,
                   sum(p.delta)::integer AS n
              FROM unnest(pts) p WHERE p.prev_day IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5 HAVING sum(p.delta) <> 0) d
     ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (branch_id, category_id, code, day, prev_day)
    DO UPDATE SET borrowers = s.borrowers + excluded.borrowers;
    WITH d AS (SELECT p.branch_id, p.category_id, p.code, p.day, p.prev_day,
                      sum(p.delta)::integer AS n
                 FROM unnest(pts) p WHERE p.prev_day IS NOT NULL GROUP BY 1, 2, 3, 4, 5),
         c AS (SELECT d.*,
                      sum(d.n) OVER w AS below,
                      lead(d.prev_day) OVER w AS next_prev
                 FROM d
               WINDOW w AS (PARTITION BY d.branch_id, d.category_id, d.code, d.day
                            ORDER BY d.prev_day))
    UPDATE stats_people_gap s SET running = s.running + c.below
      FROM c
     WHERE (s.branch_id, s.category_id, s.code, s.day) = (c.branch_id, c.category_id, c.code, c.day)
       AND s.prev_day >= c.prev_day AND (c.next_prev IS NULL OR s.prev_day < c.next_prev)
       AND c.below <> 0;
    DELETE FROM stats_people_gap s
     USING (SELECT DISTINCT p.branch_id, p.category_id, p.code, p.day, p.prev_day
              FROM unnest(pts) p WHERE p.prev_day IS NOT NULL) p
     WHERE (s.branch_id, s.category_id, s.code, s.day, s.prev_day)
           = (p.branch_id, p.category_id, p.code, p.day, p.prev_day)
       AND s.borrowers = 0;

    -- Per month: the same with the month of the day.
    INSERT INTO stats_people_gap_month AS s (branch_id, category_id, code, month, prev_day,
                                             borrowers, running)
    SELECT d.branch_id, d.category_id, d.code, d.month, d.prev_day, d.n,
           coalesce((SELECT x.running FROM stats_people_gap_month x
                      WHERE (x.branch_id, x.category_id, x.code, x.month)
                            = (d.branch_id, d.category_id, d.code, d.month)
                        AND x.prev_day < d.prev_day
                      ORDER BY x.prev_day DESC LIMIT 1), 0)
      FROM (SELECT p.branch_id, p.category_id, p.code,
                   date_trunc('month', p.day::timestamp)::date AS month, p.prev_day,
                   sum(p.delta)::integer AS n
              FROM unnest(pts) p WHERE p.prev_day IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5 HAVING sum(p.delta) <> 0) d
     ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (branch_id, category_id, code, month, prev_day)
    DO UPDATE SET borrowers = s.borrowers + excluded.borrowers;
    WITH d AS (SELECT p.branch_id, p.category_id, p.code,
                      date_trunc('month', p.day::timestamp)::date AS month, p.prev_day,
                      sum(p.delta)::integer AS n
                 FROM unnest(pts) p WHERE p.prev_day IS NOT NULL GROUP BY 1, 2, 3, 4, 5),
         c AS (SELECT d.*,
                      sum(d.n) OVER w AS below,
                      lead(d.prev_day) OVER w AS next_prev
                 FROM d
               WINDOW w AS (PARTITION BY d.branch_id, d.category_id, d.code, d.month
                            ORDER BY d.prev_day))
    UPDATE stats_people_gap_month s SET running = s.running + c.below
      FROM c
     WHERE (s.branch_id, s.category_id, s.code, s.month)
           = (c.branch_id, c.category_id, c.code, c.month)
       AND s.prev_day >= c.prev_day AND (c.next_prev IS NULL OR s.prev_day < c.next_prev)
       AND c.below <> 0;
    DELETE FROM stats_people_gap_month s
     USING (SELECT DISTINCT p.branch_id, p.category_id, p.code,
                   date_trunc('month', p.day::timestamp)::date AS month, p.prev_day
              FROM unnest(pts) p WHERE p.prev_day IS NOT NULL) p
     WHERE (s.branch_id, s.category_id, s.code, s.month, s.prev_day)
           = (p.branch_id, p.category_id, p.code, p.month, p.prev_day)
       AND s.borrowers = 0;
END
$$;

-- Apply a set of loan changes to the people rollups (a fold's batch; only a fold calls this, one
-- at a time). The borrowers' days before and after the batch come from their loans as one
-- statement sees them, less what the journal still holds (see the top).
CREATE OR REPLACE FUNCTION stats_apply_people(ch stats_loan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    pts stats_people_point[];
BEGIN
    IF coalesce(cardinality(ch), 0) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO stats_people_day AS s (branch_id, category_id, code, day, loans)
    SELECT p.branch_id, p.category_id, p.code, c.out_day, sum(c.sign)
      FROM unnest(ch) c, LATERAL stats_people_scopes(c) p
     GROUP BY 1, 2, 3, 4 HAVING sum(c.sign) <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (branch_id, category_id, code, day) DO UPDATE SET loans = s.loans + excluded.loans;

    INSERT INTO stats_people_month AS s (branch_id, category_id, code, month, loans)
    SELECT p.branch_id, p.category_id, p.code, date_trunc('month', c.out_day::timestamp)::date,
           sum(c.sign)
      FROM unnest(ch) c, LATERAL stats_people_scopes(c) p
     GROUP BY 1, 2, 3, 4 HAVING sum(c.sign) <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (branch_id, category_id, code, month)
    DO UPDATE SET loans = s.loans + excluded.loans;

    -- Each fact counts with a sign after the batch (a) and before it (b): the loans as they are
    -- now, less the journal's changes not taken, are the state after; less the batch too, before.
    WITH refs AS (SELECT DISTINCT c.borrower_ref FROM unnest(ch) c),
         facts AS (
            SELECT f.sign AS a, f.sign AS b, f AS c
              FROM loans l, LATERAL stats_loan_facts(1, l) f
             WHERE l.borrower_ref IN (SELECT r.borrower_ref FROM refs r)
            UNION ALL
            SELECT -c.sign, -c.sign, c
              FROM rollup_journal j, unnest(j.loans) c
             WHERE c.borrower_ref IN (SELECT r.borrower_ref FROM refs r)
            UNION ALL
            SELECT 0, -c.sign, c FROM unnest(ch) c),
         days AS (
            SELECT s.branch_id, s.category_id, s.code, (f.c).borrower_ref, (f.c).out_day AS day,
                   sum(f.a) AS a, sum(f.b) AS b
              FROM facts f, LATERAL stats_people_scopes(f.c) s
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

-- Recompute the people rollups from loans, as the folds would have left them: every loan's
-- scopes grouped by borrower and day, each day's previous one in its scope by lag(), and the
-- tables from those points.
CREATE OR REPLACE FUNCTION stats_rebuild_people() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE loans IN SHARE MODE;
    TRUNCATE stats_people_day, stats_people_month, stats_people_gap, stats_people_gap_month;

    CREATE TEMP TABLE stats_rebuild_people_points ON COMMIT DROP AS
    SELECT branch_id, category_id, code, day, loans,
           lag(day) OVER (PARTITION BY branch_id, category_id, code, borrower_ref ORDER BY day)
               AS prev_day
      FROM (SELECT p.branch_id, p.category_id, p.code, f.borrower_ref, f.out_day AS day,
                   count(*)::integer AS loans
              FROM loans l, LATERAL stats_loan_facts(1, l) f, LATERAL stats_people_scopes(f) p
             GROUP BY 1, 2, 3, 4, 5) d;

    INSERT INTO stats_people_day (branch_id, category_id, code, day, loans, firsts)
    SELECT branch_id, category_id, code, day, sum(loans), count(*) FILTER (WHERE prev_day IS NULL)
      FROM stats_rebuild_people_points GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;

    INSERT INTO stats_people_month (branch_id, category_id, code, month, loans, firsts)
    SELECT branch_id, category_id, code, date_trunc('month', day::timestamp)::date, sum(loans),
           sum(firsts)
      FROM stats_people_day GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;

    INSERT INTO stats_people_gap (branch_id, category_id, code, day, prev_day, borrowers, running)
    SELECT branch_id, category_id, code, day, prev_day, n,
           sum(n) OVER (PARTITION BY branch_id, category_id, code, day ORDER BY prev_day)
      FROM (SELECT branch_id, category_id, code, day, prev_day, count(*)::integer AS n
              FROM stats_rebuild_people_points WHERE prev_day IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5) g
     ORDER BY 1, 2, 3, 4, 5;

    INSERT INTO stats_people_gap_month (branch_id, category_id, code, month, prev_day, borrowers,
                                        running)
    SELECT branch_id, category_id, code, month, prev_day, n,
           sum(n) OVER (PARTITION BY branch_id, category_id, code, month ORDER BY prev_day)
      FROM (SELECT branch_id, category_id, code, date_trunc('month', day::timestamp)::date AS month,
                   prev_day, count(*)::integer AS n
              FROM stats_rebuild_people_points WHERE prev_day IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5) g
     ORDER BY 1, 2, 3, 4, 5;

    DROP TABLE stats_rebuild_people_points;
END
$$;

SELECT stats_rebuild_people();

-- The report's groups of people of one dimension over p_from..p_to, for a branch (0: the network)
-- and a category (0: all), everyone first (code 0, key NULL): loans, and unique borrowers, who
-- are the first-timers of the period plus those back in it after a day before it, counted per
-- whole month and per day around them (see stats_months_from in 0006). Everyone in every
-- category is 0006's rollups. Its plans are generic (as 0018's search_plan): the same few index
-- probes whatever the period, which planning anew at every call cost more than running.
CREATE FUNCTION stats_people_figures(p_branch integer, p_from date, p_to date, p_category integer,
                                     p_dim text)
RETURNS TABLE (group_key text, group_loans bigint, group_borrowers bigint)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    m_from date := stats_months_from(p_from);
    m_until date := stats_months_until(p_from, p_to);
    everyone boolean := p_category = 0;
BEGIN
    RETURN QUERY
    SELECT g.key, c.loans, c.firsts + coalesce(r.n, 0)
      FROM (SELECT s.code, s.key FROM stats_people_groups s WHERE s.dimension = p_dim
            UNION ALL SELECT 0::smallint, NULL) g
     CROSS JOIN LATERAL (
        SELECT coalesce(sum(x.loans), 0)::bigint AS loans, coalesce(sum(x.firsts), 0)::bigint AS firsts
          FROM (SELECT d.loans, d.firsts FROM stats_people_day d
                 WHERE (d.branch_id, d.category_id, d.code) = (p_branch, p_category, g.code)
                   AND d.day >= p_from AND d.day < m_from AND d.day <= p_to
                UNION ALL
                SELECT d.loans, d.firsts FROM stats_people_day d
                 WHERE (d.branch_id, d.category_id, d.code) = (p_branch, p_category, g.code)
                   AND d.day >= m_until AND d.day <= p_to
                UNION ALL
                SELECT m.loans, m.firsts FROM stats_people_month m
                 WHERE (m.branch_id, m.category_id, m.code) = (p_branch, p_category, g.code)
                   AND m.month >= m_from AND m.month < m_until
                UNION ALL
                SELECT d.loans, d.new_borrowers FROM stats_day d
                 WHERE g.code = 0 AND everyone AND d.branch_id = p_branch
                   AND d.day >= p_from AND d.day < m_from AND d.day <= p_to
                UNION ALL
                SELECT d.loans, d.new_borrowers FROM stats_day d
                 WHERE g.code = 0 AND everyone AND d.branch_id = p_branch
                   AND d.day >= m_until AND d.day <= p_to
                UNION ALL
                SELECT m.loans, m.new_borrowers FROM stats_month m
                 WHERE g.code = 0 AND everyone AND m.branch_id = p_branch
                   AND m.month >= m_from AND m.month < m_until) x) c
     CROSS JOIN LATERAL (
        SELECT sum(y.n)::bigint AS n
          FROM (SELECT (SELECT p.running FROM stats_people_gap_month p
                         WHERE (p.branch_id, p.category_id, p.code, p.month)
                               = (p_branch, p_category, g.code, m.month)
                           AND p.prev_day < p_from
                         ORDER BY p.prev_day DESC LIMIT 1) AS n
                  FROM stats_people_month m
                 WHERE (m.branch_id, m.category_id, m.code) = (p_branch, p_category, g.code)
                   AND m.month >= m_from AND m.month < m_until AND m.loans > 0
                UNION ALL
                SELECT (SELECT p.running FROM stats_people_gap p
                         WHERE (p.branch_id, p.category_id, p.code, p.day)
                               = (p_branch, p_category, g.code, d.day)
                           AND p.prev_day < p_from
                         ORDER BY p.prev_day DESC LIMIT 1)
                  FROM (SELECT d.day FROM stats_people_day d
                         WHERE (d.branch_id, d.category_id, d.code) = (p_branch, p_category, g.code)
                           AND d.day >= p_from AND d.day < m_from AND d.day <= p_to
                           AND d.loans > 0
                        UNION ALL
                        SELECT d.day FROM stats_people_day d
                         WHERE (d.branch_id, d.category_id, d.code) = (p_branch, p_category, g.code)
                           AND d.day >= m_until AND d.day <= p_to AND d.loans > 0) d
                UNION ALL
                SELECT (SELECT p.running FROM stats_borrower_gap_month p
                         WHERE p.branch_id = p_branch AND p.month = m.month AND p.prev_day < p_from
                         ORDER BY p.prev_day DESC LIMIT 1)
                  FROM stats_month m
                 WHERE g.code = 0 AND everyone AND m.branch_id = p_branch
                   AND m.month >= m_from AND m.month < m_until AND m.loans > 0
                UNION ALL
                SELECT (SELECT p.running FROM stats_borrower_gap p
                         WHERE p.branch_id = p_branch AND p.day = d.day AND p.prev_day < p_from
                         ORDER BY p.prev_day DESC LIMIT 1)
                  FROM (SELECT d.day FROM stats_day d
                         WHERE g.code = 0 AND everyone AND d.branch_id = p_branch
                           AND d.day >= p_from AND d.day < m_from AND d.day <= p_to
                           AND d.loans > 0
                        UNION ALL
                        SELECT d.day FROM stats_day d
                         WHERE g.code = 0 AND everyone AND d.branch_id = p_branch
                           AND d.day >= m_until AND d.day <= p_to AND d.loans > 0) d) y) r
     ORDER BY g.code;
END
$$;
