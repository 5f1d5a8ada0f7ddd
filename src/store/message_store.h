/*
 * message_store: the outbox of receipts and reminders in PostgreSQL (migration 0014), and the
 * branches' settings for them.
 *
 * A message is planned once: a receipt by the trigger on loans in the checkout's transaction,
 * due-soon and overdue reminders by store_message_plan (one process at a time, under an advisory
 * lock), a free text or a noted phone call by the desk. Any number of processes then send: each
 * claims one message at a time with store_message_claim, which holds a session advisory lock on
 * it while it is being sent, so that no two processes send it at once and, when a process dies
 * mid-send, its lock goes with its connection and another process takes the message over at once
 * (with the same idempotency key, so that the provider can tell).
 *
 * Who is contacted about a borrower (their own phone and address) is decided in one place, the
 * claim's query; a message keeps no phone number or address of its own.
 */
#ifndef HYLLA_STORE_MESSAGE_STORE_H
#define HYLLA_STORE_MESSAGE_STORE_H

#include "core/duedate.h"
#include "core/message.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/* How many times a message is tried before it is given up as failed. */
#define STORE_MESSAGE_MAX_ATTEMPTS 10

/*
 * Plan today's reminders: mark messages that waited past their expiry as expired, then plan a
 * due-soon reminder for each open loan due within the branch's days (one message per borrower
 * and due date) and an overdue reminder for each open loan at one of the branch's days after its
 * due date, each loan and due date once. *planned counts the new messages. STORE_NOT_FOUND when
 * another process is planning at this moment.
 */
enum store_status store_message_plan(int *planned) STORE_MUST_CHECK;

/* A message claimed for sending, with what its text needs (free with store_outgoing_clear). */
struct store_outgoing {
    long long id;
    int branch_id;
    int attempts; /* including this one */
    enum message_kind kind;
    char key[40];    /* the idempotency key, a UUID */
    char channel[8]; /* "sms" when the desk asked for SMS, else "" (the sender chooses) */
    bool stop;       /* the borrower was erased or opted out: send nothing */
    bool english;
    char *phone;       /* E.164; owned */
    char *email;       /* NULL when the borrower gave none; owned */
    char *branch_name; /* owned */
    char *sender_name; /* the branch's SMS sender name, NULL for the network's; owned */
    char *text;        /* free text; owned */
    char today[DUEDATE_ISO_SIZE];
    char due_date[DUEDATE_ISO_SIZE];
    struct message_item *items; /* the loans still concerned (strings owned) */
    size_t nitems;
};
void store_outgoing_clear(struct store_outgoing *m);

/*
 * Claim the next message that is due now and may be sent now (the time of day in Stockholm
 * within the network's window, window_start to window_end as "HH:MM", narrowed by the branch's),
 * and read what its text needs into *out. The message is then 'sending' and locked by this
 * thread's connection until store_message_finish. STORE_NOT_FOUND when nothing is due.
 */
enum store_status store_message_claim(const char *window_start, const char *window_end,
                                      struct store_outgoing *out) STORE_MUST_CHECK;

/*
 * The outbox's backlog: *due messages are due now and not sent yet (held for the time window or
 * not), the oldest of them for *oldest_s seconds (0 when none).
 */
enum store_status store_message_backlog(long long *due, double *oldest_s) STORE_MUST_CHECK;

/* How an attempt to send ended. */
struct store_message_result {
    const char *status;      /* "sent", "pending" (try again), "failed" or "cancelled" */
    const char *channel;     /* "sms", "email" or NULL */
    const char *body;        /* the text sent, or NULL */
    int segments;            /* SMS parts, 0 for none */
    const char *provider_id; /* or NULL */
    const char *error;       /* why it failed, or NULL; never personal data */
    int retry_in_s;          /* pending: seconds until the next attempt */
};

/* Record how a claimed message's attempt ended and release it. */
enum store_status store_message_finish(long long id,
                                       const struct store_message_result *r) STORE_MUST_CHECK;

/*
 * Queue a free text to a borrower in scope, written by staff, sent by SMS: *id is the new
 * message. STORE_NOT_FOUND when there is no such borrower in scope; *opted_out (and nothing
 * written) when the borrower wants no messages.
 */
enum store_status store_message_free_text(long long staff_id, int scope, long long borrower_id,
                                          const char *text, long long *id,
                                          bool *opted_out) STORE_MUST_CHECK;

/*
 * Note that staff phoned a borrower in scope about some of their open loans (loan_ids, n of
 * them; loans that are not the borrower's open loans are left out): *id is the new entry.
 * STORE_NOT_FOUND when there is no such borrower in scope.
 */
enum store_status store_message_phone_call(long long staff_id, int scope, long long borrower_id,
                                           const long long *loan_ids, size_t n,
                                           long long *id) STORE_MUST_CHECK;

struct store_message_query {
    int scope;                 /* 0: every branch */
    long long borrower_id;     /* 0: any */
    long long message_id;      /* 0: any */
    const long long *loan_ids; /* messages about any of these loans; NULL: any */
    size_t nloans;
    int page, per_page;
};

/*
 * A page of messages, newest first, as JSON text {"messages": [...], "page", "per_page",
 * "has_more"}, each {"id", "kind", "step", "channel", "status", "attempts", "created_at",
 * "finished_at" (sent, failed or given up), "due_date", "error", "segments", "body",
 * "borrower_id", "staff" (display name or null), "loans" [loan ids]}.
 */
enum store_status store_message_list(const struct store_message_query *q,
                                     char **json) STORE_MUST_CHECK;

/*
 * A manager's view of a period (from, to: YYYY-MM-DD, both included) of one branch (branch_id,
 * or 0 for every branch in scope) as JSON text: {"days": [{"day", "sent", "failed",
 * "cancelled", "calls"}] (by the day messages ended, days with any), "months": [{"month",
 * "branch", "name", "sms", "segments", "emails"}] (what was sent, per branch and month),
 * "waiting" (messages in the queue now), "failures": [{"id", "created_at", "finished_at",
 * "kind", "channel", "branch", "attempts", "error"}] (the latest 100)}. Read from the rollup
 * message_days, so a year of the network costs what a day does.
 */
enum store_status store_message_stats(int scope, int branch_id, const char *from, const char *to,
                                      char **json) STORE_MUST_CHECK;

/* A branch's settings for messages. */
struct store_message_settings {
    bool due_soon;
    int due_soon_days;
    bool overdue;
    int overdue_days[5];
    size_t noverdue_days;
    bool receipt;
    const char *window_start, *window_end; /* "HH:MM", both NULL for the network's */
    const char *sender_name;               /* NULL for the network's */
};

/*
 * The settings of every branch in scope (or just branch_id when not 0), by name, as JSON text
 * {"branches": [{"branch", "name", "due_soon", "due_soon_days", "overdue", "overdue_days",
 * "receipt", "window_start", "window_end", "sender_name", "updated_at"}]}.
 */
enum store_status store_message_settings_list(int scope, int branch_id,
                                              char **json) STORE_MUST_CHECK;

/* Replace a branch's settings, with the audit entry "message_settings_changed". */
enum store_status
store_message_settings_set(long long staff_id, int branch_id,
                           const struct store_message_settings *s) STORE_MUST_CHECK;

#endif
