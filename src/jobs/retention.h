/*
 * retention: the GDPR retention rule. Borrowers without open loans whose last activity is older
 * than the retention period are erased the way DELETE /api/borrowers/{id} erases one (their loans
 * stay, without a name, so statistics do not change). `hylla anonymize` runs it once; `hylla
 * serve` runs it by itself once a day, so that nobody outlives the period because nobody ran
 * the command. A job of its own, so that a scheduler of several jobs can take it over.
 */
#ifndef HYLLA_JOBS_RETENTION_H
#define HYLLA_JOBS_RETENTION_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * One pass: find the borrowers inactive for months (*found) and, unless dry_run, erase them
 * (*erased; each is checked again under its row lock, so one who just borrowed stays). Fails
 * with the store's error when the borrowers cannot be read or one cannot be erased.
 */
enum store_status retention_run(int months, bool dry_run, size_t *found,
                                size_t *erased) STORE_MUST_CHECK;

/*
 * Run a pass now and then every 24 hours on a thread of its own, until retention_stop. Among
 * several hylla processes on one database, one at a time runs a pass (an advisory lock); the
 * others skip theirs. months 0 starts nothing.
 */
void retention_start(unsigned months);

/* Stop the thread, waiting for a pass in progress to finish. */
void retention_stop(void);

#endif
