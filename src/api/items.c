/* items: the catalogue's items for staff (see items.h). */
#include "items.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/item_csv.h"
#include "core/text.h"
#include "store/branch_store.h"
#include "store/category_store.h"
#include "store/import_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PER_PAGE 200

/* Reading items --------------------------------------------------------------------------- */

/*
 * One item as the desk shows it: the item, and "transitions", the statuses it may change to
 * through POST /api/items/{code}/status (core/item.h), in the order the desk offers them. Written
 * straight as text (api_item_json_members), the bytes jansson would write.
 */
static void reply_item_with_transitions(struct reply *rep, int status, const struct item *it)
{
    struct buf b = BUF_INIT;
    buf_putc(&b, '{');
    api_item_json_members(&b, it);
    buf_puts(&b, ",\"transitions\":[");
    const char *comma = "";
    for (const char *const *t = item_transitions(it->status); *t; t++, comma = ",") {
        buf_puts(&b, comma);
        api_json_string(&b, *t);
    }
    buf_puts(&b, "]}");
    size_t len;
    char *text = buf_steal(&b, &len);
    reply_bytes(rep, status, "application/json", text, len);
}

/* The answer of a lookup: the item found (st STORE_OK, cleared here), or why there is none. */
static void item_answer(struct reply *rep, enum store_status st, struct item *it)
{
    if (st != STORE_OK) {
        api_item_refused(rep, st, ITEM_DONE);
        return;
    }
    reply_item_with_transitions(rep, 200, it);
    store_item_clear(it);
}

void items_get(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!api_path_code(req, rep, code))
        return;
    struct item it;
    item_answer(rep, store_item_get(code, &it), &it);
}

/*
 * The lookups a lane took together: the codes that can be codes read in one statement
 * (store_item_get_many), each answered as items_get answers it alone.
 */
void items_get_batch(struct req **reqs, struct reply **reps, size_t n)
{
    char codes[ROUTER_BATCH_MAX][ITEM_CODE_MAX + 1];
    const char *asked[ROUTER_BATCH_MAX];
    size_t who[ROUTER_BATCH_MAX]; /* the request of each code asked */
    bool found[ROUTER_BATCH_MAX];
    size_t m = 0;
    for (size_t i = 0; i < n && i < ROUTER_BATCH_MAX; i++) {
        if (!api_path_code(reqs[i], reps[i], codes[m]))
            continue;
        asked[m] = codes[m];
        who[m++] = i;
    }
    if (m == 0)
        return;
    struct item *items = xcalloc(m, sizeof *items); /* a few hundred bytes each */
    enum store_status st = store_item_get_many(asked, m, items, found);
    for (size_t k = 0; k < m; k++) {
        enum store_status one = st < 0 ? st : found[k] ? STORE_OK : STORE_NOT_FOUND;
        item_answer(reps[who[k]], one, &items[k]);
    }
    free(items);
}

/* The lookups' statement sent ahead (struct route's prefetch), of the codes items_get_batch reads. */
bool items_get_prefetch(struct req **reqs, size_t n)
{
    char codes[ROUTER_BATCH_MAX][ITEM_CODE_MAX + 1];
    const char *asked[ROUTER_BATCH_MAX];
    for (size_t i = 0; i < n && i < ROUTER_BATCH_MAX; i++) {
        if (reqs[i]->nparams == 0 || !item_code_normalize(reqs[i]->params[0], codes[i]))
            return false;
        asked[i] = codes[i];
    }
    return n <= ROUTER_BATCH_MAX && store_item_prefetch(asked, n);
}

/*
 * What the label printing screen asks for: since (taken in on that day or later), label=unprinted,
 * code_from and code_to (a range of codes), sort=code. The codes are normalised into f->range.
 */
