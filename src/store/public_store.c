/* public_store: the public site's read-only queries (see public_store.h). */
#include "public_store.h"

#include "core/buf.h"
#include "store/item_store.h"
#include "store/pool.h"

#include <stdlib.h>
#include <string.h>

/* Branches ---------------------------------------------------------------------------------- */

enum store_status store_public_branches(const char *slug, const char *from,
                                        struct public_branch **out, size_t *n)
{
    /*
     * Totals from the rollups (one index range each), the shelf from items_branch_status, the
     * days ahead and the next opening from the calendar.
     */
    enum {
        BRANCH_SLUG,
        BRANCH_NAME,
        BRANCH_MUNICIPALITY,
        BRANCH_ADDRESS,
        BRANCH_CONTACT,
        BRANCH_NOTICE,
        BRANCH_OPENING_HOURS,
        BRANCH_SEASONS,
        BRANCH_CLOSED_PERIODS,
        BRANCH_TODAY,
        BRANCH_DAYS,
        BRANCH_NEXT_OPEN,
        BRANCH_TOTAL_LOANS,
        BRANCH_AVAILABLE,
    };
    static struct store_stmt list = STORE_STMT(
        "SELECT b.slug, b.name, b.municipality, b.address, b.contact, b.notice,"
        "       b.opening_hours::text, b.seasons::text,"
        "       jsonb_path_query_array(b.closed_periods, '$[*] ? (@.to >= $today)',"
        "                              jsonb_build_object('today', to_jsonb(t.today)))::text,"
        "       t.today::text,"
        "       (SELECT json_agg(json_build_object('date', d.day, 'spans', d.spans) ORDER BY d.day)"
        "          FROM calendar_days(b.opening_hours, b.seasons, b.closed_periods, t.first,"
        "                             t.first + 13) d)::text,"
        "       (SELECT json_build_object('date', o.day, 'spans',"
        "                 calendar_spans(b.opening_hours, b.seasons, b.closed_periods, o.day))"
        "          FROM calendar_open_day(b.opening_hours, b.seasons, b.closed_periods,"
        "                                 t.today + 1) o(day)"
        "         WHERE o.day IS NOT NULL)::text,"
        "       (SELECT coalesce(sum(m.loans), 0) FROM stats_month m WHERE m.branch_id = b.id),"
        "       (SELECT count(*) FROM items i WHERE i.branch_id = b.id AND i.status = 'available')"
        "  FROM branches b,"
        "       (SELECT s.today, least(greatest(coalesce($2::date, s.today), s.today),"
        "                              s.today + 366) AS first"
        "          FROM (SELECT (now() AT TIME ZONE 'Europe/Stockholm')::date AS today) s"
        "        OFFSET 0) t"
        " WHERE $1::text IS NULL OR b.slug = $1"
        " ORDER BY b.name, b.slug");
    *out = NULL;
    *n = 0;
    PGresult *res;
    enum store_status st = store_exec(&list, 2, (const char *[]){ slug, from }, &res);
    if (st < 0)
        return st;
    int rows = PQntuples(res);
    *out = xcalloc(rows ? (size_t)rows : 1, sizeof **out);
    for (int r = 0; r < rows; r++) {
        struct public_branch *b = &(*out)[r];
        store_get_copy(res, r, BRANCH_SLUG, b->slug, sizeof b->slug);
        b->name = store_get_dup(res, r, BRANCH_NAME);
        b->municipality = store_get_dup(res, r, BRANCH_MUNICIPALITY);
        b->address = store_get_dup(res, r, BRANCH_ADDRESS);
        b->contact = store_get_dup(res, r, BRANCH_CONTACT);
        b->notice = store_get_dup(res, r, BRANCH_NOTICE);
        b->opening_hours = store_get_json(res, r, BRANCH_OPENING_HOURS);
        b->seasons = store_get_json(res, r, BRANCH_SEASONS);
        b->closed_periods = store_get_json(res, r, BRANCH_CLOSED_PERIODS);
        store_get_copy(res, r, BRANCH_TODAY, b->today, sizeof b->today);
        b->days = store_get_json(res, r, BRANCH_DAYS);
        b->next_open = store_get_json(res, r, BRANCH_NEXT_OPEN);
        b->total_loans = store_get_ll(res, r, BRANCH_TOTAL_LOANS);
        b->available = store_get_ll(res, r, BRANCH_AVAILABLE);
    }
    *n = (size_t)rows;
    PQclear(res);
    return rows ? STORE_OK : STORE_NOT_FOUND;
}

