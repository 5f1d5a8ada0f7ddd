/*
 * loan_store: lending in PostgreSQL: checkout, return, renewal, undo, and the loan lists.
 *
 * The rule that matters most, that an item is never on two open loans, is kept by the database:
 * the partial unique index loans_one_open_per_item, and item status and loans changing in one
 * transaction. Writers take row locks in one order (borrower, then items by id, then loans) so
 * that concurrent checkouts queue instead of deadlocking; a unique violation that still gets
 * through is a refusal, never an error. Every write transaction first names the acting staff
 * member (store_actor_set in actor_store.h) for the triggers that record history.
 */
#ifndef HYLLA_STORE_LOAN_STORE_H
#define HYLLA_STORE_LOAN_STORE_H

#include "core/duedate.h"
#include "core/item.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * A branch's lending rules with today's date in Stockholm, and the due date they give: the first
 * day the branch is open on or after the day a loan made or renewed now would fall due, as the
 * branch calendar (migrations/0008_calendar.sql) resolves it, seasons and closed periods included.
 */
struct store_loan_rules {
    int branch_id;
    int loan_days, max_renewals;
    char today[DUEDATE_ISO_SIZE];
    char due_date[DUEDATE_ISO_SIZE]; /* "" when the branch has no open day within two years */
};

/* Today's date in Stockholm, YYYY-MM-DD, as the database sees it. */
enum store_status store_loan_today(char today[DUEDATE_ISO_SIZE]) STORE_MUST_CHECK;

/*
 * The rules of the branch of a borrower in scope (the staff member's branch id, 0 for every
 * branch), for a checkout due on `requested` (YYYY-MM-DD), or after the loan period when it is
 * NULL. STORE_NOT_FOUND when there is no such borrower in scope.
 */
enum store_status store_loan_rules_for_borrower(long long borrower_id, int scope,
                                                const char *requested,
                                                struct store_loan_rules *rules) STORE_MUST_CHECK;

/* A loan as the answers of a return, a renewal or an undo name it: its id and its item. */
struct store_loan_ref {
    long long id;
    char code[ITEM_CODE_MAX + 1];
    char *name; /* the item's name, owned */
};

/* Why an item cannot be lent. */
enum store_checkout_problem {
    STORE_CHECKOUT_ITEM_OK,
    STORE_CHECKOUT_ITEM_UNKNOWN,       /* no item has this code */
    STORE_CHECKOUT_ITEM_OTHER_BRANCH,  /* the item belongs to another branch than the borrower */
    STORE_CHECKOUT_ITEM_ON_LOAN,       /* the item is lent already */
    STORE_CHECKOUT_ITEM_NOT_AVAILABLE, /* intake, repair or retired */
    STORE_CHECKOUT_ITEM_NEEDS_CONSENT, /* the category's age rule asks for the guardian's consent */
};

enum store_checkout_outcome {
    STORE_CHECKOUT_DONE,
    STORE_CHECKOUT_REPLAYED,   /* the same key and request came before: the first answer */
    STORE_CHECKOUT_KEY_REUSED, /* the same key came before with another request */
    STORE_CHECKOUT_REFUSED,    /* see problems, blocked, over_limit; nothing was written */
    STORE_CHECKOUT_NO_BORROWER,
    STORE_CHECKOUT_CONFLICT,     /* the unique index caught an item lent twice; nothing written */
    STORE_CHECKOUT_DUE_IN_PAST,  /* the requested due date is before today */
    STORE_CHECKOUT_DUE_TOO_LATE, /* the requested due date is more than a year ahead */
    STORE_CHECKOUT_NEVER_OPEN,   /* the branch is open on no day within two years */
};

struct store_checkout {
    /* What to do. codes are item codes in upper case, without repeats. */
    long long staff_id;
    long long borrower_id;
    int scope;
    const char *const *codes;
    size_t ncodes;
    const char *requested;       /* the due date asked for (YYYY-MM-DD), or NULL: the period */
    const char *due_date;        /* or, when not NULL, the due date already on an open day */
    const char *idempotency_key; /* NULL: none */
    const char *request;         /* canonical text of the request, hashed with the key */

