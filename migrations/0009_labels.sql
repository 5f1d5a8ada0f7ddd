-- 0009_labels: printing labels a scanner can read.
-- label_printed_at says when a volunteer confirmed that the item's label came out of the printer
-- (NULL: it has none yet, which is true of every item taken in before this migration: hylla
-- printed no barcode before). The desk's "not yet printed" list reads it by branch.
ALTER TABLE items ADD COLUMN label_printed_at timestamptz;
CREATE INDEX items_label_unprinted ON items (branch_id, code) WHERE label_printed_at IS NULL;

-- What each branch prints on, chosen at the desk and remembered: the label stock (see
-- src/core/label.h) and the receipt printer's paper.
ALTER TABLE branches
    ADD COLUMN label_format text NOT NULL DEFAULT 'a4-3x8'
        CHECK (label_format IN ('a4-3x8', 'a4-3x7', 'roll-62', 'roll-29x90')),
    ADD COLUMN receipt_format text NOT NULL DEFAULT 'receipt-80'
        CHECK (receipt_format IN ('receipt-80', 'receipt-58', 'a6'));
