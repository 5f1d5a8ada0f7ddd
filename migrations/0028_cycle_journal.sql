-- 0028_cycle_journal: a return journals its loan itself (issue 14).
--
-- 0017's statement triggers journal every change to loans: for each statement they start a
-- statement of their own over the transition tables, which for an UPDATE joins the old rows to
-- the new and computes each row's facts four times. Counted with callgrind in PostgreSQL's
-- single-user mode on contrib/bench's data (200 checkouts and returns, one transaction each, as
-- contrib/bench/profile runs them), that cost a return 0.46 million instructions, of 2.6 million
-- a request on average. loan_return knows what it changes: it now writes the loan's journal row
-- in the statement that closes the loan, from the row that statement returns, and tells the
-- trigger, for that statement only (hylla.loans_journaled, set before it and cleared after it,
-- local to the transaction), that its row is journaled: 0.30 million instructions less a
-- return. The journal holds the same facts, one row per statement, as before; every other change
-- to loans is journaled by the triggers as before. (A checkout that wrote its loans' journal row
-- in its own statement cost as much as the trigger's statement: it is left to the trigger.)

CREATE OR REPLACE FUNCTION rollup_journal_loans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('hylla.loans_journaled', true) = 'on' THEN
        RETURN NULL; -- journaled by loan_return, in the statement itself
    END IF;
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

-- What a returned loan counted for before its return, taken out (-1): a return changes
-- returned_at alone of what stats_loan_facts reads, and an open loan is never lost, so these are
-- its facts without the return's day, lateness and length.
CREATE FUNCTION stats_loan_unreturned(c stats_loan_change) RETURNS stats_loan_change
LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(-1, c.item_id, c.branch_id, c.category_id, c.borrower_ref, c.out_day, NULL, NULL,
               NULL, c.band, c.gender)::stats_loan_change
$$;

-- 0019's loan_return; the loan's journal row is written with its return.
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
    closed boolean;
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
    -- The loan closed and journaled, the item back, the audit entry and the answer, in one
    -- statement.
    PERFORM set_config('hylla.loans_journaled', 'on', true);
    WITH l AS (
        UPDATE loans lo SET returned_at = CASE WHEN returned_on IS NULL THEN now()
                                ELSE greatest(lo.checked_out_at, returned_on::timestamptz) END,
               returned_by = staff, return_note = note
         WHERE lo.id = f.id AND lo.returned_at IS NULL
        RETURNING lo.id, lo.item_id, lo.borrower_id, lo.due_date,
                  greatest(0, lo.returned_at::date - lo.due_date) AS overdue,
                  stats_loan_facts(1, lo) AS facts),
     journaled AS (
        INSERT INTO rollup_journal (loans)
        SELECT ARRAY[stats_loan_unreturned(l.facts), l.facts] FROM l),
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
    closed := FOUND;
    PERFORM set_config('hylla.loans_journaled', '', true);
    IF NOT closed THEN
        outcome := 'not_on_loan'; -- returned by someone else meanwhile
        RETURN;
    END IF;
    outcome := 'done';
END
$$;
