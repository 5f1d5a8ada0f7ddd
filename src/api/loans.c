/* loans: checkout, return, renewal, undo and loan lists (see loans.h). */
#include "loans.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/duedate.h"
#include "core/item.h"
#include "store/branch_store.h"
#include "store/loan_store.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 200
#define MAX_KEY   200
#define PER_PAGE  50

/* The Idempotency-Key header: absent (true, *key NULL), fine, or answered with 400. */
static bool idempotency_key(struct req *req, struct reply *rep, const char **key)
{
    *key = req_header(req, "Idempotency-Key");
    if (!*key)
        return true;
    size_t n = strlen(*key);
    bool ok = n >= 1 && n <= MAX_KEY;
    for (size_t i = 0; ok && i < n; i++)
        ok = (*key)[i] > 0x20 && (*key)[i] < 0x7f;
    if (!ok)
        reply_problem(rep, PROBLEM_invalid_idempotency_key,
                      "Send 1 to 200 visible ASCII characters, such as a UUID.");
    return ok;
}

/* Answer that a branch cannot lend because it has no open day for the loan to fall due on. */
static void reply_never_open(struct reply *rep)
{
    reply_problem(rep, PROBLEM_branch_never_open,
                  "A loan is due on a day the branch is open, and the branch has none within two "
                  "years; give it opening hours on at least one weekday.");
}

static const char *problem_code(enum store_checkout_problem p, const char **title)
{
    switch (p) {
    case STORE_CHECKOUT_ITEM_UNKNOWN:
        *title = "no item has this code";
        return "unknown_item";
    case STORE_CHECKOUT_ITEM_OTHER_BRANCH:
        *title = "item belongs to another branch";
        return "item_other_branch";
    case STORE_CHECKOUT_ITEM_ON_LOAN:
        *title = "item is already on loan";
        return "item_on_loan";
    case STORE_CHECKOUT_ITEM_NOT_AVAILABLE:
        *title = "item is not available for lending";
        return "item_not_available";
    case STORE_CHECKOUT_ITEM_NEEDS_CONSENT:
        *title = "the guardian's consent is needed at the borrower's age";
        return "guardian_consent_required";
    case STORE_CHECKOUT_ITEM_OK:
        break;
    }
    *title = "";
    return NULL;
}

/*
 * 409 with one entry per item that cannot go, and one per reason the borrower cannot borrow. An
 * item that needs the guardian's consent says under which age ("consent_age").
 */
static void reply_refused(struct reply *rep, const struct store_checkout *c)
{
    json_t *errors = json_array();
    if (c->blocked)
        api_append(&errors, json_pack("{s:n, s:s, s:s}", "item", "code", "borrower_blocked",
                                      "message", "the borrower is blocked"));
    if (c->over_limit) {
        char *msg = xasprintf("the borrower would have %zu items on loan; the branch allows %d",
                              (size_t)c->open_loans + c->ncodes, c->item_limit);
        api_append(&errors,
                   json_pack("{s:n, s:s, s:s}", "item", "code", "item_limit", "message", msg));
        free(msg);
    }
    for (size_t i = 0; i < c->ncodes; i++) {
        const char *title;
        const char *code = problem_code(c->problems[i], &title);
        if (!code)
            continue;
        json_t *e =
            json_pack("{s:s, s:s, s:s}", "item", c->codes[i], "code", code, "message", title);
        if (e && c->problems[i] == STORE_CHECKOUT_ITEM_NEEDS_CONSENT)
            json_object_set_new(e, "consent_age", json_integer(c->consent_ages[i]));
        api_append(&errors, e);
    }
    reply_problem_errors(rep, PROBLEM_checkout_refused, errors);
}

/* A checkout read from its request, for the store (see checkout_begin). */
struct checkout {
    char **codes;
    size_t ncodes;
    struct buf request;
    struct store_checkout c;
};