    /*
     * What happened. problems (and consent_ages, unless NULL) have ncodes entries, allocated by
     * the caller; consent_ages holds the age under which an item needs the guardian's consent
     * (NEEDS_CONSENT).
     */
    enum store_checkout_outcome outcome;
    enum store_checkout_problem *problems;
    int *consent_ages;
    bool blocked;
    bool over_limit;
    int open_loans, item_limit; /* when over_limit */
    char *response;             /* DONE, REPLAYED: the answer as JSON text, owned */
};

/*
 * Lend the items to the borrower in one transaction, all or nothing, in one statement (the SQL
 * function loan_checkout, migration 0017): lock the borrower, read the rules of their branch and
 * the due date (the calendar's first open day on or after the requested date or the loan
 * period), answer a known idempotency key from the stored answer, lock the items by id, check
 * each (an item whose category has an age rule, its own or an ancestor's in the view
 * category_rules, needs the guardian's consent from a borrower younger than that: their age the
 * year they turn it this year; a child without a birth year counts as younger) and the branch's
 * item limit, then write the
 * checkout, its loans (with the item's category and borrower_ref), the items' status on_loan,
 * the borrower's last activity, the stored answer
 *   {"checkout_id", "due_date", "loans": [{"id", "item": {"code", "name"}, "due_date"}]}
 * (loans in the order of codes; "undo_until", the moment after which the checkout can no longer
 * be undone, STORE_LOAN_UNDO_MINUTES after it) and the audit entry "checkout". The outcome says what happened;
 * the status is STORE_OK for DONE and REPLAYED, and < 0 only when the database failed.
 */
enum store_status store_loan_checkout(struct store_checkout *c) STORE_MUST_CHECK;

/*
 * store_loan_checkout of n checkouts at once, each its own transaction as alone, sent together
 * (store_call_pipelined): st[i] is what store_loan_checkout(cs[i]) would return, or
 * STORE_SOFT_ERROR when it did nothing (it would have waited for a lock, say): then run it
 * alone.
 */
void store_loan_checkout_many(struct store_checkout *const *cs, size_t n, enum store_status *st);

enum store_return_outcome {
    STORE_RETURN_DONE,
    STORE_RETURN_FOUND, /* the item was lost and is back; its last loan (if any) stays lost */
    STORE_RETURN_UNKNOWN_ITEM,
    STORE_RETURN_NOT_ON_LOAN,
    STORE_RETURN_OTHER_BRANCH,    /* lent by a branch outside the scope */
    STORE_RETURN_BEFORE_CHECKOUT, /* returned_on is before the day it was lent */
};

struct store_return {
    long long staff_id;
    int scope;
    const char *code;        /* upper case */
    bool repair;             /* the item goes to repair instead of back on the shelf */
    const char *note;        /* kept as the loan's return note, or NULL */
    const char *returned_on; /* YYYY-MM-DD for a late-registered return, or NULL for now */

    enum store_return_outcome outcome;
    /* DONE, FOUND: what was returned (free with store_return_clear); FOUND: loan.id is its last
     * loan, 0 when it was never lent, and due_date and overdue_days are that loan's as of now. */
    struct store_loan_ref loan;
    long long borrower_id; /* 0 once the borrower is erased */
    char *borrower_name;   /* owned; NULL once the borrower is erased */
    char due_date[DUEDATE_ISO_SIZE];
    int overdue_days;
    char item_status[16]; /* what the item is now: available or repair */
};

/*
 * Return one item in its own transaction, in one statement (loan_return, migration 0017): close
 * its open loan (returned_at now, or the start of returned_on but never before the checkout), set
 * the item available (or repair), keep the note (on the loan, and with a change to repair in the
 * item's status history too), update the borrower's last activity, and write the audit entry
 * "loan_returned". A lost item that comes back is found: it becomes available (or repair) with
 * the audit entry "item_found", and its loan closed as lost stays so (STORE_RETURN_FOUND).
 */
enum store_status store_loan_return(struct store_return *r) STORE_MUST_CHECK;

