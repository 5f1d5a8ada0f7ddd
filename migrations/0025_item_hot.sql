-- 0025_item_hot: lending and returning an item no longer writes every index of the item
-- (issue 14).
--
-- A checkout sets its items' status to 'on_loan' and a return back to 'available'. Four indexes
-- named the status (items_branch_status, and the predicates of items_lost, items_repair and
-- items_shelf), so neither update could be HOT: each wrote a new entry in all fifteen indexes of
-- items, the two GIN indexes of the search among them. Those four now name stock_status, the
-- status with lending left out (an item on loan is 'available' stock), which a loan and its
-- return do not change, and items keep a tenth of each page free for the new versions. Through
-- hylla's lend-and-return cycle at 64 connections, dropping the four indexes took 11-16% off
-- PostgreSQL's CPU per request (three alternating rounds), and this migration 8% (two rounds,
-- each side's items rewritten first).
--
-- What read the status through those indexes reads stock_status now: the lost and repair lists,
-- and the public search's shelf. What is available now at a branch (not on loan) is its
-- available stock less its open loans (loans_open_due), both counted from indexes alone: an item
-- on loan stays at the branch that lent it (hylla refuses to move it until it is returned, as
-- its return is taken only there).

ALTER TABLE items SET (fillfactor = 90);
ALTER TABLE items
    ADD COLUMN stock_status text NOT NULL
        GENERATED ALWAYS AS (CASE WHEN status = 'on_loan' THEN 'available' ELSE status END) STORED;

DROP INDEX items_branch_status, items_lost, items_repair, items_shelf;
CREATE INDEX items_branch_stock ON items (branch_id, stock_status);
CREATE INDEX items_lost ON items (branch_id, category_id) WHERE stock_status = 'lost';
CREATE INDEX items_repair ON items (branch_id) WHERE stock_status = 'repair';
CREATE INDEX items_shelf ON items (branch_id, name, size_num, size_text, code)
    WHERE stock_status IN ('available', 'repair');

-- The rule above is an invariant of `hylla check`: 0007's, and one more row. An item moved while
-- on loan before this migration counts where it is and where it was lent until it is returned,
-- and the check names it.
ALTER FUNCTION check_invariants() RENAME TO check_invariants_0007;
CREATE FUNCTION check_invariants()
RETURNS TABLE (invariant text, violations bigint, examples text[])
LANGUAGE sql STABLE AS $$
    SELECT * FROM check_invariants_0007()
    UNION ALL
    SELECT 'every item on loan is at the branch that lent it', count(*),
           (array_agg(i.code ORDER BY i.code))[1:5]
      FROM loans l JOIN items i ON i.id = l.item_id
     WHERE l.returned_at IS NULL AND i.branch_id <> l.branch_id
$$;

-- 0018's public_search, reading the shelf by stock_status, and counting a branch's whole shelf
-- of available items from indexes alone (above). Nothing else changes.
CREATE OR REPLACE FUNCTION public_search(q text, branch text, category integer,
                                         available_only boolean, asked_kind text,
                                         asked_min numeric, asked_max numeric,
                                         page_size bigint, page_offset bigint)
