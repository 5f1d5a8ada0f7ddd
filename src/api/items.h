/*
 * items: the catalogue's items for staff.
 *   POST  /api/items                 intake of a donation: 201 with the item and its new code
 *   GET   /api/items?q=&branch=&category=&status=&size_kind=&size_min=&size_max=&page=&per_page=
 *   GET   /api/items/{code}          what the desk shows after a scan (any branch's item)
 *   PATCH /api/items/{code}          edit; the status rules of item_store apply
 *   GET   /api/items/{code}/history  every status change, with who and when
 *   GET   /api/items.csv             export, the columns of core/item_csv
 *   POST  /api/items/import?branch=  import a CSV body, all or nothing (managers)
 * Staff bound to a branch read every branch's items (the catalogue is public anyway) but change
 * only their own branch's: another branch's item is 403, since its existence is no secret.
 */
#ifndef HYLLA_API_ITEMS_H
#define HYLLA_API_ITEMS_H

#include "http/reply.h"
#include "http/req.h"
#include "store/item_store.h"

#include <jansson.h>

/*
 * An item as every answer shows it (list, get, intake, edit): code, branch (slug), category
 * {id, name_sv, name_en}, name, brand, size {kind, value} or null, condition, status,
 * retired_reason, donated_on, notes, photo_url, due_date (null unless on loan), created_at,
 * updated_at. Never a borrower field. Caller owns it.
 */
json_t *items_json(const struct item *it);

/* The item's size as {"kind": ..., "value": number or text}, or null. */
json_t *items_size_json(const struct size *size);

/* Where the item's photo is served ("/api/items/DEJ-00042/photo?v=ETAG"), or NULL (caller frees). */
char *items_photo_url(const struct item *it);

void items_list(struct req *req, struct reply *rep);
void items_get(struct req *req, struct reply *rep);
void items_create(struct req *req, struct reply *rep);
void items_update(struct req *req, struct reply *rep);
void items_history(struct req *req, struct reply *rep);
void items_export(struct req *req, struct reply *rep);
void items_import(struct req *req, struct reply *rep);

/*
 * The item code of the request's path ({code}), normalised into code; answers 404 and returns
 * false when it cannot be a code.
 */
bool items_path_code(const struct req *req, struct reply *rep, char code[ITEM_CODE_MAX + 1]);

/* The answer for an item a write refused (outcome not ITEM_DONE) or did not find. */
void items_refused(struct reply *rep, enum store_status st, enum item_outcome outcome);

#endif
