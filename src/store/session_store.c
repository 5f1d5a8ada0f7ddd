/* session_store: sessions keyed by token hash (see session_store.h). */
#include "session_store.h"

#include "store/pool.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* bytea as a text parameter: \x followed by hex. */
static void hash_param(const unsigned char hash[32], char out[67])
{
    out[0] = '\\';
    out[1] = 'x';
    sodium_bin2hex(out + 2, 65, hash, 32);
}

enum store_status store_session_create(const unsigned char hash[32], long long staff_id,
                                       const char *csrf_token, unsigned max_seconds)
{
    /* The account's sessions past their absolute expiry go now: nothing else removes them. */
    static struct store_stmt insert =
        STORE_STMT("WITH gone AS (DELETE FROM sessions WHERE staff_id = $2 AND expires_at <= now())"
                   " INSERT INTO sessions (token_hash, staff_id, csrf_token, expires_at)"
                   " VALUES ($1, $2, $3, now() + make_interval(secs => $4))");
    char h[67], id[24], max[24];
    hash_param(hash, h);
    snprintf(id, sizeof id, "%lld", staff_id);
    snprintf(max, sizeof max, "%u", max_seconds);
    return store_run(&insert, 4, (const char *[]){ h, id, csrf_token, max });
}

enum store_status store_session_lookup(const unsigned char hash[32], unsigned idle_seconds,
                                       struct staff_identity *who)
{
    static struct store_stmt find = STORE_STMT(
        "SELECT st.id, st.username, st.display_name, st.role, coalesce(st.branch_id, 0),"
        "       coalesce(b.slug, ''), s.csrf_token, s.last_seen_at < now() - interval '1 minute'"
        "  FROM sessions s JOIN staff st ON st.id = s.staff_id"
        "  LEFT JOIN branches b ON b.id = st.branch_id"
        " WHERE s.token_hash = $1 AND s.expires_at > now()"
        "   AND s.last_seen_at > now() - make_interval(secs => $2) AND NOT st.disabled");
    static struct store_stmt touch =
        STORE_STMT("UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1");
    char h[67], idle[24];
    hash_param(hash, h);
    snprintf(idle, sizeof idle, "%u", idle_seconds);
    PGresult *res;
    enum store_status st = store_exec(&find, 2, (const char *[]){ h, idle }, &res);
    bool stale = false;
    if (st == STORE_OK) {
        *who = (struct staff_identity){ 0 };
        who->id = store_get_ll(res, 0, 0);
        snprintf(who->username, sizeof who->username, "%s", store_get(res, 0, 1));
        snprintf(who->display_name, sizeof who->display_name, "%s", store_get(res, 0, 2));
        who->role = role_from_name(store_get(res, 0, 3));
        who->branch_id = (int)store_get_ll(res, 0, 4);
        snprintf(who->branch_slug, sizeof who->branch_slug, "%s", store_get(res, 0, 5));
        snprintf(who->csrf_token, sizeof who->csrf_token, "%s", store_get(res, 0, 6));
        memcpy(who->session_hash, hash, sizeof who->session_hash);
        stale = store_get_bool(res, 0, 7);
    }
    PQclear(res);
    if (stale && store_run(&touch, 1, (const char *[]){ h }) < 0)
        return STORE_HARD_ERROR;
    return st;
}

enum store_status store_session_delete(const unsigned char hash[32])
{
    static struct store_stmt del = STORE_STMT("DELETE FROM sessions WHERE token_hash = $1");
    char h[67];
    hash_param(hash, h);
    return store_run(&del, 1, (const char *[]){ h });
}
