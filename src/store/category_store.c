/* category_store: the shared category tree (see category_store.h). */
#include "category_store.h"

#include "core/buf.h"
#include "store/actor_store.h"
#include "store/audit_store.h"
#include "store/pool.h"

#include <stdlib.h>

/* The columns of struct category, in the order of CATEGORY_*; the depth and shown follow them. */
#define CATEGORY_COLUMNS                                                                           \
    "c.id, c.parent_id, c.name_sv, c.name_en, c.size_kind, c.co2e_kg, c.sek, c.factor_source,"     \
    " c.factor_source_en, c.consent_age,"                                                          \
    " c.sort, (SELECT count(*) FROM categories o WHERE lower(o.name_sv) = lower(c.name_sv)) = 1,"  \
    " c.hidden"
enum {
    CATEGORY_ID,
    CATEGORY_PARENT,
    CATEGORY_NAME_SV,
    CATEGORY_NAME_EN,
    CATEGORY_SIZE_KIND,
    CATEGORY_CO2E_KG,
    CATEGORY_SEK,
    CATEGORY_FACTOR_SOURCE,
    CATEGORY_FACTOR_SOURCE_EN,
    CATEGORY_CONSENT_AGE,
    CATEGORY_SORT,
    CATEGORY_NAME_UNIQUE,
    CATEGORY_HIDDEN,
    CATEGORY_DEPTH,
    CATEGORY_SHOWN,
};

static void read_category(const PGresult *res, int row, struct category *c)
{
    c->id = (int)store_get_ll(res, row, CATEGORY_ID);
    c->parent_id = (int)store_get_ll(res, row, CATEGORY_PARENT);
    c->name_sv = store_get_dup(res, row, CATEGORY_NAME_SV);
    c->name_en = store_get_dup(res, row, CATEGORY_NAME_EN);
    c->size_kind = size_kind_from_name(store_get(res, row, CATEGORY_SIZE_KIND));
    c->has_co2e_kg = store_get(res, row, CATEGORY_CO2E_KG) != NULL;
    c->co2e_kg = store_get_double(res, row, CATEGORY_CO2E_KG);
    c->has_sek = store_get(res, row, CATEGORY_SEK) != NULL;
    c->sek = store_get_double(res, row, CATEGORY_SEK);
    c->factor_source = store_get_dup(res, row, CATEGORY_FACTOR_SOURCE);
    c->factor_source_en = store_get_dup(res, row, CATEGORY_FACTOR_SOURCE_EN);
    c->consent_age = (int)store_get_ll(res, row, CATEGORY_CONSENT_AGE);
    c->sort = (int)store_get_ll(res, row, CATEGORY_SORT);
    c->name_unique = store_get_bool(res, row, CATEGORY_NAME_UNIQUE);
    c->hidden = store_get_bool(res, row, CATEGORY_HIDDEN);
    c->depth = (int)store_get_ll(res, row, CATEGORY_DEPTH);
    c->shown = store_get_bool(res, row, CATEGORY_SHOWN);
}

void store_category_clear(struct category *c)
{
    free(c->name_sv);
    free(c->name_en);
    free(c->factor_source);
    free(c->factor_source_en);
    *c = (struct category){ 0 };
}

void store_category_list_free(struct category *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_category_clear(&list[i]);
    free(list);
}

enum store_status store_category_list(struct category **out, size_t *n)
{
    /* Depth first: each category's path of (sort, id) pairs orders it below its parent. */
    static struct store_stmt list = STORE_STMT(
        "WITH RECURSIVE tree (id, path, depth, shown) AS ("
        "    SELECT id, ARRAY[sort, id], 0, NOT hidden FROM categories"
        "     WHERE parent_id IS NULL"
        "    UNION ALL"
        "    SELECT c.id, t.path || ARRAY[c.sort, c.id], t.depth + 1, t.shown AND NOT c.hidden"
        "      FROM categories c JOIN tree t ON c.parent_id = t.id)"
        " SELECT " CATEGORY_COLUMNS ", t.depth, t.shown"
        "   FROM tree t JOIN categories c ON c.id = t.id"
        "  ORDER BY t.path");
    *out = NULL;
    *n = 0;
    PGresult *res;
    enum store_status st = store_exec(&list, 0, NULL, &res);
    if (st < 0)
        return st;
    int rows = PQntuples(res);
    *out = xcalloc(rows ? (size_t)rows : 1, sizeof **out);
    for (int i = 0; i < rows; i++)
        read_category(res, i, &(*out)[i]);
    *n = (size_t)rows;
    PQclear(res);
    return STORE_OK;
}

