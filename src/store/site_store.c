/* site_store: texts of the public site (see site_store.h). */
#include "site_store.h"

#include "core/buf.h"
#include "store/audit_store.h"
#include "store/pool.h"

#include <stdlib.h>

enum { TEXT_SV, TEXT_EN, TEXT_UPDATED_AT };
#define TEXT_COLUMNS                                                                               \
    "text_sv, text_en, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static void read_text(const PGresult *res, struct site_text *out)
{
    out->sv = store_get_dup(res, 0, TEXT_SV);
    out->en = store_get_dup(res, 0, TEXT_EN);
    store_get_copy(res, 0, TEXT_UPDATED_AT, out->updated_at, sizeof out->updated_at);
}

void store_site_text_clear(struct site_text *t)
{
    free(t->sv);
    free(t->en);
    *t = (struct site_text){ 0 };
}

enum store_status store_site_text_get(const char *key, struct site_text *out)
{
    static struct store_stmt get =
        STORE_STMT("SELECT " TEXT_COLUMNS " FROM site_texts WHERE key = $1");
    *out = (struct site_text){ 0 };
    PGresult *res;
    enum store_status st = store_exec(&get, 1, (const char *[]){ key }, &res);
    if (st == STORE_OK)
        read_text(res, out);
    PQclear(res);
    return st;
}

struct text_write {
    long long staff_id;
    const char *key, *sv, *en;
    struct site_text *out;
};

static enum store_status set_tx(void *ctx)
{
    static struct store_stmt set = STORE_STMT(
        "UPDATE site_texts SET text_sv = $2, text_en = $3, updated_at = now(), updated_by = $4"
        " WHERE key = $1 RETURNING " TEXT_COLUMNS);
    struct text_write *w = ctx;
    store_site_text_clear(w->out);
    STORE_NUM(staff, w->staff_id);
    PGresult *res;
    enum store_status st =
        store_exec(&set, 4, (const char *[]){ w->key, w->sv, w->en, staff }, &res);
    if (st == STORE_OK)
        read_text(res, w->out);
    PQclear(res);
    if (st != STORE_OK)
        return st;
    char *details = xasprintf("{\"key\": \"%s\"}", w->key); /* a key of the schema's list */
    st = store_audit(w->staff_id, "site_text_updated", "site_text", 0, 0, details);
    free(details);
    return st;
}

enum store_status store_site_text_set(long long staff_id, const char *key, const char *sv,
                                      const char *en, struct site_text *out)
{
    *out = (struct site_text){ 0 };
    struct text_write w = { .staff_id = staff_id, .key = key, .sv = sv, .en = en, .out = out };
    enum store_status st = store_tx(STORE_READ_COMMITTED, set_tx, &w);
    if (st != STORE_OK)
        store_site_text_clear(out);
    return st;
}
