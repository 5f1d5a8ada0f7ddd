/* loan_store: checkout, return, renewal, undo and loan lists (see loan_store.h). */
#include "loan_store.h"

#include "core/buf.h"
#include "store/actor_store.h"
#include "store/audit_store.h"
#include "store/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum store_status store_loan_today(char today[DUEDATE_ISO_SIZE])
{
    static struct store_stmt now = STORE_STMT("SELECT current_date::text");
    PGresult *res;
    enum store_status st = store_exec(&now, 0, NULL, &res);
    if (st == STORE_OK)
        store_get_copy(res, 0, 0, today, DUEDATE_ISO_SIZE);
    PQclear(res);
    return st;
}

/*
 * The columns every rules query ends with (RULES_*, from a column col on), over the branch br
 * and unresolved.due, the day a loan would fall due by the loan period alone: the calendar moves
 * it to the first day the branch is open.
 */
#define RULES_COLUMNS                                                                              \
    "br.id, br.loan_days, br.max_renewals, current_date::text,"                                    \
    " calendar_open_day(br.opening_hours, br.seasons, br.closed_periods, unresolved.due)::text"
enum {
    RULES_BRANCH,
    RULES_LOAN_DAYS,
    RULES_MAX_RENEWALS,
    RULES_TODAY,
    RULES_DUE_DATE,
};

static void read_rules(const PGresult *res, int col, struct store_loan_rules *r)
{
    r->branch_id = (int)store_get_ll(res, 0, col + RULES_BRANCH);
    r->loan_days = (int)store_get_ll(res, 0, col + RULES_LOAN_DAYS);
    r->max_renewals = (int)store_get_ll(res, 0, col + RULES_MAX_RENEWALS);
    store_get_copy(res, 0, col + RULES_TODAY, r->today, sizeof r->today);
    store_get_copy(res, 0, col + RULES_DUE_DATE, r->due_date, sizeof r->due_date);
}

enum store_status store_loan_rules_for_borrower(long long borrower_id, int scope,
                                                const char *requested,
                                                struct store_loan_rules *rules)
{
    static struct store_stmt find = STORE_STMT(
        "SELECT " RULES_COLUMNS " FROM borrowers b JOIN branches br ON br.id = b.branch_id,"
        "      LATERAL (SELECT coalesce($3::date, current_date + br.loan_days) AS due)"
        "        unresolved"
        " WHERE b.id = $1 AND ($2::int = 0 OR b.branch_id = $2)");
    *rules = (struct store_loan_rules){ 0 };
    STORE_NUM(id, borrower_id);
    STORE_NUM(sc, scope);
    PGresult *res;
    enum store_status st = store_exec(&find, 3, (const char *[]){ id, sc, requested }, &res);
    if (st == STORE_OK)
        read_rules(res, 0, rules);
    PQclear(res);
    return st;
}

/* ---- checkout ---- */

struct checkout_run {
    struct store_checkout *c;
    char *codes; /* the codes as an array literal */
};

/* Look for an earlier checkout with the same key; *found (and the outcome) when there is one. */
static enum store_status replay(struct store_checkout *c, bool *found)
{
    enum { PREVIOUS_SAME_REQUEST, PREVIOUS_RESPONSE };
    static struct store_stmt previous =
        STORE_STMT("SELECT request_hash = sha256(convert_to($3::text, 'UTF8')), response::text"
                   "  FROM checkouts WHERE staff_id = $1 AND idempotency_key = $2");
    STORE_NUM(staff, c->staff_id);
    PGresult *res;
    *found = false;
    enum store_status st =
        store_exec(&previous, 3, (const char *[]){ staff, c->idempotency_key, c->request }, &res);
    if (st == STORE_OK) {
        *found = true;
        if (store_get_bool(res, 0, PREVIOUS_SAME_REQUEST)) {
            c->outcome = STORE_CHECKOUT_REPLAYED;
            c->response = store_get_json(res, 0, PREVIOUS_RESPONSE);
        } else {
            c->outcome = STORE_CHECKOUT_KEY_REUSED;
        }
    }
    PQclear(res);
    return st < 0 ? st : STORE_OK;
}

/*
 * Lock the items by id and record what is wrong with each; *all_ok when every item can go. age is
 * the borrower's age this year (-1: unknown), consent whether an age rule can stop them at all.
 */
