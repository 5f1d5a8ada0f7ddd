/* borrowers: registering, finding, changing and erasing borrowers (see borrowers.h). */
#include "borrowers.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/label.h"
#include "core/phone.h"
#include "core/text.h"
#include "store/borrower_store.h"
#include "store/branch_store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PER_PAGE 50

/* The genders a borrower may give, for the statistics only ("ej_angivet": would rather not say). */
static const char *const genders[] = { "kvinna", "man", "annat", "ej_angivet", NULL };

static void not_found(struct reply *rep)
{
    reply_problem(rep, PROBLEM_borrower_not_found, NULL);
}

/*
 * Answer for a rule the store found broken: 409 for a phone number or card the branch already
 * has, naming the borrower who has it; 422 on the field for the household rules.
 */
static void reply_conflict(struct reply *rep, enum store_borrower_conflict conflict,
                           long long existing_id)
{
    struct input in;
    input_begin(&in, NULL, NULL);
    switch (conflict) {
    case STORE_BORROWER_PHONE_TAKEN:
    case STORE_BORROWER_CARD_TAKEN:
        input_end(&in);
        reply_problem_extra(
            rep, conflict == STORE_BORROWER_PHONE_TAKEN ? PROBLEM_phone_taken : PROBLEM_card_taken,
            NULL, existing_id ? json_pack("{s:I}", "borrower_id", (json_int_t)existing_id) : NULL);
        return;
    case STORE_BORROWER_GUARDIAN_UNKNOWN:
        input_error(&in, "guardian_id", "not_found",
                    "must be the id of another borrower of the same branch");
        break;
    case STORE_BORROWER_GUARDIAN_IS_CHILD:
        input_error(&in, "guardian_id", "is_child", "a child cannot be a guardian");
        break;
    case STORE_BORROWER_HAS_CHILDREN:
        input_error(&in, "guardian_id", "has_children",
                    "a borrower with children cannot become a child");
        break;
    case STORE_BORROWER_PHONE_REQUIRED:
        input_error(&in, "phone", "required", "a borrower without a guardian needs a phone number");
        break;
    case STORE_BORROWER_BIRTH_YEAR_REQUIRED:
    case STORE_BORROWER_NO_CONFLICT:
        input_error(&in, "birth_year", "required", "a child needs a birth year");
        break;
    }
    input_reply(&in, rep);
}

/* A JSON string of text without the spaces around it. */
static json_t *trimmed(const char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    return json_stringn(text, n);
}

/*
 * Copy an optional text field into fields: absent stays absent, null clears, text is trimmed.
 * Required fields may not be null.
 */
static void text_field(struct input *in, json_t *fields, const char *field, size_t max,
                       bool required)
{
    if (!input_has(in, field)) {
        if (required)
            input_error(in, field, "required", "this field is required");
        return;
    }
    const char *v = input_string(in, field, required, max);
    if (v)
        json_object_set_new(fields, field, trimmed(v));
    else if (!required && json_is_null(json_object_get(in->obj, field)))
        json_object_set_new(fields, field, json_null());
}

/* Like text_field for a phone number, stored in E.164. */
static void phone_field(struct input *in, json_t *fields, const char *field, bool required)
{
    if (!input_has(in, field)) {
        if (required)
            input_error(in, field, "required", "this field is required");
        return;
    }
    const char *v = input_string(in, field, required, 40);
    char e164[PHONE_E164_SIZE];
    if (!v) {
        if (!required && json_is_null(json_object_get(in->obj, field)))
            json_object_set_new(fields, field, json_null());
    } else if (!phone_normalize(v, e164)) {
        input_error(in, field, "invalid",
                    "must be a phone number with its area code, such as 070-123 45 67");
    } else {
        json_object_set_new(fields, field, json_string(e164));
    }
}

/* An e-mail address that could be one: something@something.tld without spaces. */
static void email_field(struct input *in, json_t *fields)
{
    text_field(in, fields, "email", 254, false);
    const char *e = json_string_value(json_object_get(fields, "email"));
    if (!e)
        return;
    if (!api_email_plausible(e)) {
        input_error(in, "email", "invalid", "must be an e-mail address such as anna@example.se");
        json_object_del(fields, "email");
    }
}

/* An optional whole number in [min, max] copied into fields: absent stays absent, null clears. */
static void int_field(struct input *in, json_t *fields, const char *field, long long min,
                      long long max)
{
    long long n;
    if (input_int(in, field, false, min, max, &n))
        json_object_set_new(fields, field, json_integer(n));
    else if (input_has(in, field) && json_is_null(json_object_get(in->obj, field)))
        json_object_set_new(fields, field, json_null());
}