/* Read a checkout from its request into k; false (k holds nothing) when it was answered. */
static bool checkout_begin(struct req *req, struct reply *rep, struct checkout *k)
{
    *k = (struct checkout){ .request = BUF_INIT };
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "borrower_id", "items", "due_date", NULL });
    long long borrower_id = 0;
    input_int(&in, "borrower_id", true, 1, API_MAX_ID, &borrower_id);
    const char *requested = input_date(&in, "due_date", false);
    size_t n = 0;
    char **codes = api_input_codes(&in, MAX_ITEMS, &n);
    const char *key;
    if (!input_ok(&in, rep) || !idempotency_key(req, rep, &key)) {
        api_free_codes(codes, n);
        return false;
    }
    /* What a retry with the same key must repeat exactly; names nobody. */
    buf_printf(&k->request, "checkout\n%lld\n%s", borrower_id, requested ? requested : "");
    for (size_t i = 0; i < n; i++)
        buf_printf(&k->request, "\n%s", codes[i]);
    k->codes = codes;
    k->ncodes = n;
    k->c = (struct store_checkout){
        .staff_id = req->who->id,
        .borrower_id = borrower_id,
        .scope = api_scope(req),
        .codes = (const char *const *)codes,
        .ncodes = n,
        .requested = requested,
        .idempotency_key = key,
        .request = k->request.data,
        .problems = xcalloc(n, sizeof *k->c.problems),
        .consent_ages = xcalloc(n, sizeof *k->c.consent_ages),
    };
    return true;
}

static void checkout_free(struct checkout *k)
{
    free(k->c.response);
    free(k->c.problems);
    free(k->c.consent_ages);
    buf_free(&k->request);
    api_free_codes(k->codes, k->ncodes);
}

/* Answer a checkout that the store ran (st), and free it. */
static void checkout_end(struct reply *rep, struct checkout *k, enum store_status st)
{
    struct store_checkout *c = &k->c;
    if (st < 0) {
        api_store_failure(rep, st);
        goto out;
    }
    switch (c->outcome) {
    case STORE_CHECKOUT_REPLAYED:
    case STORE_CHECKOUT_DONE:
        if (c->outcome == STORE_CHECKOUT_REPLAYED)
            reply_header(rep, "Idempotent-Replayed", "true");
        reply_bytes(rep, 201, "application/json", c->response, strlen(c->response));
        c->response = NULL;
        break;
    case STORE_CHECKOUT_KEY_REUSED:
        reply_problem(rep, PROBLEM_idempotency_key_reused,
                      "Send a new Idempotency-Key with each new checkout.");
        break;
    case STORE_CHECKOUT_NO_BORROWER:
        reply_problem(rep, PROBLEM_borrower_not_found, NULL);
        break;
    case STORE_CHECKOUT_CONFLICT:
        reply_problem_errors(rep, PROBLEM_checkout_refused,
                             json_pack("[{s:n, s:s, s:s}]", "item", "code", "item_on_loan",
                                       "message",
                                       "an item was lent by another checkout at the "
                                       "same moment"));
        break;
    case STORE_CHECKOUT_DUE_IN_PAST:
    case STORE_CHECKOUT_DUE_TOO_LATE:
        reply_problem_errors(
            rep, PROBLEM_validation_failed,
            json_pack("[{s:s, s:s, s:s}]", "field", "due_date", "code", "out_of_range", "message",
                      c->outcome == STORE_CHECKOUT_DUE_IN_PAST ? "must not be in the past"
                                                               : "must be within a year"));
        break;
    case STORE_CHECKOUT_NEVER_OPEN:
        reply_never_open(rep);
        break;
    case STORE_CHECKOUT_REFUSED:
        reply_refused(rep, c);
        break;
    }
out:
    checkout_free(k);
}

void loans_checkout(struct req *req, struct reply *rep)
{
    struct checkout k;
    if (checkout_begin(req, rep, &k))
        checkout_end(rep, &k, store_loan_checkout(&k.c));
}

/*
 * A desk's checkout or return is of a few items. One of more is left to run alone (elsewhere:
 * router.h), so that a batch's answers stay small enough to be read after all of it was sent
 * (store_call_pipelined).
 */
