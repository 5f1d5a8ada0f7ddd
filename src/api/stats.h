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
 *
 * group_by age_band or gender, with &category=ID (or every category), answers the groups of
 * people (store_stats_people) as rows {"key", "loans", "borrowers", "suppressed"} and their
 * "total" {"loans", "borrowers", "suppressed"}, and "category" (the id or null). A group that
 * counts fewer than 5 borrowers, and where needed another group so that no hidden one can be
 * worked out from the total (core/suppress.h), has null figures, "suppressed": true and a
 * "reason": "under_5" or "complementary".
 */
route_handler stats_loans;

/*
 * GET /api/stats/loans.csv, with the query of /api/stats/loans: the same rows as a CSV file for
 * spreadsheets (semicolons, a byte order mark, CRLF), a header line of the JSON names, and for
 * groups of people a last line "total"; hidden figures say "< 5" (under 5 borrowers) or ".."
 * (hidden so that no other can be worked out).
 */
route_handler stats_loans_csv;

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
