/* item_store: items (see item_store.h). */
#include "item_store.h"

#include "core/buf.h"
#include "store/actor_store.h"
#include "store/audit_store.h"
#include "store/notify.h"
#include "store/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The columns of struct item, in the order of ITEM_*, and the joins they need. The photo and the
 * open loan are each one probe of a unique index, as scalar subqueries (cheaper than outer
 * joins), the open loan's only for an item on loan (an open loan and the status on_loan go
 * together, as `hylla check` verifies; most items looked up are on the shelf); the times come as
 * timestamps in UTC, which read_item writes in ISO 8601 (cheaper than to_char).
 * ITEM_COLUMNS_NAMED takes the columns of the branch's slug and the category's names.
 */
#define ITEM_COLUMNS_NAMED(branch_slug, category_names)                                            \
    "i.id, i.code, i.branch_id, " branch_slug ", i.category_id, " category_names ", i.name,"       \
    " i.brand, i.size_kind, i.size_num, i.size_text, i.condition, i.status, i.retired_reason,"     \
    " i.donated_on, i.notes, (SELECT p.etag FROM item_photos p WHERE p.item_id = i.id),"           \
    " CASE WHEN i.status = 'on_loan' THEN (SELECT l.due_date FROM loans l WHERE l.item_id = i.id"  \
    "                                       AND l.returned_at IS NULL) END,"                       \
    " i.created_at AT TIME ZONE 'UTC', i.updated_at AT TIME ZONE 'UTC',"                           \
    " i.label_printed_at AT TIME ZONE 'UTC'"
#define ITEM_COLUMNS ITEM_COLUMNS_NAMED("b.slug", "c.name_sv, c.name_en")
#define ITEM_JOINS                                                                                 \
    " JOIN branches b ON b.id = i.branch_id"                                                       \
    " JOIN categories c ON c.id = i.category_id"

enum {
    ITEM_ID,
    ITEM_CODE,
    ITEM_BRANCH,
    ITEM_BRANCH_SLUG,
    ITEM_CATEGORY,
    ITEM_CATEGORY_SV,
    ITEM_CATEGORY_EN,
    ITEM_NAME,
    ITEM_BRAND,
    ITEM_SIZE_KIND,
    ITEM_SIZE_NUM,
    ITEM_SIZE_TEXT,
    ITEM_CONDITION,
    ITEM_STATUS,
    ITEM_RETIRED_REASON,
    ITEM_DONATED_ON,
    ITEM_NOTES,
    ITEM_PHOTO_ETAG,
    ITEM_DUE_DATE,
    ITEM_CREATED_AT,
    ITEM_UPDATED_AT,
    ITEM_LABEL_PRINTED_AT,
};

/*
 * A timestamp in UTC as PostgreSQL writes it ("2026-12-01 07:20:00.123456", DateStyle ISO, the
 * fraction only when there is one) in ISO 8601 to the second, as the API gives every time:
 * "2026-12-01T07:20:00Z" (the fraction cut, as to_char's SS cuts it). "" for NULL; a text of
 * another form is kept as it is.
 */
static void utc_iso(const char *pg, char out[32])
{
    size_t n = pg ? strcspn(pg, ".") : 0;
    if (n == 19 && pg[10] == ' ') {
        memcpy(out, pg, 19);
        out[10] = 'T';
        memcpy(out + 19, "Z", 2);
    } else {
        snprintf(out, 32, "%s", pg ? pg : "");
    }
}

/* Read the ITEM_COLUMNS that start at column col of a row. */
static void read_item(const PGresult *res, int row, int col, struct item *it)
{
    it->id = store_get_ll(res, row, col + ITEM_ID);
    store_get_copy(res, row, col + ITEM_CODE, it->code, sizeof it->code);
    it->branch_id = (int)store_get_ll(res, row, col + ITEM_BRANCH);
    store_get_copy(res, row, col + ITEM_BRANCH_SLUG, it->branch_slug, sizeof it->branch_slug);
    it->category_id = (int)store_get_ll(res, row, col + ITEM_CATEGORY);
    it->category_sv = store_get_dup(res, row, col + ITEM_CATEGORY_SV);
    it->category_en = store_get_dup(res, row, col + ITEM_CATEGORY_EN);
    it->name = store_get_dup(res, row, col + ITEM_NAME);
    it->brand = store_get_dup(res, row, col + ITEM_BRAND);
    it->size = (struct size){
        .kind = size_kind_from_name(store_get(res, row, col + ITEM_SIZE_KIND)),
        .num = store_get_double(res, row, col + ITEM_SIZE_NUM),
    };
    store_get_copy(res, row, col + ITEM_SIZE_TEXT, it->size.text, sizeof it->size.text);
    store_get_copy(res, row, col + ITEM_CONDITION, it->condition, sizeof it->condition);
    store_get_copy(res, row, col + ITEM_STATUS, it->status, sizeof it->status);
    it->retired_reason = store_get_dup(res, row, col + ITEM_RETIRED_REASON);
    store_get_copy(res, row, col + ITEM_DONATED_ON, it->donated_on, sizeof it->donated_on);
    it->notes = store_get_dup(res, row, col + ITEM_NOTES);
    store_get_copy(res, row, col + ITEM_PHOTO_ETAG, it->photo_etag, sizeof it->photo_etag);
    store_get_copy(res, row, col + ITEM_DUE_DATE, it->due_date, sizeof it->due_date);
    utc_iso(store_get(res, row, col + ITEM_CREATED_AT), it->created_at);
    utc_iso(store_get(res, row, col + ITEM_UPDATED_AT), it->updated_at);
    utc_iso(store_get(res, row, col + ITEM_LABEL_PRINTED_AT), it->label_printed_at);
}

void store_item_clear(struct item *it)
{
    free(it->category_sv);
    free(it->category_en);
    free(it->name);
    free(it->brand);
    free(it->retired_reason);
    free(it->notes);
    *it = (struct item){ 0 };
}

/* The names of branches and categories --------------------------------------------------- */

