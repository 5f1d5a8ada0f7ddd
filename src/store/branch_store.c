/* branch_store: branches (see branch_store.h). */
#include "branch_store.h"

#include "core/buf.h"
#include "store/actor_store.h"
#include "store/audit_store.h"
#include "store/pool.h"

#include <stdlib.h>
#include <string.h>

enum store_status store_branch_id(const char *slug, int *id)
{
    static struct store_stmt find = STORE_STMT("SELECT id FROM branches WHERE slug = $1");
    PGresult *res;
    enum store_status st = store_exec(&find, 1, (const char *[]){ slug }, &res);
    if (st == STORE_OK)
        *id = (int)store_get_ll(res, 0, 0);
    PQclear(res);
    return st;
}

/* The columns of struct branch, in the order of BRANCH_*. */
#define BRANCH_COLUMNS                                                                             \
    "id, slug, name, municipality, address, contact, notice, opening_hours::text, seasons::text,"  \
    " closed_periods::text, loan_days, max_renewals, item_limit, code_prefix, label_format,"       \
    " receipt_format, lost_after_days, phone, email, latitude, longitude,"                         \
    " EXISTS (SELECT 1 FROM items i WHERE i.branch_id = branches.id)"
enum {
    BRANCH_ID,
    BRANCH_SLUG,
    BRANCH_NAME,
    BRANCH_MUNICIPALITY,
    BRANCH_ADDRESS,
    BRANCH_CONTACT,
    BRANCH_NOTICE,
    BRANCH_OPENING_HOURS,
    BRANCH_SEASONS,
    BRANCH_CLOSED_PERIODS,
    BRANCH_LOAN_DAYS,
    BRANCH_MAX_RENEWALS,
    BRANCH_ITEM_LIMIT,
    BRANCH_CODE_PREFIX,
    BRANCH_LABEL_FORMAT,
    BRANCH_RECEIPT_FORMAT,
    BRANCH_LOST_AFTER_DAYS,
    BRANCH_PHONE,
    BRANCH_EMAIL,
    BRANCH_LATITUDE,
    BRANCH_LONGITUDE,
    BRANCH_HAS_ITEMS,
};

static void read_branch(const PGresult *res, int row, struct branch *b)
{
    b->id = (int)store_get_ll(res, row, BRANCH_ID);
    store_get_copy(res, row, BRANCH_SLUG, b->slug, sizeof b->slug);
    b->name = store_get_dup(res, row, BRANCH_NAME);
    b->municipality = store_get_dup(res, row, BRANCH_MUNICIPALITY);
    b->address = store_get_dup(res, row, BRANCH_ADDRESS);
    b->contact = store_get_dup(res, row, BRANCH_CONTACT);
    b->notice = store_get_dup(res, row, BRANCH_NOTICE);
    b->opening_hours = store_get_json(res, row, BRANCH_OPENING_HOURS);
    b->seasons = store_get_json(res, row, BRANCH_SEASONS);
    b->closed_periods = store_get_json(res, row, BRANCH_CLOSED_PERIODS);
    b->loan_days = (int)store_get_ll(res, row, BRANCH_LOAN_DAYS);
    b->max_renewals = (int)store_get_ll(res, row, BRANCH_MAX_RENEWALS);
    b->item_limit = (int)store_get_ll(res, row, BRANCH_ITEM_LIMIT);
    store_get_copy(res, row, BRANCH_CODE_PREFIX, b->code_prefix, sizeof b->code_prefix);
    store_get_copy(res, row, BRANCH_LABEL_FORMAT, b->label_format, sizeof b->label_format);
    store_get_copy(res, row, BRANCH_RECEIPT_FORMAT, b->receipt_format, sizeof b->receipt_format);
    b->lost_after_days = (int)store_get_ll(res, row, BRANCH_LOST_AFTER_DAYS);
    b->phone = store_get_dup(res, row, BRANCH_PHONE);
    b->email = store_get_dup(res, row, BRANCH_EMAIL);
    b->has_position = store_get(res, row, BRANCH_LATITUDE) != NULL;
    b->latitude = store_get_double(res, row, BRANCH_LATITUDE);
    b->longitude = store_get_double(res, row, BRANCH_LONGITUDE);
    b->has_items = store_get_bool(res, row, BRANCH_HAS_ITEMS);
}