void store_public_branches_free(struct public_branch *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].municipality);
        free(list[i].address);
        free(list[i].contact);
        free(list[i].notice);
        free(list[i].opening_hours);
        free(list[i].seasons);
        free(list[i].closed_periods);
        free(list[i].days);
        free(list[i].next_open);
    }
    free(list);
}

/* Totals ------------------------------------------------------------------------------------ */

enum store_status store_public_totals(long long *network, struct public_branch_total **branches,
                                      size_t *n)
{
    /* Row 0 is the network (branch_id 0 of the rollups), then every branch by slug. */
    enum { TOTAL_SLUG, TOTAL_LOANS };
    static struct store_stmt totals = STORE_STMT(
        "SELECT NULL, (SELECT coalesce(sum(loans), 0) FROM stats_month WHERE branch_id = 0)"
        " UNION ALL"
        " SELECT * FROM (SELECT b.slug, (SELECT coalesce(sum(m.loans), 0) FROM stats_month m"
        "                                 WHERE m.branch_id = b.id)"
        "                  FROM branches b ORDER BY b.slug) s");
    *network = 0;
    *branches = NULL;
    *n = 0;
    PGresult *res;
    enum store_status st = store_exec(&totals, 0, NULL, &res);
    if (st < 0)
        return st;
    int rows = PQntuples(res);
    *network = store_get_ll(res, 0, TOTAL_LOANS);
    *branches = xcalloc(rows ? (size_t)rows : 1, sizeof **branches);
    for (int r = 1; r < rows; r++) {
        struct public_branch_total *t = &(*branches)[r - 1];
        store_get_copy(res, r, TOTAL_SLUG, t->slug, sizeof t->slug);
        t->total_loans = store_get_ll(res, r, TOTAL_LOANS);
    }
    *n = (size_t)(rows - 1);
    PQclear(res);
    return STORE_OK;
}

/* Items ------------------------------------------------------------------------------------- */

struct search {
    const struct public_item_filter *f;
    struct public_item_page *out;
};

/*
 * The public search, the statement contrib/bench mirrors: the catalogue's search of item_store.c
 * (Swedish stems on items_fts, folded substrings on items_trgm, the exact code, or a category
 * named by the words, each with its subtree; sizes on items_size), limited to one branch and to
 * what the public sees. $1 q, $2 branch slug, $3 category id, $4 available only, $5 size kind,
 * $6 and $7 size bounds, $8 limit, $9 offset. The open loan is read by loans_one_open_per_item
 * for its due date only; no other loan column and no borrower column is read.
 */
static struct store_stmt search_stmt = STORE_STMT(
    ITEM_MATCH_CTES
    " hits AS MATERIALIZED ("
    "    SELECT i.id, i.name, i.size_num, i.size_text, i.code FROM items i"
    "     WHERE ($2::text IS NULL OR i.branch_id = (SELECT id FROM branches WHERE slug = $2))"
    "       AND i.status = ANY (CASE WHEN $4::bool THEN '{available}'::text[]"
    "                                ELSE '{available,on_loan,repair}'::text[] END)"
    "       AND " ITEM_MATCH_WHERE "),"
    " page AS ("
    "    SELECT id, row_number() OVER (ORDER BY name, size_num, size_text, code) AS n"
    "      FROM hits ORDER BY n LIMIT $8::bigint OFFSET $9::bigint)"
    " SELECT t.total, ($2::text IS NULL OR EXISTS (SELECT 1 FROM branches WHERE slug = $2)),"
    "        i.code, i.category_id, c.name_sv, c.name_en, i.name, i.size_kind, i.size_num,"
    "        i.size_text, i.condition, i.status,"
    "        CASE WHEN i.status = 'on_loan' THEN l.due_date END, p.etag"
    "   FROM (SELECT count(*) AS total FROM hits) t"
    "   LEFT JOIN page ON true"
    "   LEFT JOIN (items i JOIN categories c ON c.id = i.category_id"
    "              LEFT JOIN item_photos p ON p.item_id = i.id"
    "              LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL)"
    "     ON i.id = page.id"
    "  ORDER BY page.n");