/*
 * The desk's lookup by code (store_item_get) reads the item's row alone and takes the slug of its
 * branch and the names of its category from memory: a few hundred rows that change seldom, and
 * two index probes fewer per lookup. The names are read all at once, kept while no message
 * "public" (migration 0017: any change to branches or categories, and to items and photos, which
 * costs only a reload) has arrived since, and used only after a round trip of the thread's own
 * connection that began outside a transaction (a sync, store/notify.h): the lookup's statement
 * itself, so that a name committed before the request shows in its answer. Without a sync (a
 * thread that does not listen, within a transaction) they are read for the one lookup.
 */
struct branch_name {
    int id;
    char slug[sizeof((struct item *)0)->branch_slug];
};

struct category_name {
    int id;
    char *sv, *en;
};

struct names {
    struct branch_name *branches; /* by id */
    size_t nbranches;
    struct category_name *categories; /* by id */
    size_t ncategories;
};

static struct names *names_kept; /* under names_lock; NULL until read, and after "public" */
static unsigned long names_epoch;
static struct store_subscription *names_sub;
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;

static void names_free(struct names *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->ncategories; i++) {
        free(n->categories[i].sv);
        free(n->categories[i].en);
    }
    free(n->branches);
    free(n->categories);
    free(n);
}

static void names_forget(const char *arg)
{
    (void)arg;
    pthread_mutex_lock(&names_lock);
    names_free(names_kept);
    names_kept = NULL;
    pthread_mutex_unlock(&names_lock);
}

void store_item_names_start(void)
{
    names_sub = store_notify_subscribe("public", names_forget);
}

/* Every branch's slug and every category's names, each by id; NULL when they cannot be read. */
static struct names *names_read(void)
{
    enum { NAME_IS_CATEGORY, NAME_ID, NAME_FIRST, NAME_SECOND };
    static struct store_stmt all =
        STORE_STMT("SELECT false, id, slug, NULL FROM branches"
                   " UNION ALL SELECT true, id, name_sv, name_en FROM categories ORDER BY 1, 2");
    PGresult *res;
    enum store_status st = store_exec(&all, 0, NULL, &res);
    if (st < 0)
        return NULL;
    int rows = PQntuples(res);
    struct names *n = xcalloc(1, sizeof *n);
    n->branches = xcalloc((size_t)rows + 1, sizeof *n->branches);
    n->categories = xcalloc((size_t)rows + 1, sizeof *n->categories);
    for (int r = 0; r < rows; r++) {
        int id = (int)store_get_ll(res, r, NAME_ID);
        if (store_get_bool(res, r, NAME_IS_CATEGORY)) {
            struct category_name *c = &n->categories[n->ncategories++];
            c->id = id;
            c->sv = store_get_dup(res, r, NAME_FIRST);
            c->en = store_get_dup(res, r, NAME_SECOND);
        } else {
            struct branch_name *b = &n->branches[n->nbranches++];
            b->id = id;
            store_get_copy(res, r, NAME_FIRST, b->slug, sizeof b->slug);
        }
    }
    PQclear(res);
    return n;
}

static int by_id(const void *key, const void *elem)
{
    int a = *(const int *)key, b = *(const int *)elem; /* each struct begins with its id */
    return (a > b) - (a < b);
}

/* Copy the names of the item's branch and category from n into it; false when n has none. */
static bool names_copy(const struct names *n, struct item *it)
{
    const struct branch_name *b =
        bsearch(&it->branch_id, n->branches, n->nbranches, sizeof *n->branches, by_id);
    const struct category_name *c =
        bsearch(&it->category_id, n->categories, n->ncategories, sizeof *n->categories, by_id);
    if (!b || !c)
        return false;
    memcpy(it->branch_slug, b->slug, sizeof it->branch_slug); /* the same size, NUL-ended */
    it->category_sv = xstrdup(c->sv);
    it->category_en = xstrdup(c->en);
    return true;
}

/*
 * Fill in the names of the item just read; synced says that its statement was a sync. Reads
 * them when memory does not have them, and keeps what it read unless a message came meanwhile.
 */
static enum store_status names_fill(struct item *it, bool synced)
{
    bool keep = synced && names_sub && store_listens();
    if (keep) {
        pthread_mutex_lock(&names_lock);
        bool done = names_kept && names_epoch == store_notify_epoch(names_sub) &&
                    names_copy(names_kept, it);
        pthread_mutex_unlock(&names_lock);
        if (done)
            return STORE_OK;
    }
    unsigned long epoch = store_notify_epoch(names_sub);
    struct names *n = names_read();
    if (!n)
        return STORE_HARD_ERROR;
    bool found = names_copy(n, it);
    pthread_mutex_lock(&names_lock);
    if (keep && store_notify_epoch(names_sub) == epoch) {
        names_free(names_kept);
        names_kept = n;
        names_epoch = epoch;
        n = NULL;
    }
    pthread_mutex_unlock(&names_lock);
    names_free(n);
    /* Read after the item, they have its branch and category (foreign keys keep them). */
    return found ? STORE_OK : STORE_HARD_ERROR;
}

/* Reading ----------------------------------------------------------------------------------- */

/* Each code is a probe of the unique index of items.code; the rows come in any order. */
static struct store_stmt get_many =
    STORE_STMT("SELECT " ITEM_COLUMNS_NAMED("NULL", "NULL, NULL") " FROM items i"
                                                                  " WHERE i.code = ANY ($1)");

bool store_item_prefetch(const char *const *codes, size_t n)
{
    char *list = store_text_array(codes, n);
    bool sent = store_prefetch(&get_many, 1, (const char *[]){ list });
    free(list);
    return sent;
}

enum store_status store_item_get_many(const char *const *codes, size_t n, struct item *out,
                                      bool *found)
{
    for (size_t i = 0; i < n; i++)
        found[i] = false;
    char *list = store_text_array(codes, n);
    unsigned long syncs = store_syncs();
    PGresult *res;
    enum store_status st = store_exec(&get_many, 1, (const char *[]){ list }, &res);
    free(list);
    if (st < 0)
        return st;
    int rows = PQntuples(res);
    for (int r = 0; r < rows; r++) {
        const char *code = store_get(res, r, ITEM_CODE);
        for (size_t i = 0; i < n; i++) {
            if (!found[i] && strcmp(codes[i], code) == 0) {
                read_item(res, r, 0, &out[i]);
                found[i] = true;
            }
        }
    }
    PQclear(res);
    bool synced = store_syncs() != syncs;
    st = STORE_OK;
    for (size_t i = 0; i < n && st == STORE_OK; i++)
        if (found[i])
            st = names_fill(&out[i], synced);
    if (st != STORE_OK) {
        for (size_t i = 0; i < n; i++) {
            if (found[i])
                store_item_clear(&out[i]);
            found[i] = false;
        }
    }
    return st;
}

