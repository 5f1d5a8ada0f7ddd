-- 0031_checkout_people: a checkout's loans carry the borrower's birth year and gender from the
-- row the checkout has locked, and a network that sends no receipt looks no further (issue 14).
--
-- Two triggers on loans ran a statement of their own for every checkout:
-- - loans_borrower_people (0016), before each row, read the borrower's birth year and gender
--   again, which loan_checkout had just read and locked;
-- - loans_receipt (0014), after the statement, joined the loans to the branches' message
--   settings and the borrowers, though no branch may send receipts at all.
-- Now loan_checkout writes the two values itself, and the trigger reads them only for a loan
-- written without either (another caller's insert; a borrower who gave neither is read again,
-- which finds the same NULLs). The receipt trigger first asks whether any branch sends
-- receipts. What a checkout writes is the same as before: the same rows, the same values.

CREATE OR REPLACE FUNCTION loans_borrower_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.borrower_id IS NOT NULL AND NEW.borrower_birth_year IS NULL
       AND NEW.borrower_gender IS NULL THEN
        SELECT b.birth_year, b.gender INTO NEW.borrower_birth_year, NEW.borrower_gender
          FROM borrowers b WHERE b.id = NEW.borrower_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION messages_receipt() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c record;
    mid bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM message_settings s WHERE s.receipt) THEN
        RETURN NULL;
    END IF;
    FOR c IN
        SELECT l.checkout_id, l.branch_id, l.borrower_id, min(l.due_date) AS due_date
          FROM lent l
          JOIN message_settings s ON s.branch_id = l.branch_id AND s.receipt
          JOIN borrowers b ON b.id = l.borrower_id AND NOT b.messages_opt_out
         GROUP BY l.checkout_id, l.branch_id, l.borrower_id
    LOOP
        SELECT ml.message_id INTO mid
          FROM loans o JOIN message_loans ml ON ml.loan_id = o.id AND ml.kind = 'receipt'
         WHERE o.checkout_id = c.checkout_id
         LIMIT 1;
        IF mid IS NULL THEN
            INSERT INTO messages (kind, branch_id, borrower_id, due_date)
            VALUES ('receipt', c.branch_id, c.borrower_id, c.due_date)
            RETURNING id INTO mid;
        END IF;
        INSERT INTO message_loans (message_id, loan_id, kind, step, due_date)
        SELECT mid, l.id, 'receipt', 0, l.due_date FROM lent l WHERE l.checkout_id = c.checkout_id
            ON CONFLICT DO NOTHING;
    END LOOP;
    RETURN NULL;
END
$$;