/* Whether the body gives the field a value (not absent, not null). */
static bool given(const struct input *in, const char *field)
{
    json_t *v = json_object_get(in->obj, field);
    return v && !json_is_null(v);
}

/* This year (UTC: a birth year may not be in the future anywhere). */
static long long this_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return tm.tm_year + 1900LL;
}

/*
 * The fields of a borrower as the store takes them; patch allows blocking and leaves out what
 * the body does not name. A new child (with a guardian_id) needs a birth year and no phone; a
 * new adult a phone. Returns NULL with errors recorded in in.
 */
static json_t *borrower_fields(struct input *in, bool patch)
{
    json_t *fields = json_object();
    text_field(in, fields, "name", 200, !patch);
    if (patch && input_has(in, "name") && json_is_null(json_object_get(in->obj, "name")))
        input_error(in, "name", "required", "a borrower needs a name");
    int_field(in, fields, "guardian_id", 1, API_MAX_ID);
    bool child = json_is_integer(json_object_get(fields, "guardian_id"));
    phone_field(in, fields, "phone", !patch && !child);
    email_field(in, fields);
    text_field(in, fields, "card", 64, false);
    int_field(in, fields, "birth_year", 1900, this_year());
    if (!patch && child && !given(in, "birth_year"))
        input_error(in, "birth_year", "required", "a child needs a birth year");
    if (input_has(in, "gender")) {
        const char *g = input_enum(in, "gender", false, genders);
        json_object_set_new(fields, "gender", g ? json_string(g) : json_null());
    }
    bool b;
    if (input_bool(in, "guardian_consent", false, &b))
        json_object_set_new(fields, "guardian_consent", json_boolean(b));
    text_field(in, fields, "notes", 2000, false);
    if (input_bool(in, "accepted_terms", false, &b))
        json_object_set_new(fields, "accepted_terms", json_boolean(b));
    const char *lang = input_enum(in, "language", false, (const char *[]){ "sv", "en", NULL });
    if (lang)
        json_object_set_new(fields, "language", json_string(lang));
    if (input_bool(in, "messages_opt_out", false, &b))
        json_object_set_new(fields, "messages_opt_out", json_boolean(b));
    if (patch) {
        bool blocked = false;
        if (input_bool(in, "blocked", false, &blocked))
            json_object_set_new(fields, "blocked", json_boolean(blocked));
        text_field(in, fields, "blocked_reason", 500, false);
        if (blocked && !json_is_string(json_object_get(fields, "blocked_reason")))
            input_error(in, "blocked_reason", "required", "say why the borrower is blocked");
    }
    if (input_failed(in)) {
        json_decref(fields);
        return NULL;
    }
    return fields;
}

/* Answer with the borrower as the store has it now. */
static void reply_borrower(struct req *req, struct reply *rep, int status, long long id)
{
    char *json = NULL;
    enum store_status st = store_borrower_get(id, api_scope(req), &json);
    if (st == STORE_OK)
        reply_bytes(rep, status, "application/json", json, strlen(json));
    else if (st == STORE_NOT_FOUND)
        not_found(rep);
    else
        api_store_failure(rep, st);
}

#define BORROWER_FIELD_NAMES                                                                       \
    "name", "phone", "email", "card", "birth_year", "gender", "guardian_id", "guardian_consent",   \
        "notes", "accepted_terms", "language", "messages_opt_out"