static enum store_status check_items(struct checkout_run *run, int branch_id, int age, bool consent,
                                     long long *ids, bool *all_ok)
{
    enum { ITEM_ID, ITEM_CODE, ITEM_BRANCH, ITEM_STATUS, ITEM_CONSENT_AGE };
    /* The rule is read only for borrowers it can stop, so adults lend as fast as ever. */
    static struct store_stmt lock =
        STORE_STMT("SELECT i.id, i.code, i.branch_id, i.status,"
                   "       CASE WHEN $2::boolean THEN (SELECT r.consent_age FROM category_rules r"
                   "                                    WHERE r.category_id = i.category_id) END"
                   "  FROM items i WHERE i.code = ANY($1::text[]) ORDER BY i.id"
                   "   FOR UPDATE OF i");
    struct store_checkout *c = run->c;
    PGresult *res;
    enum store_status st =
        store_exec(&lock, 2, (const char *[]){ run->codes, consent ? "true" : "false" }, &res);
    if (st < 0)
        return st;
    for (size_t j = 0; j < c->ncodes; j++) {
        c->problems[j] = STORE_CHECKOUT_ITEM_UNKNOWN;
        if (c->consent_ages)
            c->consent_ages[j] = 0;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        const char *code = store_get(res, i, ITEM_CODE), *status = store_get(res, i, ITEM_STATUS);
        int consent_age = (int)store_get_ll(res, i, ITEM_CONSENT_AGE);
        for (size_t j = 0; j < c->ncodes; j++) {
            if (strcmp(c->codes[j], code) != 0)
                continue;
            ids[j] = store_get_ll(res, i, ITEM_ID);
            if (store_get_ll(res, i, ITEM_BRANCH) != branch_id)
                c->problems[j] = STORE_CHECKOUT_ITEM_OTHER_BRANCH;
            else if (strcmp(status, "on_loan") == 0)
                c->problems[j] = STORE_CHECKOUT_ITEM_ON_LOAN;
            else if (strcmp(status, "available") != 0)
                c->problems[j] = STORE_CHECKOUT_ITEM_NOT_AVAILABLE;
            else if (consent_age > 0 && age < consent_age)
                c->problems[j] = STORE_CHECKOUT_ITEM_NEEDS_CONSENT;
            else
                c->problems[j] = STORE_CHECKOUT_ITEM_OK;
            if (c->problems[j] == STORE_CHECKOUT_ITEM_NEEDS_CONSENT && c->consent_ages)
                c->consent_ages[j] = consent_age;
        }
    }
    PQclear(res);
    *all_ok = true;
    for (size_t j = 0; j < c->ncodes; j++)
        *all_ok = *all_ok && c->problems[j] == STORE_CHECKOUT_ITEM_OK;
    return STORE_OK;
}

/* Whether the borrower may have ncodes more items: the branch's limit counts open loans. */
static enum store_status check_limit(struct store_checkout *c, int branch_id)
{
    enum { LIMIT_OPEN_LOANS, LIMIT_ITEM_LIMIT };
    static struct store_stmt count =
        STORE_STMT("SELECT count(*), (SELECT item_limit FROM branches WHERE id = $2)"
                   "  FROM loans WHERE borrower_id = $1 AND returned_at IS NULL");
    STORE_NUM(borrower, c->borrower_id);
    STORE_NUM(branch, branch_id);
    PGresult *res;
    enum store_status st = store_exec(&count, 2, (const char *[]){ borrower, branch }, &res);
    if (st == STORE_OK) {
        c->open_loans = (int)store_get_ll(res, 0, LIMIT_OPEN_LOANS);
        c->item_limit = (int)store_get_ll(res, 0, LIMIT_ITEM_LIMIT);
        c->over_limit = (size_t)c->open_loans + c->ncodes > (size_t)c->item_limit;
    }
    PQclear(res);
    return st < 0 ? st : STORE_OK;
}

/* Write the checkout, its loans and the items' status; the answer goes to c->response. */
static enum store_status lend(struct checkout_run *run, int branch_id, const long long *ids)
{
    static struct store_stmt insert = STORE_STMT(
        "INSERT INTO checkouts (branch_id, borrower_id, staff_id, idempotency_key, request_hash)"
        " VALUES ($1, $2, $3, $4::text,"
        "         CASE WHEN $4::text IS NOT NULL THEN sha256(convert_to($5::text, 'UTF8')) END)"
        "     ON CONFLICT (staff_id, idempotency_key) DO NOTHING"
        " RETURNING id");
    /* Loans and item status in one statement: they cannot disagree. */
    static struct store_stmt loans =
        STORE_STMT("WITH lent AS ("
                   "  INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id,"
                   "                     borrower_ref, checked_out_by, due_date)"
                   "  SELECT $1, i.id, i.branch_id, i.category_id, $2, $2, $3, $4::date"
                   "    FROM items i WHERE i.id = ANY($5::bigint[]) ORDER BY i.id"
                   "  RETURNING item_id)"
                   " UPDATE items SET status = 'on_loan', updated_at = now()"
                   "  WHERE id IN (SELECT item_id FROM lent)");
    static struct store_stmt activity =
        STORE_STMT("UPDATE borrowers SET last_activity_at = now() WHERE id = $1");
    enum { ANSWER_RESPONSE, ANSWER_AUDIT };
    static struct store_stmt answer = STORE_STMT(
        "UPDATE checkouts c SET response = jsonb_build_object("
        "    'checkout_id', c.id, 'due_date', $2::date,"
        "    'undo_until', c.created_at + make_interval(mins => $5::int),"
        "    'loans', (SELECT jsonb_agg(jsonb_build_object("
        "                 'id', l.id, 'item', jsonb_build_object('code', i.code, 'name', i.name),"
        "                 'due_date', l.due_date) ORDER BY u.ord)"
        "                FROM loans l JOIN items i ON i.id = l.item_id"
        "                JOIN unnest($3::text[]) WITH ORDINALITY AS u(code, ord)"
        "                  ON u.code = i.code"
        "               WHERE l.checkout_id = c.id))"
        "  WHERE c.id = $1"
        " RETURNING c.response::text,"
        "   json_build_object('borrower_id', $4::bigint,"
        "     'loans', (SELECT json_agg(json_build_object('id', l.id, 'item_id', l.item_id)"
        "                               ORDER BY l.id)"
        "                 FROM loans l WHERE l.checkout_id = c.id))::text");
    struct store_checkout *c = run->c;
    PGresult *res = NULL;
    char *id_list = NULL;
    STORE_NUM(branch, branch_id);
    STORE_NUM(borrower, c->borrower_id);
    STORE_NUM(staff, c->staff_id);
    enum store_status st = store_exec(
        &insert, 5, (const char *[]){ branch, borrower, staff, c->idempotency_key, c->request },
        &res);
    if (st == STORE_NOT_FOUND) {
        /* The same key committed while we waited: answer as the retry it is. */
        bool found;
        st = replay(c, &found);
        if (st == STORE_OK && !found)
            st = STORE_SOFT_ERROR;
        goto out;
    }
    if (st < 0)
        goto out;
    long long checkout_id = store_get_ll(res, 0, 0);
    STORE_NUM(checkout, checkout_id);
    PQclear(res);
    res = NULL;

