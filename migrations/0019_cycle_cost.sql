-- 0019_cycle_cost: what a lend-and-return cycle costs the database (issue 14), cut where
-- contrib/bench measured it.
--
-- 1. The fold's unique borrowers. stats_apply_counts (0017) added each new point of a borrower
--    (0006's stats_borrower_day and its gaps) with stats_gap_add, which updates the running sums
--    of every row of the point's day and month above it. Within one fold every point updated the
--    same rows again, and each update is a new row version that the next point's index scan walks
--    past (the running sum is in the primary key's INCLUDE, so no update is HOT): a fold of n new
--    points cost about n squared. A second's checkouts at the bench's rate (500 borrowers, 1,000
--    points) took the folder 12 s. Now the points are gathered and applied together
--    (stats_gap_apply): each day's and month's counts once, and their running sums written once,
--    from the lowest point that changed up. The rollups hold exactly what they held.

-- A point of a borrower (0006's stats_borrower_day and its gaps) to add (delta 1) or take away
-- (-1): a first day when prev_day is '-infinity'.
CREATE TYPE stats_gap_point AS (branch_id integer, day date, prev_day date, delta integer);

-- Add points as stats_gap_add (0006) adds one, all at once: first days to new_borrowers, the
-- others' counts to stats_borrower_gap and stats_borrower_gap_month, whose running sums are then
-- written once, from the lowest prev_day that changed in each day or month up.
CREATE FUNCTION stats_gap_apply(pts stats_gap_point[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(pts), 0) = 0 THEN
        RETURN;
    END IF;

    INSERT INTO stats_day AS s (branch_id, day, new_borrowers)
    SELECT p.branch_id, p.day, sum(p.delta)
      FROM unnest(pts) p WHERE p.prev_day = '-infinity'
     GROUP BY p.day, p.branch_id HAVING sum(p.delta) <> 0
     ORDER BY 2, 1
    ON CONFLICT (branch_id, day) DO UPDATE SET new_borrowers = s.new_borrowers + excluded.new_borrowers;
    INSERT INTO stats_month AS s (branch_id, month, new_borrowers)
    SELECT p.branch_id, date_trunc('month', p.day::timestamp)::date, sum(p.delta)
      FROM unnest(pts) p WHERE p.prev_day = '-infinity'
     GROUP BY 2, p.branch_id HAVING sum(p.delta) <> 0
     ORDER BY 2, 1
    ON CONFLICT (branch_id, month) DO UPDATE
       SET new_borrowers = s.new_borrowers + excluded.new_borrowers;

    -- Days: the counts, rows that reach 0 gone, then the running sums from the lowest change up.
    INSERT INTO stats_borrower_gap AS g (branch_id, day, prev_day, borrowers, running)
    SELECT p.branch_id, p.day, p.prev_day, sum(p.delta), 0
      FROM unnest(pts) p WHERE p.prev_day <> '-infinity'
     GROUP BY p.branch_id, p.day, p.prev_day HAVING sum(p.delta) <> 0
     ORDER BY 1, 2, 3
    ON CONFLICT (branch_id, day, prev_day) DO UPDATE SET borrowers = g.borrowers + excluded.borrowers;
    DELETE FROM stats_borrower_gap g
     USING (SELECT DISTINCT p.branch_id, p.day, p.prev_day FROM unnest(pts) p
             WHERE p.prev_day <> '-infinity') p
     WHERE g.branch_id = p.branch_id AND g.day = p.day AND g.prev_day = p.prev_day
       AND g.borrowers = 0;
    UPDATE stats_borrower_gap g SET running = w.running
      FROM (SELECT x.branch_id, x.day, x.prev_day,
                   (coalesce(base.running, 0)
                    + sum(x.borrowers) OVER (PARTITION BY x.branch_id, x.day ORDER BY x.prev_day)
                   )::integer AS running
              FROM (SELECT p.branch_id, p.day, min(p.prev_day) AS lo FROM unnest(pts) p
                     WHERE p.prev_day <> '-infinity' GROUP BY p.branch_id, p.day) c
              JOIN stats_borrower_gap x
                ON x.branch_id = c.branch_id AND x.day = c.day AND x.prev_day >= c.lo
              LEFT JOIN LATERAL (SELECT b.running FROM stats_borrower_gap b
                                  WHERE b.branch_id = c.branch_id AND b.day = c.day
                                    AND b.prev_day < c.lo
                                  ORDER BY b.prev_day DESC LIMIT 1) base ON true) w
     WHERE g.branch_id = w.branch_id AND g.day = w.day AND g.prev_day = w.prev_day
       AND g.running <> w.running;

    -- Months, the same.
    INSERT INTO stats_borrower_gap_month AS g (branch_id, month, prev_day, borrowers, running)
    SELECT p.branch_id, date_trunc('month', p.day::timestamp)::date, p.prev_day, sum(p.delta), 0
      FROM unnest(pts) p WHERE p.prev_day <> '-infinity'
     GROUP BY p.branch_id, 2, p.prev_day HAVING sum(p.delta) <> 0
     ORDER BY 1, 2, 3
    ON CONFLICT (branch_id, month, prev_day) DO UPDATE
       SET borrowers = g.borrowers + excluded.borrowers;
    DELETE FROM stats_borrower_gap_month g
     USING (SELECT DISTINCT p.branch_id, date_trunc('month', p.day::timestamp)::date AS month,
                   p.prev_day
              FROM unnest(pts) p WHERE p.prev_day <> '-infinity') p
     WHERE g.branch_id = p.branch_id AND g.month = p.month AND g.prev_day = p.prev_day
       AND g.borrowers = 0;
    UPDATE stats_borrower_gap_month g SET running = w.running
      FROM (SELECT x.branch_id, x.month, x.prev_day,
                   (coalesce(base.running, 0)
                    + sum(x.borrowers) OVER (PARTITION BY x.branch_id, x.month ORDER BY x.prev_day)
                   )::integer AS running
              FROM (SELECT p.branch_id, date_trunc('month', p.day::timestamp)::date AS month,
                           min(p.prev_day) AS lo
                      FROM unnest(pts) p WHERE p.prev_day <> '-infinity' GROUP BY 1, 2) c
              JOIN stats_borrower_gap_month x
                ON x.branch_id = c.branch_id AND x.month = c.month AND x.prev_day >= c.lo
              LEFT JOIN LATERAL (SELECT b.running FROM stats_borrower_gap_month b
                                  WHERE b.branch_id = c.branch_id AND b.month = c.month
                                    AND b.prev_day < c.lo
                                  ORDER BY b.prev_day DESC LIMIT 1) base ON true) w
     WHERE g.branch_id = w.branch_id AND g.month = w.month AND g.prev_day = w.prev_day
       AND g.running <> w.running;
END
$$;

-- 0017's stats_apply_counts, its points gathered for stats_gap_apply.
CREATE OR REPLACE FUNCTION stats_apply_counts(ch stats_loan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    now_loans integer;
    prev date;
    nxt date;
    pts stats_gap_point[] := '{}';
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

    -- Borrower days and their points, one day at a time, each against the days before it; the
    -- points are gathered and applied together at the end (stats_gap_apply).
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
                pts := pts || ROW(r.scope, r.day, prev, 1)::stats_gap_point;
                IF nxt IS NOT NULL THEN
                    pts := pts || ROW(r.scope, nxt, prev, -1)::stats_gap_point
                               || ROW(r.scope, nxt, r.day, 1)::stats_gap_point;
                END IF;
            ELSE                            -- the day is one no more
                DELETE FROM stats_borrower_day
                 WHERE branch_id = r.scope AND borrower_ref = r.ref AND day = r.day;
                pts := pts || ROW(r.scope, r.day, prev, -1)::stats_gap_point;
                IF nxt IS NOT NULL THEN
                    pts := pts || ROW(r.scope, nxt, r.day, -1)::stats_gap_point
                               || ROW(r.scope, nxt, prev, 1)::stats_gap_point;
                END IF;
            END IF;
        END IF;
    END LOOP;
    PERFORM stats_gap_apply(pts);
END
$$;
