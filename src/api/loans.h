/*
 * loans: the desk's work (volunteer and up, within their branch).
 *
 *   POST /api/checkouts               {"borrower_id", "items": [codes], "due_date"?} -> 201
 *                                     {"checkout_id", "due_date", "loans": [{"id",
 *                                     "item": {"code", "name"}, "due_date"}]}; all or nothing:
 *                                     409 "checkout_refused" with "errors": [{"item", "code",
 *                                     "message"}]. Idempotency-Key header: a retry answers the
 *                                     first result; the same key for another request is 422.
 *   POST /api/checkouts/{id}/undo     undo a whole checkout (its maker, within 15 minutes)
 *   POST /api/loans/{id}/undo         undo one loan of it (the wrong item was scanned)
 *   POST /api/returns                 {"items": [code or {"code", "repair"?, "condition_note"?}],
 *                                     "condition_note"?, "returned_on"?} -> 200 {"results": [...]},
 *                                     one per item, in order; good ones are done even when
 *                                     others fail
 *   POST /api/loans/{id}/renew        -> {"id", "item", "due_date", "renewals"}
 *   GET  /api/loans?status=open|overdue|returned&branch=&borrower_id=&page=
 *
 * Loans and borrowers of another branch are answered 404 to branch-bound staff.
 */
#ifndef HYLLA_API_LOANS_H
#define HYLLA_API_LOANS_H

#include "http/router.h"

route_handler loans_checkout;
route_batch_handler loans_checkout_batch;
route_handler loans_undo_checkout;
route_handler loans_undo;
route_handler loans_return;
route_batch_handler loans_return_batch;
route_handler loans_renew;
route_handler loans_list;

#endif