    id_list = store_id_array(ids, c->ncodes);
    st = store_run(&loans, 5, (const char *[]){ checkout, borrower, staff, c->due_date, id_list });
    if (st < 0) {
        if (store_error_is_unique_violation() &&
            strcmp(store_error_constraint(), "loans_one_open_per_item") == 0) {
            c->outcome = STORE_CHECKOUT_CONFLICT;
            st = STORE_NOT_FOUND;
        }
        goto out;
    }
    if ((st = store_run(&activity, 1, (const char *[]){ borrower })) < 0)
        goto out;
    STORE_NUM(undo_minutes, STORE_LOAN_UNDO_MINUTES);
    st = store_exec(&answer, 5,
                    (const char *[]){ checkout, c->due_date, run->codes, borrower, undo_minutes },
                    &res);
    if (st != STORE_OK)
        goto out;
    c->response = store_get_json(res, 0, ANSWER_RESPONSE);
    st = store_audit(c->staff_id, "checkout", "checkout", checkout_id, branch_id,
                     store_get(res, 0, ANSWER_AUDIT));
    if (st == STORE_OK)
        c->outcome = STORE_CHECKOUT_DONE;
out:
    free(id_list);
    PQclear(res);
    return st;
}

static enum store_status checkout_tx(void *p)
{
    enum { BORROWER_BRANCH, BORROWER_BLOCKED, BORROWER_AGE, BORROWER_CONSENT_MATTERS };
    /*
     * Age rules stop only those without the guardian's consent whose age is known to be under
     * the highest possible rule, or unknown for a child.
     */
    static struct store_stmt lock_borrower = STORE_STMT(
        "SELECT branch_id, blocked, coalesce(borrower_age(birth_year, current_date), -1),"
        "       NOT guardian_consent AND (borrower_age(birth_year, current_date) < 25"
        "                                 OR (birth_year IS NULL AND guardian_id IS NOT NULL))"
        "  FROM borrowers"
        " WHERE id = $1 AND ($2::int = 0 OR branch_id = $2) FOR UPDATE");
    struct checkout_run *run = p;
    struct store_checkout *c = run->c;
    long long *ids = NULL;
    PGresult *res = NULL;

    /* A retried transaction starts from nothing. */
    free(c->response);
    c->response = NULL;
    c->outcome = STORE_CHECKOUT_REFUSED;
    c->blocked = c->over_limit = false;
    c->open_loans = c->item_limit = 0;

    enum store_status st = store_actor_set(c->staff_id);
    if (st < 0)
        goto out;
    /* The borrower's lock queues checkouts for the same borrower (and the same key). */
    STORE_NUM(borrower, c->borrower_id);
    STORE_NUM(scope, c->scope);
    st = store_exec(&lock_borrower, 2, (const char *[]){ borrower, scope }, &res);
    if (st == STORE_NOT_FOUND)
        c->outcome = STORE_CHECKOUT_NO_BORROWER;
    if (st != STORE_OK)
        goto out;
    int branch_id = (int)store_get_ll(res, 0, BORROWER_BRANCH);
    c->blocked = store_get_bool(res, 0, BORROWER_BLOCKED);
    int age = (int)store_get_ll(res, 0, BORROWER_AGE);
    bool consent_matters = store_get_bool(res, 0, BORROWER_CONSENT_MATTERS);

