/*
 * staff: staff accounts for admins (GET/POST /api/staff, GET/PATCH /api/staff/{id}).
 * Every route is ACCESS_ADMIN; branch scoping is done here (see staff.c).
 */
#ifndef HYLLA_API_STAFF_H
#define HYLLA_API_STAFF_H

#include "http/router.h"

route_handler staff_list;
route_handler staff_get;
route_handler staff_create;
route_handler staff_update;

#endif
