/*
 * retention: the GDPR retention rule. Borrowers without open loans whose last activity is older
 * than the retention period are erased the way DELETE /api/borrowers/{id} erases one (their loans
 * stay, without a name, so statistics do not change). `hylla anonymize` runs it once; `hylla
 * serve` runs it by itself once a day (retention_job, on the scheduler), so that nobody outlives
 * the period because nobody ran the command.
 */
#ifndef HYLLA_JOBS_RETENTION_H
#define HYLLA_JOBS_RETENTION_H

#include "jobs/scheduler.h"
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
 * The scheduler's job: a pass for settings->retention_months (not 0) at start and then every 24
 * hours. Among several hylla processes on one database, one at a time runs a pass (an advisory
 * lock); the others skip theirs.
 */
extern const struct scheduler_job retention_job;

#endif
