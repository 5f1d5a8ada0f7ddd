/*
 * health: GET /healthz. The check runs on the answering worker's own connection, which reconnects
 * by itself, so the answer turns back to 200 as soon as PostgreSQL is back, without a restart.
 */
#include "health.h"

#include "config.h"
#include "store/store.h"

void health_get(struct req *req, struct reply *rep)
{
    bool db_ok = store_ping() == STORE_OK;
    reply_json(rep, db_ok ? 200 : 503,
               json_pack("{s:s, s:s, s:s}", "status", db_ok ? "ok" : "degraded", "database",
                         db_ok ? "ok" : "unavailable", "version", HYLLA_VERSION));
    if (!db_ok)
        reply_header(rep, "Retry-After", "2");
}
