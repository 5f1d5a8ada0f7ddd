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
 *   GET    /api/borrowers/{id}/export        everything stored about them (manager), audit-logged
 *   POST   /api/borrowers/{id}/card          a new random card code (core/label.h) for a card
 *                                            to print; an old card stops working
 *
 * A borrower of another branch is answered 404 to branch-bound staff, as if it did not exist:
 * whether a phone number borrows at another branch is personal data too.
 */
#ifndef HYLLA_API_BORROWERS_H
#define HYLLA_API_BORROWERS_H

#include "http/router.h"

route_handler borrowers_list;
route_handler borrowers_create;
route_handler borrowers_get;
route_handler borrowers_update;
route_handler borrowers_erase;
route_handler borrowers_export;
route_handler borrowers_new_card;

#endif
