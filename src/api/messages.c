/* messages: the outbox as the desk and managers see it, and message settings (see messages.h). */
#include "messages.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/settings.h"
#include "core/text.h"
#include "store/branch_store.h"
#include "store/loan_store.h"
#include "store/message_store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PER_PAGE  50
#define MAX_LOANS 100
#define MAX_TEXT  480 /* three SMS parts of plain text */
#define MAX_DAYS  366

/* Answer with the one message of the store's page for id, with status. */
static void reply_message(struct req *req, struct reply *rep, int status, long long id)
{
    struct store_message_query q = {
        .scope = api_scope(req), .message_id = id, .page = 1, .per_page = 1
    };
    char *text = NULL;
    enum store_status st = store_message_list(&q, &text);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *page = api_stored_json(text);
    free(text);
    json_t *message = json_array_get(json_object_get(page, "messages"), 0);
    reply_json(rep, message ? status : 500, message ? json_incref(message) : json_null());
    json_decref(page);
}

/* The ids of a list "1,2,3" into ids (at most max); false when it is not one. */
static bool id_list(const char *text, long long *ids, size_t max, size_t *n)
{
    *n = 0;
    for (const char *p = text; *p;) {
        char *end;
        if (!isdigit((unsigned char)*p) || *n == max)
            return false;
        long long v = strtoll(p, &end, 10);
        if (v <= 0 || v > API_MAX_ID || (*end && *end != ','))
            return false;
        ids[(*n)++] = v;
        p = *end ? end + 1 : end;
    }
    return *n > 0;
}

/* Answer a page of the messages q asks for (q's page from the query string). */
static void reply_list(struct req *req, struct reply *rep, struct store_message_query *q)
{
    long long page;
    if (!api_query_int(req, rep, "page", 1, API_MAX_PAGE, 1, &page))
        return;
    q->page = (int)page;
    q->per_page = PER_PAGE;
    q->scope = api_scope(req);
    char *json = NULL;
    enum store_status st = store_message_list(q, &json);
    if (st == STORE_NOT_FOUND)
        reply_problem(rep, PROBLEM_borrower_not_found, NULL);
    else if (st < 0)
        api_store_failure(rep, st);
    else
        reply_bytes(rep, 200, "application/json", json, strlen(json));
}

void messages_list(struct req *req, struct reply *rep)
{
    long long loans[MAX_LOANS];
    struct store_message_query q = { .loan_ids = loans };
    const char *text = req_query(req, "loans");
    if (!text || !id_list(text, loans, MAX_LOANS, &q.nloans)) {
        api_bad_query(rep, "The query argument loans must be up to 100 loan ids, such as "
                           "loans=12,13.");
        return;
    }
    reply_list(req, rep, &q);
}

void messages_of_borrower(struct req *req, struct reply *rep)
{
    struct store_message_query q = { 0 };
    if (!api_path_id(req, 0, &q.borrower_id)) {
        reply_problem(rep, PROBLEM_borrower_not_found, NULL);
        return;
    }
    reply_list(req, rep, &q);
}

void messages_write(struct req *req, struct reply *rep)
{
    long long borrower;
    if (!api_path_id(req, 0, &borrower)) {
        reply_problem(rep, PROBLEM_borrower_not_found, NULL);
        return;
    }
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "text", NULL });
    const char *text = input_string(&in, "text", true, MAX_TEXT);
    if (text && text_has_control(text, true))
        input_error(&in, "text", "invalid", "must be text without control characters");
    if (!input_ok(&in, rep))
        return;
    if (!settings || !settings->sms_url) {
        /* Another branch's borrower is not there, whatever this server can send. */
        struct store_loan_rules rules;
        enum store_status st =
            store_loan_rules_for_borrower(borrower, api_scope(req), NULL, &rules);
        if (st == STORE_NOT_FOUND)
            reply_problem(rep, PROBLEM_borrower_not_found, NULL);
        else if (st < 0)
            api_store_failure(rep, st);
        else
            reply_problem(rep, PROBLEM_messages_off,
                          "Set up an SMS gateway (--sms-url) to send text messages.");
        return;
    }
    long long id;
    bool opted_out;
    enum store_status st =
        store_message_free_text(req->who->id, api_scope(req), borrower, text, &id, &opted_out);
    if (opted_out)
        reply_problem(rep, PROBLEM_borrower_opted_out, NULL);
    else if (st == STORE_NOT_FOUND)
        reply_problem(rep, PROBLEM_borrower_not_found, NULL);
    else if (st < 0)
        api_store_failure(rep, st);
    else
        reply_message(req, rep, 202, id);
}

void messages_call(struct req *req, struct reply *rep)
{
    long long borrower;
    if (!api_path_id(req, 0, &borrower)) {
        reply_problem(rep, PROBLEM_borrower_not_found, NULL);
        return;
    }
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "loan_ids", NULL });
    long long loans[MAX_LOANS];
    size_t n = 0;
    json_t *list = json_object_get(in.obj, "loan_ids");
    if (list && !json_is_null(list)) {
        size_t i;
        json_t *v;
        bool ok = json_is_array(list) && json_array_size(list) <= MAX_LOANS;
        json_array_foreach(list, i, v)
        {
            ok = ok && json_is_integer(v) && json_integer_value(v) > 0 &&
                 json_integer_value(v) <= API_MAX_ID;
            if (ok)
                loans[n++] = json_integer_value(v);
        }
        if (!ok)
            input_error(&in, "loan_ids", "invalid", "must be a list of up to 100 loan ids");
    }
    if (!input_ok(&in, rep))
        return;
    long long id;
    enum store_status st =
        store_message_phone_call(req->who->id, api_scope(req), borrower, loans, n, &id);
    if (st == STORE_NOT_FOUND)
        reply_problem(rep, PROBLEM_borrower_not_found, NULL);
    else if (st < 0)
        api_store_failure(rep, st);
    else
        reply_message(req, rep, 201, id);
}