enum store_status store_item_get(const char *code, struct item *out)
{
    bool found;
    enum store_status st = store_item_get_many(&code, 1, out, &found);
    return st == STORE_OK && !found ? STORE_NOT_FOUND : st;
}

static enum store_status get_by_id(long long id, struct item *out)
{
    static struct store_stmt get =
        STORE_STMT("SELECT " ITEM_COLUMNS " FROM items i" ITEM_JOINS " WHERE i.id = $1");
    STORE_NUM(text, id);
    PGresult *res;
    enum store_status st = store_exec(&get, 1, (const char *[]){ text }, &res);
    if (st == STORE_OK)
        read_item(res, 0, 0, out);
    PQclear(res);
    return st;
}

/* Search ------------------------------------------------------------------------------------ */

struct search {
    const struct item_filter *f;
    struct item_page *out;
};

_Static_assert(sizeof((struct item_match_text *)0)->category == STORE_NUM_SIZE &&
                   sizeof((struct item_match_text *)0)->size_min == STORE_DEC_SIZE,
               "item_match_text holds STORE_NUM and STORE_DEC texts");

void store_item_match_params(const struct item_match *m, struct item_match_text *text,
                             const char *params[7])
{
    store_num_text(text->category, m->category_id);
    store_dec_text(text->size_min, m->size_min);
    store_dec_text(text->size_max, m->size_max);
    params[0] = m->q && m->q[strspn(m->q, " \t\r\n")] ? m->q : NULL; /* blank: no text search */
    params[2] = m->category_id ? text->category : NULL;
    params[4] = size_kind_name(m->size_kind);
    params[5] = m->has_size_min ? text->size_min : NULL;
    params[6] = m->has_size_max ? text->size_max : NULL;
}

/*
 * The search statement: ITEM_MATCH_* among the items of one branch and status, taken in since a
 * day (of Stockholm), without a printed label, within a range of codes (in the order of their
 * characters). The matching rows are counted in all, and one page of them is read with the
 * item columns, by name, size and code, or by code alone.
 */
static enum store_status search_tx(void *ctx)
{
    static struct store_stmt custom_plans =
        STORE_STMT("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)");
    enum { FOUND_TOTAL, FOUND_ITEM }; /* the total, then the ITEM_COLUMNS */
    static struct store_stmt search = STORE_STMT(
        ITEM_MATCH_CTES
        " hits AS MATERIALIZED ("
        "    SELECT i.id, i.name, i.size_num, i.size_text, i.code FROM items i"
        "     WHERE ($2::int IS NULL OR i.branch_id = $2)"
        "       AND ($4::text IS NULL OR i.status = $4)"
        "       AND ($10::date IS NULL"
        "            OR i.created_at >= $10::date::timestamp AT TIME ZONE 'Europe/Stockholm')"
        "       AND ($11::bool IS NULL OR i.label_printed_at IS NULL)"
        "       AND ($12::text IS NULL OR i.code COLLATE \"C\" >= $12)"
        "       AND ($13::text IS NULL OR i.code COLLATE \"C\" <= $13)"
        "       AND " ITEM_MATCH_WHERE "),"
        " page AS ("
        "    SELECT id, row_number() OVER (ORDER BY CASE WHEN $14::bool THEN code END"
        "                                           COLLATE \"C\","
        "                                           name, size_num, size_text, code) AS n"
        "      FROM hits ORDER BY n LIMIT $8::bigint OFFSET $9::bigint)"
        " SELECT t.total, " ITEM_COLUMNS "   FROM (SELECT count(*) AS total FROM hits) t"
        "   LEFT JOIN page ON true"
        "   LEFT JOIN (items i" ITEM_JOINS ") ON i.id = page.id"
        "  ORDER BY page.n");
    struct search *s = ctx;
    const struct item_filter *f = s->f;
    store_item_page_free(s->out);

    enum store_status st = store_run(&custom_plans, 0, NULL);
    if (st < 0)
        return st;
    STORE_NUM(branch, f->branch_id);
    STORE_NUM(limit, f->limit);
    STORE_NUM(offset, f->offset);
    const char *params[14] = {
        [1] = f->branch_id ? branch : NULL,
        [3] = f->status,
        [7] = f->limit > 0 ? limit : NULL,
        [8] = offset,
        [9] = f->since,
        [10] = f->unprinted ? "true" : NULL,
        [11] = f->code_from,
        [12] = f->code_to,
        [13] = f->by_code ? "true" : "false",
    };
    struct item_match_text text;
    store_item_match_params(&f->match, &text, params);
    PGresult *res;
    st = store_exec(&search, 14, params, &res);
    if (st < 0)
        return st;
    int rows = PQntuples(res);
    s->out->total = store_get_ll(res, 0, FOUND_TOTAL);
    s->out->items = xcalloc((size_t)rows, sizeof *s->out->items);
    for (int r = 0; r < rows; r++)
        if (store_get(res, r, FOUND_ITEM + ITEM_ID)) /* none: the page is past the last match */
            read_item(res, r, FOUND_ITEM, &s->out->items[s->out->n++]);
    PQclear(res);
    return STORE_OK;
}

enum store_status store_item_search(const struct item_filter *f, struct item_page *out)
{
    *out = (struct item_page){ 0 };
    struct search s = { .f = f, .out = out };
    /* A transaction only to scope plan_cache_mode: a generic plan would ignore the indexes. */
    enum store_status st = store_tx(STORE_READ_COMMITTED, search_tx, &s);
    if (st != STORE_OK)
        store_item_page_free(out);
    return st;
}

void store_item_page_free(struct item_page *page)
{
    for (size_t i = 0; i < page->n; i++)
        store_item_clear(&page->items[i]);
    free(page->items);
    *page = (struct item_page){ 0 };
}

