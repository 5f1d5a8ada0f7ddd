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

/* loan_checkout's problem for an item (migration 0017); consent:AGE needs the guardian's. */
static enum store_checkout_problem checkout_problem(const char *p)
{
    return strcmp(p, "unknown") == 0         ? STORE_CHECKOUT_ITEM_UNKNOWN
           : strcmp(p, "other_branch") == 0  ? STORE_CHECKOUT_ITEM_OTHER_BRANCH
           : strcmp(p, "on_loan") == 0       ? STORE_CHECKOUT_ITEM_ON_LOAN
           : strcmp(p, "not_available") == 0 ? STORE_CHECKOUT_ITEM_NOT_AVAILABLE
           : strncmp(p, "consent:", 8) == 0  ? STORE_CHECKOUT_ITEM_NEEDS_CONSENT
                                             : STORE_CHECKOUT_ITEM_OK;
}

/* The whole checkout is one statement (migration 0017_hot_paths: loan_checkout). */
static struct store_stmt checkout_stmt =
    STORE_STMT("SELECT outcome, response, blocked, over_limit, open_loans, item_limit,"
               "       array_to_string(problems, ',')"
               "  FROM loan_checkout($1, $2, $3, $4, $5, $6, $7, $8, $9)");
#define CHECKOUT_NPARAMS 9

/* loan_checkout's parameters for c: numbers and the codes' array in args (free codes after). */
struct checkout_args {
    char staff[STORE_NUM_SIZE], scope[STORE_NUM_SIZE], borrower[STORE_NUM_SIZE],
        undo_minutes[STORE_NUM_SIZE];
    char *codes;
    const char *params[CHECKOUT_NPARAMS];
};

static void checkout_args(struct store_checkout *c, struct checkout_args *a)
{
    c->response = NULL;
    c->outcome = STORE_CHECKOUT_REFUSED;
    c->blocked = c->over_limit = false;
    c->open_loans = c->item_limit = 0;
    store_num_text(a->staff, c->staff_id);
    store_num_text(a->scope, c->scope);
    store_num_text(a->borrower, c->borrower_id);
    store_num_text(a->undo_minutes, STORE_LOAN_UNDO_MINUTES);
    a->codes = store_text_array(c->codes, c->ncodes);
    const char *params[CHECKOUT_NPARAMS] = { a->staff,           a->scope,     a->borrower,
                                             a->codes,           c->requested, c->due_date,
                                             c->idempotency_key, c->request,   a->undo_minutes };
    memcpy(a->params, params, sizeof params);
}

/* What loan_checkout answered (res, which is cleared) into c; the call's status. */
static enum store_status checkout_read(struct store_checkout *c, PGresult *res)
{
    enum {
        CHECKOUT_OUTCOME,
        CHECKOUT_RESPONSE,
        CHECKOUT_BLOCKED,
        CHECKOUT_OVER_LIMIT,
        CHECKOUT_OPEN_LOANS,
        CHECKOUT_ITEM_LIMIT,
        CHECKOUT_PROBLEMS,
    };
    enum store_status st = STORE_OK;
    const char *outcome = store_get(res, 0, CHECKOUT_OUTCOME);
    if (strcmp(outcome, "done") == 0 || strcmp(outcome, "replayed") == 0) {
        c->outcome = outcome[0] == 'd' ? STORE_CHECKOUT_DONE : STORE_CHECKOUT_REPLAYED;
        c->response = store_get_json(res, 0, CHECKOUT_RESPONSE);
    } else if (strcmp(outcome, "key_reused") == 0) {
        c->outcome = STORE_CHECKOUT_KEY_REUSED;
    } else if (strcmp(outcome, "no_borrower") == 0) {
        c->outcome = STORE_CHECKOUT_NO_BORROWER;
        st = STORE_NOT_FOUND;
    } else if (strcmp(outcome, "refused") != 0) {
        c->outcome = strcmp(outcome, "due_in_past") == 0    ? STORE_CHECKOUT_DUE_IN_PAST
                     : strcmp(outcome, "due_too_late") == 0 ? STORE_CHECKOUT_DUE_TOO_LATE
                                                            : STORE_CHECKOUT_NEVER_OPEN;
        st = STORE_NOT_FOUND;
    } else {
        c->blocked = store_get_bool(res, 0, CHECKOUT_BLOCKED);
        c->over_limit = store_get_bool(res, 0, CHECKOUT_OVER_LIMIT);
        c->open_loans = (int)store_get_ll(res, 0, CHECKOUT_OPEN_LOANS);
        c->item_limit = (int)store_get_ll(res, 0, CHECKOUT_ITEM_LIMIT);
        /* One word per code, in their order, "" for an item that can go: "on_loan,,unknown". */
        const char *p = store_get(res, 0, CHECKOUT_PROBLEMS);
        for (size_t i = 0; i < c->ncodes; i++) {
            char word[16] = "";
            size_t len = p ? strcspn(p, ",") : 0;
            if (len < sizeof word)
                memcpy(word, p, len);
            c->problems[i] = checkout_problem(word);
            if (c->consent_ages)
                c->consent_ages[i] = c->problems[i] == STORE_CHECKOUT_ITEM_NEEDS_CONSENT
                                         ? atoi(word + strlen("consent:"))
                                         : 0;
            p = p && p[len] ? p + len + 1 : NULL;
        }
        st = STORE_NOT_FOUND;
    }
    PQclear(res);
    return st;
}

