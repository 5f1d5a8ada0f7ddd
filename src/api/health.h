/* health: how hylla is doing, for people and for monitoring: GET /healthz and GET /metrics. */
#ifndef HYLLA_API_HEALTH_H
#define HYLLA_API_HEALTH_H

#include "http/router.h"

/* 200 {"status":"ok","database":"ok","version"} or 503 with "database":"unavailable". */
route_handler health_get;

/*
 * The counters of core/metrics in the Prometheus text format, to clients in --metrics-allow
 * (403 to any other).
 */
route_handler health_metrics;

#endif
