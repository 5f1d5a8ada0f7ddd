/*
 * categories: the shared category tree. GET /api/categories is public (the public catalogue
 * filters by it); POST /api/categories and PATCH /api/categories/{id} are for admins.
 */
#ifndef HYLLA_API_CATEGORIES_H
#define HYLLA_API_CATEGORIES_H

#include "http/reply.h"
#include "http/req.h"
#include "store/category_store.h"

#include <jansson.h>

/*
 * A category as every answer shows it: id, parent_id, depth, name_sv, name_en, size_kind,
 * co2e_kg, sek, factor_source, sort. Caller owns it.
 */
json_t *categories_json(const struct category *c);

void categories_list(struct req *req, struct reply *rep);
void categories_create(struct req *req, struct reply *rep);
void categories_update(struct req *req, struct reply *rep);

#endif