/* store_loan_return of n items at once, as store_loan_checkout_many does checkouts. */
void store_loan_return_many(struct store_return *const *rs, size_t n, enum store_status *st);
void store_return_clear(struct store_return *r);

/*
 * A loan as a renewal needs it, with the rules of its branch: their due_date is one loan period
 * after the loan's due date, or after today for a loan that is overdue, on an open day.
 */
struct store_loan_renewal {
    int renewals;
    char due_date[DUEDATE_ISO_SIZE];
    bool returned;
    bool blocked; /* the borrower is blocked */
    struct store_loan_rules rules;
};

/* Read a loan in scope for a renewal. STORE_NOT_FOUND when there is none. */
enum store_status store_loan_for_renewal(long long loan_id, int scope,
                                         struct store_loan_renewal *out) STORE_MUST_CHECK;

/* A renewed loan: its new due date and how many renewals it has had. */
struct store_renewed {
    struct store_loan_ref loan;
    char due_date[DUEDATE_ISO_SIZE];
    int renewals;
};

/*
 * Renew a loan to new_due if it is still open and still has `renewals` renewals (so that two
 * renewals at once count twice or not at all), with the audit entry "loan_renewed"; the loan
 * afterwards into *out (free with store_renewed_clear). STORE_NOT_FOUND when the loan changed.
 */
enum store_status store_loan_renew(long long staff_id, long long loan_id, int renewals,
                                   const char *new_due, struct store_renewed *out) STORE_MUST_CHECK;
void store_renewed_clear(struct store_renewed *r);

/* How long after a checkout its maker may still undo it. */
#define STORE_LOAN_UNDO_MINUTES 15

enum store_undo_outcome {
    STORE_UNDO_DONE,
    STORE_UNDO_NOT_FOUND,
    STORE_UNDO_NOT_YOURS, /* another staff member made the checkout */
    STORE_UNDO_TOO_LATE,  /* more than STORE_LOAN_UNDO_MINUTES ago */
    STORE_UNDO_CHANGED,   /* a loan was returned or renewed since */
};

struct store_undo {
    long long staff_id;
    int scope;
    long long checkout_id; /* undo every loan of this checkout, or */
    long long loan_id;     /* just this loan */

    enum store_undo_outcome outcome;
    /* DONE: the checkout of the loans, and the loans undone by id (free with store_undo_clear). */
    long long undone_checkout_id;
    struct store_loan_ref *undone;
    size_t nundone;
};

/*
 * Undo loans as if they had never been made: delete them, put their items back to available,
 * drop them from the checkout's stored answer (and the checkout itself when nothing is left),
 * and write the audit entry "checkout_undone", the only trace.
 */
enum store_status store_loan_undo(struct store_undo *u) STORE_MUST_CHECK;
void store_undo_clear(struct store_undo *u);

/* Which loans a list shows. */
enum store_loan_status {
    STORE_LOANS_ALL,
    STORE_LOANS_OPEN,
    STORE_LOANS_OVERDUE,
    STORE_LOANS_RETURNED, /* closed by a return (not lost) */
    STORE_LOANS_LOST,     /* closed as lost */
};

struct store_loan_query {
    int scope;             /* 0: every branch */
    int branch_id;         /* 0: every branch in scope */
    long long borrower_id; /* 0: every borrower */
    const char *item_code; /* the loans of this item, whatever their status; NULL: any */
    enum store_loan_status status;
    int page, per_page;
};

/*
 * A page of loans as JSON text {"loans": [...], "page", "per_page", "has_more"}, each loan
 * {"id", "checkout_id", "branch", "item": {"code", "name"}, "borrower": {"id", "name", "phone",
 * "guardian": {"id", "name", "phone"} or null} or null, "checked_out_at", "checked_out_by",
 * "due_date", "renewals", "returned_at", "lost", "overdue_days"}. The phones are there for the
 * desk's list of overdue loans (staff only): about a child's loans the desk calls the guardian.
 * Open and overdue loans come soonest due first, returned and lost ones latest closed first, all
 * of them (and an item's) latest lent first.
 */
enum store_status store_loan_list(const struct store_loan_query *q, char **json) STORE_MUST_CHECK;

#endif
