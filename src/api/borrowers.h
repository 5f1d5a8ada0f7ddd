/*
 * borrowers: the people who borrow, for staff of their branch (volunteer and up).
 *
 *   GET    /api/borrowers?q=&branch=&page=  find by name, phone (any usual form) or card; words
 *                                            of four digits are a birth year or the end of the
 *                                            phone ("Elsa 2015", "Elsa 4567")
 *   POST   /api/borrowers                    register: {"name", "phone", "email"?, "card"?,
 *                                            "birth_year"?, "gender"?, "guardian_id"?,
 *                                            "guardian_consent"?, "notes"?, "accepted_terms"?,
 *                                            "branch"?} -> 201; a child (guardian_id) needs a
 *                                            birth year and no phone
 *   GET    /api/borrowers/{id}               the borrower with "open_loans", "history" and
 *                                            "children" (each with their open loans)
 *   PATCH  /api/borrowers/{id}               change fields; also "blocked" and "blocked_reason"
 *   DELETE /api/borrowers/{id}               erase (manager): 204, 409 with open loans or
 *                                            children
 *   GET    /api/borrowers/{id}/export        everything stored about them (manager), audit-logged
 *   POST   /api/borrowers/{id}/card          a new random card code (core/label.h) for a card
 *                                            to print; an old card stops working
 *
 * Birth year and gender ("kvinna", "man", "annat", "ej_angivet") are for the statistics only:
 * staff answers show them, nothing public does.
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