/* Writes ------------------------------------------------------------------------------------ */

/* The size as the three columns keep it: kind, number, text. */
struct size_params {
    char num[STORE_DEC_SIZE];
    const char *kind, *num_or_null, *text;
};

static void size_params(const struct size *size, struct size_params *p)
{
    store_dec_text(p->num, size->num);
    p->kind = size_kind_name(size->kind);
    p->num_or_null = size_kind_is_numeric(size->kind) ? p->num : NULL;
    p->text = size->kind != SIZE_NONE && !size_kind_is_numeric(size->kind) ? size->text : NULL;
}

static enum store_status category_exists(int id, bool *exists)
{
    static struct store_stmt find = STORE_STMT("SELECT 1 FROM categories WHERE id = $1");
    STORE_NUM(text, id);
    PGresult *res;
    enum store_status st = store_exec(&find, 1, (const char *[]){ text }, &res);
    PQclear(res);
    *exists = st == STORE_OK;
    return st < 0 ? st : STORE_OK;
}

/* Insert with this code: STORE_NOT_FOUND when another item has it. */
static enum store_status insert_row(const struct item_fields *f, const char *code, long long *id)
{
    static struct store_stmt insert = STORE_STMT(
        "INSERT INTO items (code, branch_id, category_id, name, brand, size_kind, size_num,"
        "                   size_text, condition, status, retired_reason, donated_on, notes)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, 'good'), coalesce($10, 'intake'),"
        "         $11, coalesce($12::date, current_date), $13)"
        " ON CONFLICT (code) DO NOTHING RETURNING id");
    STORE_NUM(branch, f->branch_id);
    STORE_NUM(category, f->category_id);
    struct size_params sp;
    size_params(&f->size, &sp);
    const char *params[13] = {
        code,           branch,  category,     f->name,   f->brand,          sp.kind,
        sp.num_or_null, sp.text, f->condition, f->status, f->retired_reason, f->donated_on,
        f->notes,
    };
    PGresult *res;
    enum store_status st = store_exec(&insert, 13, params, &res);
    if (st == STORE_OK)
        *id = store_get_ll(res, 0, 0);
    PQclear(res);
    return st;
}

/* The branch's next item number and its prefix, under the branch's row lock. */
static enum store_status next_number(int branch_id, char prefix[CODE_PREFIX_MAX + 1], long long *n)
{
    enum { TAKEN_PREFIX, TAKEN_NUMBER };
    static struct store_stmt take =
        STORE_STMT("UPDATE branches SET next_item_no = next_item_no + 1 WHERE id = $1"
                   " RETURNING code_prefix, next_item_no - 1");
    STORE_NUM(branch, branch_id);
    PGresult *res;
    enum store_status st = store_exec(&take, 1, (const char *[]){ branch }, &res);
    if (st == STORE_OK) {
        store_get_copy(res, 0, TAKEN_PREFIX, prefix, CODE_PREFIX_MAX + 1);
        *n = store_get_ll(res, 0, TAKEN_NUMBER);
    }
    PQclear(res);
    return st;
}

/*
 * Insert f with the branch's next free code (PREFIX-NNNNN, numbers taken under the branch's row
 * lock, so parallel intakes never share one), into *id and code_out.
 */
static enum store_status insert_next(const struct item_fields *f, long long *id,
                                     char code_out[ITEM_CODE_MAX + 1], enum item_outcome *outcome)
{
    *outcome = ITEM_DONE;
    bool exists;
    enum store_status st = category_exists(f->category_id, &exists);
    if (st < 0)
        return st;
    if (!exists) {
        *outcome = ITEM_NO_CATEGORY;
        return STORE_OK;
    }
    /*
     * An imported item may already carry the code a number would make (codes are unique in the
     * whole network, prefixes are not a promise): such numbers are skipped.
     */
    for (;;) {
        char prefix[CODE_PREFIX_MAX + 1];
        long long n;
        if ((st = next_number(f->branch_id, prefix, &n)) != STORE_OK)
            return st;
        item_code_make(prefix, n, code_out);
        if ((st = insert_row(f, code_out, id)) != STORE_NOT_FOUND)
            return st;
    }
}

enum store_status store_item_codes_used(const char *const *codes, size_t n, bool *used)
{
    static struct store_stmt find =
        STORE_STMT("SELECT u.n FROM unnest($1::text[]) WITH ORDINALITY AS u(code, n)"
                   " WHERE EXISTS (SELECT 1 FROM items i WHERE i.code = u.code)");
    for (size_t i = 0; i < n; i++)
        used[i] = false;
    char *list = store_text_array(codes, n);
    PGresult *res;
    enum store_status st = store_exec(&find, 1, (const char *[]){ list }, &res);
    free(list);
    for (int r = 0; st == STORE_OK && r < PQntuples(res); r++)
        used[store_get_ll(res, r, 0) - 1] = true;
    PQclear(res);
    return st < 0 ? st : STORE_OK;
}

enum store_status store_item_reserve_numbers(int branch_id, long long after, size_t n,
                                             char prefix[CODE_PREFIX_MAX + 1], long long *first)
{
    enum { RESERVED_PREFIX, RESERVED_FIRST };
    static struct store_stmt reserve = STORE_STMT(
        "UPDATE branches SET next_item_no = greatest(next_item_no, $2::bigint + 1) + $3::bigint"
        " WHERE id = $1 RETURNING code_prefix, next_item_no - $3::bigint");
    STORE_NUM(branch, branch_id);
    STORE_NUM(top, after);
    STORE_NUM(count, n);
    PGresult *res;
    enum store_status st = store_exec(&reserve, 3, (const char *[]){ branch, top, count }, &res);
    if (st == STORE_OK) {
        store_get_copy(res, 0, RESERVED_PREFIX, prefix, CODE_PREFIX_MAX + 1);
        *first = store_get_ll(res, 0, RESERVED_FIRST);
    }
    PQclear(res);
    return st;
}

