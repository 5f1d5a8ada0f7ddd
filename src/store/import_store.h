/*
 * import_store: items from a CSV file into one branch, all or nothing, for `hylla import items`
 * and POST /api/items/import alike. The file is checked row by row (core/item_csv) and then
 * against the database (does the category exist, is the code free) inside one transaction, so
 * the answer lists every bad line at once and a file with one bad line adds nothing. The
 * database checks are two reads for the whole file; a dry run ends there, writing nothing and
 * locking nothing. A real import then reserves the branch's numbers for all rows at once and
 * inserts them in one statement, so intake at the branch waits only for that.
 */
#ifndef HYLLA_STORE_IMPORT_STORE_H
#define HYLLA_STORE_IMPORT_STORE_H

#include "core/item_csv.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Import data (a whole CSV file) into the branch. c (zeroed by the caller, freed with
 * item_csv_free) receives the rows, every problem sorted by line, and the notices. On STORE_OK
 * without problems, *imported items were added, with an audit entry (dry_run: checked the same
 * way, then nothing added). staff_id 0 is the command line.
 */
enum store_status store_import_items(long long staff_id, int branch_id, const char *data,
                                     size_t len, bool dry_run, struct item_csv *c,
                                     size_t *imported) STORE_MUST_CHECK;

#endif