static bool read_label_filter(const struct req *req, struct reply *rep, struct item_filter *f)
{
    const char *since = req_query(req, "since"), *label = req_query(req, "label");
    const char *sort = req_query(req, "sort");
    if (since && *since) {
        if (!text_is_iso_date(since)) {
            api_bad_query(rep, "since is a date, YYYY-MM-DD.");
            return false;
        }
        f->since = since;
    }
    if (label && *label) {
        if (strcmp(label, "unprinted") != 0) {
            api_bad_query(rep, "label is unprinted (items whose label was never printed).");
            return false;
        }
        f->unprinted = true;
    }
    if (sort && *sort) {
        if (strcmp(sort, "code") != 0) {
            api_bad_query(rep, "sort is code (else items come by name and size).");
            return false;
        }
        f->by_code = true;
    }
    const char *ends[2] = { req_query(req, "code_from"), req_query(req, "code_to") };
    for (int i = 0; i < 2; i++) {
        if (!ends[i] || !*ends[i])
            continue;
        if (!item_code_normalize(ends[i], f->range[i])) {
            api_bad_query(rep, "code_from and code_to are item codes.");
            return false;
        }
        *(i ? &f->code_to : &f->code_from) = f->range[i];
    }
    return true;
}

/* The filters of a list or an export from the query string; answers 400 and returns false. */
static bool read_filter(const struct req *req, struct reply *rep, struct item_filter *f)
{
    *f = (struct item_filter){ 0 };
    if (!api_query_item_match(req, rep, &f->match))
        return false;
    if (!api_query_branch(req, rep, false, &f->branch_id))
        return false;
    const char *status = req_query(req, "status");
    if (status && *status && !(f->status = item_word(item_statuses, status))) {
        api_bad_query(rep, "status is one of intake, available, on_loan, repair, lost, retired.");
        return false;
    }
    return read_label_filter(req, rep, f);
}

void items_list(struct req *req, struct reply *rep)
{
    struct item_filter f;
    long long page, per_page;
    if (!read_filter(req, rep, &f) || !api_query_int(req, rep, "page", 1, API_MAX_PAGE, 1, &page) ||
        !api_query_int(req, rep, "per_page", 1, MAX_PER_PAGE, 50, &per_page))
        return;
    f.limit = per_page;
    f.offset = (page - 1) * per_page;
    struct item_page found;
    enum store_status st = store_item_search(&f, &found);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < found.n; i++)
        api_append(&items, api_item_json(&found.items[i]));
    reply_json(rep, 200,
               json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)found.total,
                         "page", (json_int_t)page, "per_page", (json_int_t)per_page));
    store_item_page_free(&found);
}

void items_history(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!api_path_code(req, rep, code))
        return;
    struct item_status_change *list;
    size_t n;
    enum store_status st = store_item_history(code, &list, &n);
    if (st != STORE_OK) {
        api_item_refused(rep, st, ITEM_DONE);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct item_status_change *c = &list[i];
        json_t *staff = c->staff_id ? json_pack("{s:I, s:o}", "id", (json_int_t)c->staff_id,
                                                "display_name", api_text_or_null(c->staff_name))
                                    : json_null();
        api_append(&arr,
                   json_pack("{s:o, s:s, s:o, s:o, s:o, s:s}", "from", api_text_or_null(c->from),
                             "to", c->to, "reason", api_text_or_null(c->reason), "note",
                             api_text_or_null(c->note), "staff", staff, "at", c->at));
    }
    store_item_history_free(list, n);
    reply_json(rep, 200, json_pack("{s:s, s:o}", "code", code, "history", arr));
}

/* Writing items --------------------------------------------------------------------------- */

/* The size field: {"kind": ..., "value": number or text}, or null for none. */
static void read_size(struct input *in, json_t *body, struct size *out)
{
    *out = (struct size){ 0 };
    json_t *v = json_object_get(body, "size");
    if (!v || json_is_null(v))
        return;
    json_t *kind = json_object_get(v, "kind"), *value = json_object_get(v, "value");
    enum size_kind k = size_kind_from_name(json_string_value(kind));
    const char *why = NULL;
    if (!json_is_object(v) || json_object_size(v) != 2 || !kind || !value)
        why = "a size is {\"kind\": ..., \"value\": ...}";
    else if (k == SIZE_NONE)
        why = "kind is one of length_cm, shoe_eu, clothing, head_cm, wheel_in, other";
    else if (json_is_number(value))
        size_from_number(k, json_number_value(value), out, &why);
    else if (json_is_string(value))
        size_from_text(k, json_string_value(value), out, &why);
    else
        why = "value is a number or text";
    if (why) {
        *out = (struct size){ 0 };
        input_error(in, "size", "invalid", why);
    }
}

