/* api: what every handler shares (see api.h). */
#include "api.h"

#include "core/buf.h"
#include "core/password.h"
#include "core/period.h"
#include "core/settings.h"
#include "core/text.h"
#include "store/branch_store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_store_failure(struct reply *rep, enum store_status st)
{
    if (st == STORE_SOFT_ERROR || store_error_is_unavailable()) {
        reply_problem(rep, PROBLEM_database_unavailable, "Try again in a moment.");
        reply_header(rep, "Retry-After", "2");
        return;
    }
    reply_problem(rep, PROBLEM_internal_error, "The error was logged on the server.");
}

bool api_store_found(struct reply *rep, enum store_status st, enum problem not_found,
                     const char *detail)
{
    if (st == STORE_NOT_FOUND)
        reply_problem(rep, not_found, detail);
    else if (st < 0)
        api_store_failure(rep, st);
    return st == STORE_OK;
}

int api_scope(const struct req *req)
{
    return req->who ? req->who->branch_id : 0;
}

bool api_scope_allows(const struct req *req, int branch_id)
{
    return req->who && (req->who->branch_id == 0 || req->who->branch_id == branch_id);
}

void api_branch_forbidden(struct reply *rep, const char *detail)
{
    reply_problem(rep, PROBLEM_branch_forbidden, detail);
}

bool api_path_id(const struct req *req, size_t i, long long *id)
{
    const char *s = i < req->nparams ? req->params[i] : NULL;
    if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
        return false;
    *id = strtoll(s, NULL, 10);
    return *id > 0 && *id <= API_MAX_ID;
}

bool api_path_code(const struct req *req, struct reply *rep, char code[ITEM_CODE_MAX + 1])
{
    if (req->nparams > 0 && item_code_normalize(req->params[0], code))
        return true;
    reply_problem(rep, PROBLEM_item_not_found, NULL);
    return false;
}

bool api_query_int(const struct req *req, struct reply *rep, const char *name, long long min,
                   long long max, long long fallback, long long *out)
{
    const char *text = req_query(req, name);
    if (!text || !*text) {
        *out = fallback;
        return true;
    }
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || v < min || v > max) {
        char *detail = xasprintf("The query argument %s must be a whole number from %lld to %lld.",
                                 name, min, max);
        api_bad_query(rep, detail);
        free(detail);
        return false;
    }
    *out = v;
    return true;
}

bool api_query_bool(const struct req *req, struct reply *rep, const char *name, bool *out)
{
    const char *text = req_query(req, name);
    *out = text && strcmp(text, "true") == 0;
    if (!text || !*text || *out || strcmp(text, "false") == 0)
        return true;
    char *detail = xasprintf("The query argument %s is true or false.", name);
    api_bad_query(rep, detail);
    free(detail);
    return false;
}

void api_bad_query(struct reply *rep, const char *detail)
{
    reply_problem(rep, PROBLEM_invalid_query, detail);
}

bool api_query_item_match(const struct req *req, struct reply *rep, struct item_match *m)
{
    *m = (struct item_match){ 0 };
    m->q = req_query(req, "q");
    if (m->q && text_chars(m->q) > 200) { /* UTF-8: the router checked it */
        api_bad_query(rep, "The search text q has at most 200 characters.");
        return false;
    }
    long long n;
    if (!api_query_int(req, rep, "category", 1, API_MAX_INT_ID, 0, &n))
        return false;
    m->category_id = (int)n;
    const char *kind = req_query(req, "size_kind");
    if (kind && *kind && (m->size_kind = size_kind_from_name(kind)) == SIZE_NONE) {
        api_bad_query(rep, "size_kind is one of length_cm, shoe_eu, clothing, head_cm, wheel_in, "
                           "other.");
        return false;
    }
    const char *min = req_query(req, "size_min"), *max = req_query(req, "size_max");
    if (min && *min && !(m->has_size_min = size_parse_bound(min, &m->size_min))) {
        api_bad_query(rep, "size_min must be a number.");
        return false;
    }
    if (max && *max && !(m->has_size_max = size_parse_bound(max, &m->size_max))) {
        api_bad_query(rep, "size_max must be a number.");
        return false;
    }
    return true;
}