-- 0023's loan_checkout; the loans are written with the borrower's birth year and gender.
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
    born integer;
    gender_given text;
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
                                       OR (b.birth_year IS NULL AND b.guardian_id IS NOT NULL)),
           b.birth_year, b.gender
      INTO branch, blocked, due_date, age, consent, born, gender_given
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
    SELECT array_agg(CASE WHEN i.id IS NULL THEN 'unknown'
                          WHEN i.branch_id <> branch THEN 'other_branch'
                          WHEN i.status = 'on_loan' THEN 'on_loan'
                          WHEN i.status <> 'available' THEN 'not_available'
                          ELSE '' END ORDER BY u.n),
           array_agg(i.id ORDER BY i.id) FILTER (WHERE i.id IS NOT NULL)
      INTO problems, ids
      FROM unnest(codes) WITH ORDINALITY AS u (code, n)
      LEFT JOIN (SELECT it.id, it.code, it.branch_id, it.status FROM items it
                  WHERE it.code = ANY (codes) ORDER BY it.id FOR UPDATE) i ON i.code = u.code;
    -- The age rules of the items with no other problem, read only for a borrower they may stop.
    IF consent THEN
        SELECT array_agg(CASE WHEN p.problem = '' AND r.consent_age > 0 AND age < r.consent_age
                              THEN 'consent:' || r.consent_age ELSE p.problem END ORDER BY p.n)
          INTO problems
          FROM unnest(problems, codes) WITH ORDINALITY AS p (problem, code, n)
          LEFT JOIN items i ON i.code = p.code
          -- category_rules of the item's category alone: its nearest rule up its line.
          LEFT JOIN LATERAL (
                WITH RECURSIVE up AS (
                        SELECT c.parent_id, c.consent_age, 0 AS depth
                          FROM categories c WHERE c.id = i.category_id
                        UNION ALL
                        SELECT c.parent_id, c.consent_age, up.depth + 1
                          FROM up JOIN categories c ON c.id = up.parent_id
                         WHERE up.consent_age IS NULL AND up.depth < 32)
                SELECT up.consent_age FROM up WHERE up.consent_age IS NOT NULL) r ON true;
    END IF;
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

    checkout := nextval('checkouts_id_seq');
    -- The checkout with its stored answer, its loans, the items' status, the borrower's activity
    -- and the audit entry in one statement: loans and status cannot disagree. The ids of the
    -- checkout and its loans are taken first, so that the answer is whole before anything is
    -- written, and the loans are written only when the checkout was (not when its key came
    -- meanwhile).
    WITH planned AS (
        SELECT nextval('loans_id_seq') AS id, i.*
          FROM (SELECT it.id AS item_id, it.branch_id, it.category_id, it.code, it.name
                  FROM items it WHERE it.id = ANY (ids) ORDER BY it.id) i),
     answer AS (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', p.id, 'item', jsonb_build_object('code', p.code, 'name', p.name),
                   'due_date', loan_checkout.due_date) ORDER BY u.n) AS loans,
               jsonb_agg(jsonb_build_object('id', p.id, 'item_id', p.item_id) ORDER BY p.id)
                   AS audited
          FROM planned p JOIN unnest(codes) WITH ORDINALITY AS u (code, n) ON u.code = p.code),
     kept AS (
        INSERT INTO checkouts (id, branch_id, borrower_id, staff_id, idempotency_key,
                               request_hash, response)
        OVERRIDING SYSTEM VALUE
        SELECT checkout, branch, borrower, staff, key,
               CASE WHEN key IS NOT NULL THEN sha256(convert_to(request, 'UTF8')) END,
               jsonb_build_object('checkout_id', checkout, 'due_date', loan_checkout.due_date,
                                  'undo_until', now() + make_interval(mins => undo_minutes),
                                  'loans', a.loans)
          FROM answer a
            ON CONFLICT (staff_id, idempotency_key) DO NOTHING
        RETURNING checkouts.id, checkouts.response::text AS text),
     lent AS (
        INSERT INTO loans (id, checkout_id, item_id, branch_id, category_id, borrower_id,
                           borrower_ref, checked_out_by, due_date, borrower_birth_year,
                           borrower_gender)
        OVERRIDING SYSTEM VALUE
        SELECT p.id, k.id, p.item_id, p.branch_id, p.category_id, borrower, borrower, staff,
               loan_checkout.due_date, born, gender_given
          FROM kept k, planned p ORDER BY p.id
        RETURNING loans.item_id),
     lending AS (
        UPDATE items SET status = 'on_loan', updated_at = now()
         WHERE id IN (SELECT item_id FROM lent)),
     active AS (
        UPDATE borrowers SET last_activity_at = now()
         WHERE id = borrower AND last_activity_at < current_date),
     audited AS (
        INSERT INTO audit_log (staff_id, action, object_type, object_id, branch_id, details)
        SELECT nullif(staff, 0), 'checkout', 'checkout', checkout, branch,
               jsonb_build_object('borrower_id', borrower, 'loans', a.audited)
          FROM answer a)
    SELECT k.text INTO response FROM kept k;
    IF response IS NULL THEN
        -- The same key committed while we waited for the borrower: run again, as its retry.
        RAISE EXCEPTION 'a checkout with this key was made meanwhile'
            USING ERRCODE = 'serialization_failure';
    END IF;
    outcome := 'done';
END
$$;
