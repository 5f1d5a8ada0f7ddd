/*
 * items: the catalogue's items for staff.
 *   POST  /api/items                 intake of a donation: 201 with the item and its new code;
 *                                    409 possible_duplicate for the same item twice in a minute
 *   GET   /api/items?q=&branch=&category=&status=&size_kind=&size_min=&size_max=&page=&per_page=
 *         &since=&label=unprinted&code_from=&code_to=&sort=code   (what the label screen lists)
 *   GET   /api/items/{code}          what the desk shows after a scan (any branch's item), with
 *                                    the statuses it may change to ("transitions"); the lookups
 *                                    queued together are read in one statement (items_get_batch),
 *                                    sent ahead by a connection thread (items_get_prefetch)
 *   PATCH /api/items/{code}          edit the fields; never the status
 *   POST  /api/items/{code}/status   {"to", "reason"?, "note"?}: one change of an item's life,
 *                                    409 for one its status does not allow (core/item.h)
 *   GET   /api/items/{code}/history  every status change, with who, when and its note
 *   GET   /api/repairs?branch=&page= the items in repair, longest waiting first
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
route_batch_handler items_get_batch;
route_prefetch items_get_prefetch;
route_handler items_create;
route_handler items_update;
route_handler items_set_status;
route_handler items_repairs;
route_handler items_history;
route_handler items_export;
route_handler items_import;

#endif