void store_branch_clear(struct branch *b)
{
    free(b->name);
    free(b->municipality);
    free(b->address);
    free(b->contact);
    free(b->notice);
    free(b->opening_hours);
    free(b->seasons);
    free(b->closed_periods);
    free(b->phone);
    free(b->email);
    *b = (struct branch){ 0 };
}

void store_branch_list_free(struct branch *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_branch_clear(&list[i]);
    free(list);
}

enum store_status store_branch_get(const char *slug, struct branch *out)
{
    static struct store_stmt get =
        STORE_STMT("SELECT " BRANCH_COLUMNS " FROM branches WHERE slug = $1");
    PGresult *res;
    enum store_status st = store_exec(&get, 1, (const char *[]){ slug }, &res);
    if (st == STORE_OK)
        read_branch(res, 0, out);
    PQclear(res);
    return st;
}

enum store_status store_branch_list(struct branch **out, size_t *n)
{
    static struct store_stmt list =
        STORE_STMT("SELECT " BRANCH_COLUMNS " FROM branches ORDER BY name, slug");
    *out = NULL;
    *n = 0;
    PGresult *res;
    enum store_status st = store_exec(&list, 0, NULL, &res);
    if (st < 0)
        return st;
    int rows = PQntuples(res);
    *out = xcalloc(rows ? (size_t)rows : 1, sizeof **out);
    for (int i = 0; i < rows; i++)
        read_branch(res, i, &(*out)[i]);
    *n = (size_t)rows;
    PQclear(res);
    return STORE_OK;
}

/* The parameters every write shares, as text: $1 set mask, then the fields in order. */
enum { BRANCH_PARAMS = 18 };
struct branch_params {
    char set[STORE_NUM_SIZE], loan_days[STORE_NUM_SIZE], renewals[STORE_NUM_SIZE],
        limit[STORE_NUM_SIZE], lost_after[STORE_NUM_SIZE];
    const char *v[BRANCH_PARAMS];
};

static void branch_params(const struct branch_fields *f, const char *prefix,
                          struct branch_params *p)
{
    store_num_text(p->set, f->set);
    store_num_text(p->loan_days, f->loan_days);
    store_num_text(p->renewals, f->max_renewals);
    store_num_text(p->limit, f->item_limit);
    store_num_text(p->lost_after, f->lost_after_days);
    const char *v[BRANCH_PARAMS] = {
        p->set,
        f->name,
        f->municipality,
        f->address,
        f->contact,
        f->opening_hours,
        f->closed_periods,
        (f->set & BRANCH_SET_LOAN_DAYS) ? p->loan_days : NULL,
        (f->set & BRANCH_SET_RENEWALS) ? p->renewals : NULL,
        (f->set & BRANCH_SET_ITEM_LIMIT) ? p->limit : NULL,
        f->notice,
        prefix,
        f->seasons,
        (f->set & BRANCH_SET_LOST_AFTER) ? p->lost_after : NULL,
        f->phone,
        f->email,
        f->latitude,
        f->longitude,
    };
    memcpy(p->v, v, sizeof v);
}

/*
 * Closed periods as the database keeps them: each {"from", "to", "reason"} (reason null when not
 * given), none twice, in order.
 */
#define CLOSED_PERIODS_FROM(param)                                                                 \
    "(SELECT coalesce(jsonb_agg(p ORDER BY p->>'from', p->>'to', p->>'reason'), '[]')"             \
    "   FROM (SELECT DISTINCT jsonb_build_object('from', e->>'from', 'to', e->>'to',"              \
    "                                            'reason', e->'reason') p"                         \
    "           FROM jsonb_array_elements(" param "::jsonb) e) x)"

struct branch_write {
    long long staff_id;
    const char *slug;
    const struct branch_fields *f;
    struct branch *out;
    enum branch_outcome outcome;
};

