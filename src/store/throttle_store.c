/* throttle_store: login failures and lockouts (see throttle_store.h). */
#include "throttle_store.h"

#include "store/pool.h"

#include <string.h>

enum store_status store_throttle_check(const unsigned char username_key[THROTTLE_KEY_SIZE],
                                       const unsigned char address_key[THROTTLE_KEY_SIZE],
                                       unsigned *seconds)
{
    static struct store_stmt check =
        STORE_STMT("SELECT greatest(1, ceil(extract(epoch FROM max(locked_until) - now())))::int"
                   "  FROM login_lockouts"
                   " WHERE ((scope = 'username' AND key = $1) OR (scope = 'address' AND key = $2))"
                   "   AND locked_until > now()"
                   " HAVING count(*) > 0");
    char user[2 * THROTTLE_KEY_SIZE + 3], addr[2 * THROTTLE_KEY_SIZE + 3];
    store_bytea_text(user, username_key, THROTTLE_KEY_SIZE);
    store_bytea_text(addr, address_key, THROTTLE_KEY_SIZE);
    PGresult *res;
    enum store_status st = store_exec(&check, 2, (const char *[]){ user, addr }, &res);
    if (st == STORE_OK)
        *seconds = (unsigned)store_get_ll(res, 0, 0);
    PQclear(res);
    return st;
}

enum store_status store_throttle_fail(const unsigned char username_key[THROTTLE_KEY_SIZE],
                                      const unsigned char address_key[THROTTLE_KEY_SIZE],
                                      bool *locked_username, bool *locked_address)
{
    /*
     * The count reads the table as it was before this statement, so this failure adds one.
     * A lockout that is still running is left as it is: failures that raced past the check do
     * not lengthen it, and RETURNING names only lockouts that start now.
     */
    static struct store_stmt fail = STORE_STMT(
        "WITH k (scope, key, max) AS (SELECT * FROM (VALUES ('username', $1::bytea, $3::int),"
        "                                                   ('address', $2::bytea, $4::int)) v"
        "                              WHERE v.column2 IS NOT NULL),"
        "     added AS (INSERT INTO login_failures (scope, key) SELECT scope, key FROM k),"
        "     over AS (SELECT k.scope, k.key FROM k"
        "               WHERE 1 + (SELECT count(*) FROM login_failures f"
        "                           WHERE f.scope = k.scope AND f.key = k.key"
        "                             AND f.at > now() - make_interval(secs => $5)) >= k.max)"
        " INSERT INTO login_lockouts (scope, key, locked_until)"
        " SELECT scope, key, now() + make_interval(secs => $6) FROM over"
        " ON CONFLICT (scope, key) DO UPDATE SET locked_until = excluded.locked_until"
        "  WHERE login_lockouts.locked_until <= now()"
        " RETURNING scope");
    static struct store_stmt prune = STORE_STMT(
        "WITH f AS (DELETE FROM login_failures"
        "            WHERE at < now() - make_interval(secs => $1))"
        " DELETE FROM login_lockouts WHERE locked_until < now() - make_interval(secs => $1)");
    char user[2 * THROTTLE_KEY_SIZE + 3], addr[2 * THROTTLE_KEY_SIZE + 3];
    if (username_key)
        store_bytea_text(user, username_key, THROTTLE_KEY_SIZE);
    store_bytea_text(addr, address_key, THROTTLE_KEY_SIZE);
    STORE_NUM(user_max, THROTTLE_USERNAME_MAX);
    STORE_NUM(addr_max, THROTTLE_ADDRESS_MAX);
    STORE_NUM(window, THROTTLE_WINDOW_S);
    STORE_NUM(lock, THROTTLE_LOCK_S);

    *locked_username = *locked_address = false;
    PGresult *res;
    enum store_status st = store_exec(
        &fail, 6,
        (const char *[]){ username_key ? user : NULL, addr, user_max, addr_max, window, lock },
        &res);
    if (st < 0)
        return st;
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(store_get(res, i, 0), "username") == 0)
            *locked_username = true;
        else
            *locked_address = true;
    }
    PQclear(res);
    st = store_run(&prune, 1, (const char *[]){ window });
    return st < 0 ? st : STORE_OK;
}

enum store_status store_throttle_clear(const unsigned char username_key[THROTTLE_KEY_SIZE])
{
    static struct store_stmt clear =
        STORE_STMT("DELETE FROM login_failures WHERE scope = 'username' AND key = $1");
    char user[2 * THROTTLE_KEY_SIZE + 3];
    store_bytea_text(user, username_key, THROTTLE_KEY_SIZE);
    enum store_status st = store_run(&clear, 1, (const char *[]){ user });
    return st < 0 ? st : STORE_OK;
}
