/* actor_store: the staff member of a transaction, for triggers (see actor_store.h). */
#include "actor_store.h"

#include "store/pool.h"

enum store_status store_actor_set(long long staff_id)
{
    static struct store_stmt set = STORE_STMT("SELECT set_config('hylla.staff_id', $1, true)");
    STORE_NUM(id, staff_id);
    return store_run(&set, 1, (const char *[]){ staff_id > 0 ? id : "" });
}

enum store_status store_actor_note(const char *note)
{
    static struct store_stmt set = STORE_STMT("SELECT set_config('hylla.status_note', $1, true)");
    return store_run(&set, 1, (const char *[]){ note ? note : "" });
}