enum store_status store_category_get(int id, struct category *out)
{
    static struct store_stmt get =
        STORE_STMT("WITH RECURSIVE up (id, depth) AS ("
                   "    SELECT parent_id, 1 FROM categories WHERE id = $1 AND parent_id IS NOT NULL"
                   "    UNION ALL"
                   "    SELECT c.parent_id, u.depth + 1 FROM categories c JOIN up u ON c.id = u.id"
                   "     WHERE c.parent_id IS NOT NULL)"
                   " SELECT " CATEGORY_COLUMNS ", (SELECT coalesce(max(depth), 0) FROM up),"
                   "        NOT c.hidden AND NOT EXISTS (SELECT 1 FROM up JOIN categories a"
                   "                                      ON a.id = up.id WHERE a.hidden)"
                   "   FROM categories c WHERE c.id = $1");
    STORE_NUM(text, id);
    PGresult *res;
    enum store_status st = store_exec(&get, 1, (const char *[]){ text }, &res);
    if (st == STORE_OK)
        read_category(res, 0, out);
    PQclear(res);
    return st;
}

/* The parameters of a write, as text: the fields, then the set mask. */
struct category_params {
    char set[STORE_NUM_SIZE], parent[STORE_NUM_SIZE], sort[STORE_NUM_SIZE];
    char consent_age[STORE_NUM_SIZE];
    char co2e[STORE_DEC_SIZE], sek[STORE_DEC_SIZE];
    const char *v[12];
};

static void category_params(const struct category_fields *f, struct category_params *p)
{
    store_num_text(p->set, f->set);
    store_num_text(p->parent, f->parent_id);
    store_dec_text(p->co2e, f->co2e_kg);
    store_dec_text(p->sek, f->sek);
    store_num_text(p->sort, f->sort);
    store_num_text(p->consent_age, f->consent_age);
    p->v[0] = p->set;
    p->v[1] = f->parent_id ? p->parent : NULL;
    p->v[2] = f->name_sv;
    p->v[3] = f->name_en;
    p->v[4] = size_kind_name(f->size_kind);
    p->v[5] = f->has_co2e_kg ? p->co2e : NULL;
    p->v[6] = f->has_sek ? p->sek : NULL;
    p->v[7] = f->factor_source;
    p->v[8] = p->sort;
    p->v[9] = f->hidden ? "true" : "false";
    p->v[10] = f->factor_source_en;
    p->v[11] = f->consent_age ? p->consent_age : NULL;
}

struct category_write {
    long long staff_id;
    int id; /* 0 to create */
    const struct category_fields *f;
    enum category_outcome outcome;
    struct category_usage usage;
};

static enum store_status parent_exists(int parent_id, bool *exists)
{
    static struct store_stmt find = STORE_STMT("SELECT 1 FROM categories WHERE id = $1");
    STORE_NUM(text, parent_id);
    PGresult *res;
    enum store_status st = store_exec(&find, 1, (const char *[]){ text }, &res);
    PQclear(res);
    *exists = st == STORE_OK;
    return st < 0 ? st : STORE_OK;
}

static enum store_status create_tx(void *ctx)
{
    static struct store_stmt insert =
        STORE_STMT("INSERT INTO categories (parent_id, name_sv, name_en, size_kind, co2e_kg, sek,"
                   "                        factor_source, sort, hidden, factor_source_en,"
                   "                        consent_age)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id");
    struct category_write *w = ctx;
    w->outcome = CATEGORY_DONE;
    enum store_status st = store_actor_set(w->staff_id);
    if (st < 0)
        return st;
    bool exists = true;
    if (w->f->parent_id && (st = parent_exists(w->f->parent_id, &exists)) < 0)
        return st;
    if (!exists) {
        w->outcome = CATEGORY_NO_PARENT;
        return STORE_OK;
    }
    struct category_params p;
    category_params(w->f, &p);
    PGresult *res;
    st = store_exec(&insert, 11, p.v + 1, &res); /* an insert needs no set mask */
    if (st == STORE_OK)
        w->id = (int)store_get_ll(res, 0, 0);
    PQclear(res);
    if (st < 0)
        return st;
    return store_audit(w->staff_id, "category_created", "category", w->id, 0, NULL);
}

enum store_status store_category_create(long long staff_id, const struct category_fields *f,
                                        int *id, enum category_outcome *outcome)
{
    struct category_write w = { .staff_id = staff_id, .f = f };
    enum store_status st = store_tx(STORE_READ_COMMITTED, create_tx, &w);
    *id = w.id;
    *outcome = w.outcome;
    return st;
}