enum store_status store_item_insert_many(const struct item_fields *f, const char *const *codes,
                                         size_t n, bool *taken)
{
    enum {
        CODE,
        CATEGORY,
        NAME,
        BRAND,
        KIND,
        NUM,
        TEXT,
        CONDITION,
        STATUS,
        REASON,
        DONATED,
        NOTES,
        NCOLUMNS
    };
    static struct store_stmt insert = STORE_STMT(
        "WITH u AS (SELECT * FROM unnest($2::text[], $3::int[], $4::text[], $5::text[],"
        "                                $6::text[], $7::numeric[], $8::text[], $9::text[],"
        "                                $10::text[], $11::text[], $12::date[], $13::text[])"
        "             WITH ORDINALITY AS u(code, category_id, name, brand, size_kind, size_num,"
        "                                  size_text, condition, status, retired_reason,"
        "                                  donated_on, notes, n)),"
        " ins AS (INSERT INTO items (code, branch_id, category_id, name, brand, size_kind,"
        "                            size_num, size_text, condition, status, retired_reason,"
        "                            donated_on, notes)"
        "         SELECT code, $1::int, category_id, name, brand, size_kind, size_num, size_text,"
        "                coalesce(condition, 'good'), coalesce(status, 'intake'), retired_reason,"
        "                coalesce(donated_on, current_date), notes"
        "           FROM u ORDER BY n"
        "         ON CONFLICT (code) DO NOTHING RETURNING code)"
        " SELECT u.n FROM u WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.code = u.code)");
    for (size_t i = 0; i < n; i++)
        taken[i] = false;
    if (n == 0)
        return STORE_OK;
    const char **cells = xcalloc(n * NCOLUMNS, sizeof *cells);
    char(*numbers)[STORE_NUM_SIZE] = xcalloc(n, sizeof *numbers);
    struct size_params *sizes = xcalloc(n, sizeof *sizes);
    for (size_t i = 0; i < n; i++) {
        const char **row = cells + i * NCOLUMNS;
        store_num_text(numbers[i], f[i].category_id);
        size_params(&f[i].size, &sizes[i]);
        row[CODE] = codes[i];
        row[CATEGORY] = numbers[i];
        row[NAME] = f[i].name;
        row[BRAND] = f[i].brand;
        row[KIND] = sizes[i].kind;
        row[NUM] = sizes[i].num_or_null;
        row[TEXT] = sizes[i].text;
        row[CONDITION] = f[i].condition;
        row[STATUS] = f[i].status;
        row[REASON] = f[i].retired_reason;
        row[DONATED] = f[i].donated_on;
        row[NOTES] = f[i].notes;
    }
    /* One array per column: the column's cells, row after row. */
    const char **column = xcalloc(n, sizeof *column);
    char *arrays[NCOLUMNS];
    for (int c = 0; c < NCOLUMNS; c++) {
        for (size_t i = 0; i < n; i++)
            column[i] = cells[i * NCOLUMNS + (size_t)c];
        arrays[c] = store_text_array(column, n);
    }
    STORE_NUM(branch, f[0].branch_id);
    const char *params[1 + NCOLUMNS] = { branch };
    for (int c = 0; c < NCOLUMNS; c++)
        params[1 + c] = arrays[c];
    PGresult *res;
    enum store_status st = store_exec(&insert, 1 + NCOLUMNS, params, &res);
    for (int r = 0; st == STORE_OK && r < PQntuples(res); r++)
        taken[store_get_ll(res, r, 0) - 1] = true;
    PQclear(res);
    for (int c = 0; c < NCOLUMNS; c++)
        free(arrays[c]);
    free(column);
    free(sizes);
    free(numbers);
    free(cells);
    return st < 0 ? st : STORE_OK;
}

struct item_write {
    long long staff_id;
    const char *code;
    int scope;
    const struct item_fields *f;
    bool allow_duplicate;
    struct item *out;
    enum item_outcome outcome;
    char *duplicate_of; /* ITEM_CODE_MAX + 1 bytes */
};

/*
 * Whether an intake of f may go ahead: its category exists, has a size when its size kind (its
 * own or its nearest ancestor's) asks for one, and unless allow_duplicate the branch took in no
 * item of the same category, name and size within the last minute (whose code goes into
 * w->duplicate_of). The outcome says which.
 */
static enum store_status intake_check(struct item_write *w)
{
    enum { CHECK_SIZE_KIND, CHECK_DUPLICATE };
    static struct store_stmt check = STORE_STMT(
        "WITH RECURSIVE up (id, parent_id, size_kind, depth) AS ("
        "    SELECT id, parent_id, size_kind, 0 FROM categories WHERE id = $1"
        "    UNION ALL SELECT c.id, c.parent_id, c.size_kind, up.depth + 1"
        "      FROM categories c JOIN up ON c.id = up.parent_id WHERE up.depth < 32)"
        " SELECT (SELECT size_kind FROM up WHERE size_kind IS NOT NULL ORDER BY depth LIMIT 1),"
        "        (SELECT i.code FROM items i"
        "          WHERE i.branch_id = $2 AND i.created_at > now() - interval '1 minute'"
        "            AND i.category_id = $1 AND i.name = $3"
        "            AND i.size_kind IS NOT DISTINCT FROM $4"
        "            AND i.size_num IS NOT DISTINCT FROM $5::numeric"
        "            AND i.size_text IS NOT DISTINCT FROM $6"
        "          ORDER BY i.created_at DESC LIMIT 1)"
        "   FROM categories WHERE id = $1");
    const struct item_fields *f = w->f;
    STORE_NUM(category, f->category_id);
    STORE_NUM(branch, f->branch_id);
    struct size_params sp;
    size_params(&f->size, &sp);
    PGresult *res;
    enum store_status st = store_exec(
        &check, 6, (const char *[]){ category, branch, f->name, sp.kind, sp.num_or_null, sp.text },
        &res);
    if (st == STORE_NOT_FOUND)
        w->outcome = ITEM_NO_CATEGORY;
    if (st != STORE_OK) {
        PQclear(res);
        return st < 0 ? st : STORE_OK;
    }
    enum size_kind kind = size_kind_from_name(store_get(res, 0, CHECK_SIZE_KIND));
    if (kind != SIZE_NONE && kind != SIZE_OTHER && f->size.kind == SIZE_NONE) {
        w->outcome = ITEM_NEEDS_SIZE;
    } else if (!w->allow_duplicate && store_get(res, 0, CHECK_DUPLICATE)) {
        w->outcome = ITEM_DUPLICATE;
        store_get_copy(res, 0, CHECK_DUPLICATE, w->duplicate_of, ITEM_CODE_MAX + 1);
    }
    PQclear(res);
    return STORE_OK;
}