    if (c->idempotency_key) {
        bool found;
        st = replay(c, &found);
        if (st < 0 || found)
            goto out;
    }

    ids = xcalloc(c->ncodes, sizeof *ids);
    bool all_ok;
    if ((st = check_items(run, branch_id, age, consent_matters, ids, &all_ok)) < 0 ||
        (st = check_limit(c, branch_id)) < 0)
        goto out;
    if (!all_ok || c->blocked || c->over_limit) {
        st = STORE_NOT_FOUND; /* refused: roll back, nothing written */
        goto out;
    }
    st = lend(run, branch_id, ids);
out:
    PQclear(res);
    free(ids);
    return st;
}

enum store_status store_loan_checkout(struct store_checkout *c)
{
    struct checkout_run run = { .c = c, .codes = store_text_array(c->codes, c->ncodes) };
    c->response = NULL;
    enum store_status st = store_tx(STORE_READ_COMMITTED, checkout_tx, &run);
    free(run.codes);
    if (st < 0) {
        free(c->response);
        c->response = NULL;
    }
    return st;
}

/* ---- return ---- */

void store_return_clear(struct store_return *r)
{
    free(r->loan.name);
    free(r->borrower_name);
    r->loan.name = r->borrower_name = NULL;
}

/* The columns a return's statement and a found item's answer with, in this order. */
enum {
    RETURNED_LOAN,
    RETURNED_CODE,
    RETURNED_NAME,
    RETURNED_BORROWER,
    RETURNED_BORROWER_NAME,
    RETURNED_DUE_DATE,
    RETURNED_OVERDUE_DAYS,
    RETURNED_ITEM_STATUS,
    RETURNED_AUDIT,
    RETURNED_ITEM, /* found items only */
};

/* What came back, from the RETURNED_* columns of row 0, into r. */
static void read_returned(const PGresult *res, struct store_return *r)
{
    r->loan.id = store_get_ll(res, 0, RETURNED_LOAN);
    store_get_copy(res, 0, RETURNED_CODE, r->loan.code, sizeof r->loan.code);
    r->loan.name = store_get_dup(res, 0, RETURNED_NAME);
    r->borrower_id = store_get_ll(res, 0, RETURNED_BORROWER);
    r->borrower_name = store_get_dup(res, 0, RETURNED_BORROWER_NAME);
    store_get_copy(res, 0, RETURNED_DUE_DATE, r->due_date, sizeof r->due_date);
    r->overdue_days = (int)store_get_ll(res, 0, RETURNED_OVERDUE_DAYS);
    store_get_copy(res, 0, RETURNED_ITEM_STATUS, r->item_status, sizeof r->item_status);
}

/*
 * A lost item is back (return_tx): available again, or repair, with the audit entry
 * "item_found"; what its last loan says goes into r. Its scope is the item's branch.
 */
static enum store_status found(struct store_return *r, int item_branch)
{
    static struct store_stmt update = STORE_STMT(
        "WITH i AS ("
        "  UPDATE items SET status = CASE WHEN $2::boolean THEN 'repair' ELSE 'available' END,"
        "         updated_at = now()"
        "   WHERE code = $1 AND status = 'lost'"
        "  RETURNING id, code, name, status)"
        " SELECT l.id, i.code, i.name, b.id, b.name, l.due_date::text,"
        "        greatest(0, current_date - l.due_date), i.status,"
        "        json_build_object('loan_id', l.id, 'repair', $2::boolean)::text, i.id"
        "   FROM i LEFT JOIN LATERAL (SELECT * FROM loans WHERE item_id = i.id"
        "                              ORDER BY checked_out_at DESC, id DESC LIMIT 1) l ON true"
        "   LEFT JOIN borrowers b ON b.id = l.borrower_id");
    if (r->scope && item_branch != r->scope) {
        r->outcome = STORE_RETURN_OTHER_BRANCH;
        return STORE_NOT_FOUND;
    }
    PGresult *res;
    enum store_status st =
        store_exec(&update, 2, (const char *[]){ r->code, r->repair ? "true" : "false" }, &res);
    if (st == STORE_OK) {
        read_returned(res, r);
        st = store_audit(r->staff_id, "item_found", "item", store_get_ll(res, 0, RETURNED_ITEM),
                         item_branch, store_get(res, 0, RETURNED_AUDIT));
    }
    PQclear(res);
    if (st == STORE_OK)
        r->outcome = STORE_RETURN_FOUND;
    return st; /* STORE_NOT_FOUND: found by someone else meanwhile (outcome: not on loan) */
}

