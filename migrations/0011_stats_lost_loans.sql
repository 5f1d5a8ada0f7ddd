-- 0011_stats_lost_loans: a loan closed as lost (loans.lost, migration 0010) is no return. It still
-- counts as a loan on the day it was lent; it adds nothing to returns, late returns or loan
-- lengths, whenever it was closed, and stays so when the item later turns up (the loan keeps
-- lost). Only what one loan row contributes changes here, so the triggers and stats_rebuild()
-- of 0006 keep working as they are. No loan is lost before this migration: nothing to rebuild.

CREATE OR REPLACE FUNCTION stats_loan_facts(sign integer, l loans) RETURNS stats_loan_change
LANGUAGE sql STABLE AS $$
    SELECT ROW(sign, l.item_id, l.branch_id, l.category_id, l.borrower_ref,
               (l.checked_out_at AT TIME ZONE 'Europe/Stockholm')::date,
               CASE WHEN NOT l.lost THEN (l.returned_at AT TIME ZONE 'Europe/Stockholm')::date END,
               CASE WHEN NOT l.lost
                    THEN (l.returned_at AT TIME ZONE 'Europe/Stockholm')::date > l.due_date END,
               CASE WHEN NOT l.lost
                    THEN round(extract(epoch FROM l.returned_at - l.checked_out_at))::bigint END
              )::stats_loan_change
$$;
