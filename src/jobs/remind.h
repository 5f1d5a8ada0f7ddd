/*
 * remind: the reminders and receipts hylla sends by itself. Planning (store_message_plan) runs
 * once a minute on whichever process gets the planning lock; sending runs on every process:
 * each claims one due message at a time, writes its text in the borrower's language at that
 * moment (so that it names only the loans still open), picks the channel (e-mail to a borrower
 * with an address when SMTP is set up, else SMS) and hands it to the provider. A provider error
 * worth another try is tried again after a backoff (10 s, doubling, at most an hour, or what a
 * 429 asked for), up to STORE_MESSAGE_MAX_ATTEMPTS attempts; a refusal is final. The message
 * settings come from core/settings (the global `settings`).
 *
 * The log names messages by id only: never a phone number, an address or a text.
 */
#ifndef HYLLA_JOBS_REMIND_H
#define HYLLA_JOBS_REMIND_H

#include "jobs/scheduler.h"
#include "store/store.h"

#include <stdbool.h>

/* Whether messages can go anywhere: an SMS gateway or an SMTP server is set up. */
bool remind_configured(void);

/* What remind_send_due did. */
struct remind_tally {
    int sent, retried, failed, cancelled;
};

/*
 * Send the messages due now, one at a time, until none is left, *stop is set (when stop is not
 * NULL) or the database fails (STORE_HARD_ERROR).
 */
enum store_status remind_send_due(const atomic_bool *stop, struct remind_tally *tally);

/* The jobs of serve and `hylla remind`: planning every minute, sending every few seconds. */
extern const struct scheduler_job remind_jobs[2];

#endif