static enum store_status update_tx(void *ctx)
{
    /* The items that are not retired in the category or below it. */
    static struct store_stmt in_use =
        STORE_STMT("WITH RECURSIVE d (id) AS ("
                   "    SELECT id FROM categories WHERE id = $1"
                   "    UNION ALL SELECT c.id FROM categories c JOIN d ON c.parent_id = d.id)"
                   " SELECT count(*) FROM items i JOIN d ON d.id = i.category_id"
                   "  WHERE i.status <> 'retired'");
    /* Whether the new parent is the category itself or one of its descendants. */
    static struct store_stmt below =
        STORE_STMT("WITH RECURSIVE d (id) AS ("
                   "    SELECT id FROM categories WHERE id = $1"
                   "    UNION ALL SELECT c.id FROM categories c JOIN d ON c.parent_id = d.id)"
                   " SELECT 1 FROM d WHERE id = $2");
    static struct store_stmt update =
        STORE_STMT("UPDATE categories SET"
                   "  parent_id = CASE WHEN $1::int & 1 <> 0 THEN $2::int ELSE parent_id END,"
                   "  name_sv = CASE WHEN $1::int & 2 <> 0 THEN $3 ELSE name_sv END,"
                   "  name_en = CASE WHEN $1::int & 4 <> 0 THEN $4 ELSE name_en END,"
                   "  size_kind = CASE WHEN $1::int & 8 <> 0 THEN $5 ELSE size_kind END,"
                   "  co2e_kg = CASE WHEN $1::int & 16 <> 0 THEN $6::numeric ELSE co2e_kg END,"
                   "  sek = CASE WHEN $1::int & 32 <> 0 THEN $7::numeric ELSE sek END,"
                   "  factor_source = CASE WHEN $1::int & 64 <> 0 THEN $8 ELSE factor_source END,"
                   "  sort = CASE WHEN $1::int & 128 <> 0 THEN $9::int ELSE sort END,"
                   "  hidden = CASE WHEN $1::int & 256 <> 0 THEN $10::bool ELSE hidden END,"
                   "  factor_source_en = CASE WHEN $1::int & 512 <> 0 THEN $11"
                   "                     ELSE factor_source_en END,"
                   "  consent_age = CASE WHEN $1::int & 1024 <> 0 THEN $12::smallint"
                   "                ELSE consent_age END"
                   " WHERE id = $13");
    struct category_write *w = ctx;
    w->outcome = CATEGORY_DONE;
    enum store_status st = store_actor_set(w->staff_id);
    if (st < 0)
        return st;
    STORE_NUM(id, w->id);
    STORE_NUM(parent, w->f->parent_id);
    if ((w->f->set & CATEGORY_SET_PARENT) && w->f->parent_id) {
        bool exists;
        if ((st = parent_exists(w->f->parent_id, &exists)) < 0)
            return st;
        if (!exists) {
            w->outcome = CATEGORY_NO_PARENT;
            return STORE_OK;
        }
        PGresult *res;
        st = store_exec(&below, 2, (const char *[]){ id, parent }, &res);
        PQclear(res);
        if (st < 0)
            return st;
        if (st == STORE_OK) {
            w->outcome = CATEGORY_CYCLE;
            return STORE_OK;
        }
    }
    if ((w->f->set & CATEGORY_SET_HIDDEN) && w->f->hidden) {
        PGresult *res;
        st = store_exec(&in_use, 1, (const char *[]){ id }, &res);
        w->usage.items = st == STORE_OK ? store_get_ll(res, 0, 0) : 0;
        PQclear(res);
        if (st < 0)
            return st;
        if (w->usage.items > 0) {
            w->outcome = CATEGORY_IN_USE;
            return STORE_OK;
        }
    }
    struct category_params p;
    category_params(w->f, &p);
    const char *params[13];
    for (int i = 0; i < 12; i++)
        params[i] = p.v[i];
    params[12] = id;
    st = store_run(&update, 13, params);
    if (st != STORE_OK)
        return st;
    return store_audit(w->staff_id, "category_updated", "category", w->id, 0, NULL);
}

enum store_status store_category_update(long long staff_id, int id, const struct category_fields *f,
                                        enum category_outcome *outcome,
                                        struct category_usage *usage)
{
    struct category_write w = { .staff_id = staff_id, .id = id, .f = f };
    enum store_status st = store_tx(STORE_READ_COMMITTED, update_tx, &w);
    *outcome = w.outcome;
    *usage = w.usage;
    return st;
}

struct delete_ctx {
    long long staff_id;
    int id;
    bool deleted;
    struct category_usage usage;
};