#define BATCH_ITEMS_MAX 8

void loans_checkout_batch(struct req **reqs, struct reply **reps, size_t n)
{
    struct checkout k[ROUTER_BATCH_MAX];
    struct store_checkout *cs[ROUTER_BATCH_MAX];
    size_t at[ROUTER_BATCH_MAX];
    enum store_status st[ROUTER_BATCH_MAX];
    size_t m = 0;
    n = n < ROUTER_BATCH_MAX ? n : ROUTER_BATCH_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!checkout_begin(reqs[i], reps[i], &k[i]))
            continue;
        if (k[i].ncodes > BATCH_ITEMS_MAX) {
            checkout_free(&k[i]);
            continue;
        }
        cs[m] = &k[i].c;
        at[m++] = i;
    }
    if (m > 0)
        store_loan_checkout_many(cs, m, st);
    /* One that did nothing (it would have waited for a lock) is left to run alone. */
    for (size_t j = 0; j < m; j++) {
        if (st[j] == STORE_SOFT_ERROR)
            checkout_free(&k[at[j]]);
        else
            checkout_end(reps[at[j]], &k[at[j]], st[j]);
    }
}

/* A loan as answers name it: {"code", "name"} of its item. */
static json_t *loan_item_json(const struct store_loan_ref *loan)
{
    return json_pack("{s:s, s:s}", "code", loan->code, "name", loan->name);
}

/* {"checkout_id", "undone": [{"loan_id", "item"}]} */
static json_t *undone_json(const struct store_undo *u)
{
    json_t *undone = json_array();
    for (size_t i = 0; i < u->nundone; i++)
        api_append(&undone, json_pack("{s:I, s:o}", "loan_id", (json_int_t)u->undone[i].id, "item",
                                      loan_item_json(&u->undone[i])));
    return json_pack("{s:I, s:o}", "checkout_id", (json_int_t)u->undone_checkout_id, "undone",
                     undone);
}

/*
 * Undo a whole checkout (whole) or one loan: the {id} of the path names it. Answers whichever way
 * it went.
 */
static void undo(struct req *req, struct reply *rep, bool whole)
{
    struct store_undo u = { .staff_id = req->who->id, .scope = api_scope(req) };
    enum problem not_found = whole ? PROBLEM_checkout_not_found : PROBLEM_loan_not_found;
    if (!api_path_id(req, 0, whole ? &u.checkout_id : &u.loan_id)) {
        reply_problem(rep, not_found, NULL);
        return;
    }
    enum store_status st = store_loan_undo(&u);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    switch (u.outcome) {
    case STORE_UNDO_DONE:
        reply_json(rep, 200, undone_json(&u));
        break;
    case STORE_UNDO_NOT_FOUND:
        reply_problem(rep, not_found, NULL);
        break;
    case STORE_UNDO_NOT_YOURS:
        reply_problem(rep, PROBLEM_not_your_checkout, NULL);
        break;
    case STORE_UNDO_TOO_LATE:
        reply_problem(rep, PROBLEM_undo_too_late, "Return the items instead.");
        break;
    case STORE_UNDO_CHANGED:
        reply_problem(rep, PROBLEM_loan_changed, "A loan was returned or renewed since.");
        break;
    }
    store_undo_clear(&u);
}

void loans_undo_checkout(struct req *req, struct reply *rep)
{
    undo(req, rep, true);
}

void loans_undo(struct req *req, struct reply *rep)
{
    undo(req, rep, false);
}

/* One item of a return: a code, or {"code", "repair"?, "condition_note"?}. */
struct return_item {
    char *code;
    bool repair;
    const char *note; /* borrowed from the body */
};