/* Insert with one code prefix: STORE_NOT_FOUND when another branch has that prefix. */
static enum store_status insert_branch(const struct branch_fields *f, const char *prefix, int *id)
{
    static struct store_stmt insert = STORE_STMT(
        "INSERT INTO branches (slug, name, municipality, address, contact, opening_hours,"
        "                      closed_periods, loan_days, max_renewals, item_limit, notice,"
        "                      code_prefix, seasons, lost_after_days, phone, email, latitude,"
        "                      longitude)"
        " VALUES ($1, $2, $3, $4, $5, coalesce($6::jsonb, '{}'),"
        "         " CLOSED_PERIODS_FROM(
            "coalesce($7, '[]')") ","
                                  "         coalesce($8::int, 14), coalesce($9::int, 1), "
                                  "coalesce($10::int, 10), $11, $12,"
                                  "         coalesce($13::jsonb, '[]'), coalesce($14::int, 60),"
                                  "         $15, $16, $17::numeric, $18::numeric)"
                                  " ON CONFLICT (code_prefix) DO NOTHING RETURNING id");
    struct branch_params p;
    branch_params(f, prefix, &p);
    p.v[0] = f->slug; /* in place of the set mask, which an insert does not need */
    PGresult *res;
    enum store_status st = store_exec(&insert, BRANCH_PARAMS, p.v, &res);
    if (st == STORE_OK)
        *id = (int)store_get_ll(res, 0, 0);
    PQclear(res);
    return st;
}

static enum store_status create_tx(void *ctx)
{
    struct branch_write *w = ctx;
    w->outcome = BRANCH_DONE;
    enum store_status st = store_actor_set(w->staff_id);
    if (st < 0)
        return st;
    int id = 0;
    if ((st = store_branch_id(w->f->slug, &id)) != STORE_NOT_FOUND) {
        if (st == STORE_OK)
            w->outcome = BRANCH_SLUG_TAKEN;
        return st;
    }
    if (w->f->code_prefix) {
        st = insert_branch(w->f, w->f->code_prefix, &id);
        if (st == STORE_NOT_FOUND) {
            w->outcome = BRANCH_PREFIX_TAKEN;
            return STORE_OK;
        }
    } else {
        char prefix[CODE_PREFIX_MAX + 1];
        st = STORE_NOT_FOUND;
        for (int attempt = 0;
             st == STORE_NOT_FOUND && item_code_prefix_candidate(w->f->slug, attempt, prefix);
             attempt++)
            st = insert_branch(w->f, prefix, &id);
        if (st == STORE_NOT_FOUND) {
            w->outcome = BRANCH_PREFIX_TAKEN;
            return STORE_OK;
        }
    }
    if (st < 0)
        return st;
    if ((st = store_audit(w->staff_id, "branch_created", "branch", id, id, NULL)) < 0)
        return st;
    store_branch_clear(w->out);
    return store_branch_get(w->f->slug, w->out);
}

enum store_status store_branch_create(long long staff_id, const struct branch_fields *f,
                                      struct branch *out, enum branch_outcome *outcome)
{
    struct branch_write w = { .staff_id = staff_id, .f = f, .out = out };
    *out = (struct branch){ 0 };
    enum store_status st = store_tx(STORE_READ_COMMITTED, create_tx, &w);
    if (st != STORE_OK || w.outcome != BRANCH_DONE)
        store_branch_clear(out);
    *outcome = w.outcome;
    return st;
}

/* The audit details of an update: {"fields": [the names of the fields it sets]}. */
static char *changed_fields(unsigned set)
{
    static const char *const names[] = {
        "name",           "municipality", "address",         "contact",    "opening_hours",
        "closed_periods", "loan_days",    "max_renewals",    "item_limit", "notice",
        "code_prefix",    "seasons",      "lost_after_days", "phone",      "email",
        "position",
    };
    struct buf b = BUF_INIT;
    buf_puts(&b, "{\"fields\":[");
    for (size_t i = 0, n = 0; i < sizeof names / sizeof names[0]; i++)
        if (set & (1u << i))
            buf_printf(&b, "%s\"%s\"", n++ ? "," : "", names[i]);
    buf_puts(&b, "]}");
    return buf_steal(&b, NULL);
}

