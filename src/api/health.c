/*
 * health: GET /healthz and GET /metrics. /healthz: The check runs on the answering worker's own connection, which reconnects
 * by itself, so the answer turns back to 200 as soon as PostgreSQL is back, without a restart.
 */
#include "health.h"

#include "config.h"
#include "core/metrics.h"
#include "core/settings.h"
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

void health_metrics(struct req *req, struct reply *rep)
{
    if (!cidr_list_contains(&settings->metrics_allow, req->client_addr)) {
        reply_problem(rep, PROBLEM_forbidden,
                      "Metrics are answered only to the addresses of --metrics-allow.");
        return;
    }
    struct buf text = BUF_INIT;
    metrics_render(&text, HYLLA_VERSION);
    size_t len;
    char *body = buf_steal(&text, &len);
    reply_bytes(rep, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
}
