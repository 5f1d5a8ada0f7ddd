/*
 * items: the catalogue's items for staff.
 *   POST  /api/items                 intake of a donation: 201 with the item and its new code
 *   GET   /api/items?q=&branch=&category=&status=&size_kind=&size_min=&size_max=&page=&per_page=
 *         &since=&label=unprinted&code_from=&code_to=&sort=code   (what the label screen lists)
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

#include "http/router.h"

route_handler items_list;
route_handler items_get;
route_handler items_create;
route_handler items_update;
route_handler items_history;
route_handler items_export;
route_handler items_import;

#endif
