/*
 * borrowers: the people who borrow, for staff of their branch (volunteer and up).
 *
 *   GET    /api/borrowers?q=&branch=&page=  find by name, phone (any usual form) or card
 *   POST   /api/borrowers                    register: {"name", "phone", "email"?,
 *                                            "guardian_name"?, "guardian_phone"?, "card"?,
 *                                            "notes"?, "accepted_terms"?, "branch"?} -> 201
 *   GET    /api/borrowers/{id}               the borrower with "open_loans" and "history"
 *   PATCH  /api/borrowers/{id}               change fields; also "blocked" and "blocked_reason"
 *   DELETE /api/borrowers/{id}               erase (manager): 204, 409 with open loans
 *
 * A borrower of another branch is answered 404 to branch-bound staff, as if it did not exist:
 * whether a phone number borrows at another branch is personal data too.
 */
#ifndef HYLLA_API_BORROWERS_H
#define HYLLA_API_BORROWERS_H

#include "http/router.h"

#include <stdbool.h>

route_handler borrowers_list;
route_handler borrowers_create;
route_handler borrowers_get;
route_handler borrowers_update;
route_handler borrowers_erase;

/*
 * The positive whole number in path parameter i into *id; false (and nothing answered) when it
 * is not one, which callers answer with 404 as for an id that does not exist.
 */
bool borrowers_path_id(const struct req *req, size_t i, long long *id);

/* The staff member's branch scope for the stores: their branch id, or 0 for the whole network. */
int borrowers_scope(const struct req *req);

#endif