/* Read the items of a return; records problems in in (by index) and returns the list. */
static struct return_item *return_items(struct input *in, const char *common_note, size_t *n)
{
    json_t *items = json_object_get(in->obj, "items");
    *n = 0;
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > MAX_ITEMS) {
        input_error(in, "items", items && !json_is_null(items) ? "invalid" : "required",
                    "must be a list of 1 to 200 item codes");
        return NULL;
    }
    struct return_item *list = xcalloc(json_array_size(items), sizeof *list);
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v)
    {
        char field[48];
        snprintf(field, sizeof field, "items[%zu]", i);
        struct input one;
        const char *code = json_string_value(v);
        list[i].note = common_note;
        if (json_is_object(v)) {
            input_begin(&one, v, (const char *[]){ "code", "repair", "condition_note", NULL });
            code = input_string(&one, "code", true, 64);
            input_bool(&one, "repair", false, &list[i].repair);
            const char *note = input_string(&one, "condition_note", false, 1000);
            if (note)
                list[i].note = note;
            if (input_failed(&one))
                code = NULL;
            input_end(&one);
        }
        if (!code || !*code) {
            input_error(in, field, "invalid",
                        "must be an item code or {\"code\", \"repair\", \"condition_note\"}");
            continue;
        }
        list[i].code = api_item_code(code);
    }
    *n = json_array_size(items);
    return list;
}

static void free_return_items(struct return_item *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i].code);
    free(list);
}

static json_t *return_failed(const char *code, const char *error, const char *title)
{
    return json_pack("{s:s, s:b, s:{s:s, s:s}}", "code", code, "returned", 0, "error", "code",
                     error, "title", title);
}

/* The store's return of one item of a request (freed with store_return_clear). */
static struct store_return return_of(const struct req *req, const struct return_item *item,
                                     const char *on)
{
    return (struct store_return){
        .staff_id = req->who->id,
        .scope = api_scope(req),
        .code = item->code,
        .repair = item->repair,
        .note = item->note,
        .returned_on = on,
    };
}

/*
 * The answer for one item of a return that the store ran (st); *failed keeps a store failure (it
 * is left alone else). Clears r.
 */
static json_t *return_one(const struct return_item *item, struct store_return *r,
                          enum store_status st, enum store_status *failed)
{
    if (st < 0) {
        *failed = st;
        return return_failed(item->code, "database_unavailable",
                             "the return could not be saved; try again");
    }
    json_t *result = NULL;
    switch (r->outcome) {
    case STORE_RETURN_DONE:
    case STORE_RETURN_FOUND:
        result =
            json_pack("{s:s, s:b, s:b, s:o, s:o, s:o, s:o, s:i, s:s}", "code", item->code,
                      "returned", 1, "found", r->outcome == STORE_RETURN_FOUND, "loan_id",
                      r->loan.id ? json_integer(r->loan.id) : json_null(), "item",
                      loan_item_json(&r->loan), "borrower",
                      r->borrower_name ? json_pack("{s:I, s:s}", "id", (json_int_t)r->borrower_id,
                                                   "name", r->borrower_name)
                                       : json_null(),
                      "due_date", api_text_or_null(r->due_date), "overdue_days", r->overdue_days,
                      "item_status", r->item_status);
        break;
    case STORE_RETURN_UNKNOWN_ITEM:
        result = return_failed(item->code, "unknown_item", "no item has this code");
        break;
    case STORE_RETURN_NOT_ON_LOAN:
        result = return_failed(item->code, "not_on_loan", "item is not on loan");
        break;
    case STORE_RETURN_OTHER_BRANCH:
        result =
            return_failed(item->code, "item_other_branch", "item is on loan from another branch");
        break;
    case STORE_RETURN_BEFORE_CHECKOUT:
        result = return_failed(item->code, "return_before_checkout",
                               "the return date is before the checkout");
        break;
    }
    store_return_clear(r);
    return result;
}

/* A return read from its request (see return_begin). */
struct pile {
    struct return_item *items;
    size_t n;
    struct store_return *stored; /* one per item, for the store */
    enum store_status *st;       /* what the store said of each; STORE_SOFT_ERROR: not run */
};