static enum store_status create_tx(void *ctx)
{
    struct item_write *w = ctx;
    store_item_clear(w->out);
    w->outcome = ITEM_DONE;
    w->duplicate_of[0] = '\0';
    enum store_status st = store_actor_set(w->staff_id);
    if (st < 0 || (st = intake_check(w)) < 0 || w->outcome != ITEM_DONE)
        return st;
    long long id = 0;
    char code[ITEM_CODE_MAX + 1];
    st = insert_next(w->f, &id, code, &w->outcome);
    if (st != STORE_OK || w->outcome != ITEM_DONE)
        return st;
    if ((st = store_audit(w->staff_id, "item_created", "item", id, w->f->branch_id, NULL)) < 0)
        return st;
    return get_by_id(id, w->out);
}

enum store_status store_item_create(long long staff_id, const struct item_fields *f,
                                    bool allow_duplicate, struct item *out,
                                    enum item_outcome *outcome,
                                    char duplicate_of[ITEM_CODE_MAX + 1])
{
    *out = (struct item){ 0 };
    struct item_write w = { .staff_id = staff_id,
                            .f = f,
                            .allow_duplicate = allow_duplicate,
                            .out = out,
                            .duplicate_of = duplicate_of };
    enum store_status st = store_tx(STORE_READ_COMMITTED, create_tx, &w);
    if (st != STORE_OK || w.outcome != ITEM_DONE)
        store_item_clear(out);
    *outcome = w.outcome;
    return st;
}

/* The audit details of an update: {"fields": [the names of the fields it sets]}. */
static char *field_names(unsigned set)
{
    static const char *const names[] = { "branch", "category",  "name",       "brand",
                                         "size",   "condition", "donated_on", "notes" };
    struct buf b = BUF_INIT;
    buf_puts(&b, "{\"fields\":[");
    bool first = true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (set & (1u << i)) {
            buf_printf(&b, "%s\"%s\"", first ? "" : ",", names[i]);
            first = false;
        }
    buf_puts(&b, "]}");
    return buf_steal(&b, NULL);
}

static enum store_status update_tx(void *ctx)
{
    enum { LOCKED_ID, LOCKED_BRANCH, LOCKED_ON_LOAN };
    static struct store_stmt lock = STORE_STMT(
        "SELECT id, branch_id, status = 'on_loan' FROM items WHERE code = $1 FOR NO KEY UPDATE");
    static struct store_stmt update =
        STORE_STMT("UPDATE items SET"
                   "  branch_id = CASE WHEN $1::int & 1 <> 0 THEN $2::int ELSE branch_id END,"
                   "  category_id = CASE WHEN $1::int & 2 <> 0 THEN $3::int ELSE category_id END,"
                   "  name = CASE WHEN $1::int & 4 <> 0 THEN $4 ELSE name END,"
                   "  brand = CASE WHEN $1::int & 8 <> 0 THEN $5 ELSE brand END,"
                   "  size_kind = CASE WHEN $1::int & 16 <> 0 THEN $6 ELSE size_kind END,"
                   "  size_num = CASE WHEN $1::int & 16 <> 0 THEN $7::numeric ELSE size_num END,"
                   "  size_text = CASE WHEN $1::int & 16 <> 0 THEN $8 ELSE size_text END,"
                   "  condition = CASE WHEN $1::int & 32 <> 0 THEN $9 ELSE condition END,"
                   "  donated_on = CASE WHEN $1::int & 64 <> 0 THEN coalesce($10::date, donated_on)"
                   "                    ELSE donated_on END,"
                   "  notes = CASE WHEN $1::int & 128 <> 0 THEN $11 ELSE notes END,"
                   "  updated_at = now()"
                   " WHERE id = $12");
    struct item_write *w = ctx;
    const struct item_fields *f = w->f;
    w->outcome = ITEM_DONE;
    store_item_clear(w->out);
    enum store_status st = store_actor_set(w->staff_id);
    if (st < 0)
        return st;

    PGresult *res;
    if ((st = store_exec(&lock, 1, (const char *[]){ w->code }, &res)) != STORE_OK) {
        PQclear(res);
        return st;
    }
    long long id = store_get_ll(res, 0, LOCKED_ID);
    int branch_id = (int)store_get_ll(res, 0, LOCKED_BRANCH);
    bool on_loan = store_get_bool(res, 0, LOCKED_ON_LOAN);
    PQclear(res);

    if (w->scope && branch_id != w->scope) {
        w->outcome = ITEM_OTHER_BRANCH;
        return STORE_OK;
    }
    /* An item on loan is returned where it was lent (and counted there: migration 0025). */
    if ((f->set & ITEM_SET_BRANCH) && f->branch_id != branch_id && on_loan) {
        w->outcome = ITEM_IS_ON_LOAN;
        return STORE_OK;
    }
    if (f->set & ITEM_SET_CATEGORY) {
        bool exists;
        if ((st = category_exists(f->category_id, &exists)) < 0)
            return st;
        if (!exists) {
            w->outcome = ITEM_NO_CATEGORY;
            return STORE_OK;
        }
    }

    STORE_NUM(set, f->set);
    STORE_NUM(branch, f->branch_id);
    STORE_NUM(category, f->category_id);
    STORE_NUM(idtext, id);
    struct size_params sp;
    size_params(&f->size, &sp);
    const char *params[12] = {
        set,     branch,       category,      f->name,  f->brand, sp.kind, sp.num_or_null,
        sp.text, f->condition, f->donated_on, f->notes, idtext,
    };
    if ((st = store_run(&update, 12, params)) != STORE_OK)
        return st;
    char *details = field_names(f->set);
    st = store_audit(w->staff_id, "item_updated", "item", id, branch_id, details);
    free(details);
    if (st < 0)
        return st;
    return get_by_id(id, w->out);
}