bool api_query_branch(const struct req *req, struct reply *rep, bool scoped, int *branch_id)
{
    *branch_id = 0;
    const char *slug = req_query(req, "branch");
    if (!slug || !*slug)
        return true;
    enum store_status st = store_branch_id(slug, branch_id);
    if (st == STORE_NOT_FOUND) {
        api_bad_query(rep, "The query argument branch names no branch.");
        return false;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        return false;
    }
    if (scoped && !api_scope_allows(req, *branch_id)) {
        api_branch_forbidden(rep, "Staff of a branch see only their own branch's data.");
        return false;
    }
    return true;
}

/* A date argument, recording a problem when it is missing or not a real date. */
static const char *date_arg(const struct req *req, struct input *in, const char *name, long *day)
{
    const char *text = req_query(req, name);
    if (!text || !*text) {
        input_error(in, name, "required", "this query argument is required");
        return NULL;
    }
    if (!period_day_number(text, day)) {
        input_error(in, name, "invalid", "must be a date written YYYY-MM-DD");
        return NULL;
    }
    return text;
}

void api_query_period(const struct req *req, struct input *in, long max_days, const char **from,
                      const char **to)
{
    long first = 0, last = 0;
    *from = date_arg(req, in, "from", &first);
    *to = date_arg(req, in, "to", &last);
    if (!*from || !*to)
        return;
    if (last < first) {
        input_error(in, "to", "before_from", "must not be before from");
    } else if (last - first + 1 > max_days) {
        char msg[80];
        snprintf(msg, sizeof msg, "the period may be at most %ld days long here", max_days);
        input_error(in, "to", "too_long", msg);
    }
}

json_t *api_text_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

void api_append(json_t **list, json_t *item)
{
    if (*list && (!item || json_array_append_new(*list, item) != 0)) {
        json_decref(*list);
        *list = NULL;
    } else if (!*list) {
        json_decref(item);
    }
}

json_t *api_stored_json(const char *text)
{
    json_t *j = json_loads(text ? text : "null", JSON_DECODE_ANY, NULL);
    return j ? j : json_null();
}

json_t *api_staff_json(const struct staff_identity *who)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)who->id, "username",
                     who->username, "display_name", who->display_name, "role", role_name(who->role),
                     "branch", api_text_or_null(who->branch_slug), "must_change_password",
                     who->must_change_password);
}

json_t *api_category_json(const struct category *c)
{
    const char *kind = size_kind_name(c->size_kind);
    return json_pack("{s:i, s:o, s:i, s:s, s:s, s:o}", "id", c->id, "parent_id",
                     c->parent_id ? json_integer(c->parent_id) : json_null(), "depth", c->depth,
                     "name_sv", c->name_sv, "name_en", c->name_en, "size_kind",
                     kind ? json_string(kind) : json_null());
}

json_t *api_category_list(struct reply *rep, json_t *(*one)(const struct category *c),
                          bool with_hidden)
{
    struct category *list;
    size_t n;
    enum store_status st = store_category_list(&list, &n);
    if (st < 0) {
        api_store_failure(rep, st);
        return NULL;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (with_hidden || list[i].shown)
            api_append(&arr, one(&list[i]));
    store_category_list_free(list, n);
    if (!arr)
        reply_problem(rep, PROBLEM_internal_error, NULL);
    return arr;
}

json_t *api_size_json(const struct size *size)
{
    if (size->kind == SIZE_NONE)
        return json_null();
    json_t *value;
    if (!size_kind_is_numeric(size->kind))
        value = json_string(size->text);
    else if (size->num == floor(size->num) && fabs(size->num) < 1e15)
        value = json_integer((json_int_t)size->num);
    else
        value = json_real(size->num);
    return json_pack("{s:s, s:o}", "kind", size_kind_name(size->kind), "value", value);
}

char *api_photo_url(const char *code, const char *photo_etag)
{
    return photo_etag[0] ? xasprintf("/api/items/%s/photo?v=%s", code, photo_etag) : NULL;
}

/* s in a JSON string, escaped as jansson escapes it: '"', '\\' and the control characters. */
static void json_chars(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *run = s, *p = s;
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(b, run, (size_t)(p - run));
        run = p + 1;
        char esc[6] = { '\\', (char)c };
        size_t n = 2;
        switch (c) {
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '"':
        case '\\':
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        buf_append(b, esc, n);
    }
    buf_append(b, run, (size_t)(p - run));
}

void api_json_string(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    json_chars(b, s);
    buf_putc(b, '"');
}

/* A member "key": s, or "key": null for NULL and "" (api_text_or_null); key needs no escapes. */
static void member_text(struct buf *b, const char *key, const char *s, bool or_null)
{
    buf_puts(b, key);
    if (or_null && (!s || !*s))
        buf_puts(b, "null");
    else
        api_json_string(b, s);
}

/* A whole number as jansson writes it. */
static void json_integer_text(struct buf *b, long long v)
{
    char digits[24];
    size_t n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[sizeof digits - ++n] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[sizeof digits - ++n] = '-';
    buf_append(b, digits + sizeof digits - n, n);
}

/* api_size_json as text. */
static void size_text(struct buf *b, const struct size *size)
{
    if (size->kind == SIZE_NONE) {
        buf_puts(b, "null");
        return;
    }
    buf_puts(b, "{\"kind\":");
    api_json_string(b, size_kind_name(size->kind));
    buf_puts(b, ",\"value\":");
    if (!size_kind_is_numeric(size->kind)) {
        api_json_string(b, size->text);
    } else if (size->num == floor(size->num) && fabs(size->num) < 1e15) {
        json_integer_text(b, (long long)size->num);
    } else {
        /* A fraction (a shoe of 42.5): jansson's own digits, which this seldom needs. */
        char text[64];
        json_t *real = json_real(size->num);
        size_t n = real ? json_dumpb(real, text, sizeof text,
                                     JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15))
                        : 0;
        json_decref(real);
        if (n > 0 && n < sizeof text)
            buf_append(b, text, n);
        else
            buf_puts(b, "null"); /* not a number: numeric columns hold none */
    }
    buf_putc(b, '}');
}