void borrowers_create(struct req *req, struct reply *rep)
{
    struct input in;
    input_begin(&in, req->json, (const char *[]){ BORROWER_FIELD_NAMES, "branch", NULL });
    json_t *fields = borrower_fields(&in, false);

    /*
     * The named branch, or the staff member's own; network-wide staff must name one, except for
     * a child, who belongs to their guardian's branch (0: the store takes it from the guardian).
     */
    int branch_id = api_scope(req);
    enum store_status st = STORE_OK;
    const char *slug = input_string(&in, "branch", false, 40);
    if (slug) {
        st = store_branch_id(slug, &branch_id);
        if (st == STORE_NOT_FOUND)
            input_error(&in, "branch", "unknown", "there is no branch with this name");
    } else if (branch_id == 0 && !json_is_integer(json_object_get(fields, "guardian_id")) &&
               (!input_has(&in, "branch") || json_is_null(json_object_get(req->json, "branch")))) {
        input_error(&in, "branch", "required", "name the branch the borrower belongs to");
    }
    if (!input_ok_lookup(&in, rep, st)) {
        json_decref(fields);
        return;
    }
    /* 403, not 404: branches are not secret, only their borrowers are. */
    if (branch_id && !api_scope_allows(req, branch_id)) {
        json_decref(fields);
        api_branch_forbidden(rep, "Staff of a branch register borrowers of their own branch.");
        return;
    }

    char *text = json_dumps(fields, JSON_COMPACT);
    json_decref(fields);
    long long id = 0, existing = 0;
    enum store_borrower_conflict conflict;
    st = store_borrower_create(req->who->id, api_scope(req), branch_id, text, &id, &conflict,
                               &existing);
    free(text);
    if (conflict != STORE_BORROWER_NO_CONFLICT) {
        reply_conflict(rep, conflict, existing);
        return;
    }
    if (st != STORE_OK) {
        api_store_failure(rep, st);
        return;
    }
    reply_borrower(req, rep, 201, id);
    reply_headerf(rep, "Location", "/api/borrowers/%lld", id);
}

/* Saves the changed fields (taken) of borrower id; *conflict says why a unique field was refused. */
static enum store_status update_fields(struct req *req, long long id, json_t *fields,
                                       enum store_borrower_conflict *conflict, long long *existing)
{
    char *text = json_dumps(fields, JSON_COMPACT);
    json_decref(fields);
    enum store_status st =
        store_borrower_update(req->who->id, api_scope(req), id, text, conflict, existing);
    free(text);
    return st;
}

static void reply_updated(struct req *req, struct reply *rep, long long id, enum store_status st,
                          enum store_borrower_conflict conflict, long long existing)
{
    if (conflict != STORE_BORROWER_NO_CONFLICT)
        reply_conflict(rep, conflict, existing);
    else if (st == STORE_NOT_FOUND)
        not_found(rep);
    else if (st < 0)
        api_store_failure(rep, st);
    else
        reply_borrower(req, rep, 200, id);
}

void borrowers_update(struct req *req, struct reply *rep)
{
    long long id;
    if (!api_path_id(req, 0, &id)) {
        not_found(rep);
        return;
    }
    struct input in;
    input_begin(&in, req->json,
                (const char *[]){ BORROWER_FIELD_NAMES, "blocked", "blocked_reason", NULL });
    json_t *fields = borrower_fields(&in, true);
    if (!input_ok(&in, rep))
        return;
    long long existing = 0;
    enum store_borrower_conflict conflict;
    enum store_status st = update_fields(req, id, fields, &conflict, &existing);
    reply_updated(req, rep, id, st, conflict, existing);
}

void borrowers_new_card(struct req *req, struct reply *rep)
{
    long long id;
    if (!api_path_id(req, 0, &id)) {
        not_found(rep);
        return;
    }
    /* A random code the branch may have already: another one then, a few times. */
    enum store_borrower_conflict conflict = STORE_BORROWER_CARD_TAKEN;
    enum store_status st = STORE_OK;
    long long existing = 0;
    for (int attempt = 0; attempt < 5 && conflict == STORE_BORROWER_CARD_TAKEN; attempt++) {
        char code[LABEL_CARD_CODE_SIZE];
        label_new_card_code(code);
        st = update_fields(req, id, json_pack("{s:s}", "card", code), &conflict, &existing);
    }
    reply_updated(req, rep, id, st, conflict, existing);
}

void borrowers_get(struct req *req, struct reply *rep)
{
    long long id;
    if (!api_path_id(req, 0, &id)) {
        not_found(rep);
        return;
    }
    reply_borrower(req, rep, 200, id);
}

void borrowers_export(struct req *req, struct reply *rep)
{
    long long id;
    if (!api_path_id(req, 0, &id)) {
        not_found(rep);
        return;
    }
    char *json = NULL;
    enum store_status st = store_borrower_export(req->who->id, api_scope(req), id, &json);
    if (st == STORE_NOT_FOUND) {
        not_found(rep);
    } else if (st < 0) {
        api_store_failure(rep, st);
    } else {
        reply_bytes(rep, 200, "application/json", json, strlen(json));
        reply_headerf(rep, "Content-Disposition",
                      "attachment; filename=\"registerutdrag-%lld.json\"", id);
    }
}