enum store_status store_loan_checkout(struct store_checkout *c)
{
    struct checkout_args a;
    checkout_args(c, &a);
    PGresult *res;
    enum store_status st = store_call(&checkout_stmt, CHECKOUT_NPARAMS, a.params, &res);
    free(a.codes);
    if (st < 0) {
        if (store_error_is_unique_violation() &&
            strcmp(store_error_constraint(), "loans_one_open_per_item") == 0) {
            c->outcome = STORE_CHECKOUT_CONFLICT;
            st = STORE_NOT_FOUND;
        }
        return st;
    }
    return checkout_read(c, res);
}

void store_loan_checkout_many(struct store_checkout *const *cs, size_t n, enum store_status *st)
{
    struct checkout_args *a = xcalloc(n, sizeof *a);
    const char *const **params = xcalloc(n, sizeof *params);
    PGresult **res = xcalloc(n, sizeof *res);
    for (size_t i = 0; i < n; i++) {
        checkout_args(cs[i], &a[i]);
        params[i] = a[i].params;
    }
    store_call_pipelined(&checkout_stmt, CHECKOUT_NPARAMS, params, n, res, st);
    for (size_t i = 0; i < n; i++) {
        free(a[i].codes);
        if (st[i] >= 0)
            st[i] = checkout_read(cs[i], res[i]);
    }
    free(res);
    free(params);
    free(a);
}

/* ---- return ---- */

void store_return_clear(struct store_return *r)
{
    free(r->loan.name);
    free(r->borrower_name);
    r->loan.name = r->borrower_name = NULL;
}

/* The whole return is one statement (migration 0017_hot_paths: loan_return). */
static struct store_stmt return_stmt =
    STORE_STMT("SELECT outcome, loan_id, code, name, borrower_id, borrower_name,"
               "       due_date::text, overdue_days, item_status"
               "  FROM loan_return($1, $2, $3, $4, $5, $6)");
#define RETURN_NPARAMS 6

struct return_args {
    char staff[STORE_NUM_SIZE], scope[STORE_NUM_SIZE];
    const char *params[RETURN_NPARAMS];
};

static void return_args(struct store_return *r, struct return_args *a)
{
    r->loan.name = r->borrower_name = NULL;
    r->outcome = STORE_RETURN_NOT_ON_LOAN;
    store_num_text(a->staff, r->staff_id);
    store_num_text(a->scope, r->scope);
    const char *params[RETURN_NPARAMS] = { a->staff, a->scope,
                                           r->code,  r->repair ? "true" : "false",
                                           r->note,  r->returned_on };
    memcpy(a->params, params, sizeof params);
}

/* What loan_return answered (res, which is cleared) into r; the call's status. */
static enum store_status return_read(struct store_return *r, PGresult *res)
{
    enum {
        RETURN_OUTCOME,
        RETURN_LOAN,
        RETURN_CODE,
        RETURN_NAME,
        RETURN_BORROWER,
        RETURN_BORROWER_NAME,
        RETURN_DUE_DATE,
        RETURN_OVERDUE_DAYS,
        RETURN_ITEM_STATUS,
    };
    enum store_status st = STORE_OK;
    const char *outcome = store_get(res, 0, RETURN_OUTCOME);
    if (strcmp(outcome, "done") == 0 || strcmp(outcome, "found") == 0) {
        r->outcome = outcome[0] == 'd' ? STORE_RETURN_DONE : STORE_RETURN_FOUND;
        r->loan.id = store_get_ll(res, 0, RETURN_LOAN);
        store_get_copy(res, 0, RETURN_CODE, r->loan.code, sizeof r->loan.code);
        r->loan.name = store_get_dup(res, 0, RETURN_NAME);
        r->borrower_id = store_get_ll(res, 0, RETURN_BORROWER);
        r->borrower_name = store_get_dup(res, 0, RETURN_BORROWER_NAME);
        store_get_copy(res, 0, RETURN_DUE_DATE, r->due_date, sizeof r->due_date);
        r->overdue_days = (int)store_get_ll(res, 0, RETURN_OVERDUE_DAYS);
        store_get_copy(res, 0, RETURN_ITEM_STATUS, r->item_status, sizeof r->item_status);
    } else {
        r->outcome = strcmp(outcome, "unknown_item") == 0      ? STORE_RETURN_UNKNOWN_ITEM
                     : strcmp(outcome, "other_branch") == 0    ? STORE_RETURN_OTHER_BRANCH
                     : strcmp(outcome, "before_checkout") == 0 ? STORE_RETURN_BEFORE_CHECKOUT
                                                               : STORE_RETURN_NOT_ON_LOAN;
        st = STORE_NOT_FOUND;
    }
    PQclear(res);
    return st;
}

enum store_status store_loan_return(struct store_return *r)
{
    struct return_args a;
    return_args(r, &a);
    PGresult *res;
    enum store_status st = store_call(&return_stmt, RETURN_NPARAMS, a.params, &res);
    return st < 0 ? st : return_read(r, res);
}

void store_loan_return_many(struct store_return *const *rs, size_t n, enum store_status *st)
{
    struct return_args *a = xcalloc(n, sizeof *a);
    const char *const **params = xcalloc(n, sizeof *params);
    PGresult **res = xcalloc(n, sizeof *res);
    for (size_t i = 0; i < n; i++) {
        return_args(rs[i], &a[i]);
        params[i] = a[i].params;
    }
    store_call_pipelined(&return_stmt, RETURN_NPARAMS, params, n, res, st);
    for (size_t i = 0; i < n; i++)
        if (st[i] >= 0)
            st[i] = return_read(rs[i], res[i]);
    free(res);
    free(params);
    free(a);
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
