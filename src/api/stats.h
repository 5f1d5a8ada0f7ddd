/*
 * stats: the statistics report for managers and admins (GET /api/stats/...). Every answer is
 * about one branch or the whole network: ?branch=SLUG, or nothing for the network; staff bound
 * to a branch get their branch by default and 403 for any other. Periods are ?from=&to= (ISO
 * dates, both included, days in Europe/Stockholm).
 */
#ifndef HYLLA_API_STATS_H
#define HYLLA_API_STATS_H

#include "http/router.h"
#include "store/stats_store.h"

#include <jansson.h>
#include <stddef.h>

/*
 * GET /api/stats/summary?from&to[&branch]: {"from", "to", "branch", "loans", "returns",
 * "unique_borrowers", "new_borrowers", "items_donated", "co2e_kg", "sek",
 * "total_loans_since_start", "returns_late", "late_share", "average_loan_days", "items",
 * "items_never_lent"}. late_share and average_loan_days are about the loans returned in the
 * period (null when none was); items and items_never_lent are about the catalogue now.
 */
route_handler stats_summary;

/*
 * GET /api/stats/loans?from&to&group_by[&branch]: {"from", "to", "branch", "group_by", "rows"}
 * with group_by day (periods of at most 732 days), week, month, year, branch or category; the
 * rows are described at stats_rows_json.
 */
route_handler stats_loans;

/* GET /api/stats/items[?branch]: the catalogue now: {"branch", "items", "never_lent", "categories"}. */
route_handler stats_items;

/*
 * The rows of a /api/stats/loans answer (see store_stats_loans) as a new JSON array:
 * {"key", "loans"} for periods, {"key": slug, "name", "loans"} for branches, {"key": category
 * id, "loans", "co2e_kg", "sek"} for categories.
 */
json_t *stats_rows_json(enum stats_group group, const struct stats_row *rows, size_t n);

/*
 * The figures of a /api/stats/items answer as a new JSON object: {"items", "never_lent",
 * "categories": [{"key": category id, "items", "never_lent"}]}.
 */
json_t *stats_items_json(const struct stats_items *s);

#endif
