/* remind: planning and sending reminders and receipts (see remind.h). */
#include "remind.h"

#include "core/log.h"
#include "core/message.h"
#include "core/metrics.h"
#include "core/settings.h"
#include "core/sms.h"
#include "jobs/gateway.h"
#include "store/branch_store.h"
#include "store/message_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_BASE_S 10
#define RETRY_MAX_S  3600
/* A provider gets this long for one message, well within systemd's TimeoutStopSec. */
#define SEND_TIMEOUT_S 10

bool remind_configured(void)
{
    return settings && (settings->sms_url || settings->smtp_url);
}

/* Seconds before attempt number `attempts` + 1: doubling from RETRY_BASE_S, or what was asked. */
static int backoff(int attempts, int asked_s)
{
    long delay = RETRY_BASE_S;
    for (int i = 1; i < attempts && delay < RETRY_MAX_S; i++)
        delay *= 2;
    if (delay > RETRY_MAX_S)
        delay = RETRY_MAX_S;
    if (asked_s > delay)
        delay = asked_s < 6 * RETRY_MAX_S ? asked_s : 6 * RETRY_MAX_S;
    return (int)delay;
}

/* Hand a claimed message to its provider and say in *r how it went (r's strings live in text). */
static void deliver(const struct store_outgoing *m, struct message_text *text, char *error,
                    size_t error_size, char *provider_id, size_t provider_size,
                    struct store_message_result *r)
{
    bool sms_ok = settings->sms_url != NULL, mail_ok = settings->smtp_url != NULL;
    bool by_sms = strcmp(m->channel, "sms") == 0 || !m->email || !mail_ok;
    if (by_sms && !sms_ok) {
        r->status = "failed";
        r->error = m->email ? "no SMS gateway is set up, and the desk asked for SMS"
                            : "no SMS gateway is set up, and the borrower has no e-mail address";
        return;
    }
    struct message_facts f = {
        .kind = m->kind,
        .english = m->english,
        .branch = m->branch_name,
        .today = m->today,
        .due_date = m->due_date,
        .items = m->items,
        .nitems = m->nitems,
        .text = m->text,
    };
    /* A reminder says when the branch opens next, as its calendar has it at this moment. */
    struct branch_opening open;
    if (m->kind != MESSAGE_RECEIPT && m->kind != MESSAGE_FREE_TEXT &&
        store_branch_next_opening(m->branch_id, NULL, &open) == STORE_OK) {
        snprintf(f.next_open, sizeof f.next_open, "%s", open.date);
        for (size_t i = 0; i < open.nspans && i < MESSAGE_MAX_SPANS; i++, f.nspans++) {
            snprintf(f.spans[i].open, sizeof f.spans[i].open, "%s", open.spans[i].open);
            snprintf(f.spans[i].close, sizeof f.spans[i].close, "%s", open.spans[i].close);
        }
    }
    message_render(&f, text);
    struct gateway_config cfg = {
        .sms_url = settings->sms_url,
        .sms_token = settings->sms_token,
        .smtp_url = settings->smtp_url,
        .smtp_password = settings->smtp_password,
        .smtp_from = settings->smtp_from,
        .smtp_ca_file = settings->smtp_ca_file,
        .timeout_s = SEND_TIMEOUT_S,
    };
    struct gateway_result g;
    if (by_sms) {
        char *plain = sms_plain(text->sms);
        free(text->sms);
        text->sms = plain;
        gateway_sms(&cfg, m->key, m->sender_name ? m->sender_name : settings->sms_sender, m->phone,
                    text->sms, &g);
        r->channel = "sms";
        r->body = text->sms;
        r->segments = (int)sms_segments(text->sms);
    } else {
        gateway_email(&cfg, m->key, m->branch_name, m->email, text->subject, text->email, &g);
        r->channel = "email";
        r->body = text->email;
    }
    snprintf(provider_id, provider_size, "%s", g.provider_id);
    r->provider_id = *provider_id ? provider_id : NULL;
    if (g.outcome == GATEWAY_SENT) {
        r->status = "sent";
    } else if (g.outcome == GATEWAY_RETRY && m->attempts < STORE_MESSAGE_MAX_ATTEMPTS) {
        r->status = "pending";
        r->retry_in_s = backoff(m->attempts, g.retry_after_s);
        snprintf(error, error_size, "%s", g.error);
        r->error = error;
    } else {
        r->status = "failed";
        if (g.outcome == GATEWAY_RETRY)
            snprintf(error, error_size, "gave up after %d attempts: %s", m->attempts, g.error);
        else
            snprintf(error, error_size, "%s", g.error);
        r->error = error;
    }
}

