/*
 * branches: the branches of the network (see branches.h). Opening hours are checked here down
 * to the minute, so that the due-date rules and the public page can trust them.
 */
#include "branches.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/text.h"
#include "store/branch_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A branch as every answer shows it: slug, name, municipality, address, contact, opening_hours,
 * closed_dates, loan_days, max_renewals, item_limit, lost_after_days, notice, code_prefix.
 * Caller owns it.
 */
static json_t *branches_json(const struct branch *b)
{
    return json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:i, s:i, s:o, s:s}", "slug", b->slug,
        "name", b->name, "municipality", api_text_or_null(b->municipality), "address",
        api_text_or_null(b->address), "contact", api_text_or_null(b->contact), "opening_hours",
        api_stored_json(b->opening_hours), "closed_dates", api_stored_json(b->closed_dates),
        "loan_days", b->loan_days, "max_renewals", b->max_renewals, "item_limit", b->item_limit,
        "lost_after_days", b->lost_after_days, "notice", api_text_or_null(b->notice), "code_prefix",
        b->code_prefix);
}

void branches_list(struct req *req, struct reply *rep)
{
    struct branch *list;
    size_t n;
    enum store_status st = store_branch_list(&list, &n);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        api_append(&arr, branches_json(&list[i]));
    store_branch_list_free(list, n);
    reply_json(rep, 200, json_pack("{s:o}", "branches", arr));
}

static void branch_not_found(struct reply *rep)
{
    reply_problem(rep, PROBLEM_branch_not_found, NULL);
}

