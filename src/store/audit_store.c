/* audit_store: appending to the audit log (see audit_store.h). */
#include "audit_store.h"

#include "store/pool.h"

enum store_status store_audit(long long staff_id, const char *action, const char *object_type,
                              long long object_id, int branch_id, const char *details)
{
    static struct store_stmt insert = STORE_STMT(
        "INSERT INTO audit_log (staff_id, action, object_type, object_id, branch_id, details)"
        " VALUES (nullif($1::int, 0), $2, $3, nullif($4::bigint, 0), nullif($5::int, 0),"
        "         coalesce($6::jsonb, '{}'))");
    STORE_NUM(staff, staff_id);
    STORE_NUM(object, object_id);
    STORE_NUM(branch, branch_id);
    return store_run(&insert, 6,
                     (const char *[]){ staff, action, object_type, object, branch, details });
}