/* The branch field as an id (0 when absent or bad, with the problem recorded). */
static int read_branch(struct input *in, struct reply *rep, bool *failed)
{
    const char *slug = input_string(in, "branch", true, 40);
    int id = 0;
    if (!slug)
        return 0;
    enum store_status st = store_branch_id(slug, &id);
    if (st == STORE_NOT_FOUND)
        input_error(in, "branch", "not_found", "there is no such branch");
    else if (st < 0) {
        api_store_failure(rep, st);
        *failed = true;
    }
    return id;
}

static void own_branch_only(struct reply *rep)
{
    reply_problem(rep, PROBLEM_other_branch,
                  "Staff of a branch take in and change items of their own branch.");
}

void items_create(struct req *req, struct reply *rep)
{
    struct input in;
    input_begin(&in, req->json,
                (const char *[]){ "branch", "category", "name", "brand", "size", "condition",
                                  "status", "notes", "donated_on", "allow_duplicate", NULL });
    struct item_fields f = { 0 };
    bool failed = false, allow_duplicate = false;
    /* Staff bound to a branch take in at their branch unless they name it. */
    if (input_has(&in, "branch") || api_scope(req) == 0)
        f.branch_id = read_branch(&in, rep, &failed);
    else
        f.branch_id = api_scope(req);
    if (failed) {
        input_end(&in);
        return;
    }
    long long category = 0;
    input_int(&in, "category", true, 1, API_MAX_INT_ID, &category);
    f.category_id = (int)category;
    f.name = input_string(&in, "name", true, ITEM_NAME_MAX);
    f.brand = input_string(&in, "brand", false, ITEM_BRAND_MAX);
    read_size(&in, req->json, &f.size);
    f.condition = input_enum(&in, "condition", false, item_conditions);
    f.status = input_enum(&in, "status", false, (const char *[]){ "intake", "available", NULL });
    f.notes = input_string(&in, "notes", false, ITEM_NOTES_MAX);
    f.donated_on = input_date(&in, "donated_on", false);
    input_bool(&in, "allow_duplicate", false, &allow_duplicate);
    if (!input_ok(&in, rep))
        return;
    if (!api_scope_allows(req, f.branch_id)) {
        own_branch_only(rep);
        return;
    }

    struct item it;
    enum item_outcome outcome;
    char duplicate_of[ITEM_CODE_MAX + 1];
    enum store_status st =
        store_item_create(req->who->id, &f, allow_duplicate, &it, &outcome, duplicate_of);
    if (st == STORE_OK && outcome == ITEM_DUPLICATE) {
        char *detail = xasprintf("%s has the same category, name and size and was taken in a "
                                 "moment ago; send allow_duplicate to take in another.",
                                 duplicate_of);
        reply_problem_extra(rep, PROBLEM_possible_duplicate, detail,
                            json_pack("{s:s}", "item", duplicate_of));
        free(detail);
        return;
    }
    if (st != STORE_OK || outcome != ITEM_DONE) {
        api_item_refused(rep, st, outcome);
        return;
    }
    reply_headerf(rep, "Location", "/api/items/%s", it.code);
    reply_json(rep, 201, api_item_json(&it));
    store_item_clear(&it);
}

void items_update(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!api_path_code(req, rep, code))
        return;
    struct input in;
    input_begin(&in, req->json,
                (const char *[]){ "branch", "category", "name", "brand", "size", "condition",
                                  "donated_on", "notes", NULL });
    struct item_fields f = { 0 };
    bool failed = false;
    long long category;
    if (input_has(&in, "branch")) {
        f.set |= ITEM_SET_BRANCH;
        f.branch_id = read_branch(&in, rep, &failed);
        if (failed) {
            input_end(&in);
            return;
        }
    }
    if (input_has(&in, "category")) {
        f.set |= ITEM_SET_CATEGORY;
        if (input_int(&in, "category", true, 1, API_MAX_INT_ID, &category))
            f.category_id = (int)category;
    }
    if (input_has(&in, "name")) {
        f.set |= ITEM_SET_NAME;
        f.name = input_string(&in, "name", true, ITEM_NAME_MAX);
    }
    if (input_has(&in, "brand")) {
        f.set |= ITEM_SET_BRAND;
        f.brand = input_string(&in, "brand", false, ITEM_BRAND_MAX);
    }
    if (input_has(&in, "size")) {
        f.set |= ITEM_SET_SIZE;
        read_size(&in, req->json, &f.size);
    }
    if (input_has(&in, "condition")) {
        f.set |= ITEM_SET_CONDITION;
        f.condition = input_enum(&in, "condition", true, item_conditions);
    }
    if (input_has(&in, "donated_on")) {
        f.set |= ITEM_SET_DONATED_ON;
        f.donated_on = input_date(&in, "donated_on", true);
    }
    if (input_has(&in, "notes")) {
        f.set |= ITEM_SET_NOTES;
        f.notes = input_string(&in, "notes", false, ITEM_NOTES_MAX);
    }
    if (!input_ok(&in, rep))
        return;
    if ((f.set & ITEM_SET_BRANCH) && !api_scope_allows(req, f.branch_id)) {
        own_branch_only(rep);
        return;
    }

    struct item it;
    enum item_outcome outcome;
    enum store_status st = store_item_update(req->who->id, code, api_scope(req), &f, &it, &outcome);
    if (st != STORE_OK || outcome != ITEM_DONE) {
        api_item_refused(rep, st, outcome);
        return;
    }
    reply_json(rep, 200, api_item_json(&it));
    store_item_clear(&it);
}

