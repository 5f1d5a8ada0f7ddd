-- 0030_loan_keys: a checkout and a return lock no row that every desk of a branch shares
-- (issue 14).
--
-- loans and checkouts named their staff member (checked_out_by, returned_by, staff_id) and
-- their branch with foreign keys, and each key ran, per row written, a query that locks the row
-- it names (FOR KEY SHARE): five per lend-and-return cycle, on the staff member's and the
-- branch's rows, which every checkout of that desk and branch locks at once (PostgreSQL then
-- records the lockers of such a row as a multixact). As with the logs in 0024, they guarded
-- nothing hylla does: it never deletes a staff member (staff are disabled) or a branch. The
-- keys that stay are those a deletion or a merge follows: the borrower (erasure sets it NULL),
-- the category (category_merge moves loans by their foreign keys), the item and the checkout.
-- Counted with contrib/bench/profile on contrib/bench's data: 2.13 -> 2.04 million instructions
-- a request.

ALTER TABLE loans DROP CONSTRAINT loans_checked_out_by_fkey,
                  DROP CONSTRAINT loans_returned_by_fkey,
                  DROP CONSTRAINT loans_branch_id_fkey;
ALTER TABLE checkouts DROP CONSTRAINT checkouts_staff_id_fkey,
                      DROP CONSTRAINT checkouts_branch_id_fkey;
