-- 0026_fold_seek: a fold deletes the rollup rows that its own changes brought to 0, found by
-- their keys (issue 14).
--
-- 0022's stats_apply_counts ended each of its upserts of stats_item_loans and stats_borrower_day
-- with a DELETE of the rows at 0 among every key of the batch, in every fold, whether a row had
-- reached 0 or not (none do in a fold of checkouts and returns). How the planner joined those
-- keys to the table depended on its statistics: on contrib/bench's data aged by a day of runs it
-- read all of both tables (1,004,300 borrower days of the network's history and every item's
-- count), some 200 ms of each fold of the bench's lend-and-return cycle; on the same data
-- generated anew it used the primary keys. Now each upsert returns the rows it brought to 0 and
-- only those are deleted, by their primary keys, and only when there are any. The figures are
-- the same: a row is at 0 only after the change that brought it there (rows at 0 are deleted,
-- and no upsert writes a 0).

CREATE OR REPLACE FUNCTION stats_apply_counts(ch stats_loan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    pts stats_gap_point[];
    gone_scope integer[];
    gone_ref bigint[];
    gone_day date[];
    gone_items bigint[];
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

    WITH up AS (INSERT INTO stats_item_loans AS s (item_id, loans)
                SELECT c.item_id, sum(c.sign) FROM unnest(ch) c
                 GROUP BY c.item_id HAVING sum(c.sign) <> 0 ORDER BY 1
                ON CONFLICT (item_id) DO UPDATE SET loans = s.loans + excluded.loans
                RETURNING s.item_id, s.loans)
    SELECT array_agg(up.item_id) INTO gone_items FROM up WHERE up.loans = 0;
    IF gone_items IS NOT NULL THEN
        DELETE FROM stats_item_loans s WHERE s.item_id = ANY (gone_items) AND s.loans = 0;
    END IF;

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
    SELECT (SELECT array_agg(ROW(p.scope, p.day, p.prev_day, p.n)::stats_gap_point)
              FROM (SELECT scope, day, prev_day, sum(delta)::integer AS n
                      FROM points GROUP BY 1, 2, 3 HAVING sum(delta) <> 0) p),
           z.scopes, z.refs, z.days
      INTO pts, gone_scope, gone_ref, gone_day
      FROM (SELECT array_agg(u.branch_id) AS scopes, array_agg(u.borrower_ref) AS refs,
                   array_agg(u.day) AS days
              FROM up u WHERE u.loans = 0) z;
    IF gone_scope IS NOT NULL THEN
        DELETE FROM stats_borrower_day s
         USING unnest(gone_scope, gone_ref, gone_day) g (scope, ref, day)
         WHERE (s.branch_id, s.borrower_ref, s.day) = (g.scope, g.ref, g.day) AND s.loans = 0;
    END IF;
    PERFORM stats_gap_apply(pts);
END
$$;