/* Status ------------------------------------------------------------------------------------ */

/* The longest note of a status change, in characters. */
#define STATUS_NOTE_MAX 1000

void items_set_status(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!api_path_code(req, rep, code))
        return;
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "to", "reason", "note", NULL });
    const char *to = input_enum(&in, "to", true, item_statuses);
    const char *reason = input_enum(&in, "reason", false, item_retire_reasons);
    const char *note = input_string(&in, "note", false, STATUS_NOTE_MAX);
    bool retiring = to && strcmp(to, "retired") == 0;
    bool other = reason && strcmp(reason, "other") == 0;
    if (retiring && !reason && !input_has(&in, "reason"))
        input_error(&in, "reason", "required",
                    "retiring needs a reason: worn_out, broken, unsafe, given_away or other");
    else if (reason && to && !retiring)
        input_error(&in, "reason", "not_retired", "only retiring takes a reason");
    if (other && !note)
        input_error(&in, "note", "required", "the reason other is said in the note");
    else if (other && text_chars(note) > ITEM_REASON_MAX)
        input_error(&in, "note", "too_long",
                    "the words of the reason other are at most 200 characters");
    if (!input_ok(&in, rep))
        return;

    struct store_item_status s = {
        .staff_id = req->who->id,
        .scope = api_scope(req),
        .manager = req->who->role >= ROLE_MANAGER,
        .code = code,
        .to = to,
        .reason = other ? note : reason,
        .reason_word = reason,
        .note = note,
    };
    struct item it;
    enum store_status st = store_item_set_status(&s, &it);
    if (st == STORE_OK && s.outcome == ITEM_NOT_ALLOWED) {
        char *detail = xasprintf("An item that is %s cannot become %s.", s.from, to);
        reply_problem_extra(rep, PROBLEM_status_change_refused, detail,
                            json_pack("{s:s, s:s}", "from", s.from, "to", to));
        free(detail);
        return;
    }
    if (st == STORE_OK && s.outcome == ITEM_LOSS_TOO_EARLY) {
        char *detail = xasprintf("The loan is %d days overdue; its branch closes loans as lost "
                                 "after %d days.",
                                 s.overdue_days > 0 ? s.overdue_days : 0, s.lost_after_days);
        reply_problem_extra(rep, PROBLEM_loan_not_lost_yet, detail,
                            json_pack("{s:i, s:i}", "overdue_days",
                                      s.overdue_days > 0 ? s.overdue_days : 0, "lost_after_days",
                                      s.lost_after_days));
        free(detail);
        return;
    }
    if (st != STORE_OK || s.outcome != ITEM_DONE) {
        api_item_refused(rep, st, s.outcome);
        return;
    }
    reply_item_with_transitions(rep, 200, &it);
    store_item_clear(&it);
}

void items_repairs(struct req *req, struct reply *rep)
{
    long long page;
    int branch_id;
    if (!api_query_int(req, rep, "page", 1, API_MAX_PAGE, 1, &page) ||
        !api_query_branch(req, rep, false, &branch_id))
        return;
    if (!branch_id)
        branch_id = api_scope(req); /* staff of a branch: their own, unless they name another */
    char *json = NULL;
    enum store_status st = store_item_repairs(branch_id, (int)page, 50, &json);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    reply_bytes(rep, 200, "application/json", json, strlen(json));
}

