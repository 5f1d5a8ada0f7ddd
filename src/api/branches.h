/*
 * branches: GET /api/branches and /api/branches/{slug} (public: addresses and opening hours are
 * what the public site shows), POST /api/branches and PATCH /api/branches/{slug} (admin).
 */
#ifndef HYLLA_API_BRANCHES_H
#define HYLLA_API_BRANCHES_H

#include "http/router.h"

route_handler branches_list;
route_handler branches_get;
route_handler branches_create;
route_handler branches_update;

#endif