/* Send the next due message; STORE_NOT_FOUND when there is none. */
static enum store_status send_next(struct remind_tally *t)
{
    struct store_outgoing m;
    enum store_status st = store_message_claim(settings->window_start, settings->window_end, &m);
    if (st != STORE_OK)
        return st;
    struct store_message_result r = { 0 };
    struct message_text text = { 0 };
    char error[300] = "", provider_id[128] = "";
    if (m.stop) {
        r.status = "cancelled";
        r.error = "the borrower was erased or wants no messages";
    } else if (m.kind != MESSAGE_FREE_TEXT && m.nitems == 0) {
        r.status = "cancelled";
        r.error = "no loan is left to write about";
    } else {
        deliver(&m, &text, error, sizeof error, provider_id, sizeof provider_id, &r);
    }
    st = store_message_finish(m.id, &r);
    if (strcmp(r.status, "sent") == 0) {
        t->sent++;
        log_debug("message %lld sent by %s", m.id, r.channel);
    } else if (strcmp(r.status, "pending") == 0) {
        t->retried++;
        log_warn("message %lld: attempt %d failed, trying again in %d s", m.id, m.attempts,
                 r.retry_in_s);
    } else if (strcmp(r.status, "failed") == 0) {
        t->failed++;
        log_warn("message %lld failed after %d attempt(s)", m.id, m.attempts);
    } else {
        t->cancelled++;
    }
    message_text_free(&text);
    store_outgoing_clear(&m);
    return st < 0 ? st : STORE_OK;
}

enum store_status remind_send_due(const atomic_bool *stop, struct remind_tally *tally)
{
    *tally = (struct remind_tally){ 0 };
    enum store_status st = STORE_OK;
    while (!(stop && atomic_load(stop)) && (st = send_next(tally)) == STORE_OK)
        ;
    if (stop && atomic_load(stop))
        return STORE_OK;
    return st == STORE_NOT_FOUND ? STORE_OK : st;
}

static void plan_job(const atomic_bool *stop)
{
    (void)stop;
    int planned = 0;
    if (store_message_plan(&planned) == STORE_OK && planned)
        log_info("planned %d reminder(s)", planned);
}

static void send_job(const atomic_bool *stop)
{
    /* Said once per outage, not every few seconds. */
    static bool failing;
    struct remind_tally t;
    bool failed = remind_send_due(stop, &t) < 0;
    if (failed && !failing)
        log_warn("sending messages stopped: the database failed; trying again every few seconds");
    else if (!failed && failing)
        log_info("sending messages again");
    failing = failed;
    metrics_messages(t.sent, t.retried, t.failed, t.cancelled);
    long long due;
    double oldest_s;
    if (!failed && store_message_backlog(&due, &oldest_s) == STORE_OK)
        metrics_outbox(due, oldest_s);
    if (t.sent || t.retried || t.failed || t.cancelled)
        log_info("messages: %d sent, %d to try again, %d failed, %d cancelled", t.sent, t.retried,
                 t.failed, t.cancelled);
}

const struct scheduler_job remind_jobs[2] = {
    { .name = "plan reminders", .interval_s = 60, .run = plan_job },
    { .name = "send messages", .interval_s = 5, .run = send_job },
};