enum store_status store_item_update(long long staff_id, const char *code, int scope,
                                    const struct item_fields *f, struct item *out,
                                    enum item_outcome *outcome)
{
    *out = (struct item){ 0 };
    struct item_write w = {
        .staff_id = staff_id, .code = code, .scope = scope, .f = f, .out = out
    };
    enum store_status st = store_tx(STORE_READ_COMMITTED, update_tx, &w);
    if (st != STORE_OK || w.outcome != ITEM_DONE)
        store_item_clear(out);
    *outcome = w.outcome;
    return st;
}

/* Labels ------------------------------------------------------------------------------------ */

struct labels_printed {
    const char *const *codes;
    size_t n;
    int scope;
    enum item_label_problem *problems;
    bool all_ok;
};

static enum store_status labels_printed_tx(void *ctx)
{
    enum { FOUND_CODE, FOUND_BRANCH };
    static struct store_stmt lock = STORE_STMT(
        "SELECT code, branch_id FROM items WHERE code = ANY($1::text[]) FOR NO KEY UPDATE");
    static struct store_stmt mark =
        STORE_STMT("UPDATE items SET label_printed_at = now() WHERE code = ANY($1::text[])");
    struct labels_printed *l = ctx;
    char *codes = store_text_array(l->codes, l->n);
    PGresult *res;
    enum store_status st = store_exec(&lock, 1, (const char *[]){ codes }, &res);
    if (st >= 0) {
        for (size_t i = 0; i < l->n; i++)
            l->problems[i] = ITEM_LABEL_UNKNOWN;
        for (int r = 0; r < PQntuples(res); r++)
            for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->codes[i], store_get(res, r, FOUND_CODE)) == 0)
                    l->problems[i] = l->scope && store_get_ll(res, r, FOUND_BRANCH) != l->scope
                                         ? ITEM_LABEL_OTHER_BRANCH
                                         : ITEM_LABEL_OK;
        PQclear(res);
        l->all_ok = true;
        for (size_t i = 0; i < l->n; i++)
            l->all_ok = l->all_ok && l->problems[i] == ITEM_LABEL_OK;
        st = l->all_ok ? store_run(&mark, 1, (const char *[]){ codes }) : STORE_OK;
    }
    free(codes);
    return st < 0 ? st : STORE_OK;
}

enum store_status store_item_labels_printed(const char *const *codes, size_t n, int scope,
                                            enum item_label_problem *problems, bool *all_ok)
{
    struct labels_printed l = { .codes = codes, .n = n, .scope = scope, .problems = problems };
    enum store_status st = store_tx(STORE_READ_COMMITTED, labels_printed_tx, &l);
    *all_ok = st == STORE_OK && l.all_ok;
    return st;
}

/* Status ------------------------------------------------------------------------------------ */

struct status_run {
    struct store_item_status *s;
    struct item *out;
};

/* Close the open loan of an item as lost, with its audit entry. */
static enum store_status close_as_lost(struct store_item_status *s, int branch_id)
{
    static struct store_stmt close =
        STORE_STMT("UPDATE loans SET returned_at = now(), returned_by = $2, lost = true"
                   " WHERE id = $1 AND returned_at IS NULL"
                   " RETURNING json_build_object('item_id', item_id,"
                   "   'overdue_days', current_date - due_date)::text");
    STORE_NUM(loan, s->loan_id);
    STORE_NUM(staff, s->staff_id);
    PGresult *res;
    enum store_status st = store_exec(&close, 2, (const char *[]){ loan, staff }, &res);
    if (st == STORE_OK)
        st = store_audit(s->staff_id, "loan_lost", "loan", s->loan_id, branch_id,
                         store_get(res, 0, 0));
    PQclear(res);
    return st == STORE_NOT_FOUND ? STORE_SOFT_ERROR : st; /* the row lock keeps it open */
}

static enum store_status status_tx(void *ctx)
{
    enum {
        LOCKED_ID,
        LOCKED_BRANCH,
        LOCKED_STATUS,
        LOCKED_LOAN,
        LOCKED_OVERDUE,
        LOCKED_LOST_AFTER
    };
    /* The open loan's branch sets how overdue it must be to be closed as lost. */
    static struct store_stmt lock =
        STORE_STMT("SELECT i.id, i.branch_id, i.status, l.id, current_date - l.due_date,"
                   "       (SELECT lost_after_days FROM branches WHERE id = l.branch_id)"
                   "  FROM items i LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL"
                   " WHERE i.code = $1 FOR NO KEY UPDATE OF i");
    /* The audit details name the change, never the note's words (they may name someone). */
    static struct store_stmt update = STORE_STMT(
        "UPDATE items SET status = $2::text,"
        "       retired_reason = CASE WHEN $2 = 'retired' THEN $3 END, updated_at = now()"
        " WHERE id = $1"
        " RETURNING json_strip_nulls(json_build_object('from', $4::text, 'to', $2::text,"
        "   'reason', $5::text, 'loan_id', nullif($6::bigint, 0),"
        "   'note', CASE WHEN $7::boolean THEN true END))::text");
    struct status_run *run = ctx;
    struct store_item_status *s = run->s;
    store_item_clear(run->out);
    s->outcome = ITEM_DONE;
    s->from[0] = '\0';
    s->loan_id = 0;
    s->overdue_days = s->lost_after_days = 0;

    enum store_status st = store_actor_set(s->staff_id);
    if (st < 0 || (st = store_actor_note(s->note)) < 0)
        return st;
    PGresult *res;
    if ((st = store_exec(&lock, 1, (const char *[]){ s->code }, &res)) != STORE_OK) {
        PQclear(res);
        return st;
    }
    long long id = store_get_ll(res, 0, LOCKED_ID);
    int branch_id = (int)store_get_ll(res, 0, LOCKED_BRANCH);
    store_get_copy(res, 0, LOCKED_STATUS, s->from, sizeof s->from);
    s->loan_id = store_get_ll(res, 0, LOCKED_LOAN);
    s->overdue_days = (int)store_get_ll(res, 0, LOCKED_OVERDUE);
    s->lost_after_days = (int)store_get_ll(res, 0, LOCKED_LOST_AFTER);
    PQclear(res);