enum {
    FOUND_TOTAL,
    FOUND_BRANCH,
    FOUND_CODE,
    FOUND_CATEGORY,
    FOUND_CATEGORY_SV,
    FOUND_CATEGORY_EN,
    FOUND_NAME,
    FOUND_SIZE_KIND,
    FOUND_SIZE_NUM,
    FOUND_SIZE_TEXT,
    FOUND_CONDITION,
    FOUND_STATUS,
    FOUND_DUE_DATE,
    FOUND_PHOTO_ETAG,
};

static void read_item(const PGresult *res, int r, struct public_item *it)
{
    store_get_copy(res, r, FOUND_CODE, it->code, sizeof it->code);
    it->category_id = (int)store_get_ll(res, r, FOUND_CATEGORY);
    it->category_sv = store_get_dup(res, r, FOUND_CATEGORY_SV);
    it->category_en = store_get_dup(res, r, FOUND_CATEGORY_EN);
    it->name = store_get_dup(res, r, FOUND_NAME);
    it->size = (struct size){
        .kind = size_kind_from_name(store_get(res, r, FOUND_SIZE_KIND)),
        .num = store_get_double(res, r, FOUND_SIZE_NUM),
    };
    store_get_copy(res, r, FOUND_SIZE_TEXT, it->size.text, sizeof it->size.text);
    store_get_copy(res, r, FOUND_CONDITION, it->condition, sizeof it->condition);
    store_get_copy(res, r, FOUND_STATUS, it->status, sizeof it->status);
    store_get_copy(res, r, FOUND_DUE_DATE, it->due_date, sizeof it->due_date);
    store_get_copy(res, r, FOUND_PHOTO_ETAG, it->photo_etag, sizeof it->photo_etag);
}

static enum store_status search_tx(void *ctx)
{
    /* A generic plan would ignore the indexes behind the optional filters. */
    static struct store_stmt custom_plans =
        STORE_STMT("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)");
    struct search *s = ctx;
    const struct public_item_filter *f = s->f;
    store_public_items_free(s->out);

    enum store_status st = store_run(&custom_plans, 0, NULL);
    if (st < 0)
        return st;
    STORE_NUM(limit, f->limit);
    STORE_NUM(offset, f->offset);
    const char *params[9] = {
        [1] = f->branch && *f->branch ? f->branch : NULL,
        [3] = f->available_only ? "true" : "false",
        [7] = f->limit > 0 ? limit : NULL,
        [8] = offset,
    };
    struct item_match_text text;
    store_item_match_params(&f->match, &text, params);
    PGresult *res;
    st = store_exec(&search_stmt, 9, params, &res);
    if (st < 0)
        return st;
    int rows = PQntuples(res);
    s->out->total = store_get_ll(res, 0, FOUND_TOTAL);
    s->out->branch_found = store_get_bool(res, 0, FOUND_BRANCH);
    s->out->items = xcalloc(rows ? (size_t)rows : 1, sizeof *s->out->items);
    for (int r = 0; r < rows; r++)
        if (store_get(res, r, FOUND_CODE)) /* no item: the page is past the last match */
            read_item(res, r, &s->out->items[s->out->n++]);
    PQclear(res);
    return STORE_OK;
}

enum store_status store_public_items(const struct public_item_filter *f,
                                     struct public_item_page *out)
{
    *out = (struct public_item_page){ 0 };
    struct search s = { .f = f, .out = out };
    /* A transaction only to scope plan_cache_mode. */
    enum store_status st = store_tx(STORE_READ_COMMITTED, search_tx, &s);
    if (st != STORE_OK)
        store_public_items_free(out);
    return st;
}

void store_public_items_free(struct public_item_page *page)
{
    for (size_t i = 0; i < page->n; i++) {
        free(page->items[i].category_sv);
        free(page->items[i].category_en);
        free(page->items[i].name);
    }
    free(page->items);
    *page = (struct public_item_page){ 0 };
}
