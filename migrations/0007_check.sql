-- 0007_check: what `hylla check` asks of the schema: the invariants of the data, and whether the
-- statistics rollups equal a recount. Both are functions of the schema, so that a migration that
-- changes a rule redefines its check beside it.

-- One row per invariant, with how many things break it (0 is good) and up to five of them, named
-- by item code (never by anything about a person).
CREATE FUNCTION check_invariants()
RETURNS TABLE (invariant text, violations bigint, examples text[])
LANGUAGE sql STABLE AS $$
    -- The rule that matters most is kept by a unique index; a restore that failed to build it
    -- would let an item onto two loans.
    SELECT 'the index loans_one_open_per_item exists and is valid',
           CASE WHEN EXISTS (SELECT 1 FROM pg_index i
                              WHERE i.indexrelid = to_regclass('loans_one_open_per_item')
                                AND i.indisvalid AND i.indisunique) THEN 0 ELSE 1 END,
           '{}'::text[]
    UNION ALL
    SELECT 'no item is on more than one open loan', count(*), (array_agg(code ORDER BY code))[1:5]
      FROM (SELECT i.code FROM loans l JOIN items i ON i.id = l.item_id
             WHERE l.returned_at IS NULL GROUP BY i.code HAVING count(*) > 1) x
    UNION ALL
    SELECT 'every item on loan has an open loan', count(*), (array_agg(code ORDER BY code))[1:5]
      FROM items i
     WHERE i.status = 'on_loan'
       AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL)
    UNION ALL
    SELECT 'every item with an open loan is on loan', count(*),
           (array_agg(code ORDER BY code))[1:5]
      FROM items i
     WHERE i.status <> 'on_loan'
       AND EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL)
$$;

-- stats_verify() compares every rollup with what stats_rebuild() computes from loans and items,
-- and changes nothing: the rebuild runs in a subtransaction that is rolled back. It finds the
-- rollups by name (every table stats_* beside stats_rebuild()), so rollups added later are
-- compared too, as long as stats_rebuild() rebuilds them. A row whose counters (the columns
-- outside the primary key) are all zero counts as absent: the triggers leave such rows, the
-- rebuild does not. A redesign of the rollups that changes what "equal" means (counters spread
-- over several rows, say) redefines this function in its own migration.
--
-- One row per rollup: missing counts the rows of the recount that the rollup lacks or holds with
-- other numbers, unexpected the rows of the rollup that the recount does not have. While it runs,
-- changes to loans and items wait (stats_rebuild() locks them), and so do readers of the rollups.
CREATE FUNCTION stats_verify()
RETURNS TABLE (rollup text, missing bigint, unexpected bigint)
LANGUAGE plpgsql AS $$
DECLARE
    t record;
    diff jsonb;
    snapshot text := $q$
        INSERT INTO %I (rollup, row_data)
        SELECT %L, r FROM (SELECT to_jsonb(x) AS r FROM %I.%I x) s
         WHERE NOT coalesce((SELECT bool_and(e.value = '0'::jsonb)
                               FROM jsonb_each(r - %L::text[]) e), false)
    $q$;
BEGIN
    CREATE TEMP TABLE stats_verify_rollups ON COMMIT DROP AS
    SELECT c.relname::text AS name, n.nspname::text AS schema,
           coalesce((SELECT array_agg(a.attname::text)
                       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
                      WHERE i.indrelid = c.oid AND i.indisprimary
                        AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])),
                    '{}') AS keys
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND c.relname LIKE 'stats\_%'
       AND c.relnamespace = (SELECT pronamespace FROM pg_proc WHERE oid = 'stats_rebuild'::regproc);
    CREATE TEMP TABLE stats_verify_kept (rollup text, row_data jsonb) ON COMMIT DROP;
    FOR t IN SELECT * FROM stats_verify_rollups LOOP
        EXECUTE format(snapshot, 'stats_verify_kept', t.name, t.schema, t.name, t.keys);
    END LOOP;

    BEGIN
        PERFORM stats_rebuild();
        CREATE TEMP TABLE stats_verify_rebuilt (rollup text, row_data jsonb);
        FOR t IN SELECT * FROM stats_verify_rollups LOOP
            EXECUTE format(snapshot, 'stats_verify_rebuilt', t.name, t.schema, t.name, t.keys);
        END LOOP;
        SELECT coalesce(jsonb_object_agg(d.rollup, jsonb_build_array(d.missing, d.unexpected)),
                        '{}')
          INTO diff
          FROM (SELECT x.rollup, count(*) FILTER (WHERE x.side = 'rebuilt') AS missing,
                       count(*) FILTER (WHERE x.side = 'kept') AS unexpected
                  FROM (SELECT 'rebuilt' AS side, y.rollup
                          FROM (SELECT r.rollup, r.row_data FROM stats_verify_rebuilt r
                                EXCEPT ALL
                                SELECT k.rollup, k.row_data FROM stats_verify_kept k) y
                        UNION ALL
                        SELECT 'kept', y.rollup
                          FROM (SELECT k.rollup, k.row_data FROM stats_verify_kept k
                                EXCEPT ALL
                                SELECT r.rollup, r.row_data FROM stats_verify_rebuilt r) y) x
                 GROUP BY x.rollup) d;
        -- Undo the rebuild: this error exists only to end the subtransaction.
        RAISE SQLSTATE 'HC001';
    EXCEPTION WHEN SQLSTATE 'HC001' THEN
        NULL;
    END;

    RETURN QUERY
    SELECT v.name, coalesce((diff -> v.name ->> 0)::bigint, 0),
           coalesce((diff -> v.name ->> 1)::bigint, 0)
      FROM stats_verify_rollups v ORDER BY v.name;
    DROP TABLE stats_verify_rollups, stats_verify_kept;
END
$$;