void borrowers_erase(struct req *req, struct reply *rep)
{
    long long id;
    if (!api_path_id(req, 0, &id)) {
        not_found(rep);
        return;
    }
    enum store_erase_refusal refusal;
    enum store_status st =
        store_borrower_erase(req->who->id, api_scope(req), id, 0, "request", &refusal);
    if (refusal == STORE_ERASE_OPEN_LOANS)
        reply_problem(rep, PROBLEM_borrower_has_open_loans,
                      "Take the items back (or undo the loans) before erasing the borrower.");
    else if (refusal == STORE_ERASE_HAS_CHILDREN)
        reply_problem(rep, PROBLEM_borrower_has_children,
                      "Erase the children first, or link them to another guardian.");
    else if (st == STORE_NOT_FOUND)
        not_found(rep);
    else if (st < 0)
        api_store_failure(rep, st);
    else
        reply_empty(rep, 204);
}

/* An ILIKE pattern that finds text anywhere in a name, with % _ and \ taken literally. */
static char *like_pattern(const char *text)
{
    struct buf b = BUF_INIT;
    buf_putc(&b, '%');
    for (; *text; text++) {
        if (*text == '%' || *text == '_' || *text == '\\')
            buf_putc(&b, '\\');
        buf_putc(&b, *text);
    }
    buf_putc(&b, '%');
    return buf_steal(&b, NULL);
}

/*
 * Split a search text into its words of four digits (each a birth year or the end of a phone
 * number), as an array literal into *numbers, and the other words, as an ILIKE pattern into
 * *words (NULL when there are none). Both NULL unless there are such numbers beside a word with
 * a letter ("Elsa 2015"), or the text is one such number ("2015"): digits alone in several
 * groups are a phone number ("0046 73 555 66 77"). Caller frees.
 */
static void split_numbers(const char *text, char **numbers, char **words)
{
    struct buf nums = BUF_INIT, rest = BUF_INIT;
    size_t count = 0;
    bool letters = false;
    *numbers = *words = NULL;
    for (const char *p = text; *p;) {
        while (isspace((unsigned char)*p))
            p++;
        size_t n = 0;
        while (p[n] && !isspace((unsigned char)p[n]))
            n++;
        bool number = n == 4;
        for (size_t i = 0; number && i < n; i++)
            number = isdigit((unsigned char)p[i]);
        for (size_t i = 0; !number && i < n; i++)
            letters = letters || isalpha((unsigned char)p[i]) || (unsigned char)p[i] >= 0x80;
        count += number;
        if (n) {
            struct buf *to = number ? &nums : &rest;
            buf_puts(to, to->len ? (number ? "," : " ") : "");
            buf_printf(to, "%.*s", (int)n, p);
        }
        p += n;
    }
    if (count && (letters || (count == 1 && !rest.len))) {
        *numbers = xasprintf("{%s}", nums.data);
        *words = rest.len ? like_pattern(rest.data) : NULL;
    }
    buf_free(&nums);
    buf_free(&rest);
}

void borrowers_list(struct req *req, struct reply *rep)
{
    struct store_borrower_query q = { .scope = api_scope(req), .per_page = PER_PAGE };
    long long page;
    if (!api_query_int(req, rep, "page", 1, API_MAX_PAGE, 1, &page))
        return;
    q.page = (int)page;

    if (!api_query_branch(req, rep, true, &q.branch_id))
        return;

    char *pattern = NULL, *text = NULL, *numbers = NULL, *words = NULL;
    char e164[PHONE_E164_SIZE], digits[PHONE_E164_SIZE];
    const char *raw = req_query(req, "q");
    json_t *t = raw ? json_stringn(raw, strlen(raw)) : NULL; /* NULL also for broken UTF-8 */
    if (raw && (!t || text_chars(raw) > 100)) {
        json_decref(t);
        api_bad_query(rep, "The query argument q must be text of at most 100 characters.");
        return;
    }
    if (t) {
        json_t *trim = trimmed(json_string_value(t));
        text = xstrdup(json_string_value(trim));
        json_decref(trim);
        json_decref(t);
    }
    if (text && *text) {
        pattern = like_pattern(text);
        q.name_like = pattern;
        q.card = text;
        if (phone_normalize(text, e164))
            q.phone = e164;
        if (phone_search_digits(text, digits))
            q.phone_digits = digits;
        split_numbers(text, &numbers, &words);
        q.numbers = numbers;
        q.words_like = words;
    }
    char *json = NULL;
    enum store_status st = store_borrower_search(&q, &json);
    free(pattern);
    free(text);
    free(numbers);
    free(words);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    reply_bytes(rep, 200, "application/json", json, strlen(json));
}
