/* public: the open availability API (see public.h). */
#include "public.h"

#include "api/api.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/text.h"
#include "embedded.h"
#include "http/gzip.h"
#include "store/notify.h"
#include "store/public_store.h"
#include "store/site_store.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* web/openapi.json, compiled in by tools/embed.c (src/meson.build). */
extern const struct embedded_file hylla_openapi[];

enum { PUBLIC_PER_PAGE = 48, PUBLIC_MAX_PER_PAGE = 100 };

#define ETAG_SIZE 35 /* a quoted hex hash of 16 bytes, and the NUL */

static void etag_of(const char *body, size_t len, char etag[ETAG_SIZE])
{
    unsigned char hash[16];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)body, len, NULL, 0);
    etag[0] = '"';
    sodium_bin2hex(etag + 1, ETAG_SIZE - 2, hash, sizeof hash);
    strcat(etag, "\"");
}

/* Answer 200 with these bytes (taken over), or 304 when the client has them already. */
static void answer_with_etag(const struct req *req, struct reply *rep, const char *type, char *body,
                             size_t len, const char *etag)
{
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

static void cached_answer(const struct req *req, struct reply *rep, const char *type, char *body,
                          size_t len)
{
    char etag[ETAG_SIZE];
    etag_of(body, len, etag);
    answer_with_etag(req, rep, type, body, len, etag);
}

/*
 * The answers of the search, kept for identical requests (the same arguments in the same order)
 * for at most CACHE_SECONDS, in `hylla serve` (public_cache_start): within that window a search
 * costs one empty round trip (a sync, store/notify.h) instead of its statement. How long within
 * it an answer is kept depends on its key (half the window to all of it, spread evenly): answers
 * read together (the first visitors after a start or a change) expire at different moments, not
 * as one wave of statements that the answers kept would queue behind on the reads' lane (the
 * benchmark's search p99 was 40 x its p50 with one window for all). Bounded: at most
 * CACHE_ENTRIES answers, none larger than CACHE_MAX_BODY, CACHE_BYTES in all. A new answer takes
 * the place of its key's old one, else an empty or expired place, else the oldest answer's; when
 * the bytes would pass the bound, the expired answers go first, then the oldest. Finding one is
 * a pass over the hashes of the keys (a few hundred, under a microsecond). CACHE_BYTES holds the
 * answers of the benchmark's full data set (20 branches x 10 words, 2.1 MB: a page of 48 items
 * is about 11 kB) with room to spare, and keeps the peak at 256 connections under issue 14's 32
 * MiB (contrib/bench/README.md). They are all forgotten at once (public_cache_forget) when the
 * database says "public" (a change to the catalogue committed anywhere, migration 0017) and after
 * every change made through this server (routes.c); a loan made through another server shows
 * here once the window has passed.
 */
#define CACHE_ENTRIES  512
#define CACHE_SECONDS  5.0
#define CACHE_MAX_BODY (64 * 1024)
#define CACHE_BYTES    (4 * 1024 * 1024) /* the answers kept, all together */

struct cached_answer {
    char *key;     /* owned; NULL when the place is empty */
    uint64_t hash; /* of key */
    char *body;    /* owned */
    size_t len;
    char etag[ETAG_SIZE];
    double at;
};

static struct cached_answer cache[CACHE_ENTRIES];
static size_t cache_bytes;             /* of the bodies kept, under cache_lock */
static size_t cache_count;             /* places that keep an answer, under cache_lock */
static unsigned long cache_generation; /* moves on at every forget, under cache_lock */
static bool cache_on;                  /* set once, before the threads start */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* Empty a place that keeps an answer. Under cache_lock. */
static void cache_drop(struct cached_answer *c)
{
    cache_count--;
    cache_bytes -= c->len;
    free(c->key);
    free(c->body);
    *c = (struct cached_answer){ 0 };
}

void public_cache_forget(void)
{
    pthread_mutex_lock(&cache_lock);
    cache_generation++;
    /* Every change through this server forgets: mostly an empty cache, as the desk works. */
    for (size_t i = 0; i < CACHE_ENTRIES && cache_count > 0; i++)
        if (cache[i].key)
            cache_drop(&cache[i]);
    pthread_mutex_unlock(&cache_lock);
}

static void forget_public(const char *arg)
{
    (void)arg;
    public_cache_forget();
}

void public_cache_start(void)
{
    cache_on = store_notify_subscribe("public", forget_public) != NULL;
}

/* The key of a request: its path and its arguments, each with its length, in order. */
static char *cache_key(const struct req *req)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, req->path);
    for (size_t i = 0; i < req->nquery; i++)
        buf_printf(&b, "|%zu:%s=%zu:%s", strlen(req->query[i].key), req->query[i].key,
                   strlen(req->query[i].value), req->query[i].value);
    return buf_steal(&b, NULL);
}

static uint64_t cache_hash(const char *key)
{
    unsigned char h[8];
    crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v;
}

/* How long the answer of a key is kept: from half of CACHE_SECONDS to all of it, by its hash. */
static double cache_lifetime(uint64_t hash)
{
    return CACHE_SECONDS * (0.5 + 0.5 * (double)(hash % 1024) / 1023.0);
}

static bool cache_fresh(const struct cached_answer *c, double now)
{
    return c->key && now - c->at < cache_lifetime(c->hash);
}

