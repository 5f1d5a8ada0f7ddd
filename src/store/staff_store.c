/* staff_store: staff accounts (see staff_store.h). */
#include "staff_store.h"

#include "store/pool.h"

#include <stdio.h>
#include <stdlib.h>

enum store_status store_staff_for_login(const char *username, struct staff_identity *who,
                                        char hash[PASSWORD_HASH_SIZE], bool *disabled)
{
    static struct store_stmt find =
        STORE_STMT("SELECT s.id, s.username, s.display_name, s.role, coalesce(s.branch_id, 0),"
                   "       coalesce(b.slug, ''), s.password_hash, s.disabled"
                   "  FROM staff s LEFT JOIN branches b ON b.id = s.branch_id"
                   " WHERE s.username = lower($1)");
    PGresult *res;
    enum store_status st = store_exec(&find, 1, (const char *[]){ username }, &res);
    if (st == STORE_OK) {
        *who = (struct staff_identity){ 0 };
        who->id = store_get_ll(res, 0, 0);
        snprintf(who->username, sizeof who->username, "%s", store_get(res, 0, 1));
        snprintf(who->display_name, sizeof who->display_name, "%s", store_get(res, 0, 2));
        who->role = role_from_name(store_get(res, 0, 3));
        who->branch_id = (int)store_get_ll(res, 0, 4);
        snprintf(who->branch_slug, sizeof who->branch_slug, "%s", store_get(res, 0, 5));
        snprintf(hash, PASSWORD_HASH_SIZE, "%s", store_get(res, 0, 6));
        *disabled = store_get_bool(res, 0, 7);
    }
    PQclear(res);
    return st;
}

enum store_status store_staff_set_hash(long long staff_id, const char *hash)
{
    static struct store_stmt update =
        STORE_STMT("UPDATE staff SET password_hash = $2, updated_at = now() WHERE id = $1");
    char id[24];
    snprintf(id, sizeof id, "%lld", staff_id);
    return store_run(&update, 2, (const char *[]){ id, hash });
}

enum store_status store_staff_create(const char *username, const char *display_name, enum role role,
                                     const char *branch_slug, const char *hash, long long *id)
{
    /* A named branch that does not exist inserts nothing, which reads as STORE_NOT_FOUND. */
    static struct store_stmt insert =
        STORE_STMT("INSERT INTO staff (username, display_name, role, branch_id, password_hash)"
                   " SELECT lower($1), $2, $3, b.id, $5"
                   "   FROM (SELECT NULL::int AS id WHERE $4::text IS NULL"
                   "         UNION ALL SELECT id FROM branches WHERE slug = $4) b"
                   " RETURNING id");
    PGresult *res;
    enum store_status st = store_exec(
        &insert, 5, (const char *[]){ username, display_name, role_name(role), branch_slug, hash },
        &res);
    if (st == STORE_OK)
        *id = store_get_ll(res, 0, 0);
    PQclear(res);
    return st;
}

enum store_status store_staff_disable(const char *username, long long *id)
{
    /* One statement, so the account and its sessions change together. */
    static struct store_stmt disable =
        STORE_STMT("WITH s AS (UPDATE staff SET disabled = true, updated_at = now()"
                   "            WHERE username = lower($1) RETURNING id),"
                   "     gone AS (DELETE FROM sessions WHERE staff_id IN (SELECT id FROM s))"
                   " SELECT id FROM s");
    PGresult *res;
    enum store_status st = store_exec(&disable, 1, (const char *[]){ username }, &res);
    if (st == STORE_OK)
        *id = store_get_ll(res, 0, 0);
    PQclear(res);
    return st;
}
