/*
 * categories: the shared category tree. GET /api/categories is public (the public catalogue
 * filters by it); POST /api/categories and PATCH /api/categories/{id} are for admins.
 */
#ifndef HYLLA_API_CATEGORIES_H
#define HYLLA_API_CATEGORIES_H

#include "http/router.h"

route_handler categories_list;
route_handler categories_create;
route_handler categories_update;

#endif
