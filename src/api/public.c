/* public: the open availability API (see public.h). */
#include "public.h"

#include "api/api.h"
#include "core/buf.h"
#include "core/text.h"
#include "embedded.h"
#include "http/gzip.h"
#include "store/public_store.h"
#include "store/site_store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* web/openapi.json, compiled in by tools/embed.c (src/meson.build). */
extern const struct embedded_file hylla_openapi[];

enum { PUBLIC_PER_PAGE = 48, PUBLIC_MAX_PER_PAGE = 100 };

/* Answer 200 with these bytes (taken over), or 304 when the client has them already. */
static void cached_answer(const struct req *req, struct reply *rep, const char *type, char *body,
                          size_t len)
{
    unsigned char hash[16];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)body, len, NULL, 0);
    char etag[2 * sizeof hash + 3];
    etag[0] = '"';
    sodium_bin2hex(etag + 1, sizeof etag - 2, hash, sizeof hash);
    strcat(etag, "\"");
    if (req_etag_matches(req, etag)) {
        free(body);
        reply_empty(rep, 304);
    } else {
        reply_bytes(rep, 200, type, body, len);
    }
    gzip_reply(req, rep); /* the ETag names the content, whichever encoding carries it */
    reply_header(rep, "ETag", etag);
    reply_header(rep, "Cache-Control", "public, max-age=30");
}

static void cached_json(const struct req *req, struct reply *rep, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(body);
    cached_answer(req, rep, "application/json", text, strlen(text));
}

static json_t *branch_json(const struct public_branch *b)
{
    json_t *j = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:I, s:I}", "slug", b->slug,
        "name", b->name, "municipality", api_text_or_null(b->municipality), "address",
        api_text_or_null(b->address), "contact", api_text_or_null(b->contact), "notice",
        api_text_or_null(b->notice), "opening_hours", api_stored_json(b->opening_hours), "seasons",
        api_stored_json(b->seasons), "closed_periods", api_stored_json(b->closed_periods), "today",
        b->today, "days", api_stored_json(b->days), "next_open", api_stored_json(b->next_open),
        "total_loans", (json_int_t)b->total_loans, "available_items", (json_int_t)b->available);
    json_object_update_new(j, json_pack("{s:o, s:o, s:o, s:o}", "phone", api_text_or_null(b->phone),
                                        "email", api_text_or_null(b->email), "latitude",
                                        b->has_position ? json_real(b->latitude) : json_null(),
                                        "longitude",
                                        b->has_position ? json_real(b->longitude) : json_null()));
    return j;
}

static void branch_not_found(struct reply *rep)
{
    reply_problem(rep, PROBLEM_branch_not_found, NULL);
}

void public_branches(struct req *req, struct reply *rep)
{
    struct public_branch *list;
    size_t n;
    enum store_status st = store_public_branches(NULL, NULL, &list, &n);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        api_append(&arr, branch_json(&list[i]));
    store_public_branches_free(list, n);
    cached_json(req, rep, json_pack("{s:o}", "branches", arr));
}

