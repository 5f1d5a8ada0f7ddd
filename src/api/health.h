/* health: GET /healthz, whether hylla and its database answer. */
#ifndef HYLLA_API_HEALTH_H
#define HYLLA_API_HEALTH_H

#include "http/router.h"

/* 200 {"status":"ok","database":"ok","version"} or 503 with "database":"unavailable". */
route_handler health_get;

#endif
