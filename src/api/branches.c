/*
 * branches: the branches of the network (see branches.h). The calendar (opening hours, seasons,
 * closed periods) is checked here down to the minute, so that the SQL calendar that decides due
 * dates and the public site's days can trust its shape.
 *
 * Who may change a branch is routes.c's to say (new branches: network-wide admins; a branch's
 * settings: managers and admins of that branch, and of the whole network). A change of hours
 * never moves a due date by itself: the preview says which open loans would fall on closed days,
 * and moving them is a request of its own.
 */
#include "branches.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/phone.h"
#include "core/text.h"
#include "store/branch_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A branch as every answer shows it: slug, name, municipality, address, contact, phone, email,
 * latitude, longitude, opening_hours, seasons, closed_periods, loan_days, max_renewals,
 * item_limit, lost_after_days, notice, code_prefix, has_items (the prefix is fixed then),
 * label_format, receipt_format. Caller owns it.
 */
static json_t *branches_json(const struct branch *b)
{
    json_t *j = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:i, s:i, s:o, s:s, s:s, s:s}", "slug",
        b->slug, "name", b->name, "municipality", api_text_or_null(b->municipality), "address",
        api_text_or_null(b->address), "contact", api_text_or_null(b->contact), "opening_hours",
        api_stored_json(b->opening_hours), "seasons", api_stored_json(b->seasons), "closed_periods",
        api_stored_json(b->closed_periods), "loan_days", b->loan_days, "max_renewals",
        b->max_renewals, "item_limit", b->item_limit, "lost_after_days", b->lost_after_days,
        "notice", api_text_or_null(b->notice), "code_prefix", b->code_prefix, "label_format",
        b->label_format, "receipt_format", b->receipt_format);
    json_object_update_new(
        j, json_pack("{s:o, s:o, s:o, s:o, s:b}", "phone", api_text_or_null(b->phone), "email",
                     api_text_or_null(b->email), "latitude",
                     b->has_position ? json_real(b->latitude) : json_null(), "longitude",
                     b->has_position ? json_real(b->longitude) : json_null(), "has_items",
                     b->has_items));
    return j;
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

/* Record a problem with a calendar field, naming the entry of its list ("season 2") if any. */
static void calendar_error(struct input *in, const char *field, const char *entry, size_t n,
                           const char *message)
{
    char *text = entry ? xasprintf("%s %zu: %s", entry, n, message) : xstrdup(message);
    input_error(in, field, "invalid", text);
    free(text);
}

/*
 * Weekly opening hours: {"mon": [["15:00","18:00"]], ...} with weekdays mon..sun, each a list of
 * at most BRANCH_SPANS_MAX [open, close] pairs in order that do not overlap. A missing weekday is
 * closed. Problems go to field, about the n-th entry when entry names one (a season's hours).
 */
static bool check_hours(struct input *in, const char *field, const char *entry, size_t n,
                        const json_t *hours)
{
    static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL };
    if (!json_is_object(hours)) {
        calendar_error(in, field, entry, n, "opening hours must be an object of weekdays");
        return false;
    }
    const char *day;
    json_t *spans;
    json_object_foreach((json_t *)hours, day, spans)
    {
        bool known = false;
        for (size_t i = 0; days[i]; i++)
            known = known || strcmp(days[i], day) == 0;
        if (!known) {
            calendar_error(in, field, entry, n,
                           "weekdays are written mon, tue, wed, thu, fri, sat, sun");
            return false;
        }
        if (!json_is_array(spans) || json_array_size(spans) > BRANCH_SPANS_MAX) {
            calendar_error(in, field, entry, n,
                           "each weekday has a list of at most four [\"HH:MM\", \"HH:MM\"] pairs");
            return false;
        }
        int last_close = -1;
        size_t i;
        json_t *span;
        json_array_foreach(spans, i, span)
        {
            int open = json_array_size(span) == 2 ? clock_minutes(json_array_get(span, 0)) : -1;
            int close = json_array_size(span) == 2 ? clock_minutes(json_array_get(span, 1)) : -1;
            if (!json_is_array(span) || open < 0 || close < 0) {
                calendar_error(in, field, entry, n,
                               "opening hours are pairs of times such as [\"15:00\", \"18:00\"]");
                return false;
            }
            if (open >= close || open < last_close) {
                calendar_error(in, field, entry, n,
                               "each day's hours must close after they open, in order, without "
                               "overlapping");
                return false;
            }
            last_close = close;
        }
    }
    return true;
}

