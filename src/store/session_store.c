/* session_store: sessions keyed by token hash (see session_store.h). */
#include "session_store.h"

#include "store/pool.h"

#include <string.h>

enum store_status store_session_create(const unsigned char hash[32], long long staff_id,
                                       const char *csrf_token, unsigned max_seconds)
{
    /* The account's sessions past their absolute expiry go now: nothing else removes them. */
    static struct store_stmt insert =
        STORE_STMT("WITH gone AS (DELETE FROM sessions WHERE staff_id = $2 AND expires_at <= now())"
                   " INSERT INTO sessions (token_hash, staff_id, csrf_token, expires_at)"
                   " VALUES ($1, $2, $3, now() + make_interval(secs => $4))");
    char h[67];
    store_bytea_text(h, hash, 32);
    STORE_NUM(id, staff_id);
    STORE_NUM(max, max_seconds);
    return store_run(&insert, 4, (const char *[]){ h, id, csrf_token, max });
}

enum store_status store_session_lookup(const unsigned char hash[32], unsigned idle_seconds,
                                       struct staff_identity *who)
{
    enum {
        WHO_ID,
        WHO_USERNAME,
        WHO_DISPLAY_NAME,
        WHO_ROLE,
        WHO_BRANCH,
        WHO_SLUG,
        WHO_CSRF,
        WHO_STALE,
        WHO_MUST_CHANGE
    };
    static struct store_stmt find = STORE_STMT(
        "SELECT st.id, st.username, st.display_name, st.role, coalesce(st.branch_id, 0),"
        "       coalesce(b.slug, ''), s.csrf_token, s.last_seen_at < now() - interval '1 minute',"
        "       st.must_change_password"
        "  FROM sessions s JOIN staff st ON st.id = s.staff_id"
        "  LEFT JOIN branches b ON b.id = st.branch_id"
        " WHERE s.token_hash = $1 AND s.expires_at > now()"
        "   AND s.last_seen_at > now() - make_interval(secs => $2) AND NOT st.disabled");
    static struct store_stmt touch =
        STORE_STMT("UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1");
    char h[67];
    store_bytea_text(h, hash, 32);
    STORE_NUM(idle, idle_seconds);
    PGresult *res;
    enum store_status st = store_exec(&find, 2, (const char *[]){ h, idle }, &res);
    bool stale = false;
    if (st == STORE_OK) {
        *who = (struct staff_identity){ 0 };
        who->id = store_get_ll(res, 0, WHO_ID);
        store_get_copy(res, 0, WHO_USERNAME, who->username, sizeof who->username);
        store_get_copy(res, 0, WHO_DISPLAY_NAME, who->display_name, sizeof who->display_name);
        who->role = role_from_name(store_get(res, 0, WHO_ROLE));
        who->branch_id = (int)store_get_ll(res, 0, WHO_BRANCH);
        store_get_copy(res, 0, WHO_SLUG, who->branch_slug, sizeof who->branch_slug);
        store_get_copy(res, 0, WHO_CSRF, who->csrf_token, sizeof who->csrf_token);
        memcpy(who->session_hash, hash, sizeof who->session_hash);
        stale = store_get_bool(res, 0, WHO_STALE);
        who->must_change_password = store_get_bool(res, 0, WHO_MUST_CHANGE);
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
    store_bytea_text(h, hash, 32);
    return store_run(&del, 1, (const char *[]){ h });
}