void api_item_json_members(struct buf *b, const struct item *it)
{
    member_text(b, "\"code\":", it->code, false);
    member_text(b, ",\"branch\":", it->branch_slug, false);
    buf_puts(b, ",\"category\":{\"id\":");
    json_integer_text(b, it->category_id);
    member_text(b, ",\"name_sv\":", it->category_sv, false);
    member_text(b, ",\"name_en\":", it->category_en, false);
    member_text(b, "},\"name\":", it->name, false);
    member_text(b, ",\"brand\":", it->brand, true);
    buf_puts(b, ",\"size\":");
    size_text(b, &it->size);
    member_text(b, ",\"condition\":", it->condition, false);
    member_text(b, ",\"status\":", it->status, false);
    member_text(b, ",\"retired_reason\":", it->retired_reason, true);
    member_text(b, ",\"donated_on\":", it->donated_on, false);
    member_text(b, ",\"notes\":", it->notes, true);
    buf_puts(b, ",\"photo_url\":");
    if (it->photo_etag[0]) {
        buf_puts(b, "\"/api/items/");
        json_chars(b, it->code);
        buf_puts(b, "/photo?v=");
        json_chars(b, it->photo_etag);
        buf_putc(b, '"');
    } else {
        buf_puts(b, "null");
    }
    member_text(b, ",\"due_date\":", it->due_date, true);
    member_text(b, ",\"created_at\":", it->created_at, false);
    member_text(b, ",\"updated_at\":", it->updated_at, false);
    member_text(b, ",\"label_printed_at\":", it->label_printed_at, true);
}

json_t *api_item_json(const struct item *it)
{
    /* One definition of the item's JSON: the text the desk's lookup sends, parsed. */
    struct buf b = BUF_INIT;
    buf_putc(&b, '{');
    api_item_json_members(&b, it);
    buf_putc(&b, '}');
    json_t *j = json_loadb(b.data, b.len, 0, NULL);
    buf_free(&b);
    return j;
}

char *api_item_code(const char *text)
{
    char code[ITEM_CODE_MAX + 1];
    return xstrdup(item_code_normalize(text, code) ? code : text);
}

void api_free_codes(char **codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(codes[i]);
    free(codes);
}

char **api_input_codes(struct input *in, size_t max, size_t *n)
{
    json_t *items = json_object_get(in->obj, "items");
    *n = 0;
    if (!items || json_is_null(items)) {
        input_error(in, "items", "required", "this field is required");
        return NULL;
    }
    if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > max) {
        char *msg = xasprintf("must be a list of 1 to %zu item codes", max);
        input_error(in, "items", "invalid", msg);
        free(msg);
        return NULL;
    }
    char **codes = xcalloc(json_array_size(items), sizeof *codes);
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v)
    {
        const char *text = json_string_value(v);
        if (!text || !*text || strlen(text) > 64) {
            input_error(in, "items", "invalid", "every item code must be text of 1 to 64 bytes");
            break;
        }
        codes[*n] = api_item_code(text);
        for (size_t j = 0; j < *n; j++) {
            if (strcmp(codes[j], codes[*n]) == 0) {
                char *msg = xasprintf("%s is listed twice", codes[*n]);
                input_error(in, "items", "duplicate", msg);
                free(msg);
                break;
            }
        }
        (*n)++;
    }
    if (input_failed(in)) {
        api_free_codes(codes, *n);
        *n = 0;
        return NULL;
    }
    return codes;
}

