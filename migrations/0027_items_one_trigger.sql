-- 0027_items_one_trigger: an update of items fires one row trigger, with no WHEN clause (issue 14).
--
-- Three row triggers followed an update of items: items_status_history (UPDATE OF status),
-- items_public_update (WHEN the update is not a loan's flip between available and on_loan) and
-- stats_items_update (WHEN what the statistics count changes). PostgreSQL 15 reads a trigger's
-- WHEN clause from the catalogue's text and plans it again in every statement that updates the
-- table, whether the plan of that statement is cached or not; a PL/pgSQL function keeps its
-- plans for the session. Counted with callgrind on contrib/bench's data, 400 checkouts and
-- returns (one transaction each, as hylla runs them) spent 0.15 million instructions a request on
-- the two WHEN clauses, of 2.7 million: 5.5% of PostgreSQL's work for a lend-and-return cycle.
--
-- Now one function does what the three did, with the same tests in the same order of effects
-- (the public notice, the status history, the statistics journal: triggers fire by name) and the
-- same outcome when a test is NULL (not taken). items_status_history keeps the item's creation.

DROP TRIGGER items_status_history ON items;
DROP TRIGGER items_public_update ON items;
DROP TRIGGER stats_items_update ON items;

CREATE FUNCTION items_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- 0017's items_public_update: not a checkout, a return or a renewal (see notify_public).
    IF NOT (OLD.status IN ('available', 'on_loan') AND NEW.status IN ('available', 'on_loan')
            AND OLD.status <> NEW.status) THEN
        PERFORM pg_notify('hylla_changed', 'public');
    END IF;
    -- 0010's items_record_status.
    IF OLD.status IS DISTINCT FROM NEW.status THEN
        INSERT INTO item_status_history (item_id, from_status, to_status, reason, staff_id, note)
        VALUES (NEW.id, OLD.status, NEW.status,
                CASE WHEN NEW.status = 'retired' THEN NEW.retired_reason END,
                nullif(current_setting('hylla.staff_id', true), '')::integer,
                nullif(current_setting('hylla.status_note', true), ''));
    END IF;
    -- 0017's stats_items_update: what the statistics count of the item changed.
    IF OLD.branch_id <> NEW.branch_id OR OLD.category_id <> NEW.category_id
       OR OLD.donated_on IS DISTINCT FROM NEW.donated_on
       OR (OLD.status = 'retired') <> (NEW.status = 'retired') THEN
        INSERT INTO rollup_journal (items)
        VALUES (ARRAY[stats_item_facts(-1, OLD), stats_item_facts(1, NEW)]);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER items_updated AFTER UPDATE ON items
    FOR EACH ROW EXECUTE FUNCTION items_updated();
CREATE TRIGGER items_status_history AFTER INSERT ON items
    FOR EACH ROW EXECUTE FUNCTION items_record_status();