static enum store_status return_tx(void *p)
{
    enum { FIND_LOAN, FIND_BRANCH, FIND_BORROWER, FIND_TOO_EARLY, FIND_LOST, FIND_ITEM_BRANCH };
    static struct store_stmt find =
        STORE_STMT("SELECT l.id, l.branch_id, coalesce(l.borrower_id, 0),"
                   "       coalesce($2::date < l.checked_out_at::date, false),"
                   "       i.status = 'lost', i.branch_id"
                   "  FROM items i LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL"
                   " WHERE i.code = $1");
    static struct store_stmt activity = STORE_STMT(
        "UPDATE borrowers SET last_activity_at = greatest(last_activity_at, now()) WHERE id = $1");
    /* The item's status as it was (it.status) when the update of i changed nothing. */
    static struct store_stmt close = STORE_STMT(
        "WITH l AS ("
        "  UPDATE loans SET returned_at = CASE WHEN $3::date IS NULL THEN now()"
        "                   ELSE greatest(checked_out_at, $3::date::timestamptz) END,"
        "         returned_by = $2, return_note = $4"
        "   WHERE id = $1 AND returned_at IS NULL"
        "  RETURNING id, item_id, borrower_id, due_date, returned_at),"
        " i AS ("
        "  UPDATE items SET status = CASE WHEN $5::boolean THEN 'repair' ELSE 'available' END,"
        "         updated_at = now()"
        "   WHERE id = (SELECT item_id FROM l) AND status = 'on_loan'"
        "  RETURNING status)"
        " SELECT l.id, it.code, it.name, b.id, b.name, l.due_date::text,"
        "        greatest(0, l.returned_at::date - l.due_date),"
        "        coalesce((SELECT status FROM i), it.status),"
        "        json_build_object('item_id', l.item_id, 'repair', $5::boolean,"
        "          'backdated', $3::date IS NOT NULL,"
        "          'overdue_days', greatest(0, l.returned_at::date - l.due_date))::text"
        "   FROM l JOIN items it ON it.id = l.item_id LEFT JOIN borrowers b ON b.id = "
        "l.borrower_id");
    struct store_return *r = p;
    store_return_clear(r);
    r->outcome = STORE_RETURN_NOT_ON_LOAN;

    enum store_status st = store_actor_set(r->staff_id);
    if (st < 0)
        return st;
    PGresult *res;
    st = store_exec(&find, 2, (const char *[]){ r->code, r->returned_on }, &res);
    if (st < 0)
        return st;
    if (st == STORE_NOT_FOUND) {
        PQclear(res);
        r->outcome = STORE_RETURN_UNKNOWN_ITEM;
        return STORE_NOT_FOUND;
    }
    bool on_loan = store_get(res, 0, FIND_LOAN) != NULL;
    long long loan_id = store_get_ll(res, 0, FIND_LOAN);
    int branch_id = (int)store_get_ll(res, 0, FIND_BRANCH);
    long long borrower_id = store_get_ll(res, 0, FIND_BORROWER);
    bool too_early = store_get_bool(res, 0, FIND_TOO_EARLY);
    bool lost = store_get_bool(res, 0, FIND_LOST);
    int item_branch = (int)store_get_ll(res, 0, FIND_ITEM_BRANCH);
    PQclear(res);
    if (r->repair && (st = store_actor_note(r->note)) < 0)
        return st;
    if (!on_loan && lost)
        return found(r, item_branch);
    if (!on_loan)
        return STORE_NOT_FOUND; /* outcome: not on loan */
    if (r->scope && branch_id != r->scope) {
        r->outcome = STORE_RETURN_OTHER_BRANCH;
        return STORE_NOT_FOUND;
    }
    if (too_early) {
        r->outcome = STORE_RETURN_BEFORE_CHECKOUT;
        return STORE_NOT_FOUND;
    }

    /* The borrower first, as a checkout locks it first: the same order everywhere. */
    STORE_NUM(borrower, borrower_id);
    if (borrower_id != 0 && (st = store_run(&activity, 1, (const char *[]){ borrower })) < 0)
        return st;
    STORE_NUM(loan, loan_id);
    STORE_NUM(staff, r->staff_id);
    st = store_exec(
        &close, 5,
        (const char *[]){ loan, staff, r->returned_on, r->note, r->repair ? "true" : "false" },
        &res);
    if (st == STORE_OK) {
        read_returned(res, r);
        st = store_audit(r->staff_id, "loan_returned", "loan", loan_id, branch_id,
                         store_get(res, 0, RETURNED_AUDIT));
    }
    PQclear(res);
    if (st == STORE_OK)
        r->outcome = STORE_RETURN_DONE;
    return st; /* STORE_NOT_FOUND: returned by someone else meanwhile */
}

enum store_status store_loan_return(struct store_return *r)
{
    r->loan.name = r->borrower_name = NULL;
    enum store_status st = store_tx(STORE_READ_COMMITTED, return_tx, r);
    if (st != STORE_OK)
        store_return_clear(r);
    return st;
}

/* ---- renewal ---- */