/* Whether a Host header is a plain host name or address with an optional port. */
static bool plain_host(const char *host)
{
    size_t n = host ? strlen(host) : 0;
    return n > 0 && n <= 255 &&
           strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == n;
}

char *api_public_url(const struct req *req)
{
    const char *host = req_header(req, "Host");
    char *url = settings->public_url ? xstrdup(settings->public_url)
                : plain_host(host)   ? xasprintf("http://%s", host)
                                     : xasprintf("http://%s", settings->listen);
    for (size_t n = strlen(url); n > 0 && url[n - 1] == '/'; n--)
        url[n - 1] = '\0';
    return url;
}

char *api_item_page_url(const struct req *req, const char *code)
{
    char *base = api_public_url(req);
    char *url = xasprintf("%s/i/%s", base, code);
    free(base);
    return url;
}

bool api_email_plausible(const char *e)
{
    const char *at = strchr(e, '@');
    return at && at != e && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
           at[strlen(at) - 1] != '.' && at[1] != '.' && !strpbrk(e, " \t\r\n");
}

const char *api_input_password(struct input *in, const char *field, bool required)
{
    static const char *const codes[] = {
        [PASSWORD_TOO_SHORT] = "too_short",
        [PASSWORD_TOO_LONG] = "too_long",
        [PASSWORD_COMMON] = "common",
    };
    const char *password = input_string(in, field, required, PASSWORD_MAX_LENGTH);
    const char *why;
    enum password_problem problem = password ? password_check(password, &why) : PASSWORD_ACCEPTABLE;
    if (problem == PASSWORD_ACCEPTABLE)
        return password;
    input_error(in, field, codes[problem], why);
    return NULL;
}

bool api_hash_password(const char *password, char *hash, struct reply *rep)
{
    enum password_result r = password_hash(password, hash);
    if (r == PASSWORD_BUSY) {
        reply_problem(rep, PROBLEM_busy, "Try again in a moment.");
        reply_header(rep, "Retry-After", "1");
        return false;
    }
    if (r != PASSWORD_MATCH) {
        reply_problem(rep, PROBLEM_internal_error, "The password was not set.");
        return false;
    }
    return true;
}

static void field_problem(struct reply *rep, const char *field, const char *code,
                          const char *message)
{
    reply_problem_errors(
        rep, PROBLEM_validation_failed,
        json_pack("[{s:s, s:s, s:s}]", "field", field, "code", code, "message", message));
}

void api_item_refused(struct reply *rep, enum store_status st, enum item_outcome outcome)
{
    if (!api_store_found(rep, st, PROBLEM_item_not_found, NULL))
        return;
    switch (outcome) {
    case ITEM_OTHER_BRANCH:
        reply_problem(rep, PROBLEM_other_branch,
                      "Staff of a branch change only their own branch's items.");
        return;
    case ITEM_IS_ON_LOAN:
        reply_problem(rep, PROBLEM_item_on_loan,
                      "Its status or branch changes once it is returned (POST /api/returns).");
        return;
    case ITEM_NO_CATEGORY:
        field_problem(rep, "category", "not_found", "there is no such category");
        return;
    case ITEM_NEEDS_REASON:
        field_problem(rep, "reason", "required", "retiring an item needs a reason");
        return;
    case ITEM_CODE_TAKEN:
        reply_problem(rep, PROBLEM_code_taken, NULL);
        return;
    case ITEM_NEEDS_SIZE:
        field_problem(rep, "size", "required", "items of this category have a size");
        return;
    case ITEM_NOT_ALLOWED:
        reply_problem(rep, PROBLEM_status_change_refused, NULL);
        return;
    case ITEM_LOSS_BY_MANAGER:
        reply_problem(rep, PROBLEM_lost_loan_forbidden, NULL);
        return;
    case ITEM_LOSS_TOO_EARLY:
        reply_problem(rep, PROBLEM_loan_not_lost_yet, NULL);
        return;
    case ITEM_DUPLICATE: /* answered by intake, which knows the code of the other item */
    case ITEM_DONE:
        break;
    }
    reply_problem(rep, PROBLEM_internal_error, NULL);
}
