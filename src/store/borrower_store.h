/*
 * borrower_store: borrowers in PostgreSQL: registering, changing, finding, and erasing them.
 * Personal data lives in the borrowers table only; erasing a borrower deletes that row (loans
 * keep borrower_ref and lose borrower_id) and clears the return notes of their loans, so no copy
 * of a name or a phone number is left anywhere while every count stays the same.
 *
 * Reads answer with JSON text built by PostgreSQL (the caller frees it): the borrower object is
 *   {"id", "branch" (slug), "name", "phone" (E.164), "email", "guardian_name", "guardian_phone",
 *    "card", "accepted_terms_at", "blocked", "blocked_reason", "notes", "created_at",
 *    "last_activity_at", "language" ("sv" or "en": of the messages hylla sends them),
 *    "messages_opt_out" (true: send them none)}
 * Every call takes a scope: the branch id the asking staff member is bound to, or 0 for the whole
 * network; a borrower outside the scope is answered as if it did not exist (STORE_NOT_FOUND).
 */
#ifndef HYLLA_STORE_BORROWER_STORE_H
#define HYLLA_STORE_BORROWER_STORE_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/* Which unique rule a new or changed borrower broke. */
enum store_borrower_conflict {
    STORE_BORROWER_NO_CONFLICT,
    STORE_BORROWER_PHONE_TAKEN, /* the branch has a borrower with this phone number */
    STORE_BORROWER_CARD_TAKEN,  /* the branch has a borrower with this card code */
};

/*
 * Register a borrower of a branch from fields, a JSON object as text with the normalised values
 * of "name", "phone" and optionally "email", "guardian_name", "guardian_phone", "card", "notes",
 * "accepted_terms" (true sets the timestamp to now), "language", "messages_opt_out". On success *id is the new borrower's id;
 * when the phone or card is taken, *conflict says which and *existing_id names the borrower that
 * has it (and nothing is written). Writes the audit entry "borrower_created" (ids only).
 */
enum store_status store_borrower_create(long long staff_id, int branch_id, const char *fields,
                                        long long *id, enum store_borrower_conflict *conflict,
                                        long long *existing_id) STORE_MUST_CHECK;

/*
 * Change the fields present in fields (same keys as for create, plus "blocked" and
 * "blocked_reason"; null clears an optional field). Unblocking clears the reason. Writes the
 * audit entry "borrower_blocked", "borrower_unblocked" or "borrower_changed" with the names of
 * the changed fields, never their values. STORE_NOT_FOUND when there is no such borrower in scope;
 * conflicts as for create.
 */
enum store_status store_borrower_update(long long staff_id, int scope, long long id,
                                        const char *fields, enum store_borrower_conflict *conflict,
                                        long long *existing_id) STORE_MUST_CHECK;

/*
 * One borrower as JSON text into *json: the borrower object with "open_loans"
 * [{"id", "item": {"code", "name"}, "checked_out_at", "due_date", "renewals", "overdue_days"}]
 * (soonest due first) and "history" [{"id", "item", "checked_out_at", "due_date",
 * "returned_at", "lost", "overdue_days"}] (the last 100 closed loans, newest first; lost: closed
 * as lost, returned_at then says when).
 */
enum store_status store_borrower_get(long long id, int scope, char **json) STORE_MUST_CHECK;

/*
 * Everything stored about a borrower in scope, as JSON text into *json (the caller frees it):
 * the document of borrower_export() in migrations/0012_admin.sql, {"borrower", "branch",
 * "loans", "item_status_changes", "record_events", and a list per other table that refers to
 * borrowers ("checkouts", ...)}. The copy is audit-logged ("borrower_exported", by staff_id, ids
 * only) in the same transaction. STORE_NOT_FOUND when there is no such borrower in scope.
 */
enum store_status store_borrower_export(long long staff_id, int scope, long long id,
                                        char **json) STORE_MUST_CHECK;

/* What a borrower's card shows: its code and the borrower's branch. Strings are owned. */
struct store_borrower_card {
    char *card;        /* NULL when the borrower has no card */
    char *branch_name; /* the borrower's branch */
    char label_format[16];
};

/* The card of a borrower in scope into *out (free with store_borrower_card_clear). */
enum store_status store_borrower_card(long long id, int scope,
                                      struct store_borrower_card *out) STORE_MUST_CHECK;
void store_borrower_card_clear(struct store_borrower_card *c);

/* What a borrower search looks for; each NULL field is left out. */
struct store_borrower_query {
    int scope;                /* 0: every branch */
    int branch_id;            /* 0: every branch in scope */
    const char *name_like;    /* an ILIKE pattern, already escaped, with its % signs */
    const char *phone;        /* an E.164 number to match exactly */
    const char *phone_digits; /* digits to find inside phone numbers */
    const char *card;         /* a card code to match exactly */
    int page, per_page;
};

/*
 * Borrowers matching any of the query's fields (all borrowers in scope when none is given), the
 * one whose card is the query's first (a scanned card picks its borrower even when its digits
 * are in many phone numbers), then by name, as JSON text {"borrowers": [borrower object + "open_loans_count"], "page", "per_page",
 * "has_more"}.
 */
enum store_status store_borrower_search(const struct store_borrower_query *q,
                                        char **json) STORE_MUST_CHECK;

/*
 * Erase a borrower: delete the row (loans and checkouts keep their numbers and lose the link) and
 * clear the return notes of their loans, with the audit entry "borrower_erased" (details
 * {"via": via}). With older_than_months > 0 only a borrower whose last activity is older than
 * that is erased (the check is made again under the row lock). *open_loans is set and nothing
 * changes while the borrower has open loans. STORE_NOT_FOUND when there is no such borrower in
 * scope (or it is not old enough).
 */
enum store_status store_borrower_erase(long long staff_id, int scope, long long id,
                                       int older_than_months, const char *via,
                                       bool *open_loans) STORE_MUST_CHECK;

/*
 * The ids of borrowers without open loans whose last activity is older than months, oldest
 * first, into *ids (the caller frees it) and their number into *n.
 */
enum store_status store_borrower_stale(int months, long long **ids, size_t *n) STORE_MUST_CHECK;

#endif