RETURNS TABLE (total bigint, branch_found boolean, understood text, nearest text, code text,
               category_id integer, name_sv text, name_en text, name text, size_kind text,
               size_num numeric, size_text text, condition text, status text, due_date date,
               photo_etag text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET plan_cache_mode = force_generic_plan SET max_parallel_workers_per_gather = 0
AS $$
#variable_conflict use_column
DECLARE
    p record;
    bid integer;
    bids integer[];
    exact text := upper(btrim(q));
    wider text;
BEGIN
    SELECT * INTO p FROM search_plan(q);
    -- The first thing's pattern without what may follow a word's stem ("(^| )skid[a-z]{0,4}( |$)"
    -- is "(^| )skid"): it finds a few more names, which matched leaves out, and the trigram index
    -- reads it for a fraction of what the whole pattern costs it.
    wider := regexp_replace(p.pat1, '\[a-z\]\{0,4\}\( \|\$\)', '', 'g');
    IF branch IS NULL THEN
        bids := ARRAY(SELECT b.id FROM branches b);
    ELSE
        SELECT b.id INTO bid FROM branches b WHERE b.slug = branch;
        IF bid IS NULL THEN
            RETURN QUERY SELECT 0::bigint, false, p.understood::text, NULL::text, NULL::text,
                                NULL::integer, NULL::text, NULL::text, NULL::text, NULL::text,
                                NULL::numeric, NULL::text, NULL::text, NULL::text, NULL::date,
                                NULL::text;
            RETURN;
        END IF;
        bids := ARRAY[bid];
    END IF;
    IF q IS NULL AND asked_kind IS NULL AND asked_min IS NULL AND asked_max IS NULL
       AND bid IS NOT NULL THEN
        -- Browsing a branch's shelf (no words, no size): the page read in its order from
        -- items_shelf, and what the search below would say of the whole shelf.
        RETURN QUERY
        WITH RECURSIVE
         in_category (id) AS (
            SELECT category WHERE category IS NOT NULL
            UNION ALL SELECT c.id FROM categories c JOIN in_category t ON c.parent_id = t.id),
         kept AS (SELECT ARRAY(SELECT id FROM in_category) AS ids),
         page AS (
            SELECT i.id, i.name, i.size_num, i.size_text, i.code
              FROM items i, kept k
             WHERE i.branch_id = bid AND i.stock_status IN ('available', 'repair')
               AND (NOT available_only OR i.status = 'available')
               AND (category IS NULL OR i.category_id = ANY (k.ids))
             ORDER BY i.name, i.size_num, i.size_text, i.code
             LIMIT page_size OFFSET page_offset)
        SELECT CASE WHEN category IS NULL AND available_only -- from indexes alone (above)
                    THEN (SELECT count(*) FROM items i
                           WHERE i.branch_id = bid AND i.stock_status = 'available')
                         - (SELECT count(*) FROM loans l
                             WHERE l.branch_id = bid AND l.returned_at IS NULL)
                    WHEN category IS NULL -- from items_branch_stock alone
                    THEN (SELECT count(*) FROM items i
                           WHERE i.branch_id = bid AND i.stock_status IN ('available', 'repair'))
                    ELSE (SELECT count(*) FROM items i, kept k
                           WHERE i.branch_id = bid
                             AND i.stock_status IN ('available', 'repair')
                             AND (NOT available_only OR i.status = 'available')
                             AND i.category_id = ANY (k.ids)) END,
               true, p.understood::text,
               CASE WHEN NOT EXISTS (SELECT 1 FROM items a, kept k
                                      WHERE a.branch_id = bid AND a.status = 'available'
                                        AND (category IS NULL OR a.category_id = ANY (k.ids)))
                    THEN (SELECT nullif(json_strip_nulls(json_build_object('due_back',
                                                                           min(l.due_date)))::text,
                                        '{}')
                            FROM items i JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL,
                                 kept k
                           WHERE i.branch_id = bid
                             AND i.stock_status IN ('available', 'repair')
                             AND (category IS NULL OR i.category_id = ANY (k.ids))) END,
               i.code, i.category_id, c.name_sv, c.name_en, i.name, i.size_kind,
               i.size_num::numeric, i.size_text, i.condition, i.status,
               CASE WHEN i.status = 'on_loan' THEN l.due_date END, ph.etag
          FROM (SELECT 1) one
          LEFT JOIN page ON true
          LEFT JOIN (items i JOIN categories c ON c.id = i.category_id
                     LEFT JOIN item_photos ph ON ph.item_id = i.id
                     LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL)
            ON i.id = page.id
         ORDER BY page.name, page.size_num, page.size_text, page.code;
        RETURN;
    END IF;
    -- candidates: what the first thing finds (or every item, when there is no thing), and the
    -- exact code, each part read from its index, a few more than match; the parts do not
    -- overlap. matched: what the words find (0013's search_is, search_is_number) within the
    -- branch and what the public sees, sizes aside; hits: what the size asked for keeps;
    -- shown: what the page lists. When nothing asked for is on the shelf, the answer says which
    -- sizes nearest to the one asked for are (from matched), and when the first of the lent
    -- ones is due back.
    RETURN QUERY
    WITH RECURSIVE
     in_category (id) AS (
        SELECT category WHERE category IS NOT NULL
        UNION ALL SELECT c.id FROM categories c JOIN in_category t ON c.parent_id = t.id),
     candidates AS (
        SELECT i.id, i.branch_id, i.category_id, i.name, i.search_text, i.size_kind, i.size_num,
               i.size_text, i.code, i.status
          FROM items i
         WHERE p.pat1 IS NOT NULL AND bid IS NOT NULL
           AND i.branch_id = bid AND i.category_id = ANY (p.cat1)
        UNION ALL
        SELECT i.id, i.branch_id, i.category_id, i.name, i.search_text, i.size_kind, i.size_num,
               i.size_text, i.code, i.status
          FROM items i
         WHERE p.pat1 IS NOT NULL AND bid IS NOT NULL
           AND i.branch_id = bid AND i.search_text ~ wider AND NOT i.category_id = ANY (p.cat1)
        UNION ALL
        SELECT i.id, i.branch_id, i.category_id, i.name, i.search_text, i.size_kind, i.size_num,
               i.size_text, i.code, i.status
          FROM items i
         WHERE p.pat1 IS NOT NULL AND bid IS NULL
           AND (i.category_id = ANY (p.cat1) OR i.search_text ~ wider)
        UNION ALL
        SELECT i.id, i.branch_id, i.category_id, i.name, i.search_text, i.size_kind, i.size_num,
               i.size_text, i.code, i.status
          FROM items i
         WHERE p.pat1 IS NULL AND i.branch_id = ANY (bids)
           AND i.stock_status IN ('available', 'repair')
        UNION ALL
        SELECT i.id, i.branch_id, i.category_id, i.name, i.search_text, i.size_kind, i.size_num,
               i.size_text, i.code, i.status
          FROM items i
         WHERE i.code = exact
           AND NOT (i.branch_id = ANY (bids)
                    AND (p.pat1 IS NULL AND i.stock_status IN ('available', 'repair')
                         OR p.pat1 IS NOT NULL
                            AND (i.category_id = ANY (p.cat1) OR i.search_text ~ wider)))),
     matched AS MATERIALIZED (
        SELECT i.id, i.name, i.size_kind, i.size_num, i.size_text, i.code, i.status,
               i.code = exact AS exact,
               i.code = exact
               OR p.lone IS NOT NULL AND search_is_number(p.lone, NULL, NULL, NULL, i.code)
               AS by_code
          FROM candidates i
         WHERE i.branch_id = ANY (bids)
           AND i.status IN ('available', 'on_loan', 'repair')
           AND (category IS NULL OR i.category_id = ANY (ARRAY(SELECT id FROM in_category)))
           AND (q IS NULL OR i.code = exact
                OR search_is(p.cat1, p.pat1, i.category_id, i.search_text)
                   AND search_is(p.cat2, p.pat2, i.category_id, i.search_text)
                   AND search_is(p.cat3, p.pat3, i.category_id, i.search_text)
                   AND search_is(p.cat4, p.pat4, i.category_id, i.search_text)
                   AND search_is(p.cat5, p.pat5, i.category_id, i.search_text)
                   AND search_is(p.cat6, p.pat6, i.category_id, i.search_text)
                   AND search_is_number(p.lone, i.size_kind, i.size_num, i.size_text, i.code))),
     asked AS ( -- the size asked for: in the words, or in the size fields
        SELECT coalesce(p.size_kind, asked_kind) AS kind, coalesce(p.size_min, asked_min) AS lo,
               coalesce(p.size_max, asked_max) AS hi, p.size_text AS text,
               coalesce(p.size_value, p.lone) AS target),
     hits AS MATERIALIZED (
        SELECT m.* FROM matched m, asked a
         WHERE m.exact
            OR NOT EXISTS (SELECT 1 FROM matched WHERE exact) AND m.by_code
            OR ((a.kind IS NULL OR m.size_kind = a.kind) AND (a.lo IS NULL OR m.size_num >= a.lo)
                AND (a.hi IS NULL OR m.size_num <= a.hi)
                AND (a.text IS NULL OR lower(m.size_text) = a.text)
                AND NOT EXISTS (SELECT 1 FROM matched WHERE exact))),
     shown AS (SELECT * FROM hits WHERE NOT available_only OR status = 'available'),
     page AS (
        SELECT s.id, row_number() OVER (ORDER BY s.by_code DESC, abs(s.size_num - a.target),
                                                 s.name, s.size_num, s.size_text, s.code) AS n
          FROM shown s, asked a ORDER BY n LIMIT page_size OFFSET page_offset),
     said AS (
        SELECT json_strip_nulls(json_build_object(
                 'smaller', (SELECT trim_scale(max(m.size_num)) FROM matched m
                              WHERE m.status = 'available' AND m.size_kind = a.kind
                                AND m.size_num < a.lo),
                 'larger', (SELECT trim_scale(min(m.size_num)) FROM matched m
                             WHERE m.status = 'available' AND m.size_kind = a.kind
                               AND m.size_num > a.hi),
                 'due_back', (SELECT min(l.due_date) FROM hits h
                                JOIN loans l ON l.item_id = h.id AND l.returned_at IS NULL)))
                 AS said
          FROM asked a WHERE NOT EXISTS (SELECT 1 FROM hits WHERE status = 'available'))
    SELECT t.total, true, p.understood::text, nullif((SELECT said::text FROM said), '{}'),
           i.code, i.category_id, c.name_sv, c.name_en, i.name, i.size_kind, i.size_num::numeric,
           i.size_text, i.condition, i.status, CASE WHEN i.status = 'on_loan' THEN l.due_date END,
           ph.etag
      FROM (SELECT count(*) AS total FROM shown) t
      LEFT JOIN page ON true
      LEFT JOIN (items i JOIN categories c ON c.id = i.category_id
                 LEFT JOIN item_photos ph ON ph.item_id = i.id
                 LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL)
        ON i.id = page.id
     ORDER BY page.n;
END
$$;