void messages_stats(struct req *req, struct reply *rep)
{
    struct input in;
    input_begin(&in, NULL, NULL);
    const char *from, *to;
    api_query_period(req, &in, MAX_DAYS, &from, &to);
    if (input_failed(&in)) {
        reply_problem_errors(rep, PROBLEM_invalid_query, in.errors);
        in.errors = NULL;
        return;
    }
    input_end(&in);
    int branch_id;
    if (!api_query_branch(req, rep, true, &branch_id))
        return;
    char *json = NULL;
    enum store_status st = store_message_stats(api_scope(req), branch_id, from, to, &json);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    reply_bytes(rep, 200, "application/json", json, strlen(json));
}

/* The network's settings, as this server was started with them. */
static json_t *network_json(void)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b}", "window_start", settings->window_start,
                     "window_end", settings->window_end, "sender_name", settings->sms_sender, "sms",
                     settings->sms_url != NULL, "email", settings->smtp_url != NULL);
}

/* Answer with the settings of the branches in scope (just branch_id when not 0). */
static void reply_settings(struct req *req, struct reply *rep, int branch_id)
{
    char *text = NULL;
    enum store_status st = store_message_settings_list(api_scope(req), branch_id, &text);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *body = api_stored_json(text);
    free(text);
    if (json_is_object(body))
        json_object_set_new(body, "network", network_json());
    reply_json(rep, json_is_object(body) ? 200 : 500, body);
}

void messages_settings_list(struct req *req, struct reply *rep)
{
    int branch_id;
    if (api_query_branch(req, rep, true, &branch_id))
        reply_settings(req, rep, branch_id);
}

/* "HH:MM" into minutes; -1 when it is not a time of day (24:00 allowed). */
static int clock_minutes(const char *t)
{
    int m;
    return settings_parse_clock(t, &m) ? m : -1;
}

/* The window of the body into s, within the network's; problems recorded in in. */
static void window_fields(struct input *in, struct store_message_settings *s)
{
    s->window_start = input_string(in, "window_start", false, 5);
    s->window_end = input_string(in, "window_end", false, 5);
    if (!s->window_start && !s->window_end)
        return;
    int a = clock_minutes(s->window_start), b = clock_minutes(s->window_end);
    int lo = clock_minutes(settings->window_start), hi = clock_minutes(settings->window_end);
    if (a < 0)
        input_error(in, "window_start", "invalid", "must be a time of day written HH:MM");
    if (b < 0)
        input_error(in, "window_end", "invalid", "must be a time of day written HH:MM");
    if (a >= 0 && b >= 0 && a >= b)
        input_error(in, "window_end", "before_start", "must come after window_start");
    else if (a >= 0 && b >= 0 && (a < lo || b > hi)) {
        char msg[120];
        snprintf(msg, sizeof msg, "must lie within the network's window, %s-%s",
                 settings->window_start, settings->window_end);
        input_error(in, a < lo ? "window_start" : "window_end", "outside_network", msg);
    }
}

void messages_settings_update(struct req *req, struct reply *rep)
{
    int branch_id;
    enum store_status st = store_branch_id(req->params[0], &branch_id);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    if (st == STORE_NOT_FOUND) {
        reply_problem(rep, PROBLEM_branch_not_found, NULL);
        return;
    }
    struct input in;
    input_begin(&in, req->json,
                (const char *[]){ "due_soon", "due_soon_days", "overdue", "overdue_days", "receipt",
                                  "window_start", "window_end", "sender_name", NULL });
    struct store_message_settings s = { 0 };
    long long days = 0;
    input_bool(&in, "due_soon", true, &s.due_soon);
    input_int(&in, "due_soon_days", true, 1, 14, &days);
    s.due_soon_days = (int)days;
    input_bool(&in, "overdue", true, &s.overdue);
    input_bool(&in, "receipt", true, &s.receipt);
    json_t *list = json_object_get(in.obj, "overdue_days");
    bool ok = json_is_array(list) && json_array_size(list) >= 1 && json_array_size(list) <= 5;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        long long d = json_integer_value(v);
        ok = ok && json_is_integer(v) && d >= 1 && d <= 60 && (i == 0 || d > s.overdue_days[i - 1]);
        if (ok)
            s.overdue_days[s.noverdue_days++] = (int)d;
    }
    if (!ok)
        input_error(&in, "overdue_days", "invalid",
                    "must be 1 to 5 days after the due date, ascending, each 1 to 60");
    window_fields(&in, &s);
    s.sender_name = input_string(&in, "sender_name", false, 11);
    if (s.sender_name && !settings_sender_ok(s.sender_name))
        input_error(&in, "sender_name", "invalid",
                    "must be at most 11 letters a-z, digits or spaces, starting with a letter or "
                    "digit");
    if (!input_ok(&in, rep))
        return;
    st = store_message_settings_set(req->who->id, branch_id, &s);
    if (st < 0)
        api_store_failure(rep, st);
    else
        reply_settings(req, rep, branch_id);
}
