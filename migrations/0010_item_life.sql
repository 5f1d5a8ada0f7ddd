-- 0010_item_life: an item's whole life at the desk: the status lost, a note with every status
-- change (the fault of an item sent to repair, the words of a retirement), loans closed as lost,
-- and the branch setting that says when an overdue loan may be closed so.
--
-- Status changes follow one table of allowed transitions (src/core/item.c, item_transition):
--   intake    -> available, repair, retired
--   available -> repair, lost, retired
--   repair    -> available, retired
--   lost      -> available (found), repair
--   on_loan   -> lost (only by closing its loan as lost); a return sets available or repair.
-- The database keeps what every path must keep (a status it knows, a reason for a retired item);
-- the transitions are checked where they are asked for, under the item's row lock.

ALTER TABLE items DROP CONSTRAINT items_status_check;
ALTER TABLE items ADD CONSTRAINT items_status_check
    CHECK (status IN ('intake', 'available', 'on_loan', 'repair', 'lost', 'retired'));

-- Lost items are few; the catalogue statistics count them through this index, per branch and
-- category, without reading the others.
CREATE INDEX items_lost ON items (branch_id, category_id) WHERE status = 'lost';

-- The note of a status change: what is wrong with an item sent to repair, how it was found, the
-- words of "other" when it was retired. Like the staff member, it comes from a transaction
-- setting (hylla.status_note, set with set_config(..., true) before the change), so that every
-- path that changes a status (a return to repair, the status endpoint) records it the same way.
ALTER TABLE item_status_history ADD COLUMN note text CHECK (length(note) <= 1000);

CREATE OR REPLACE FUNCTION items_record_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
        RETURN NULL;
    END IF;
    INSERT INTO item_status_history (item_id, from_status, to_status, reason, staff_id, note)
    VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
            CASE WHEN NEW.status = 'retired' THEN NEW.retired_reason END,
            nullif(current_setting('hylla.staff_id', true), '')::integer,
            nullif(current_setting('hylla.status_note', true), ''));
    RETURN NULL;
END
$$;

-- Intake asks before it saves the same name, size and category twice at a branch within a minute
-- (a double press, or two of the same?); it looks among the branch's newest items.
CREATE INDEX items_branch_created ON items (branch_id, created_at);

-- The repair queue reads the items in repair of a branch with the change that sent each there.
CREATE INDEX items_repair ON items (branch_id) WHERE status = 'repair';

-- A loan closed as lost: the item did not come back, and a manager gave up on it. It is closed
-- (returned_at holds when, returned_by who) so that it leaves the open and overdue lists and the
-- item may be lent again once found, but it is no return: statistics do not count it as one
-- (migration 0011), and the loan keeps lost = true after the item turns up.
ALTER TABLE loans ADD COLUMN lost boolean NOT NULL DEFAULT false;
ALTER TABLE loans ADD CONSTRAINT loans_lost_is_closed CHECK (NOT lost OR returned_at IS NOT NULL);

-- An item's loans, latest first: its page at the desk, and the loan a found item comes back from.
CREATE INDEX loans_item ON loans (item_id, checked_out_at);

-- How many days past its due date a loan must be before a manager may close it as lost.
ALTER TABLE branches ADD COLUMN lost_after_days integer NOT NULL DEFAULT 60
    CHECK (lost_after_days BETWEEN 1 AND 3650);