enum store_status store_loan_for_renewal(long long loan_id, int scope,
                                         struct store_loan_renewal *out)
{
    enum { LOAN_RENEWALS, LOAN_DUE_DATE, LOAN_RETURNED, LOAN_BLOCKED, LOAN_RULES };
    static struct store_stmt find = STORE_STMT(
        "SELECT l.renewals, l.due_date::text, l.returned_at IS NOT NULL,"
        "       coalesce(b.blocked, false), " RULES_COLUMNS
        "  FROM loans l JOIN branches br ON br.id = l.branch_id"
        "  LEFT JOIN borrowers b ON b.id = l.borrower_id,"
        "       LATERAL (SELECT greatest(l.due_date, current_date) + br.loan_days AS due)"
        "         unresolved"
        " WHERE l.id = $1 AND ($2::int = 0 OR l.branch_id = $2)");
    *out = (struct store_loan_renewal){ 0 };
    STORE_NUM(id, loan_id);
    STORE_NUM(sc, scope);
    PGresult *res;
    enum store_status st = store_exec(&find, 2, (const char *[]){ id, sc }, &res);
    if (st == STORE_OK) {
        out->renewals = (int)store_get_ll(res, 0, LOAN_RENEWALS);
        store_get_copy(res, 0, LOAN_DUE_DATE, out->due_date, sizeof out->due_date);
        out->returned = store_get_bool(res, 0, LOAN_RETURNED);
        out->blocked = store_get_bool(res, 0, LOAN_BLOCKED);
        read_rules(res, LOAN_RULES, &out->rules);
    }
    PQclear(res);
    return st;
}

void store_renewed_clear(struct store_renewed *r)
{
    free(r->loan.name);
    r->loan.name = NULL;
}

struct renew_ctx {
    long long staff_id, loan_id;
    int renewals;
    const char *new_due;
    struct store_renewed *out;
};

static enum store_status renew_tx(void *p)
{
    enum {
        RENEWED_LOAN,
        RENEWED_CODE,
        RENEWED_NAME,
        RENEWED_DUE_DATE,
        RENEWED_RENEWALS,
        RENEWED_BRANCH,
        RENEWED_AUDIT,
    };
    static struct store_stmt renew =
        STORE_STMT("WITH l AS ("
                   "  UPDATE loans SET due_date = $3::date, renewals = renewals + 1"
                   "   WHERE id = $1 AND returned_at IS NULL AND renewals = $2"
                   "  RETURNING id, item_id, branch_id, due_date, renewals)"
                   " SELECT l.id, i.code, i.name, l.due_date::text, l.renewals, l.branch_id,"
                   "        json_build_object('item_id', l.item_id, 'due_date', l.due_date,"
                   "          'renewals', l.renewals)::text"
                   "   FROM l JOIN items i ON i.id = l.item_id");
    struct renew_ctx *c = p;
    store_renewed_clear(c->out);
    enum store_status st = store_actor_set(c->staff_id);
    if (st < 0)
        return st;
    STORE_NUM(loan, c->loan_id);
    STORE_NUM(renewals, c->renewals);
    PGresult *res;
    st = store_exec(&renew, 3, (const char *[]){ loan, renewals, c->new_due }, &res);
    if (st == STORE_OK) {
        struct store_renewed *out = c->out;
        out->loan.id = store_get_ll(res, 0, RENEWED_LOAN);
        store_get_copy(res, 0, RENEWED_CODE, out->loan.code, sizeof out->loan.code);
        out->loan.name = store_get_dup(res, 0, RENEWED_NAME);
        store_get_copy(res, 0, RENEWED_DUE_DATE, out->due_date, sizeof out->due_date);
        out->renewals = (int)store_get_ll(res, 0, RENEWED_RENEWALS);
        st = store_audit(c->staff_id, "loan_renewed", "loan", c->loan_id,
                         (int)store_get_ll(res, 0, RENEWED_BRANCH),
                         store_get(res, 0, RENEWED_AUDIT));
    }
    PQclear(res);
    return st;
}

enum store_status store_loan_renew(long long staff_id, long long loan_id, int renewals,
                                   const char *new_due, struct store_renewed *out)
{
    *out = (struct store_renewed){ 0 };
    struct renew_ctx c = { .staff_id = staff_id,
                           .loan_id = loan_id,
                           .renewals = renewals,
                           .new_due = new_due,
                           .out = out };
    enum store_status st = store_tx(STORE_READ_COMMITTED, renew_tx, &c);
    if (st != STORE_OK)
        store_renewed_clear(out);
    return st;
}

/* ---- undo ---- */

void store_undo_clear(struct store_undo *u)
{
    for (size_t i = 0; i < u->nundone; i++)
        free(u->undone[i].name);
    free(u->undone);
    u->undone = NULL;
    u->nundone = 0;
    u->undone_checkout_id = 0;
}