/* Whether an object has only the allowed keys (a NULL-ended list). */
static bool only_keys(const json_t *obj, const char *const allowed[])
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            known = known || strcmp(allowed[i], key) == 0;
        if (!known)
            return false;
    }
    return true;
}

/* Whether v is text of 1 to max characters on one line, not only spaces. */
static bool short_text(const json_t *v, size_t max)
{
    const char *t = json_string_value(v);
    return t && strlen(t) == json_string_length(v) && !text_is_blank(t) &&
           !text_has_control(t, false) && text_chars(t) <= max;
}

/* Whether v is a month and day "MM-DD" that a leap year has, such as "06-15" or "02-29". */
static bool month_day(const json_t *v)
{
    static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    const char *t = json_string_value(v);
    if (!t || strlen(t) != 5 || t[2] != '-' || !isdigit((unsigned char)t[0]) ||
        !isdigit((unsigned char)t[1]) || !isdigit((unsigned char)t[3]) ||
        !isdigit((unsigned char)t[4]))
        return false;
    int m = (t[0] - '0') * 10 + (t[1] - '0'), d = (t[3] - '0') * 10 + (t[4] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1];
}

#define MAX_SEASONS        20
#define MAX_CLOSED_PERIODS 1000

/*
 * Seasons: [{"name", "from", "to", "opening_hours"}], from and to month-days "MM-DD" (from after
 * to wraps the new year), opening_hours as the branch's own. The first problem is recorded.
 */
static void check_seasons(struct input *in, const json_t *seasons)
{
    static const char *const keys[] = { "name", "from", "to", "opening_hours", NULL };
    if (!json_is_array(seasons) || json_array_size(seasons) > MAX_SEASONS) {
        input_error(in, "seasons", "invalid", "must be a list of at most 20 seasons");
        return;
    }
    size_t i;
    json_t *season;
    json_array_foreach(seasons, i, season)
    {
        if (!json_is_object(season) || !only_keys(season, keys)) {
            calendar_error(in, "seasons", "season", i + 1,
                           "a season is {\"name\", \"from\", \"to\", \"opening_hours\"}");
            return;
        }
        if (!short_text(json_object_get(season, "name"), 100)) {
            calendar_error(in, "seasons", "season", i + 1,
                           "name is text of 1 to 100 characters on one line");
            return;
        }
        if (!month_day(json_object_get(season, "from")) ||
            !month_day(json_object_get(season, "to"))) {
            calendar_error(in, "seasons", "season", i + 1,
                           "from and to are a month and day, MM-DD, such as 06-15");
            return;
        }
        if (!check_hours(in, "seasons", "season", i + 1, json_object_get(season, "opening_hours")))
            return;
    }
}

/*
 * Closed periods: [{"from", "to", "reason"?}], ISO dates with from on or before to; reason is
 * text or null. The first problem is recorded.
 */
