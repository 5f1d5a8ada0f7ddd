-- 0012_admin: what administration in the browser needs: one-time passwords and the last login of
-- staff, a branch's phone, e-mail and map position, hidden categories, merging two categories,
-- and a borrower's copy of everything stored about them (GDPR article 15).

-- An account made or reset by an admin gets a one-time password: its holder must choose their
-- own before anything else (the API refuses every other route until then).
ALTER TABLE staff
    ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
    ADD COLUMN last_login_at timestamptz;

ALTER TABLE branches
    ADD COLUMN phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),             -- E.164
    ADD COLUMN email text CHECK (length(email) BETWEEN 3 AND 254),
    -- Where the public site's map link points (WGS 84 degrees); both or neither.
    ADD COLUMN latitude numeric(8, 6) CHECK (latitude BETWEEN -90 AND 90),
    ADD COLUMN longitude numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180),
    ADD CONSTRAINT branches_position_whole CHECK ((latitude IS NULL) = (longitude IS NULL));

-- A hidden category is no longer offered for new items, nor shown on the public site, with all
-- the categories below it; its past loans still count in every statistic.
ALTER TABLE categories ADD COLUMN hidden boolean NOT NULL DEFAULT false;
-- The loans of a category: what a merge moves, and what stops a category from being deleted
-- (without it both, and the foreign key's own check, read every loan).
CREATE INDEX loans_category ON loans (category_id);

-- The columns that point at a table (single-column foreign keys), other than the table's own:
-- what moves when two categories merge, and where a borrower's data lies.
CREATE FUNCTION hylla_references(target regclass)
RETURNS TABLE (tab regclass, col name) LANGUAGE sql STABLE AS $$
    SELECT c.conrelid::regclass, a.attname
      FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.contype = 'f' AND c.confrelid = target AND c.conrelid <> target
       AND cardinality(c.conkey) = 1
     ORDER BY c.conrelid::regclass::text, a.attname
$$;

-- Merge category source into target: everything that names source (items, the loans that
-- remember the category they were lent in, and any table added later with a foreign key to
-- categories) names target instead, the categories below source move below target, and source
-- is deleted. The statistics triggers on items and loans move the counts in the same
-- transaction, so every total stays the same and target's counts become the sum of both. The
-- caller has checked that target is neither source nor below it. Answers what moved, as
-- {"children": n, "items": n, "loans": n, ...} (a key per referring table).
CREATE FUNCTION category_merge(source integer, target integer) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n bigint;
    moved jsonb;
BEGIN
    PERFORM 1 FROM categories WHERE id IN (source, target) ORDER BY id FOR UPDATE;
    UPDATE categories SET parent_id = target WHERE parent_id = source;
    GET DIAGNOSTICS n = ROW_COUNT;
    moved := jsonb_build_object('children', n);
    FOR r IN SELECT * FROM hylla_references('categories') LOOP
        EXECUTE format('UPDATE %s SET %I = $1 WHERE %I = $2', r.tab, r.col, r.col)
            USING target, source;
        GET DIAGNOSTICS n = ROW_COUNT;
        moved := moved || jsonb_build_object(r.tab::text, coalesce((moved ->> r.tab::text)::bigint, 0) + n);
    END LOOP;
    DELETE FROM categories WHERE id = source;
    RETURN moved;
END
$$;

-- Everything stored about one borrower, as one JSON document (NULL when there is no such
-- borrower): their row whole, with their branch; their loans, each whole with its item; the
-- status changes of the items they borrowed while they had them; what was done to their record
-- (the audit log's entries about them); and the rows of every other table with a foreign key to
-- borrowers (checkouts, messages, and whatever later migrations add), whole, under the table's
-- name. Nothing about any other borrower: rows of borrowers itself (a guardian's children, say)
-- are left out, and only rows that name this borrower are read.
CREATE FUNCTION borrower_export(bid bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    doc jsonb;
    r record;
    part jsonb;
BEGIN
    SELECT jsonb_build_object(
               'borrower', to_jsonb(b),
               'branch', jsonb_build_object('slug', br.slug, 'name', br.name),
               'loans', coalesce((
                   SELECT jsonb_agg(to_jsonb(l) || jsonb_build_object(
                              'item', jsonb_build_object('code', i.code, 'name', i.name,
                                                         'category', c.name_sv))
                            ORDER BY l.checked_out_at, l.id)
                     FROM loans l JOIN items i ON i.id = l.item_id
                     JOIN categories c ON c.id = l.category_id
                    WHERE l.borrower_id = b.id), '[]'),
               'item_status_changes', coalesce((
                   SELECT jsonb_agg(jsonb_build_object('item', i.code, 'from', h.from_status,
                                                       'to', h.to_status, 'at', h.at,
                                                       'loan_id', l.id)
                            ORDER BY h.at, h.id)
                     FROM loans l JOIN items i ON i.id = l.item_id
                     JOIN item_status_history h
                       ON h.item_id = l.item_id AND h.at >= l.checked_out_at
                      AND h.at <= coalesce(l.returned_at, now())
                    WHERE l.borrower_id = b.id), '[]'),
               'record_events', coalesce((
                   SELECT jsonb_agg(jsonb_build_object('action', a.action, 'at', a.at,
                                                       'details', a.details)
                            ORDER BY a.at, a.id)
                     FROM audit_log a
                    WHERE a.object_type = 'borrower' AND a.object_id = b.id), '[]'))
      INTO doc
      FROM borrowers b JOIN branches br ON br.id = b.branch_id
     WHERE b.id = bid;
    IF doc IS NULL THEN
        RETURN NULL;
    END IF;
    FOR r IN SELECT * FROM hylla_references('borrowers') WHERE tab <> 'loans'::regclass LOOP
        EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t)), ''[]'') FROM %s t WHERE %I = $1',
                       r.tab, r.col)
            INTO part USING bid;
        doc := doc || jsonb_build_object(r.tab::text, coalesce(doc -> r.tab::text, '[]') || part);
    END LOOP;
    RETURN doc;
END
$$;
