/*
 * scheduler: work that hylla does by itself, beside serving requests: each job runs on a thread
 * of its own, once at start and then every interval, until the scheduler stops. `hylla serve`
 * runs the reminder jobs this way (jobs/remind.h), and `hylla remind` runs the same jobs without
 * a web server. A job that must run on one process of the network at a time (planning
 * reminders, say) takes a PostgreSQL advisory lock inside its own transaction, so that the
 * scheduler needs to know nothing about other processes.
 */
#ifndef HYLLA_JOBS_SCHEDULER_H
#define HYLLA_JOBS_SCHEDULER_H

#include <stdatomic.h>
#include <stddef.h>

struct scheduler_job {
    const char *name;
    unsigned interval_s;
    /* One run. A run that loops checks *stop between steps and returns soon after it is set. */
    void (*run)(const atomic_bool *stop);
};

struct scheduler;

/* Start a thread for each of the n jobs (the array must outlive the scheduler). */
struct scheduler *scheduler_start(const struct scheduler_job *jobs, size_t n);

/* Tell every job to stop, wait for the runs in progress to end, and free the scheduler. */
void scheduler_stop(struct scheduler *s);

#endif
