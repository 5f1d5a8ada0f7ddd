/* photo_store: item photos in PostgreSQL (see photo_store.h). */
#include "photo_store.h"

#include "core/buf.h"
#include "store/actor_store.h"
#include "store/audit_store.h"
#include "store/pool.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The etag of these bytes: the first half of their SHA-256, in hex. */
static void photo_etag(const void *data, size_t len, char etag[PHOTO_ETAG_SIZE])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(etag, PHOTO_ETAG_SIZE, digest, (PHOTO_ETAG_SIZE - 1) / 2);
}

struct photo_write {
    long long staff_id;
    const char *code;
    int scope;
    const char *content_type; /* NULL to delete */
    const char *hex;          /* the bytes as bytea hex input: \x0a1b... */
    const char *etag;
    enum item_outcome outcome;
};

/* The item's id and branch, locked against a concurrent change; branch refused as outcome. */
static enum store_status lock_item(struct photo_write *w, long long *id, int *branch_id)
{
    enum { LOCKED_ID, LOCKED_BRANCH };
    static struct store_stmt lock =
        STORE_STMT("SELECT id, branch_id FROM items WHERE code = $1 FOR NO KEY UPDATE");
    PGresult *res;
    enum store_status st = store_exec(&lock, 1, (const char *[]){ w->code }, &res);
    if (st == STORE_OK) {
        *id = store_get_ll(res, 0, LOCKED_ID);
        *branch_id = (int)store_get_ll(res, 0, LOCKED_BRANCH);
        if (w->scope && *branch_id != w->scope)
            w->outcome = ITEM_OTHER_BRANCH;
    }
    PQclear(res);
    return st;
}

/* Set (content_type given) or remove the photo of an item, in one transaction with its audit. */
static enum store_status write_tx(void *ctx)
{
    static struct store_stmt put = STORE_STMT(
        "INSERT INTO item_photos (item_id, content_type, etag, data) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (item_id) DO UPDATE SET content_type = excluded.content_type,"
        "   etag = excluded.etag, data = excluded.data, updated_at = now()");
    static struct store_stmt del = STORE_STMT("DELETE FROM item_photos WHERE item_id = $1");
    static struct store_stmt touch =
        STORE_STMT("UPDATE items SET updated_at = now() WHERE id = $1");
    struct photo_write *w = ctx;
    w->outcome = ITEM_DONE;
    long long id;
    int branch_id;
    enum store_status st = store_actor_set(w->staff_id);
    if (st < 0 || (st = lock_item(w, &id, &branch_id)) != STORE_OK || w->outcome != ITEM_DONE)
        return st;
    STORE_NUM(idtext, id);
    st = w->content_type
             ? store_run(&put, 4, (const char *[]){ idtext, w->content_type, w->etag, w->hex })
             : store_run(&del, 1, (const char *[]){ idtext });
    if (st != STORE_OK || (st = store_run(&touch, 1, (const char *[]){ idtext })) < 0)
        return st;
    return store_audit(w->staff_id, w->content_type ? "item_photo_set" : "item_photo_removed",
                       "item", id, branch_id, NULL);
}

enum store_status store_photo_put(long long staff_id, const char *code, int scope,
                                  const char *content_type, const void *data, size_t len,
                                  enum item_outcome *outcome)
{
    char etag[PHOTO_ETAG_SIZE];
    photo_etag(data, len, etag);
    /* Text parameters carry bytea as hex: twice the size, no escaping to get wrong. */
    char *hex = xmalloc(2 * len + 3);
    store_bytea_text(hex, data, len);
    struct photo_write w = { .staff_id = staff_id,
                             .code = code,
                             .scope = scope,
                             .content_type = content_type,
                             .hex = hex,
                             .etag = etag };
    enum store_status st = store_tx(STORE_READ_COMMITTED, write_tx, &w);
    free(hex);
    *outcome = w.outcome;
    return st;
}

enum store_status store_photo_delete(long long staff_id, const char *code, int scope,
                                     enum item_outcome *outcome)
{
    struct photo_write w = { .staff_id = staff_id, .code = code, .scope = scope };
    enum store_status st = store_tx(STORE_READ_COMMITTED, write_tx, &w);
    *outcome = w.outcome;
    return st;
}

enum store_status store_photo_etag(const char *code, char etag[PHOTO_ETAG_SIZE])
{
    static struct store_stmt get = STORE_STMT(
        "SELECT p.etag FROM items i JOIN item_photos p ON p.item_id = i.id WHERE i.code = $1");
    PGresult *res;
    enum store_status st = store_exec(&get, 1, (const char *[]){ code }, &res);
    if (st == STORE_OK)
        snprintf(etag, PHOTO_ETAG_SIZE, "%s", store_get(res, 0, 0));
    PQclear(res);
    return st;
}

enum store_status store_photo_get(const char *code, struct photo *out)
{
    enum { PHOTO_TYPE, PHOTO_ETAG, PHOTO_DATA };
    static struct store_stmt get =
        STORE_STMT("SELECT p.content_type, p.etag, p.data"
                   "  FROM items i JOIN item_photos p ON p.item_id = i.id WHERE i.code = $1");
    *out = (struct photo){ 0 };
    PGresult *res;
    enum store_status st = store_exec(&get, 1, (const char *[]){ code }, &res);
    if (st == STORE_OK) {
        store_get_copy(res, 0, PHOTO_TYPE, out->content_type, sizeof out->content_type);
        store_get_copy(res, 0, PHOTO_ETAG, out->etag, sizeof out->etag);
        const char *hex = store_get(res, 0, PHOTO_DATA);
        if (hex && strncmp(hex, "\\x", 2) == 0) {
            size_t hexlen = strlen(hex + 2);
            out->data = xmalloc(hexlen / 2 + 1);
            if (sodium_hex2bin((unsigned char *)out->data, hexlen / 2 + 1, hex + 2, hexlen, NULL,
                               &out->len, NULL) != 0) {
                free(out->data);
                *out = (struct photo){ 0 };
                st = STORE_HARD_ERROR;
            }
        }
    }
    PQclear(res);
    return st;
}