static enum store_status undo_tx(void *p)
{
    enum { LOCKED_LOAN, LOCKED_CHECKOUT, LOCKED_BRANCH, LOCKED_BY, LOCKED_CHANGED, LOCKED_OLD };
    static struct store_stmt lock =
        STORE_STMT("SELECT l.id, l.checkout_id, l.branch_id, coalesce(l.checked_out_by, 0),"
                   "       l.returned_at IS NOT NULL OR l.renewals > 0,"
                   "       l.checked_out_at < now() - make_interval(mins => $3::int)"
                   "  FROM loans l WHERE l.checkout_id = $1 OR l.id = $2"
                   " ORDER BY l.id FOR UPDATE");
    /* One row per loan undone; the audit details (the same on every row) name them all. */
    enum { UNDONE_LOAN, UNDONE_CODE, UNDONE_NAME, UNDONE_AUDIT };
    static struct store_stmt undo = STORE_STMT(
        "WITH d AS (DELETE FROM loans WHERE id = ANY($1::bigint[]) RETURNING id, item_id),"
        "     i AS (UPDATE items SET status = 'available', updated_at = now()"
        "            WHERE id IN (SELECT item_id FROM d) AND status = 'on_loan')"
        " SELECT d.id, it.code, it.name,"
        "        json_build_object('loans', json_agg(json_build_object('id', d.id,"
        "             'item_id', d.item_id)) OVER (ORDER BY d.id ROWS BETWEEN UNBOUNDED PRECEDING"
        "                                          AND UNBOUNDED FOLLOWING))::text"
        "   FROM d JOIN items it ON it.id = d.item_id"
        "  ORDER BY d.id");
    static struct store_stmt drop_empty =
        STORE_STMT("DELETE FROM checkouts c WHERE c.id = $1"
                   "   AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.checkout_id = c.id)");
    /* A retry of the checkout's request shows what is left of it. */
    static struct store_stmt trim =
        STORE_STMT("UPDATE checkouts SET response = jsonb_set(response, '{loans}', coalesce("
                   "    (SELECT jsonb_agg(x.e ORDER BY x.n)"
                   "       FROM jsonb_array_elements(response->'loans') WITH ORDINALITY AS x(e, n)"
                   "      WHERE (x.e->>'id')::bigint <> ALL($2::bigint[])), '[]'))"
                   " WHERE id = $1 AND response IS NOT NULL");
    struct store_undo *u = p;
    store_undo_clear(u);
    u->outcome = STORE_UNDO_NOT_FOUND;
    PGresult *res = NULL;
    long long *ids = NULL;
    char *id_list = NULL;

    enum store_status st = store_actor_set(u->staff_id);
    if (st < 0)
        goto out;
    STORE_NUM(checkout_in, u->checkout_id);
    STORE_NUM(loan_in, u->loan_id);
    STORE_NUM(minutes, STORE_LOAN_UNDO_MINUTES);
    st = store_exec(&lock, 3, (const char *[]){ checkout_in, loan_in, minutes }, &res);
    if (st != STORE_OK)
        goto out;
    int n = PQntuples(res);
    ids = xcalloc((size_t)n, sizeof *ids);
    enum store_undo_outcome outcome = STORE_UNDO_DONE;
    for (int i = 0; i < n; i++) {
        ids[i] = store_get_ll(res, i, LOCKED_LOAN);
        if (u->scope && store_get_ll(res, i, LOCKED_BRANCH) != u->scope)
            outcome = STORE_UNDO_NOT_FOUND; /* another branch's loans do not exist for us */
        else if (outcome == STORE_UNDO_DONE && store_get_ll(res, i, LOCKED_BY) != u->staff_id)
            outcome = STORE_UNDO_NOT_YOURS;
        else if (outcome == STORE_UNDO_DONE && store_get_bool(res, i, LOCKED_OLD))
            outcome = STORE_UNDO_TOO_LATE;
        else if (outcome == STORE_UNDO_DONE && store_get_bool(res, i, LOCKED_CHANGED))
            outcome = STORE_UNDO_CHANGED;
    }
    long long checkout_id = store_get_ll(res, 0, LOCKED_CHECKOUT);
    int branch_id = (int)store_get_ll(res, 0, LOCKED_BRANCH);
    PQclear(res);
    res = NULL;
    if (outcome != STORE_UNDO_DONE) {
        u->outcome = outcome;
        st = STORE_NOT_FOUND;
        goto out;
    }

    id_list = store_id_array(ids, (size_t)n);
    STORE_NUM(checkout, checkout_id);
    st = store_exec(&undo, 1, (const char *[]){ id_list }, &res);
    if (st != STORE_OK)
        goto out;
    u->undone_checkout_id = checkout_id;
    u->nundone = (size_t)PQntuples(res);
    u->undone = xcalloc(u->nundone, sizeof *u->undone);
    for (size_t i = 0; i < u->nundone; i++) {
        struct store_loan_ref *l = &u->undone[i];
        l->id = store_get_ll(res, (int)i, UNDONE_LOAN);
        store_get_copy(res, (int)i, UNDONE_CODE, l->code, sizeof l->code);
        l->name = store_get_dup(res, (int)i, UNDONE_NAME);
    }
    if ((st = store_run(&drop_empty, 1, (const char *[]){ checkout })) < 0 ||
        (st = store_run(&trim, 2, (const char *[]){ checkout, id_list })) < 0)
        goto out;
    st = store_audit(u->staff_id, "checkout_undone", "checkout", checkout_id, branch_id,
                     store_get(res, 0, UNDONE_AUDIT));
    if (st == STORE_OK)
        u->outcome = STORE_UNDO_DONE;
out:
    free(id_list);
    free(ids);
    PQclear(res);
    return st;
}