static enum store_status update_tx(void *ctx)
{
    static struct store_stmt taken =
        STORE_STMT("SELECT 1 FROM branches WHERE code_prefix = $1 AND slug <> $2");
    static struct store_stmt locked =
        STORE_STMT("SELECT 1 FROM branches b WHERE b.slug = $2 AND b.code_prefix <> $1"
                   "   AND EXISTS (SELECT 1 FROM items i WHERE i.branch_id = b.id)");
    static struct store_stmt update = STORE_STMT(
        "UPDATE branches SET"
        "  name = CASE WHEN $1::int & 1 <> 0 THEN $2 ELSE name END,"
        "  municipality = CASE WHEN $1::int & 2 <> 0 THEN $3 ELSE municipality END,"
        "  address = CASE WHEN $1::int & 4 <> 0 THEN $4 ELSE address END,"
        "  contact = CASE WHEN $1::int & 8 <> 0 THEN $5 ELSE contact END,"
        "  opening_hours = CASE WHEN $1::int & 16 <> 0 THEN $6::jsonb ELSE opening_hours END,"
        "  closed_periods = CASE WHEN $1::int & 32 <> 0 THEN " CLOSED_PERIODS_FROM(
            "$7") "                   ELSE closed_periods END,"
                  "  loan_days = CASE WHEN $1::int & 64 <> 0 THEN $8::int ELSE loan_days END,"
                  "  max_renewals = CASE WHEN $1::int & 128 <> 0 THEN $9::int ELSE max_renewals "
                  "END,"
                  "  item_limit = CASE WHEN $1::int & 256 <> 0 THEN $10::int ELSE item_limit END,"
                  "  notice = CASE WHEN $1::int & 512 <> 0 THEN $11 ELSE notice END,"
                  "  code_prefix = CASE WHEN $1::int & 1024 <> 0 THEN $12 ELSE code_prefix END,"
                  "  seasons = CASE WHEN $1::int & 2048 <> 0 THEN $13::jsonb ELSE seasons END,"
                  "  lost_after_days = CASE WHEN $1::int & 4096 <> 0 THEN $14::int"
                  "                    ELSE lost_after_days END,"
                  "  phone = CASE WHEN $1::int & 8192 <> 0 THEN $15 ELSE phone END,"
                  "  email = CASE WHEN $1::int & 16384 <> 0 THEN $16 ELSE email END,"
                  "  latitude = CASE WHEN $1::int & 32768 <> 0 THEN $17::numeric ELSE latitude END,"
                  "  longitude = CASE WHEN $1::int & 32768 <> 0 THEN $18::numeric"
                  "              ELSE longitude END"
                  " WHERE slug = $19 RETURNING id");
    struct branch_write *w = ctx;
    w->outcome = BRANCH_DONE;
    enum store_status st = store_actor_set(w->staff_id);
    if (st < 0)
        return st;
    PGresult *res;
    if (w->f->set & BRANCH_SET_PREFIX) {
        st = store_exec(&taken, 2, (const char *[]){ w->f->code_prefix, w->slug }, &res);
        PQclear(res);
        if (st < 0)
            return st;
        if (st == STORE_OK) {
            w->outcome = BRANCH_PREFIX_TAKEN;
            return STORE_OK;
        }
        st = store_exec(&locked, 2, (const char *[]){ w->f->code_prefix, w->slug }, &res);
        PQclear(res);
        if (st < 0)
            return st;
        if (st == STORE_OK) {
            w->outcome = BRANCH_PREFIX_LOCKED;
            return STORE_OK;
        }
    }
    struct branch_params p;
    branch_params(w->f, w->f->code_prefix, &p);
    const char *params[BRANCH_PARAMS + 1];
    memcpy(params, p.v, sizeof p.v);
    params[BRANCH_PARAMS] = w->slug;
    st = store_exec(&update, BRANCH_PARAMS + 1, params, &res);
    int id = st == STORE_OK ? (int)store_get_ll(res, 0, 0) : 0;
    PQclear(res);
    if (st != STORE_OK)
        return st;
    char *details = changed_fields(w->f->set);
    st = store_audit(w->staff_id, "branch_updated", "branch", id, id, details);
    free(details);
    if (st < 0)
        return st;
    store_branch_clear(w->out);
    return store_branch_get(w->slug, w->out);
}

enum store_status store_branch_update(long long staff_id, const char *slug,
                                      const struct branch_fields *f, struct branch *out,
                                      enum branch_outcome *outcome)
{
    struct branch_write w = { .staff_id = staff_id, .slug = slug, .f = f, .out = out };
    *out = (struct branch){ 0 };
    enum store_status st = store_tx(STORE_READ_COMMITTED, update_tx, &w);
    if (st != STORE_OK || w.outcome != BRANCH_DONE)
        store_branch_clear(out);
    *outcome = w.outcome;
    return st;
}

