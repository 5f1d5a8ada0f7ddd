/*
 * public: the open availability API behind the public site and the widget (GET /api/public/...
 * and /api/openapi.json). No login; open to every origin (the routes are marked cors, so the
 * router adds the CORS headers and answers preflights); every answer is cacheable for 30
 * seconds with an ETag (a hash of the body) and answers 304 to a matching If-None-Match. No
 * answer names a borrower or anything about one: an item on loan shows its due date only.
 */
#ifndef HYLLA_API_PUBLIC_H
#define HYLLA_API_PUBLIC_H

#include "http/router.h"

/*
 * GET /api/public/branches: {"branches": [branch...]} by name, where a branch is {"slug",
 * "name", "municipality", "address", "phone" (E.164), "email", "latitude", "longitude" (WGS 84
 * degrees, both or null), "contact", "notice", "opening_hours", "seasons",
 * "closed_periods" (those that end today or later), "today" (the date in Europe/Stockholm),
 * "days" (the 14 days from today, [{"date", "spans"}], as the calendar resolves seasons and
 * closed periods), "next_open" ({"date", "spans"} of the first open day after today, or null),
 * "total_loans", "available_items"}.
 */
route_handler public_branches;

/*
 * GET /api/public/branches/{slug}?from=: one branch as above, its days from `from` on (default
 * today; a receipt asks for the week of its due date); 404 branch_not_found.
 */
route_handler public_branch;

/* GET /api/public/categories: {"categories": [{"id","parent_id","depth","name_sv","name_en",
 * "size_kind"}]}, depth first. */
route_handler public_categories;

/*
 * GET /api/public/items?branch=&q=&category=&size_kind=&size_min=&size_max=&available=&page=
 * &per_page=: {"items": [{"code","name","category":{"id","name_sv","name_en"},"size",
 * "condition","status","due_date","photo_url"}], "total", "page", "per_page", "understood",
 * "nearest"}. The words q are read as a borrower means them (search_plan, in
 * migrations/0013_public.sql: "skridskor 38" is skates of EU size 38); "understood" says how
 * ({"things", "size", "corrected"}), "nearest" (or null) which sizes nearest to the one asked
 * for are available when none of it is, and when the first lent one is due back ({"smaller",
 * "larger", "due_back"}). The exact code comes first, then the sizes nearest to the one asked
 * for, then by name and size. status is available, on_loan or repair; due_date is null unless
 * on loan. 404 branch_not_found for an unknown branch, 400 invalid_query for a bad argument.
 * Identical requests within five seconds are answered from memory once public_cache_start ran.
 */
route_handler public_items;

/*
 * Keep the search's answers in memory from now on, forgotten when the database says the
 * catalogue changed (store/notify.h; call before store_notify_enable).
 */
void public_cache_start(void);

/* Forget the answers kept in memory: call after every change this server made. */
void public_cache_forget(void);

/*
 * GET /api/public/items/{code}: one item as above (the page /i/{code} and the QR code of its
 * label), with "branch": its branch as GET /api/public/branches/{slug} answers it. 404
 * item_not_found for a code no item the public sees has (in intake, retired).
 */
route_handler public_item;

/*
 * GET /api/public/texts/{key}: {"sv", "en", "updated_at"} of a text admins write (see site.h);
 * 404 not_found.
 */
route_handler public_text;

/* GET /api/public/stats: {"total_loans", "branches": [{"slug", "total_loans"}]} since the start. */
route_handler public_stats;

/* GET /api/openapi.json: the OpenAPI 3 document of the public API (web/openapi.json). */
route_handler public_openapi;

#endif