enum store_status store_loan_undo(struct store_undo *u)
{
    u->undone = NULL;
    u->nundone = 0;
    enum store_status st = store_tx(STORE_READ_COMMITTED, undo_tx, u);
    if (st != STORE_OK)
        store_undo_clear(u);
    return st;
}

/* ---- lists ---- */

/*
 * One loan of a list, over loans l with its item i, branch br, borrower b and whom to contact
 * about them, k (the guardian of a child; borrower_contact).
 */
#define LOAN_LIST                                                                                  \
    "SELECT json_build_object('id', l.id, 'checkout_id', l.checkout_id, 'branch', br.slug,"        \
    "   'item', json_build_object('code', i.code, 'name', i.name),"                                \
    "   'borrower', CASE WHEN b.id IS NOT NULL"                                                    \
    "               THEN json_build_object('id', b.id, 'name', b.name, 'phone', b.phone,"          \
    "                      'guardian', CASE WHEN k.id <> b.id THEN json_build_object("             \
    "                        'id', k.id, 'name', k.name, 'phone', k.phone) END) END,"              \
    "   'checked_out_at', l.checked_out_at, 'checked_out_by', l.checked_out_by,"                   \
    "   'due_date', l.due_date, 'renewals', l.renewals, 'returned_at', l.returned_at,"             \
    "   'lost', l.lost,"                                                                           \
    "   'overdue_days', greatest(0, coalesce(l.returned_at::date, current_date) - l.due_date)"     \
    "   )::text"                                                                                   \
    "  FROM loans l JOIN items i ON i.id = l.item_id JOIN branches br ON br.id = l.branch_id"      \
    "  LEFT JOIN borrowers b ON b.id = l.borrower_id"                                              \
    "  LEFT JOIN borrower_contact bc ON bc.borrower_id = b.id"                                     \
    "  LEFT JOIN borrowers k ON k.id = bc.contact_id"                                              \
    " WHERE ($1::int = 0 OR l.branch_id = $1) AND ($2::int = 0 OR l.branch_id = $2)"               \
    "   AND ($3::bigint = 0 OR l.borrower_id = $3)"

enum store_status store_loan_list(const struct store_loan_query *q, char **json)
{
    /* One statement per order, so that each can walk its index. */
    static struct store_stmt all =
        STORE_STMT(LOAN_LIST " ORDER BY l.checked_out_at DESC, l.id DESC LIMIT $4 OFFSET $5");
    static struct store_stmt open = STORE_STMT(
        LOAN_LIST " AND l.returned_at IS NULL ORDER BY l.due_date, l.id LIMIT $4 OFFSET $5");
    static struct store_stmt overdue =
        STORE_STMT(LOAN_LIST " AND l.returned_at IS NULL AND l.due_date < current_date"
                             " ORDER BY l.due_date, l.id LIMIT $4 OFFSET $5");
    static struct store_stmt returned =
        STORE_STMT(LOAN_LIST " AND l.returned_at IS NOT NULL AND NOT l.lost"
                             " ORDER BY l.returned_at DESC, l.id DESC LIMIT $4 OFFSET $5");
    static struct store_stmt lost =
        STORE_STMT(LOAN_LIST " AND l.returned_at IS NOT NULL AND l.lost"
                             " ORDER BY l.returned_at DESC, l.id DESC LIMIT $4 OFFSET $5");
    static struct store_stmt item =
        STORE_STMT(LOAN_LIST " AND l.item_id = (SELECT id FROM items WHERE code = $6)"
                             " ORDER BY l.checked_out_at DESC, l.id DESC LIMIT $4 OFFSET $5");
    struct store_stmt *stmt = q->item_code                        ? &item
                              : q->status == STORE_LOANS_OPEN     ? &open
                              : q->status == STORE_LOANS_OVERDUE  ? &overdue
                              : q->status == STORE_LOANS_RETURNED ? &returned
                              : q->status == STORE_LOANS_LOST     ? &lost
                                                                  : &all;
    STORE_NUM(scope, q->scope);
    STORE_NUM(branch, q->branch_id);
    STORE_NUM(borrower, q->borrower_id);
    STORE_NUM(limit, q->per_page + 1);
    STORE_NUM(offset, (long long)(q->page - 1) * q->per_page);
    PGresult *res;
    *json = NULL;
    enum store_status st =
        store_exec(stmt, q->item_code ? 6 : 5,
                   (const char *[]){ scope, branch, borrower, limit, offset, q->item_code }, &res);
    if (st < 0)
        return st;
    *json = store_page_json(res, "loans", q->page, q->per_page);
    PQclear(res);
    return STORE_OK;
}
