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
    ON CONFLICT (branch_id, day) DO UPDATE
       SET new_borrowers = s.new_borrowers + excluded.new_borrowers;
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
    ON CONFLICT (branch_id, day, prev_day) DO UPDATE
       SET borrowers = g.borrowers + excluded.borrowers;
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

-- 2. A borrower's last activity (borrowers.last_activity_at), which `hylla anonymize` compares
--    with months (the GDPR rule of 0005) and the desk shows, was written by every checkout and
--    every return: a new row version of the borrower each time, and not a HOT one (the column is
--    indexed for anonymize, and borrowers has two trigram indexes besides), so each cost ten index
--    entries. Now it is written when it moves to a new day (current_date of the session): the
--    first checkout or return of a borrower's day sets it to that moment, later ones that day
--    leave it.
--
-- 3. Plans. PL/pgSQL keeps each statement's plan for the session, but a statement with parameters
--    gets a custom plan (planned again at every call) for as long as the planner thinks it cheaper
--    than the generic one, and the checkout's and the return's statements (arrays of codes and
--    ids, CTEs) kept being planned: about a tenth of PostgreSQL's time in a cycle (perf). Each
--    statement's generic plan is the one it wants (every row is found by a key: a code, an id, a
--    borrower's open loans), so both functions use it from the first call
--    (plan_cache_mode = force_generic_plan): pgbench of cycle.pgbench with eight clients (the
--    folds held back) went from 3.4-3.6 to 2.8-2.9 ms of PostgreSQL's CPU per cycle.
--
-- Otherwise 0017's functions, unchanged.

CREATE OR REPLACE FUNCTION loan_checkout(staff integer, scope integer, borrower bigint,
                                         codes text[], requested date, due date, key text,
                                         request text, undo_minutes integer,
                                         OUT outcome text, OUT response text,
                                         OUT blocked boolean, OUT over_limit boolean,
                                         OUT open_loans integer, OUT item_limit integer,
                                         OUT problems text[], OUT due_date date)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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
        UPDATE borrowers SET last_activity_at = now()
         WHERE id = borrower AND last_activity_at < current_date),
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

CREATE OR REPLACE FUNCTION loan_return(staff integer, scope integer, item_code text,
                                       repair boolean, note text, returned_on date,
                                       OUT outcome text, OUT loan_id bigint, OUT code text,
                                       OUT name text, OUT borrower_id bigint,
                                       OUT borrower_name text, OUT due_date date,
                                       OUT overdue_days integer, OUT item_status text)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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

    -- The borrower's last activity, when it moves to a new day; first, as a checkout locks the
    -- borrower first: the same order everywhere.
    UPDATE borrowers b SET last_activity_at = now()
     WHERE b.id = f.borrower_id AND b.last_activity_at < current_date;
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
