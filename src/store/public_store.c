/* public_store: the public site's read-only queries (see public_store.h). */
#include "public_store.h"

#include "core/buf.h"
#include "store/item_store.h"
#include "store/rollup.h"

#include <stdlib.h>
#include <string.h>

/* Branches ---------------------------------------------------------------------------------- */

enum store_status store_public_branches(const char *slug, const char *from,
                                        struct public_branch **out, size_t *n)
{
    /*
     * Totals from the rollups (one index range each), what is on the shelf now from indexes
     * alone (the available stock of items_branch_stock less the open loans of loans_open_due:
     * an item on loan stays at the branch that lent it, see migration 0025), the days ahead and
     * the next opening from the calendar.
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
        BRANCH_PHONE,
        BRANCH_EMAIL,
        BRANCH_LATITUDE,
        BRANCH_LONGITUDE,
        BRANCH_PENDING,
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
        "       (SELECT count(*) FROM items i"
        "         WHERE i.branch_id = b.id AND i.stock_status = 'available')"
        "       - (SELECT count(*) FROM loans l"
        "           WHERE l.branch_id = b.id AND l.returned_at IS NULL),"
        "       b.phone, b.email, b.latitude, b.longitude,"
        "       " ROLLUP_PENDING "  FROM branches b,"
        "       (SELECT s.today, least(greatest(coalesce($2::date, s.today), s.today),"
        "                              s.today + 366) AS first"
        "          FROM (SELECT (now() AT TIME ZONE 'Europe/Stockholm')::date AS today) s"
        "        OFFSET 0) t"
        " WHERE $1::text IS NULL OR b.slug = $1"
        " ORDER BY b.name, b.slug");
    *out = NULL;
    *n = 0;
    PGresult *res;
    enum store_status st =
        store_rollup_exec(&list, 2, (const char *[]){ slug, from }, BRANCH_PENDING, &res);
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
        b->phone = store_get_dup(res, r, BRANCH_PHONE);
        b->email = store_get_dup(res, r, BRANCH_EMAIL);
        b->has_position = store_get(res, r, BRANCH_LATITUDE) != NULL;
        b->latitude = store_get_double(res, r, BRANCH_LATITUDE);
        b->longitude = store_get_double(res, r, BRANCH_LONGITUDE);
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
        free(list[i].phone);
        free(list[i].email);
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
    enum { TOTAL_SLUG, TOTAL_LOANS, TOTAL_PENDING };
    static struct store_stmt totals = STORE_STMT(
        "SELECT NULL, (SELECT coalesce(sum(loans), 0) FROM stats_month WHERE branch_id = 0),"
        "       " ROLLUP_PENDING " UNION ALL"
        " SELECT * FROM (SELECT b.slug, (SELECT coalesce(sum(m.loans), 0) FROM stats_month m"
        "                                 WHERE m.branch_id = b.id), false"
        "                  FROM branches b ORDER BY b.slug) s");
    *network = 0;
    *branches = NULL;
    *n = 0;
    PGresult *res;
    enum store_status st = store_rollup_exec(&totals, 0, NULL, TOTAL_PENDING, &res);
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

/*
 * The columns of struct public_item, in the order of PUBLIC_ITEM_*, over items i, categories c,
 * item_photos p and the open loan l (public_search answers the same, in the same order), and how
 * to read them from column col on.
 */
#define PUBLIC_ITEM_COLUMNS                                                                        \
    "i.code, i.category_id, c.name_sv, c.name_en, i.name, i.size_kind, i.size_num, i.size_text,"   \
    " i.condition, i.status, CASE WHEN i.status = 'on_loan' THEN l.due_date END, p.etag"
enum {
    PUBLIC_ITEM_CODE,
    PUBLIC_ITEM_CATEGORY,
    PUBLIC_ITEM_CATEGORY_SV,
    PUBLIC_ITEM_CATEGORY_EN,
    PUBLIC_ITEM_NAME,
    PUBLIC_ITEM_SIZE_KIND,
    PUBLIC_ITEM_SIZE_NUM,
    PUBLIC_ITEM_SIZE_TEXT,
    PUBLIC_ITEM_CONDITION,
    PUBLIC_ITEM_STATUS,
    PUBLIC_ITEM_DUE_DATE,
    PUBLIC_ITEM_PHOTO_ETAG,
};

static void read_item(const PGresult *res, int r, int col, struct public_item *it)
{
    store_get_copy(res, r, col + PUBLIC_ITEM_CODE, it->code, sizeof it->code);
    it->category_id = (int)store_get_ll(res, r, col + PUBLIC_ITEM_CATEGORY);
    it->category_sv = store_get_dup(res, r, col + PUBLIC_ITEM_CATEGORY_SV);
    it->category_en = store_get_dup(res, r, col + PUBLIC_ITEM_CATEGORY_EN);
    it->name = store_get_dup(res, r, col + PUBLIC_ITEM_NAME);
    it->size = (struct size){
        .kind = size_kind_from_name(store_get(res, r, col + PUBLIC_ITEM_SIZE_KIND)),
        .num = store_get_double(res, r, col + PUBLIC_ITEM_SIZE_NUM),
    };
    store_get_copy(res, r, col + PUBLIC_ITEM_SIZE_TEXT, it->size.text, sizeof it->size.text);
    store_get_copy(res, r, col + PUBLIC_ITEM_CONDITION, it->condition, sizeof it->condition);
    store_get_copy(res, r, col + PUBLIC_ITEM_STATUS, it->status, sizeof it->status);
    store_get_copy(res, r, col + PUBLIC_ITEM_DUE_DATE, it->due_date, sizeof it->due_date);
    store_get_copy(res, r, col + PUBLIC_ITEM_PHOTO_ETAG, it->photo_etag, sizeof it->photo_etag);
}

/*
 * The public search, the statement contrib/bench mirrors: public_search (migrations/
 * 0018_search_speed.sql) reads the words as a borrower means them (search_plan of 0013) and
 * answers the page, one round trip, its plans kept by the connection. $1 q, $2 branch slug, $3
 * category id, $4 available only, $5 size kind, $6 and $7 size bounds, $8 limit, $9 offset. The
 * open loan is read for its due date only; no other loan column and no borrower column is read.
 */
static struct store_stmt search_stmt =
    STORE_STMT("SELECT * FROM public_search($1::text, $2::text, $3::int, $4::bool, $5::text,"
               "                            $6::numeric, $7::numeric, $8::bigint, $9::bigint)");

void store_public_item_clear(struct public_item *it)
{
    free(it->category_sv);
    free(it->category_en);
    free(it->name);
    *it = (struct public_item){ 0 };
}

enum store_status store_public_item(const char *code, struct public_item *out, char slug[48])
{
    enum { ONE_SLUG, ONE_ITEM };
    static struct store_stmt one =
        STORE_STMT("SELECT b.slug, " PUBLIC_ITEM_COLUMNS
                   "  FROM items i JOIN categories c ON c.id = i.category_id"
                   "  JOIN branches b ON b.id = i.branch_id"
                   "  LEFT JOIN item_photos p ON p.item_id = i.id"
                   "  LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL"
                   " WHERE i.code = $1 AND i.status IN ('available', 'on_loan', 'repair')");
    *out = (struct public_item){ 0 };
    PGresult *res;
    enum store_status st = store_exec(&one, 1, (const char *[]){ code }, &res);
    if (st == STORE_OK) {
        store_get_copy(res, 0, ONE_SLUG, slug, 48);
        read_item(res, 0, ONE_ITEM, out);
    }
    PQclear(res);
    return st;
}

/* The columns of search_stmt: what the whole answer says (on every row), then the item. */
enum { FOUND_TOTAL, FOUND_BRANCH, FOUND_UNDERSTOOD, FOUND_NEAREST, FOUND_ITEM };

enum store_status store_public_items(const struct public_item_filter *f,
                                     struct public_item_page *out)
{
    *out = (struct public_item_page){ 0 };
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
    enum store_status st = store_exec(&search_stmt, 9, params, &res);
    if (st < 0)
        return st;
    if (st == STORE_NOT_FOUND) { /* public_search answers a row at least: not this database */
        PQclear(res);
        return STORE_HARD_ERROR;
    }
    int rows = PQntuples(res);
    out->total = store_get_ll(res, 0, FOUND_TOTAL);
    out->branch_found = store_get_bool(res, 0, FOUND_BRANCH);
    out->understood = store_get_json(res, 0, FOUND_UNDERSTOOD);
    out->nearest = store_get_json(res, 0, FOUND_NEAREST);
    out->items = xcalloc(rows ? (size_t)rows : 1, sizeof *out->items);
    for (int r = 0; r < rows; r++) /* a row without an item: the page is past the last match */
        if (store_get(res, r, FOUND_ITEM + PUBLIC_ITEM_CODE))
            read_item(res, r, FOUND_ITEM, &out->items[out->n++]);
    PQclear(res);
    return STORE_OK;
}

void store_public_items_free(struct public_item_page *page)
{
    for (size_t i = 0; i < page->n; i++)
        store_public_item_clear(&page->items[i]);
    free(page->items);
    free(page->understood);
    free(page->nearest);
    *page = (struct public_item_page){ 0 };
}