/* CSV --------------------------------------------------------------------------------------- */

/*
 * How export names a category: its Swedish name when no other category has that name (so the
 * file reads well in a spreadsheet), else its id. Import takes either.
 */
static const char *category_label(const struct category *cats, size_t n, int id, char *buf,
                                  size_t buflen)
{
    for (size_t i = 0; i < n; i++)
        if (cats[i].id == id && cats[i].name_unique)
            return cats[i].name_sv;
    snprintf(buf, buflen, "%d", id);
    return buf;
}

void items_export(struct req *req, struct reply *rep)
{
    struct item_filter f;
    if (!read_filter(req, rep, &f))
        return;
    struct category *cats = NULL;
    size_t ncats = 0;
    struct item_page found = { 0 };
    enum store_status st = store_category_list(&cats, &ncats);
    if (st >= 0)
        st = store_item_search(&f, &found);
    if (st < 0) {
        store_category_list_free(cats, ncats);
        api_store_failure(rep, st);
        return;
    }

    struct buf out = BUF_INIT;
    item_csv_write_header(&out);
    for (size_t i = 0; i < found.n; i++) {
        const struct item *it = &found.items[i];
        char size[sizeof it->size.text + 32], category[16];
        size_value_text(&it->size, size, sizeof size);
        const char *values[ITEM_CSV_NCOLUMNS] = {
            [ITEM_CSV_CODE] = it->code,
            [ITEM_CSV_CATEGORY] =
                category_label(cats, ncats, it->category_id, category, sizeof category),
            [ITEM_CSV_NAME] = it->name,
            [ITEM_CSV_BRAND] = it->brand,
            [ITEM_CSV_SIZE_KIND] = size_kind_name(it->size.kind),
            [ITEM_CSV_SIZE_VALUE] = size,
            [ITEM_CSV_CONDITION] = it->condition,
            [ITEM_CSV_STATUS] = it->status,
            [ITEM_CSV_RETIRED_REASON] = it->retired_reason,
            [ITEM_CSV_DONATED_ON] = it->donated_on,
            [ITEM_CSV_NOTES] = it->notes,
        };
        item_csv_write_row(&out, values);
    }
    store_item_page_free(&found);
    store_category_list_free(cats, ncats);

    const char *branch = req_query(req, "branch");
    size_t len;
    char *body = buf_steal(&out, &len);
    reply_bytes(rep, 200, "text/csv; charset=utf-8", body, len);
    reply_headerf(rep, "Content-Disposition", "attachment; filename=\"hylla-items%s%s.csv\"",
                  f.branch_id ? "-" : "", f.branch_id ? branch : "");
}

/* The line problems (or notices) of an import as [{"line": N, "message": "..."}]. */
static json_t *line_notes_json(const struct line_note *notes, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        api_append(&arr,
                   json_pack("{s:i, s:s}", "line", notes[i].line, "message", notes[i].message));
    return arr;
}

void items_import(struct req *req, struct reply *rep)
{
    const char *slug = req_query(req, "branch");
    bool dry_run;
    if (!api_query_bool(req, rep, "dry_run", &dry_run))
        return;
    int branch_id = api_scope(req);
    if (slug && *slug) {
        enum store_status st = store_branch_id(slug, &branch_id);
        if (st == STORE_NOT_FOUND) {
            api_bad_query(rep, "The branch argument names no branch.");
            return;
        }
        if (st < 0) {
            api_store_failure(rep, st);
            return;
        }
    } else if (!branch_id) {
        api_bad_query(rep, "Name the branch to import into: ?branch=SLUG.");
        return;
    }
    if (!api_scope_allows(req, branch_id)) {
        own_branch_only(rep);
        return;
    }

    struct item_csv c = { 0 };
    size_t imported = 0;
    enum store_status st = store_import_items(req->who->id, branch_id, req->body ? req->body : "",
                                              req->body_len, dry_run, &c, &imported);
    if (st < 0)
        api_store_failure(rep, st);
    else if (c.nerrors)
        reply_problem_errors(rep, PROBLEM_import_failed, line_notes_json(c.errors, c.nerrors));
    else
        reply_json(rep, 200,
                   json_pack("{s:I, s:b, s:o}", "imported", (json_int_t)imported, "dry_run",
                             dry_run, "notices", line_notes_json(c.notices, c.nnotices)));
    item_csv_free(&c);
}
