/* branch_store: branch lookups (see branch_store.h). */
#include "branch_store.h"

#include "store/pool.h"

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