    bool on_loan = strcmp(s->from, "on_loan") == 0;
    if (s->scope && branch_id != s->scope)
        s->outcome = ITEM_OTHER_BRANCH;
    else if (on_loan && strcmp(s->to, "lost") != 0)
        s->outcome = ITEM_IS_ON_LOAN;
    else if (!item_transition_allowed(s->from, s->to))
        s->outcome = ITEM_NOT_ALLOWED;
    else if (strcmp(s->to, "retired") == 0 && !s->reason)
        s->outcome = ITEM_NEEDS_REASON;
    else if (on_loan && !s->manager)
        s->outcome = ITEM_LOSS_BY_MANAGER;
    else if (on_loan && (!s->loan_id || s->overdue_days <= s->lost_after_days))
        s->outcome = ITEM_LOSS_TOO_EARLY;
    if (s->outcome != ITEM_DONE)
        return STORE_OK;
    if (!on_loan)
        s->loan_id = 0;

    if (on_loan && (st = close_as_lost(s, branch_id)) < 0)
        return st;
    STORE_NUM(idtext, id);
    STORE_NUM(loan, s->loan_id);
    const char *params[7] = {
        idtext,
        s->to,
        s->reason,
        s->from,
        s->reason_word,
        loan,
        s->note && *s->note ? "true" : "false",
    };
    if ((st = store_exec(&update, 7, params, &res)) == STORE_OK)
        st = store_audit(s->staff_id, "item_status_changed", "item", id, branch_id,
                         store_get(res, 0, 0));
    PQclear(res);
    if (st < 0)
        return st;
    return get_by_id(id, run->out);
}

enum store_status store_item_set_status(struct store_item_status *s, struct item *out)
{
    *out = (struct item){ 0 };
    struct status_run run = { .s = s, .out = out };
    enum store_status st = store_tx(STORE_READ_COMMITTED, status_tx, &run);
    if (st != STORE_OK || s->outcome != ITEM_DONE)
        store_item_clear(out);
    return st;
}

enum store_status store_item_repairs(int branch_id, int page, int per_page, char **json)
{
    /* Each item with the change that sent it to repair: its latest change to repair. */
    static struct store_stmt list = STORE_STMT(
        "SELECT json_build_object('code', i.code, 'branch', b.slug, 'name', i.name,"
        "   'brand', i.brand,"
        "   'category', json_build_object('id', c.id, 'name_sv', c.name_sv, 'name_en', c.name_en),"
        "   'size', CASE WHEN i.size_kind IS NOT NULL THEN json_build_object('kind', i.size_kind,"
        "             'value', coalesce(to_json(i.size_num::float8), to_json(i.size_text))) END,"
        "   'condition', i.condition, 'since', coalesce(h.at, i.updated_at), 'note', h.note,"
        "   'staff', CASE WHEN s.id IS NOT NULL"
        "            THEN json_build_object('id', s.id, 'display_name', s.display_name) END)::text"
        "  FROM items i JOIN branches b ON b.id = i.branch_id"
        "  JOIN categories c ON c.id = i.category_id"
        "  LEFT JOIN LATERAL (SELECT h.at, h.note, h.staff_id FROM item_status_history h"
        "                      WHERE h.item_id = i.id AND h.to_status = 'repair'"
        "                      ORDER BY h.at DESC, h.id DESC LIMIT 1) h ON true"
        "  LEFT JOIN staff s ON s.id = h.staff_id"
        " WHERE i.stock_status = 'repair' AND ($1::int = 0 OR i.branch_id = $1)"
        " ORDER BY coalesce(h.at, i.updated_at), i.id LIMIT $2 OFFSET $3");
    STORE_NUM(branch, branch_id);
    STORE_NUM(limit, per_page + 1);
    STORE_NUM(offset, (long long)(page - 1) * per_page);
    PGresult *res;
    *json = NULL;
    enum store_status st = store_exec(&list, 3, (const char *[]){ branch, limit, offset }, &res);
    if (st < 0)
        return st;
    *json = store_page_json(res, "items", page, per_page);
    PQclear(res);
    return STORE_OK;
}

/* History ----------------------------------------------------------------------------------- */

enum store_status store_item_history(const char *code, struct item_status_change **out, size_t *n)
{
    /* A row for the item even without history (items older than the history table). */
    enum {
        CHANGE_FROM,
        CHANGE_TO,
        CHANGE_REASON,
        CHANGE_NOTE,
        CHANGE_STAFF,
        CHANGE_STAFF_NAME,
        CHANGE_AT
    };
    static struct store_stmt history =
        STORE_STMT("SELECT h.from_status, h.to_status, h.reason, h.note, h.staff_id,"
                   "       s.display_name,"
                   "       to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                   "  FROM items i"
                   "  LEFT JOIN item_status_history h ON h.item_id = i.id"
                   "  LEFT JOIN staff s ON s.id = h.staff_id"
                   " WHERE i.code = $1"
                   " ORDER BY h.at, h.id");
    *out = NULL;
    *n = 0;
    PGresult *res;
    enum store_status st = store_exec(&history, 1, (const char *[]){ code }, &res);
    if (st != STORE_OK) {
        PQclear(res);
        return st;
    }
    int rows = PQntuples(res);
    *out = xcalloc((size_t)rows, sizeof **out);
    for (int r = 0; r < rows && store_get(res, r, CHANGE_TO); r++) {
        struct item_status_change *c = &(*out)[(*n)++];
        store_get_copy(res, r, CHANGE_FROM, c->from, sizeof c->from);
        store_get_copy(res, r, CHANGE_TO, c->to, sizeof c->to);
        c->reason = store_get_dup(res, r, CHANGE_REASON);
        c->note = store_get_dup(res, r, CHANGE_NOTE);
        c->staff_id = store_get_ll(res, r, CHANGE_STAFF);
        c->staff_name = store_get_dup(res, r, CHANGE_STAFF_NAME);
        store_get_copy(res, r, CHANGE_AT, c->at, sizeof c->at);
    }
    PQclear(res);
    return STORE_OK;
}

void store_item_history_free(struct item_status_change *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].reason);
        free(list[i].note);
        free(list[i].staff_name);
    }
    free(list);
}