/* Read a return from its request into p; false (p holds nothing) when it was answered. */
static bool return_begin(struct req *req, struct reply *rep, struct pile *p)
{
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "items", "condition_note", "returned_on", NULL });
    const char *note = input_string(&in, "condition_note", false, 1000);
    const char *on = input_date(&in, "returned_on", false);
    size_t n = 0;
    struct return_item *items = return_items(&in, note, &n);
    char today[DUEDATE_ISO_SIZE] = "";
    enum store_status st = STORE_OK;
    if (on && !input_failed(&in) && (st = store_loan_today(today)) == STORE_OK &&
        strcmp(on, today) > 0)
        input_error(&in, "returned_on", "out_of_range", "must not be in the future");
    if (!input_ok_lookup(&in, rep, st)) {
        free_return_items(items, n);
        return false;
    }
    *p = (struct pile){ .items = items,
                        .n = n,
                        .stored = xcalloc(n, sizeof *p->stored),
                        .st = xcalloc(n, sizeof *p->st) };
    for (size_t i = 0; i < n; i++) {
        p->stored[i] = return_of(req, &items[i], on);
        p->st[i] = STORE_SOFT_ERROR;
    }
    return true;
}

static void return_free(struct pile *p)
{
    free(p->stored);
    free(p->st);
    free_return_items(p->items, p->n);
}

/* Answer a return whose items the store ran, and free it. */
static void return_end(struct reply *rep, struct pile *p)
{
    /*
     * When the database could not be reached for any item, nothing was done: 503 with
     * Retry-After, so that the desk retries the pile instead of believing it returned. A pile
     * that was partly saved answers item by item, for the desk to see which ones to retry.
     */
    json_t *results = json_array();
    size_t done = 0;
    enum store_status failed = STORE_OK;
    for (size_t i = 0; i < p->n; i++) {
        json_t *one = return_one(&p->items[i], &p->stored[i], p->st[i], &failed);
        done += json_is_true(json_object_get(one, "returned"));
        api_append(&results, one);
    }
    if (failed < 0 && done == 0) {
        json_decref(results);
        api_store_failure(rep, failed);
    } else {
        reply_json(rep, 200, json_pack("{s:o}", "results", results));
    }
    return_free(p);
}

/* Return one by one the items of p not run yet, and answer p. */
static void return_rest(struct reply *rep, struct pile *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->st[i] == STORE_SOFT_ERROR)
            p->st[i] = store_loan_return(&p->stored[i]);
    return_end(rep, p);
}

void loans_return(struct req *req, struct reply *rep)
{
    struct pile p;
    if (return_begin(req, rep, &p))
        return_rest(rep, &p);
}

void loans_return_batch(struct req **reqs, struct reply **reps, size_t n)
{
    struct pile p[ROUTER_BATCH_MAX];
    bool begun[ROUTER_BATCH_MAX];
    struct store_return *rs[ROUTER_BATCH_MAX];
    enum store_status st[ROUTER_BATCH_MAX];
    size_t m = 0;
    n = n < ROUTER_BATCH_MAX ? n : ROUTER_BATCH_MAX;
    for (size_t i = 0; i < n; i++) {
        begun[i] = return_begin(reqs[i], reps[i], &p[i]);
        if (begun[i] && (p[i].n > BATCH_ITEMS_MAX || m + p[i].n > ROUTER_BATCH_MAX)) {
            return_free(&p[i]);
            begun[i] = false;
        }
        for (size_t k = 0; begun[i] && k < p[i].n; k++)
            rs[m++] = &p[i].stored[k];
    }
    if (m > 0)
        store_loan_return_many(rs, m, st);
    m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!begun[i])
            continue;
        size_t undone = 0;
        for (size_t k = 0; k < p[i].n; k++)
            undone += (p[i].st[k] = st[m++]) == STORE_SOFT_ERROR;
        /* Nothing of it done (it would have waited for a lock): it runs alone, elsewhere. */
        if (undone == p[i].n)
            return_free(&p[i]);
        else
            return_rest(reps[i], &p[i]);
    }
}