void branches_get(struct req *req, struct reply *rep)
{
    struct branch b;
    enum store_status st = store_branch_get(req->params[0], &b);
    if (st == STORE_NOT_FOUND) {
        branch_not_found(rep);
        return;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    reply_json(rep, 200, branches_json(&b));
    store_branch_clear(&b);
}

/* Minutes since midnight of "HH:MM" (00:00 to 24:00), or -1. */
static int clock_minutes(const json_t *v)
{
    const char *t = json_string_value(v);
    if (!t || strlen(t) != 5 || t[2] != ':' || !isdigit((unsigned char)t[0]) ||
        !isdigit((unsigned char)t[1]) || !isdigit((unsigned char)t[3]) ||
        !isdigit((unsigned char)t[4]))
        return -1;
    int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

/*
 * Opening hours: {"mon": [["15:00","18:00"]], ...} with weekdays mon..sun, each a list of at
 * most four [open, close] pairs in order that do not overlap. A missing weekday is closed.
 */
static void check_hours(struct input *in, const json_t *hours)
{
    static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL };
    if (!json_is_object(hours)) {
        input_error(in, "opening_hours", "invalid", "must be an object of weekdays");
        return;
    }
    const char *day;
    json_t *spans;
    json_object_foreach((json_t *)hours, day, spans)
    {
        bool known = false;
        for (size_t i = 0; days[i]; i++)
            known = known || strcmp(days[i], day) == 0;
        if (!known) {
            input_error(in, "opening_hours", "invalid",
                        "weekdays are written mon, tue, wed, thu, fri, sat, sun");
            return;
        }
        if (!json_is_array(spans) || json_array_size(spans) > 4) {
            input_error(in, "opening_hours", "invalid",
                        "each weekday has a list of at most four [\"HH:MM\", \"HH:MM\"] pairs");
            return;
        }
        int last_close = -1;
        size_t i;
        json_t *span;
        json_array_foreach(spans, i, span)
        {
            int open = json_array_size(span) == 2 ? clock_minutes(json_array_get(span, 0)) : -1;
            int close = json_array_size(span) == 2 ? clock_minutes(json_array_get(span, 1)) : -1;
            if (!json_is_array(span) || open < 0 || close < 0) {
                input_error(in, "opening_hours", "invalid",
                            "opening hours are pairs of times such as [\"15:00\", \"18:00\"]");
                return;
            }
            if (open >= close || open < last_close) {
                input_error(in, "opening_hours", "invalid",
                            "each day's hours must close after they open, in order, without "
                            "overlapping");
                return;
            }
            last_close = close;
        }
    }
}

static void check_closed_dates(struct input *in, const json_t *dates)
{
    if (!json_is_array(dates) || json_array_size(dates) > 1000) {
        input_error(in, "closed_dates", "invalid", "must be a list of at most 1000 dates");
        return;
    }
    size_t i;
    json_t *d;
    json_array_foreach(dates, i, d)
    {
        if (!json_is_string(d) || !text_is_iso_date(json_string_value(d))) {
            input_error(in, "closed_dates", "invalid", "each date is written YYYY-MM-DD");
            return;
        }
    }
}

static bool slug_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 40 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-') ||
            (unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/*
 * A text field into *out and its bit into *set when the body has it (or must: required). name
 * is required whenever it is there; the others take null to clear.
 */
static void text_field(struct input *in, const char *field, size_t max, bool required, unsigned bit,
                       const char **out, unsigned *set)
{
    bool name = bit == BRANCH_SET_NAME;
    if (!required && !input_has(in, field))
        return;
    *out = input_string(in, field, required || name, max);
    *set |= bit;
}

/*
 * Read the fields of a create (slug and name required) or an update into f. Strings point into
 * the body, except *hours_text and *dates_text (the caller frees them) and the prefix.
 */
static void read_fields(struct input *in, json_t *body, bool creating, struct branch_fields *f,
                        char **hours_text, char **dates_text, char prefix[CODE_PREFIX_MAX + 1])
{
    *f = (struct branch_fields){ 0 };
    *hours_text = *dates_text = NULL;
    if (creating) {
        f->slug = input_string(in, "slug", true, 40);
        if (f->slug && !slug_valid(f->slug))
            input_error(in, "slug", "invalid",
                        "1 to 40 of a-z, 0-9 and -, not starting or ending with -");
    }
    text_field(in, "name", 200, creating, BRANCH_SET_NAME, &f->name, &f->set);
    text_field(in, "municipality", 200, false, BRANCH_SET_MUNICIPALITY, &f->municipality, &f->set);
    text_field(in, "address", 300, false, BRANCH_SET_ADDRESS, &f->address, &f->set);
    text_field(in, "contact", 300, false, BRANCH_SET_CONTACT, &f->contact, &f->set);
    text_field(in, "notice", 1000, false, BRANCH_SET_NOTICE, &f->notice, &f->set);
    long long n;
    if (input_has(in, "loan_days") && input_int(in, "loan_days", true, 1, 365, &n)) {
        f->loan_days = (int)n;
        f->set |= BRANCH_SET_LOAN_DAYS;
    }
    if (input_has(in, "max_renewals") && input_int(in, "max_renewals", true, 0, 20, &n)) {
        f->max_renewals = (int)n;
        f->set |= BRANCH_SET_RENEWALS;
    }
    if (input_has(in, "item_limit") && input_int(in, "item_limit", true, 1, 200, &n)) {
        f->item_limit = (int)n;
        f->set |= BRANCH_SET_ITEM_LIMIT;
    }
    if (input_has(in, "lost_after_days") && input_int(in, "lost_after_days", true, 1, 3650, &n)) {
        f->lost_after_days = (int)n;
        f->set |= BRANCH_SET_LOST_AFTER;
    }
    json_t *hours = json_object_get(body, "opening_hours");
    if (hours) {
        /* null: closed on every weekday, as {} */
        if (!json_is_null(hours))
            check_hours(in, hours);
        *hours_text = json_is_null(hours) ? xstrdup("{}") : json_dumps(hours, JSON_COMPACT);
        f->opening_hours = *hours_text;
        f->set |= BRANCH_SET_HOURS;
    }
    json_t *dates = json_object_get(body, "closed_dates");
    if (dates) {
        if (!json_is_null(dates))
            check_closed_dates(in, dates);
        *dates_text = json_is_null(dates) ? xstrdup("[]") : json_dumps(dates, JSON_COMPACT);
        f->closed_dates = *dates_text;
        f->set |= BRANCH_SET_CLOSED;
    }
    if (input_has(in, "code_prefix")) {
        const char *p = input_string(in, "code_prefix", true, CODE_PREFIX_MAX);
        if (p) {
            size_t i = 0;
            for (; p[i] && i < CODE_PREFIX_MAX; i++)
                prefix[i] = (char)toupper((unsigned char)p[i]);
            prefix[i] = '\0';
            if (!item_code_prefix_valid(prefix))
                input_error(in, "code_prefix", "invalid", "2 to 8 of A-Z and 0-9");
            f->code_prefix = prefix;
            f->set |= BRANCH_SET_PREFIX;
        }
    }
}

static const char *const branch_fields_allowed[] = {
    "slug",         "name",      "municipality", "address",    "contact",         "opening_hours",
    "closed_dates", "loan_days", "max_renewals", "item_limit", "lost_after_days", "notice",
    "code_prefix",  NULL,
};

/* The answer for a refused write, or false when there is none. */
static bool refused(struct reply *rep, enum store_status st, enum branch_outcome outcome)
{
    if (st == STORE_OK && outcome == BRANCH_SLUG_TAKEN) {
        reply_problem(rep, PROBLEM_slug_taken, NULL);
        return true;
    }
    if ((st == STORE_OK && outcome == BRANCH_PREFIX_TAKEN) ||
        (st == STORE_HARD_ERROR && store_error_is_unique_violation())) {
        reply_problem(rep, PROBLEM_code_prefix_taken, "Choose another code_prefix.");
        return true;
    }
    if (st == STORE_NOT_FOUND) {
        branch_not_found(rep);
        return true;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        return true;
    }
    return false;
}

static void write_branch(struct req *req, struct reply *rep, bool creating)
{
    struct input in;
    input_begin(&in, req->json, creating ? branch_fields_allowed : branch_fields_allowed + 1);
    struct branch_fields f;
    char *hours = NULL, *dates = NULL, prefix[CODE_PREFIX_MAX + 1];
    read_fields(&in, req->json, creating, &f, &hours, &dates, prefix);
    if (!input_ok(&in, rep))
        goto done;

    struct branch b;
    enum branch_outcome outcome;
    enum store_status st =
        creating ? store_branch_create(req->who->id, &f, &b, &outcome)
                 : store_branch_update(req->who->id, req->params[0], &f, &b, &outcome);
    if (refused(rep, st, outcome))
        goto done;
    if (creating)
        reply_headerf(rep, "Location", "/api/branches/%s", b.slug);
    reply_json(rep, creating ? 201 : 200, branches_json(&b));
    store_branch_clear(&b);
done:
    free(hours);
    free(dates);
}

void branches_create(struct req *req, struct reply *rep)
{
    write_branch(req, rep, true);
}

void branches_update(struct req *req, struct reply *rep)
{
    write_branch(req, rep, false);
}