static void check_closed_periods(struct input *in, const json_t *periods)
{
    static const char *const keys[] = { "from", "to", "reason", NULL };
    if (!json_is_array(periods) || json_array_size(periods) > MAX_CLOSED_PERIODS) {
        input_error(in, "closed_periods", "invalid", "must be a list of at most 1000 periods");
        return;
    }
    size_t i;
    json_t *period;
    json_array_foreach(periods, i, period)
    {
        if (!json_is_object(period) || !only_keys(period, keys)) {
            calendar_error(in, "closed_periods", "closed period", i + 1,
                           "a closed period is {\"from\", \"to\", \"reason\"}");
            return;
        }
        const char *from = json_string_value(json_object_get(period, "from"));
        const char *to = json_string_value(json_object_get(period, "to"));
        if (!from || !to || !text_is_iso_date(from) || !text_is_iso_date(to)) {
            calendar_error(in, "closed_periods", "closed period", i + 1,
                           "from and to are dates written YYYY-MM-DD");
            return;
        }
        if (strcmp(from, to) > 0) {
            calendar_error(in, "closed_periods", "closed period", i + 1,
                           "to must not come before from");
            return;
        }
        json_t *reason = json_object_get(period, "reason");
        if (reason && !json_is_null(reason) && !short_text(reason, 200)) {
            calendar_error(in, "closed_periods", "closed period", i + 1,
                           "reason is text of 1 to 200 characters on one line, or null");
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
 * A JSON field of the calendar into *text (which the caller frees) and its bit into *set when
 * the body has it; null stands for empty. check records what is wrong with it.
 */
static void calendar_field(struct input *in, json_t *body, const char *field, const char *empty,
                           void (*check)(struct input *, const json_t *), unsigned bit, char **text,
                           const char **out, unsigned *set)
{
    json_t *v = json_object_get(body, field);
    if (!v)
        return;
    if (!json_is_null(v))
        check(in, v);
    *text = json_is_null(v) ? xstrdup(empty) : json_dumps(v, JSON_COMPACT);
    *out = *text;
    *set |= bit;
}

static void check_week(struct input *in, const json_t *hours)
{
    check_hours(in, "opening_hours", NULL, 0, hours);
}

/* The calendar's JSON texts of a write, freed by calendar_texts_free; and the other texts made. */
struct calendar_texts {
    char *hours, *seasons, *closed;
    char phone[PHONE_E164_SIZE];
    char latitude[32], longitude[32];
};

static void calendar_texts_free(struct calendar_texts *t)
{
    free(t->hours);
    free(t->seasons);
    free(t->closed);
}

/*
 * The map position: latitude and longitude, both numbers (WGS 84 degrees) or both null, into f
 * as text with six decimals (about ten centimetres).
 */
static void read_position(struct input *in, struct branch_fields *f, struct calendar_texts *texts)
{
    bool has_lat = input_has(in, "latitude"), has_lon = input_has(in, "longitude");
    if (!has_lat && !has_lon)
        return;
    f->set |= BRANCH_SET_POSITION;
    bool null_lat = json_is_null(json_object_get(in->obj, "latitude"));
    bool null_lon = json_is_null(json_object_get(in->obj, "longitude"));
    if (has_lat != has_lon || null_lat != null_lon) {
        input_error(in, has_lat && !null_lat ? "longitude" : "latitude", "required",
                    "a map position needs both latitude and longitude");
        return;
    }
    if (null_lat)
        return;
    double lat, lon;
    if (input_number(in, "latitude", true, -90, 90, &lat) &&
        input_number(in, "longitude", true, -180, 180, &lon)) {
        snprintf(texts->latitude, sizeof texts->latitude, "%.6f", lat);
        snprintf(texts->longitude, sizeof texts->longitude, "%.6f", lon);
        f->latitude = texts->latitude;
        f->longitude = texts->longitude;
    }
}

/*
 * Read the fields of a create (slug and name required) or an update into f. Strings point into
 * the body, except the calendar's texts (into *texts) and the prefix.
 */
static void read_fields(struct input *in, json_t *body, bool creating, struct branch_fields *f,
                        struct calendar_texts *texts, char prefix[CODE_PREFIX_MAX + 1])
{
    *f = (struct branch_fields){ 0 };
    *texts = (struct calendar_texts){ 0 };
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
    text_field(in, "phone", 40, false, BRANCH_SET_PHONE, &f->phone, &f->set);
    if (f->phone && !phone_normalize(f->phone, texts->phone))
        input_error(in, "phone", "invalid",
                    "must be a phone number with its area code, such as 0552-123 45");
    else if (f->phone)
        f->phone = texts->phone;
    text_field(in, "email", 254, false, BRANCH_SET_EMAIL, &f->email, &f->set);
    if (f->email && !api_email_plausible(f->email))
        input_error(in, "email", "invalid",
                    "must be an e-mail address such as dejefritidsbank@example.se");
    read_position(in, f, texts);
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
    calendar_field(in, body, "opening_hours", "{}", check_week, BRANCH_SET_HOURS, &texts->hours,
                   &f->opening_hours, &f->set);
    calendar_field(in, body, "seasons", "[]", check_seasons, BRANCH_SET_SEASONS, &texts->seasons,
                   &f->seasons, &f->set);
    calendar_field(in, body, "closed_periods", "[]", check_closed_periods, BRANCH_SET_CLOSED,
                   &texts->closed, &f->closed_periods, &f->set);
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
    "slug",      "name",         "municipality", "address",         "contact", "phone",
    "email",     "latitude",     "longitude",    "opening_hours",   "seasons", "closed_periods",
    "loan_days", "max_renewals", "item_limit",   "lost_after_days", "notice",  "code_prefix",
    NULL,
};

/* The answer for a refused write, or false when there is none. */
static bool refused(struct reply *rep, enum store_status st, enum branch_outcome outcome)
{
    if (st == STORE_OK && outcome == BRANCH_SLUG_TAKEN) {
        reply_problem(rep, PROBLEM_slug_taken, NULL);
        return true;
    }
    if (st == STORE_OK && outcome == BRANCH_PREFIX_LOCKED) {
        reply_problem(rep, PROBLEM_code_prefix_locked,
                      "The labels of the branch's items carry the code prefix it has.");
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
    struct calendar_texts texts;
    char prefix[CODE_PREFIX_MAX + 1];
    read_fields(&in, req->json, creating, &f, &texts, prefix);
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
    calendar_texts_free(&texts);
}

void branches_create(struct req *req, struct reply *rep)
{
    write_branch(req, rep, true);
}

void branches_update(struct req *req, struct reply *rep)
{
    write_branch(req, rep, false);
}

/* Answer 200 with JSON text the store made, which the reply takes over (*json becomes NULL). */
static void reply_owned_json(struct reply *rep, char **json)
{
    reply_bytes(rep, 200, "application/json", *json, strlen(*json));
    *json = NULL;
}

void branches_preview(struct req *req, struct reply *rep)
{
    struct input in;
    input_begin(&in, req->json,
                (const char *[]){ "opening_hours", "seasons", "closed_periods", NULL });
    struct branch_fields f = { 0 };
    struct calendar_texts texts = { 0 };
    calendar_field(&in, req->json, "opening_hours", "{}", check_week, BRANCH_SET_HOURS,
                   &texts.hours, &f.opening_hours, &f.set);
    calendar_field(&in, req->json, "seasons", "[]", check_seasons, BRANCH_SET_SEASONS,
                   &texts.seasons, &f.seasons, &f.set);
    calendar_field(&in, req->json, "closed_periods", "[]", check_closed_periods, BRANCH_SET_CLOSED,
                   &texts.closed, &f.closed_periods, &f.set);
    const char *from = req_query(req, "from");
    long long ndays;
    if (from && *from && !text_is_iso_date(from)) {
        input_end(&in);
        api_bad_query(rep, "from is a date written YYYY-MM-DD.");
    } else if (!api_query_int(req, rep, "days", 1, 62, 14, &ndays)) {
        input_end(&in);
    } else if (input_ok(&in, rep)) {
        char *json = NULL;
        enum store_status st =
            store_branch_preview(req->params[0], f.opening_hours, f.seasons, f.closed_periods,
                                 from && *from ? from : NULL, (int)ndays, &json);
        if (st == STORE_NOT_FOUND)
            branch_not_found(rep);
        else if (st < 0)
            api_store_failure(rep, st);
        else
            reply_owned_json(rep, &json);
        free(json);
    }
    calendar_texts_free(&texts);
}

void branches_move_due_dates(struct req *req, struct reply *rep)
{
    char *json = NULL;
    enum store_status st = store_branch_move_due_dates(req->who->id, req->params[0], &json);
    if (st == STORE_NOT_FOUND)
        branch_not_found(rep);
    else if (st < 0)
        api_store_failure(rep, st);
    else
        reply_owned_json(rep, &json);
    free(json);
}
