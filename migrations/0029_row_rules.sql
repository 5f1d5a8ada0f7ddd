-- 0029_row_rules: the rules of an item's and a loan's row, read once a session (issue 14).
--
-- PostgreSQL 15 reads every CHECK constraint of a table from the catalogue's text and plans it
-- again in every statement that writes the table, and builds the expression of every stored
-- generated column of a table it updates, whether the update changes its columns or not. A
-- lend-and-return cycle updates items twice and writes loans twice, each time under seven and
-- four constraints, and three generated columns. Counted with contrib/bench/profile (PostgreSQL's
-- instructions per request of 200 cycles, on contrib/bench's data), reading those constraints
-- took 0.42 million of 2.41 million instructions a request, the generated columns 0.09.
--
-- 1. The seven constraints of items and the four of loans become one each, calling a PL/pgSQL
--    function that tests the same rules, whose plan PL/pgSQL keeps for the session. The rules
--    are joined with AND: as with separate constraints, a row is refused when a rule is false,
--    and a rule that is NULL (a NULL column) refuses nothing.
-- 2. The two search columns of items (0017) are no longer generated: a trigger computes them,
--    with the same expressions, when a row is inserted or its name, brand or search columns are
--    written. Like a generated column, it runs whatever session_replication_role says (loads
--    such as contrib/bench/generate turn the other triggers off with it). stock_status (0025)
--    stays generated: every update of the status computes it anyway.
--
-- 2.41 -> 2.12 million instructions a request with both (profile: 2.17 with the first alone).

CREATE FUNCTION item_row_ok(code text, name text, size_kind text, size_num numeric,
                            size_text text, condition text, status text, retired_reason text)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'
       AND length(name) BETWEEN 1 AND 200
       AND size_kind IN ('length_cm', 'shoe_eu', 'clothing', 'head_cm', 'wheel_in', 'other')
       AND (size_kind IS NOT NULL OR (size_num IS NULL AND size_text IS NULL))
       AND condition IN ('new', 'good', 'worn', 'needs_repair')
       AND status IN ('intake', 'available', 'on_loan', 'repair', 'lost', 'retired')
       AND (status <> 'retired' OR retired_reason IS NOT NULL);
END
$$;

ALTER TABLE items
    DROP CONSTRAINT items_code_check,
    DROP CONSTRAINT items_name_check,
    DROP CONSTRAINT items_size_kind_check,
    DROP CONSTRAINT items_check1,
    DROP CONSTRAINT items_condition_check,
    DROP CONSTRAINT items_status_check,
    DROP CONSTRAINT items_check,
    ADD CONSTRAINT items_row_ok CHECK (item_row_ok(code, name, size_kind, size_num, size_text,
                                                   condition, status, retired_reason));

CREATE FUNCTION loan_row_ok(borrower_gender text, renewals integer,
                            checked_out_at timestamptz, returned_at timestamptz, lost boolean)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN borrower_gender IN ('kvinna', 'man', 'annat', 'ej_angivet')
       AND renewals >= 0
       AND (returned_at IS NULL OR returned_at >= checked_out_at)
       AND (NOT lost OR returned_at IS NOT NULL);
END
$$;

ALTER TABLE loans
    DROP CONSTRAINT loans_borrower_gender_check,
    DROP CONSTRAINT loans_renewals_check,
    DROP CONSTRAINT loans_check,
    DROP CONSTRAINT loans_lost_is_closed,
    ADD CONSTRAINT loans_row_ok CHECK (loan_row_ok(borrower_gender, renewals, checked_out_at,
                                                   returned_at, lost));

ALTER TABLE items
    ALTER COLUMN search_tsv DROP EXPRESSION,
    ALTER COLUMN search_text DROP EXPRESSION;

CREATE FUNCTION items_search_columns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_tsv := to_tsvector('swedish'::regconfig, NEW.name || ' ' || coalesce(NEW.brand, ''));
    NEW.search_text := hylla_fold(NEW.name || ' ' || coalesce(NEW.brand, ''));
    RETURN NEW;
END
$$;

CREATE TRIGGER items_search_columns
    BEFORE INSERT OR UPDATE OF name, brand, search_tsv, search_text ON items
    FOR EACH ROW EXECUTE FUNCTION items_search_columns();
ALTER TABLE items ENABLE ALWAYS TRIGGER items_search_columns;