/* The answer of key if the cache holds it now, else NULL. Under cache_lock. */
static struct cached_answer *cache_find(const char *key, uint64_t hash)
{
    double now = monotonic_s();
    for (size_t i = 0; i < CACHE_ENTRIES; i++) {
        struct cached_answer *c = &cache[i];
        if (c->hash == hash && cache_fresh(c, now) && strcmp(c->key, key) == 0)
            return c;
    }
    return NULL;
}

/*
 * Answer from the cache; false when it does not hold the answer. A kept answer is used only
 * after a sync has brought every change committed before the request. *generation for cache_put.
 */
static bool cache_answer(const struct req *req, struct reply *rep, const char *key, uint64_t hash,
                         unsigned long *generation)
{
    char *body = NULL;
    size_t len = 0;
    char etag[ETAG_SIZE];
    pthread_mutex_lock(&cache_lock);
    bool kept = cache_find(key, hash) != NULL;
    pthread_mutex_unlock(&cache_lock);
    if (kept && !store_notify_sync())
        kept = false;
    pthread_mutex_lock(&cache_lock);
    *generation = cache_generation;
    struct cached_answer *c = kept ? cache_find(key, hash) : NULL;
    if (c) {
        body = xmalloc(c->len + 1);
        memcpy(body, c->body, c->len + 1);
        len = c->len;
        memcpy(etag, c->etag, sizeof etag);
    }
    pthread_mutex_unlock(&cache_lock);
    if (!body)
        return false;
    answer_with_etag(req, rep, "application/json", body, len, etag);
    return true;
}

/* The place for key: its own, an empty or expired one, else the oldest answer's. */
static struct cached_answer *cache_place(const char *key, uint64_t hash, double now)
{
    struct cached_answer *best = &cache[0];
    for (size_t i = 0; i < CACHE_ENTRIES; i++) {
        struct cached_answer *c = &cache[i];
        if (c->key && c->hash == hash && strcmp(c->key, key) == 0)
            return c;
        if (cache_fresh(best, now) && (!cache_fresh(c, now) || c->at < best->at))
            best = c;
    }
    return best;
}

/* Make room for len more bytes: the expired answers go, then the oldest. Under cache_lock. */
static void cache_make_room(size_t len, double now)
{
    for (size_t i = 0; i < CACHE_ENTRIES && cache_bytes + len > CACHE_BYTES; i++)
        if (cache[i].key && !cache_fresh(&cache[i], now))
            cache_drop(&cache[i]);
    while (cache_bytes + len > CACHE_BYTES) {
        struct cached_answer *oldest = NULL;
        for (size_t i = 0; i < CACHE_ENTRIES; i++)
            if (cache[i].key && (!oldest || cache[i].at < oldest->at))
                oldest = &cache[i];
        if (!oldest)
            break;
        cache_drop(oldest);
    }
}

/* Keep an answer, unless something was forgotten since it was read (generation moved). */
static void cache_put(const char *key, uint64_t hash, unsigned long generation, const char *body,
                      size_t len, const char *etag)
{
    if (!cache_on || len > CACHE_MAX_BODY)
        return;
    pthread_mutex_lock(&cache_lock);
    if (generation == cache_generation) {
        double now = monotonic_s();
        struct cached_answer *c = cache_place(key, hash, now);
        if (c->key)
            cache_drop(c);
        cache_make_room(len, now);
        c->key = xstrdup(key);
        c->hash = hash;
        c->body = xmalloc(len + 1);
        memcpy(c->body, body, len + 1);
        c->len = len;
        memcpy(c->etag, etag, sizeof c->etag);
        c->at = now;
        cache_bytes += len;
        cache_count++;
    }
    pthread_mutex_unlock(&cache_lock);
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
    char *key = cache_key(req);
    uint64_t hash = cache_hash(key);
    unsigned long generation;
    if (cache_answer(req, rep, key, hash, &generation)) {
        free(key);
        return;
    }
    struct public_item_filter f;
    long long page, per_page;
    if (!read_filter(req, rep, &f) || !api_query_int(req, rep, "page", 1, API_MAX_PAGE, 1, &page) ||
        !api_query_int(req, rep, "per_page", 1, PUBLIC_MAX_PER_PAGE, PUBLIC_PER_PAGE, &per_page)) {
        free(key);
        return;
    }
    f.limit = per_page;
    f.offset = (page - 1) * per_page;
    struct public_item_page found;
    enum store_status st = store_public_items(&f, &found);
    if (st < 0) {
        free(key);
        api_store_failure(rep, st);
        return;
    }
    if (!found.branch_found) {
        free(key);
        store_public_items_free(&found);
        branch_not_found(rep);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < found.n; i++)
        api_append(&items, item_json(&found.items[i]));
    json_t *answer = json_pack(
        "{s:o, s:I, s:I, s:I, s:o, s:o}", "items", items, "total", (json_int_t)found.total, "page",
        (json_int_t)page, "per_page", (json_int_t)per_page, "understood",
        api_stored_json(found.understood), "nearest", api_stored_json(found.nearest));
    char *body = json_dumps(answer, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(answer);
    size_t len = strlen(body);
    store_public_items_free(&found);
    char etag[ETAG_SIZE];
    etag_of(body, len, etag);
    cache_put(key, hash, generation, body, len, etag);
    free(key);
    answer_with_etag(req, rep, "application/json", body, len, etag);
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