static enum store_status delete_tx(void *ctx)
{
    enum { USAGE_ITEMS, USAGE_LOANS, USAGE_CHILDREN };
    /* The row is locked first, so that nothing new can refer to it until it is gone. */
    static struct store_stmt usage =
        STORE_STMT("SELECT (SELECT count(*) FROM items WHERE category_id = c.id),"
                   "       (SELECT count(*) FROM loans WHERE category_id = c.id),"
                   "       (SELECT count(*) FROM categories WHERE parent_id = c.id)"
                   "  FROM (SELECT id FROM categories WHERE id = $1 FOR UPDATE) c");
    static struct store_stmt del = STORE_STMT("DELETE FROM categories WHERE id = $1");
    struct delete_ctx *c = ctx;
    c->deleted = false;
    c->usage = (struct category_usage){ 0 };
    enum store_status st = store_actor_set(c->staff_id);
    if (st < 0)
        return st;
    STORE_NUM(id, c->id);
    PGresult *res;
    st = store_exec(&usage, 1, (const char *[]){ id }, &res);
    if (st == STORE_OK) {
        c->usage.items = store_get_ll(res, 0, USAGE_ITEMS);
        c->usage.loans = store_get_ll(res, 0, USAGE_LOANS);
        c->usage.children = store_get_ll(res, 0, USAGE_CHILDREN);
    }
    PQclear(res);
    if (st != STORE_OK || c->usage.items || c->usage.loans || c->usage.children)
        return st;
    if ((st = store_run(&del, 1, (const char *[]){ id })) != STORE_OK)
        return st;
    c->deleted = true;
    return store_audit(c->staff_id, "category_deleted", "category", c->id, 0, NULL);
}

enum store_status store_category_delete(long long staff_id, int id, bool *deleted,
                                        struct category_usage *usage)
{
    struct delete_ctx c = { .staff_id = staff_id, .id = id };
    enum store_status st = store_tx(STORE_READ_COMMITTED, delete_tx, &c);
    *deleted = st == STORE_OK && c.deleted;
    *usage = c.usage;
    return st;
}

struct merge_ctx {
    long long staff_id;
    int id, into;
    enum category_outcome outcome;
    char *moved;
};

static enum store_status merge_tx(void *ctx)
{
    /* Whether into is id itself or below it. */
    static struct store_stmt below =
        STORE_STMT("WITH RECURSIVE d (id) AS ("
                   "    SELECT id FROM categories WHERE id = $1"
                   "    UNION ALL SELECT c.id FROM categories c JOIN d ON c.parent_id = d.id)"
                   " SELECT 1 FROM d WHERE id = $2");
    static struct store_stmt exists = STORE_STMT("SELECT 1 FROM categories WHERE id = $1");
    static struct store_stmt merge = STORE_STMT("SELECT category_merge($1, $2)::text");
    struct merge_ctx *c = ctx;
    c->outcome = CATEGORY_DONE;
    free(c->moved);
    c->moved = NULL;
    enum store_status st = store_actor_set(c->staff_id);
    if (st < 0)
        return st;
    STORE_NUM(id, c->id);
    STORE_NUM(into, c->into);
    if ((st = store_run(&exists, 1, (const char *[]){ id })) != STORE_OK)
        return st;
    if ((st = store_run(&exists, 1, (const char *[]){ into })) != STORE_OK) {
        if (st == STORE_NOT_FOUND)
            c->outcome = CATEGORY_NO_PARENT;
        return st < 0 ? st : STORE_OK;
    }
    if ((st = store_run(&below, 2, (const char *[]){ id, into })) != STORE_NOT_FOUND) {
        if (st == STORE_OK)
            c->outcome = CATEGORY_CYCLE;
        return st;
    }
    PGresult *res;
    st = store_exec(&merge, 2, (const char *[]){ id, into }, &res);
    if (st == STORE_OK)
        c->moved = store_get_dup(res, 0, 0);
    PQclear(res);
    if (st != STORE_OK)
        return st < 0 ? st : STORE_HARD_ERROR;
    char *details = xasprintf("{\"into\":%d,\"moved\":%s}", c->into, c->moved);
    st = store_audit(c->staff_id, "category_merged", "category", c->id, 0, details);
    free(details);
    return st;
}

enum store_status store_category_merge(long long staff_id, int id, int into,
                                       enum category_outcome *outcome, char **moved)
{
    struct merge_ctx c = { .staff_id = staff_id, .id = id, .into = into };
    enum store_status st = store_tx(STORE_READ_COMMITTED, merge_tx, &c);
    if (st != STORE_OK || c.outcome != CATEGORY_DONE) {
        free(c.moved);
        c.moved = NULL;
    }
    *outcome = c.outcome;
    *moved = c.moved;
    return st;
}