void public_branch(struct req *req, struct reply *rep)
{
    const char *from = req_query(req, "from");
    if (from && *from && !text_is_iso_date(from)) {
        api_bad_query(rep, "from is a date written YYYY-MM-DD.");
        return;
    }
    struct public_branch *list;
    size_t n;
    enum store_status st =
        store_public_branches(req->params[0], from && *from ? from : NULL, &list, &n);
    if (st == STORE_NOT_FOUND) {
        store_public_branches_free(list, n);
        branch_not_found(rep);
        return;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *j = branch_json(&list[0]);
    store_public_branches_free(list, n);
    cached_json(req, rep, j);
}

void public_categories(struct req *req, struct reply *rep)
{
    json_t *list = api_category_list(rep, api_category_json, false);
    if (list)
        cached_json(req, rep, json_pack("{s:o}", "categories", list));
}

/* The search of a public items request; answers 400 and returns false on a bad argument. */
static bool read_filter(const struct req *req, struct reply *rep, struct public_item_filter *f)
{
    *f = (struct public_item_filter){ 0 };
    f->branch = req_query(req, "branch");
    if (f->branch && strlen(f->branch) > 40) {
        api_bad_query(rep, "The branch argument is a branch's slug.");
        return false;
    }
    if (!api_query_item_match(req, rep, &f->match))
        return false;
    return api_query_bool(req, rep, "available", &f->available_only);
}

static json_t *item_json(const struct public_item *it)
{
    char *photo = api_photo_url(it->code, it->photo_etag);
    json_t *j =
        json_pack("{s:s, s:s, s:{s:i, s:s, s:s}, s:o, s:s, s:s, s:o, s:o}", "code", it->code,
                  "name", it->name, "category", "id", it->category_id, "name_sv", it->category_sv,
                  "name_en", it->category_en, "size", api_size_json(&it->size), "condition",
                  it->condition, "status", it->status, "due_date", api_text_or_null(it->due_date),
                  "photo_url", api_text_or_null(photo));
    free(photo);
    return j;
}

void public_items(struct req *req, struct reply *rep)
{
    struct public_item_filter f;
    long long page, per_page;
    if (!read_filter(req, rep, &f) || !api_query_int(req, rep, "page", 1, API_MAX_PAGE, 1, &page) ||
        !api_query_int(req, rep, "per_page", 1, PUBLIC_MAX_PER_PAGE, PUBLIC_PER_PAGE, &per_page))
        return;
    f.limit = per_page;
    f.offset = (page - 1) * per_page;
    struct public_item_page found;
    enum store_status st = store_public_items(&f, &found);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    if (!found.branch_found) {
        store_public_items_free(&found);
        branch_not_found(rep);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < found.n; i++)
        api_append(&items, item_json(&found.items[i]));
    json_t *body = json_pack("{s:o, s:I, s:I, s:I, s:o, s:o}", "items", items, "total",
                             (json_int_t)found.total, "page", (json_int_t)page, "per_page",
                             (json_int_t)per_page, "understood", api_stored_json(found.understood),
                             "nearest", api_stored_json(found.nearest));
    store_public_items_free(&found);
    cached_json(req, rep, body);
}

void public_item(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1], slug[48];
    struct public_item it;
    if (!item_code_normalize(req->params[0], code)) {
        reply_problem(rep, PROBLEM_item_not_found, NULL);
        return;
    }
    enum store_status st = store_public_item(code, &it, slug);
    if (st == STORE_NOT_FOUND) {
        reply_problem(rep, PROBLEM_item_not_found, NULL);
        return;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    struct public_branch *branch;
    size_t n;
    st = store_public_branches(slug, NULL, &branch, &n);
    if (st != STORE_OK) {
        store_public_branches_free(branch, n);
        store_public_item_clear(&it);
        api_store_failure(rep, st < 0 ? st : STORE_HARD_ERROR); /* the item's branch is there */
        return;
    }
    json_t *j = item_json(&it);
    json_object_set_new(j, "branch", branch_json(&branch[0]));
    store_public_branches_free(branch, n);
    store_public_item_clear(&it);
    cached_json(req, rep, j);
}

void public_text(struct req *req, struct reply *rep)
{
    struct site_text t;
    enum store_status st = store_site_text_get(req->params[0], &t);
    if (st == STORE_NOT_FOUND) {
        reply_problem(rep, PROBLEM_not_found, "There is no such text.");
        return;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    cached_json(req, rep,
                json_pack("{s:s, s:s, s:s}", "sv", t.sv, "en", t.en, "updated_at", t.updated_at));
    store_site_text_clear(&t);
}

void public_stats(struct req *req, struct reply *rep)
{
    long long network;
    struct public_branch_total *list;
    size_t n;
    enum store_status st = store_public_totals(&network, &list, &n);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        api_append(&arr, json_pack("{s:s, s:I}", "slug", list[i].slug, "total_loans",
                                   (json_int_t)list[i].total_loans));
    free(list);
    cached_json(req, rep,
                json_pack("{s:I, s:o}", "total_loans", (json_int_t)network, "branches", arr));
}

void public_openapi(struct req *req, struct reply *rep)
{
    const struct embedded_file *doc = &hylla_openapi[0];
    char *copy = xmalloc(doc->len + 1);
    memcpy(copy, doc->data, doc->len + 1);
    cached_answer(req, rep, "application/json", copy, doc->len);
}
