/*
 * branches: GET /api/branches and /api/branches/{slug} (public: addresses and opening hours are
 * what the public site shows), POST /api/branches and PATCH /api/branches/{slug} (admin).
 */
#ifndef HYLLA_API_BRANCHES_H
#define HYLLA_API_BRANCHES_H

#include "http/reply.h"
#include "http/req.h"
#include "store/branch_store.h"

#include <jansson.h>

/*
 * A branch as every answer shows it: slug, name, municipality, address, contact, opening_hours,
 * closed_dates, loan_days, max_renewals, item_limit, notice, code_prefix. Caller owns it.
 */
json_t *branches_json(const struct branch *b);

void branches_list(struct req *req, struct reply *rep);
void branches_get(struct req *req, struct reply *rep);
void branches_create(struct req *req, struct reply *rep);
void branches_update(struct req *req, struct reply *rep);

#endif