void loans_renew(struct req *req, struct reply *rep)
{
    long long id;
    struct store_loan_renewal loan = { 0 };
    struct store_renewed renewed = { 0 };
    if (!api_path_id(req, 0, &id)) {
        reply_problem(rep, PROBLEM_loan_not_found, NULL);
        goto out;
    }
    enum store_status st = store_loan_for_renewal(id, api_scope(req), &loan);
    if (st == STORE_NOT_FOUND) {
        reply_problem(rep, PROBLEM_loan_not_found, NULL);
        goto out;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        goto out;
    }
    if (loan.returned) {
        reply_problem(rep, PROBLEM_loan_returned, NULL);
        goto out;
    }
    if (loan.blocked) {
        reply_problem(rep, PROBLEM_borrower_blocked, NULL);
        goto out;
    }
    if (loan.renewals >= loan.rules.max_renewals) {
        char *detail = xasprintf("The branch allows %d renewal%s of a loan.",
                                 loan.rules.max_renewals, loan.rules.max_renewals == 1 ? "" : "s");
        reply_problem(rep, PROBLEM_renewal_limit, detail);
        free(detail);
        goto out;
    }
    long today = 0, due = 0;
    if (!duedate_parse(loan.rules.today, &today) || !duedate_parse(loan.due_date, &due)) {
        reply_problem(rep, PROBLEM_internal_error, NULL);
        goto out;
    }
    if (due < today && req->who->role < ROLE_MANAGER) {
        reply_problem(rep, PROBLEM_overdue_renewal_forbidden, NULL);
        goto out;
    }
    if (!*loan.rules.due_date) {
        reply_never_open(rep);
        goto out;
    }
    st = store_loan_renew(req->who->id, id, loan.renewals, loan.rules.due_date, &renewed);
    if (st == STORE_NOT_FOUND) {
        reply_problem(rep, PROBLEM_loan_changed, "Try again.");
        goto out;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        goto out;
    }
    reply_json(rep, 200,
               json_pack("{s:I, s:o, s:s, s:i}", "id", (json_int_t)renewed.loan.id, "item",
                         loan_item_json(&renewed.loan), "due_date", renewed.due_date, "renewals",
                         renewed.renewals));
out:
    store_renewed_clear(&renewed);
}

void loans_list(struct req *req, struct reply *rep)
{
    struct store_loan_query q = { .scope = api_scope(req), .per_page = PER_PAGE };
    long long page, borrower;
    if (!api_query_int(req, rep, "page", 1, API_MAX_PAGE, 1, &page) ||
        !api_query_int(req, rep, "borrower_id", 1, API_MAX_ID, 0, &borrower))
        return;
    q.page = (int)page;
    q.borrower_id = borrower;

    const char *status = req_query(req, "status");
    if (!status || !*status)
        q.status = STORE_LOANS_ALL;
    else if (strcmp(status, "open") == 0)
        q.status = STORE_LOANS_OPEN;
    else if (strcmp(status, "overdue") == 0)
        q.status = STORE_LOANS_OVERDUE;
    else if (strcmp(status, "returned") == 0)
        q.status = STORE_LOANS_RETURNED;
    else if (strcmp(status, "lost") == 0)
        q.status = STORE_LOANS_LOST;
    else {
        api_bad_query(rep, "The query argument status must be open, overdue, returned or lost.");
        return;
    }

    /* An item's loans are all of them, latest first: its page at the desk. */
    const char *item = req_query(req, "item");
    char code[ITEM_CODE_MAX + 1];
    if (item && *item) {
        if (!item_code_normalize(item, code)) {
            api_bad_query(rep, "The query argument item must be an item code.");
            return;
        }
        if (q.status != STORE_LOANS_ALL) {
            api_bad_query(rep, "The query argument item lists every loan of the item; leave "
                               "out status.");
            return;
        }
        q.item_code = code;
    }

    if (!api_query_branch(req, rep, true, &q.branch_id))
        return;
    char *json = NULL;
    enum store_status st = store_loan_list(&q, &json);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    reply_bytes(rep, 200, "application/json", json, strlen(json));
}