enum store_status store_branch_next_opening(int branch_id, const char *after,
                                            struct branch_opening *out)
{
    /* One row per span of the day, in order. */
    enum { OPENING_DATE, OPENING_OPEN, OPENING_CLOSE };
    static struct store_stmt next =
        STORE_STMT("SELECT o.day::text, s.span->>0, s.span->>1"
                   "  FROM branches b,"
                   "       calendar_next_opening(b.opening_hours, b.seasons, b.closed_periods,"
                   "                             coalesce($2::timestamptz, now())) o,"
                   "       jsonb_array_elements(o.spans) WITH ORDINALITY AS s(span, n)"
                   " WHERE b.id = $1"
                   " ORDER BY s.n");
    *out = (struct branch_opening){ 0 };
    STORE_NUM(id, branch_id);
    PGresult *res;
    enum store_status st = store_exec(&next, 2, (const char *[]){ id, after }, &res);
    if (st == STORE_OK) {
        store_get_copy(res, 0, OPENING_DATE, out->date, sizeof out->date);
        for (int r = 0; r < PQntuples(res) && out->nspans < BRANCH_SPANS_MAX; r++, out->nspans++) {
            store_get_copy(res, r, OPENING_OPEN, out->spans[out->nspans].open,
                           sizeof out->spans[0].open);
            store_get_copy(res, r, OPENING_CLOSE, out->spans[out->nspans].close,
                           sizeof out->spans[0].close);
        }
    }
    PQclear(res);
    return st;
}

struct printing_write {
    long long staff_id;
    const char *slug, *label_format, *receipt_format;
    struct branch *out;
};

static enum store_status printing_tx(void *ctx)
{
    static struct store_stmt update =
        STORE_STMT("UPDATE branches SET label_format = coalesce($2, label_format),"
                   "                    receipt_format = coalesce($3, receipt_format)"
                   " WHERE slug = $1 RETURNING id");
    struct printing_write *w = ctx;
    PGresult *res;
    enum store_status st = store_exec(
        &update, 3, (const char *[]){ w->slug, w->label_format, w->receipt_format }, &res);
    int id = st == STORE_OK ? (int)store_get_ll(res, 0, 0) : 0;
    PQclear(res);
    if (st != STORE_OK)
        return st;
    if ((st = store_audit(w->staff_id, "branch_printing_changed", "branch", id, id, NULL)) < 0)
        return st;
    store_branch_clear(w->out);
    return store_branch_get(w->slug, w->out);
}

enum store_status store_branch_set_printing(long long staff_id, const char *slug,
                                            const char *label_format, const char *receipt_format,
                                            struct branch *out)
{
    struct printing_write w = { .staff_id = staff_id,
                                .slug = slug,
                                .label_format = label_format,
                                .receipt_format = receipt_format,
                                .out = out };
    *out = (struct branch){ 0 };
    enum store_status st = store_tx(STORE_READ_COMMITTED, printing_tx, &w);
    if (st != STORE_OK)
        store_branch_clear(out);
    return st;
}

enum store_status store_branch_preview(const char *slug, const char *hours, const char *seasons,
                                       const char *closed, const char *from, int ndays, char **json)
{
    /*
     * The days and the next opening as the public answer has them (store/public_store.c), and the
     * open loans' due dates the calendar would close, from the loans_open_due index.
     */
    static struct store_stmt preview = STORE_STMT(
        "SELECT json_build_object("
        "  'today', c.today,"
        "  'days', (SELECT json_agg(json_build_object('date', d.day, 'spans', d.spans)"
        "                           ORDER BY d.day)"
        "             FROM calendar_days(c.hours, c.seasons, c.closed, c.first,"
        "                                c.first + $6::int - 1) d),"
        "  'next_open', (SELECT json_build_object('date', o.day, 'spans',"
        "                         calendar_spans(c.hours, c.seasons, c.closed, o.day))"
        "                  FROM calendar_open_day(c.hours, c.seasons, c.closed, c.today + 1) o(day)"
        "                 WHERE o.day IS NOT NULL),"
        "  'closed_due_dates', coalesce((SELECT json_agg(json_build_object('date', x.day,"
        "                                 'loans', x.loans, 'moves_to',"
        "                                 calendar_open_day(c.hours, c.seasons, c.closed, x.day))"
        "                               ORDER BY x.day)"
        "      FROM (SELECT l.due_date AS day, count(*) AS loans FROM loans l"
        "             WHERE l.branch_id = c.id AND l.returned_at IS NULL AND l.due_date >= c.today"
        "             GROUP BY l.due_date) x"
        "     WHERE calendar_spans(c.hours, c.seasons, c.closed, x.day) = '[]'), '[]'))::text"
        "  FROM (SELECT b.id, coalesce($2::jsonb, b.opening_hours) AS hours,"
        "               coalesce($3::jsonb, b.seasons) AS seasons,"
        "               coalesce($4::jsonb, b.closed_periods) AS closed,"
        "               t.today, coalesce($5::date, t.today) AS first"
        "          FROM branches b,"
        "               (SELECT (now() AT TIME ZONE 'Europe/Stockholm')::date AS today) t"
        "         WHERE b.slug = $1 OFFSET 0) c");
    PGresult *res;
    *json = NULL;
    STORE_NUM(days, ndays);
    enum store_status st =
        store_exec(&preview, 6, (const char *[]){ slug, hours, seasons, closed, from, days }, &res);
    if (st == STORE_OK)
        *json = store_get_json(res, 0, 0);
    PQclear(res);
    return st;
}

