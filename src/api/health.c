/*
 * health: GET /healthz and GET /metrics. /healthz: The check runs on the answering worker's own connection, which reconnects
 * by itself, so the answer turns back to 200 as soon as PostgreSQL is back, without a restart.
 */
#include "health.h"

#include "config.h"
#include "core/metrics.h"
#include "core/settings.h"
#include "store/store.h"

/* At most this many replicas are named in /healthz; more are counted, not listed. */
#define HEALTH_REPLICAS 16

/*
 * With read replicas (--read-database), /healthz names each one's state and lag, and says where
 * the public and statistics reads go now: "replica" while one is up, else "primary". A replica
 * down or lagging leaves the status 200: the primary answers its reads meanwhile.
 */
static void add_replicas(json_t *body)
{
    struct store_replica_info info[HEALTH_REPLICAS];
    size_t n = store_replicas(info, HEALTH_REPLICAS);
    if (n == 0)
        return;
    json_t *list = json_array();
    bool any_up = false;
    for (size_t i = 0; i < n && i < HEALTH_REPLICAS; i++) {
        any_up = any_up || info[i].state == STORE_REPLICA_UP;
        json_array_append_new(list, json_pack("{s:s, s:f}", "state",
                                              store_replica_state_name(info[i].state),
                                              "lag_seconds", info[i].lag_seconds));
    }
    json_object_set_new(body, "replicas", list);
    json_object_set_new(body, "reads", json_string(any_up ? "replica" : "primary"));
}

void health_get(struct req *req, struct reply *rep)
{
    bool db_ok = store_ping() == STORE_OK;
    json_t *body = json_pack("{s:s, s:s, s:s}", "status", db_ok ? "ok" : "degraded", "database",
                             db_ok ? "ok" : "unavailable", "version", HYLLA_VERSION);
    add_replicas(body);
    reply_json(rep, db_ok ? 200 : 503, body);
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
