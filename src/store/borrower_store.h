/*
 * borrower_store: borrowers in PostgreSQL: registering, changing, finding, and erasing them.
 * Personal data lives in the borrowers table only; erasing a borrower deletes that row (loans
 * keep borrower_ref and lose borrower_id) and clears the return notes of their loans, so no copy
 * of a name or a phone number is left anywhere while every count stays the same.
 *
 * A child is a borrower with a guardian: another borrower of the same branch who is not a child
 * (guardian_id). A child needs no phone of their own; phone numbers are unique among the adults
 * of a branch. Whom to contact about a borrower (a child's guardian) is the SQL view
 * borrower_contact (migrations/0015_families.sql), which the outbox's message_contact reads.
 *
 * Reads answer with JSON text built by PostgreSQL (the caller frees it): the borrower object is
 *   {"id", "branch" (slug), "name", "phone" (E.164 or null for a child), "email", "card",
 *    "birth_year", "gender", "guardian_id", "guardian": {"id", "name", "phone"} or null,
 *    "guardian_consent", "accepted_terms_at", "blocked", "blocked_reason", "notes",
 *    "created_at", "last_activity_at", "language" ("sv" or "en": of the messages hylla sends
 *    them), "messages_opt_out" (true: send them none)}
 * Every call takes a scope: the branch id the asking staff member is bound to, or 0 for the whole
 * network; a borrower outside the scope is answered as if it did not exist (STORE_NOT_FOUND).
 */
#ifndef HYLLA_STORE_BORROWER_STORE_H
#define HYLLA_STORE_BORROWER_STORE_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/* Which rule a new or changed borrower broke (nothing is written then). */
enum store_borrower_conflict {
    STORE_BORROWER_NO_CONFLICT,
    STORE_BORROWER_PHONE_TAKEN,         /* another adult of the branch has this phone number */
    STORE_BORROWER_CARD_TAKEN,          /* the branch has a borrower with this card code */
    STORE_BORROWER_GUARDIAN_UNKNOWN,    /* guardian_id names no other borrower of the branch */
    STORE_BORROWER_GUARDIAN_IS_CHILD,   /* the guardian has a guardian themselves */
    STORE_BORROWER_HAS_CHILDREN,        /* a guardian cannot become a child */
    STORE_BORROWER_PHONE_REQUIRED,      /* an adult needs a phone number */
    STORE_BORROWER_BIRTH_YEAR_REQUIRED, /* a child needs a birth year */
};

/*
 * Register a borrower of a branch from fields, a JSON object as text with the normalised values
 * of "name" and optionally "phone", "email", "card", "birth_year", "gender", "guardian_id",
 * "guardian_consent", "notes", "accepted_terms" (true sets the timestamp to now), "language",
 * "messages_opt_out"; the caller has
 * checked that an adult has a phone and a child a birth year. A child belongs to the guardian's
 * branch: branch_id 0 takes it from the guardian, another branch than the guardian's is
 * STORE_BORROWER_GUARDIAN_UNKNOWN, as is a guardian outside scope. On success *id is the new
 * borrower's id; when a rule is broken, *conflict says which, *existing_id names the borrower
 * that has a taken phone or card, and nothing is written. Writes the audit entry
 * "borrower_created" (ids only).
 */
enum store_status store_borrower_create(long long staff_id, int scope, int branch_id,
                                        const char *fields, long long *id,
                                        enum store_borrower_conflict *conflict,
                                        long long *existing_id) STORE_MUST_CHECK;

/*
 * Change the fields present in fields (same keys as for create, plus "blocked" and
 * "blocked_reason"; null clears an optional field, and a null guardian_id makes a child an
 * adult). Unblocking clears the reason. The borrower as changed must keep the rules: an adult
 * has a phone, a child whose guardian or birth year is being set has a birth year, a guardian
 * stays an adult while they have children. Writes the audit entry "borrower_blocked",
 * "borrower_unblocked" or "borrower_changed" with the names of the changed fields, never their
 * values. STORE_NOT_FOUND when there is no such borrower in scope; conflicts as for create.
 */
enum store_status store_borrower_update(long long staff_id, int scope, long long id,
                                        const char *fields, enum store_borrower_conflict *conflict,
                                        long long *existing_id) STORE_MUST_CHECK;

/*
 * One borrower as JSON text into *json: the borrower object with "open_loans"
 * [{"id", "item": {"code", "name"}, "checked_out_at", "due_date", "renewals", "overdue_days"}]
 * (soonest due first), "history" [{"id", "item", "checked_out_at", "due_date",
 * "returned_at", "lost", "overdue_days"}] (the last 100 closed loans, newest first; lost: closed
 * as lost, returned_at then says when) and "children" [{"id", "name", "birth_year", "gender",
 * "guardian_consent", "blocked", "open_loans"}] (by name; empty for a child).
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
    /*
     * Telling people apart: words of four digits, each a birth year or the last four digits of
     * the phone (the guardian's for a child), as an array literal {"2015","4567"}, and the
     * ILIKE pattern of the other words (NULL when there are none). Found together.
     */
    const char *numbers;
    const char *words_like;
    int page, per_page;
};

/*
 * Borrowers matching any of the query's fields (all borrowers in scope when none is given), the
 * one whose card is the query's first (a scanned card picks its borrower even when its digits
 * are in many phone numbers), then by name, as JSON text {"borrowers": [borrower object +
 * "open_loans_count"], "page", "per_page", "has_more"}. A phone number or its digits find the
 * children of its adult too.
 */
enum store_status store_borrower_search(const struct store_borrower_query *q,
                                        char **json) STORE_MUST_CHECK;

/* Why a borrower cannot be erased. */
enum store_erase_refusal {
    STORE_ERASE_ALLOWED,
    STORE_ERASE_OPEN_LOANS,   /* items are on loan to them */
    STORE_ERASE_HAS_CHILDREN, /* children are linked to them: erase or move those first */
};

/*
 * Erase a borrower: delete the row (loans and checkouts keep their numbers and lose the link) and
 * clear the return notes of their loans, with the audit entry "borrower_erased" (details
 * {"via": via}). With older_than_months > 0 only a borrower whose last activity is older than
 * that is erased (the check is made again under the row lock). *refusal is set and nothing
 * changes while the borrower has open loans or children. STORE_NOT_FOUND when there is no such
 * borrower in scope (or it is not old enough, or refused).
 */
enum store_status store_borrower_erase(long long staff_id, int scope, long long id,
                                       int older_than_months, const char *via,
                                       enum store_erase_refusal *refusal) STORE_MUST_CHECK;

/*
 * The ids of borrowers without open loans whose last activity is older than months, and who
 * have no children that are not such borrowers too, children before guardians and then oldest
 * first, into *ids (the caller frees it) and their number into *n: erased in this order, a whole
 * household goes at once.
 */
enum store_status store_borrower_stale(int months, long long **ids, size_t *n) STORE_MUST_CHECK;

#endif