struct move_ctx {
    long long staff_id;
    const char *slug;
    char *json;
};

static enum store_status move_tx(void *ctx)
{
    enum { MOVE_BRANCH, MOVE_ANSWER, MOVE_DETAILS };
    /*
     * Every open loan due from today on, on a closed day, to the first open day after it; the
     * answer and the audit details in one go. The branch row is locked, so that the calendar
     * cannot change under the move.
     */
    static struct store_stmt move = STORE_STMT(
        "WITH b AS (SELECT id, opening_hours, seasons, closed_periods,"
        "                  (now() AT TIME ZONE 'Europe/Stockholm')::date AS today"
        "             FROM branches WHERE slug = $1 FOR SHARE),"
        " due AS (SELECT l.id, l.due_date AS day,"
        "                calendar_open_day(b.opening_hours, b.seasons, b.closed_periods,"
        "                                  l.due_date) AS moves_to"
        "           FROM loans l, b"
        "          WHERE l.branch_id = b.id AND l.returned_at IS NULL AND l.due_date >= b.today"
        "            AND calendar_spans(b.opening_hours, b.seasons, b.closed_periods, l.due_date)"
        "                = '[]'),"
        " moved AS (UPDATE loans l SET due_date = due.moves_to FROM due"
        "            WHERE l.id = due.id AND due.moves_to IS NOT NULL"
        "        RETURNING l.id, due.day, due.moves_to),"
        " dates AS (SELECT day, moves_to, count(*) AS loans, array_agg(id ORDER BY id) AS ids"
        "             FROM moved GROUP BY day, moves_to)"
        " SELECT b.id,"
        "        json_build_object('moved', (SELECT count(*) FROM moved),"
        "          'dates', coalesce((SELECT json_agg(json_build_object('date', day, 'loans', "
        "loans,"
        "                                 'moves_to', moves_to) ORDER BY day) FROM dates), '[]'))"
        "          ::text,"
        "        json_build_object('loans', coalesce((SELECT json_agg(id ORDER BY id) FROM moved),"
        "                                            '[]'),"
        "          'dates', coalesce((SELECT json_agg(json_build_object('from', day, 'to', "
        "moves_to,"
        "                                 'loans', ids) ORDER BY day) FROM dates), '[]'))::text"
        "   FROM b");
    struct move_ctx *c = ctx;
    free(c->json);
    c->json = NULL;
    enum store_status st = store_actor_set(c->staff_id);
    if (st < 0)
        return st;
    PGresult *res;
    st = store_exec(&move, 1, (const char *[]){ c->slug }, &res);
    if (st == STORE_OK) {
        int id = (int)store_get_ll(res, 0, MOVE_BRANCH);
        c->json = store_get_json(res, 0, MOVE_ANSWER);
        st = store_audit(c->staff_id, "due_dates_moved", "branch", id, id,
                         store_get(res, 0, MOVE_DETAILS));
    }
    PQclear(res);
    return st;
}

enum store_status store_branch_move_due_dates(long long staff_id, const char *slug, char **json)
{
    struct move_ctx c = { .staff_id = staff_id, .slug = slug };
    enum store_status st = store_tx(STORE_READ_COMMITTED, move_tx, &c);
    if (st != STORE_OK) {
        free(c.json);
        c.json = NULL;
    }
    *json = c.json;
    return st;
}
