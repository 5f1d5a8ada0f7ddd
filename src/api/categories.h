/*
 * categories: the shared category tree. GET /api/categories is public (the public catalogue
 * filters by it); POST /api/categories, PATCH and DELETE /api/categories/{id} and POST
 * /api/categories/{id}/merge are for admins of the whole network.
 */
#ifndef HYLLA_API_CATEGORIES_H
#define HYLLA_API_CATEGORIES_H

#include "http/router.h"

route_handler categories_list;
route_handler categories_create;
route_handler categories_update;
route_handler categories_delete;
route_handler categories_merge;

#endif
