/* lanes: queues of jobs with threads of their own (see lanes.h). */
#include "lanes.h"

#include "core/buf.h"
#include "core/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct lane {
    struct lanes *owner;
    unsigned index;
    pthread_mutex_t lock;
    pthread_cond_t ready; /* wakes the threads of the jobs not gated (all, with no gate ones) */
    pthread_cond_t gate_ready; /* wakes the gate threads */
    struct lane_job *head, *tail;
    bool stopping;
    unsigned batch_threads;                 /* threads running batches of one key; at most */
    const void **batch_key;                 /* per thread: the key of the batch it runs, or NULL */
    unsigned running;                       /* threads running a job now */
    unsigned ungated_threads, gate_threads; /* the threads of each kind (gate: 0, none) */
    atomic_uint seated;                     /* threads that have taken their kind */
    atomic_uint pending;                    /* jobs submitted and not yet run to their end */
    struct lane *yield_to; /* while it has pending jobs, run at most yield_threads */
    unsigned yield_threads;
    struct lane *yielder; /* the lane that yields to this one, woken when this one has none */
    unsigned nthreads;
    pthread_t *threads;
};

struct lanes {
    struct lane lane[LANES_MAX];
    size_t n;
    struct lane_hooks hooks;
    pthread_mutex_t start_lock;
    pthread_cond_t started_cond;
    unsigned started; /* threads that have run thread_start, under start_lock */
};

/*
 * Unlink from the queue (under its lock) the jobs queued behind first with its batch key, up to
 * LANES_BATCH_MAX with first, into jobs (first is jobs[0], already unlinked); returns how many.
 */
static size_t take_batch(struct lane *l, struct lane_job *first, struct lane_job **jobs)
{
    size_t n = 1;
    jobs[0] = first;
    if (!first->batch_key)
        return n;
    struct lane_job *prev = NULL;
    for (struct lane_job *j = l->head; j && n < LANES_BATCH_MAX;) {
        struct lane_job *next = j->next;
        if (j->batch_key == first->batch_key) {
            jobs[n++] = j;
            if (prev)
                prev->next = next;
            else
                l->head = next;
            if (l->tail == j)
                l->tail = prev;
        } else {
            prev = j;
        }
        j = next;
    }
    return n;
}

/* How many threads run a batch of key now (under the lane's lock). */
static unsigned batches_of(const struct lane *l, const void *key)
{
    unsigned n = 0;
    for (unsigned t = 0; t < l->nthreads; t++)
        n += l->batch_key[t] == key;
    return n;
}

/*
 * Whether a job may start now on a gate thread (gate) or another: on a thread of its kind when the
 * lane has gate threads, and not while batch_threads threads run batches it could join.
 */
static bool runnable(const struct lane *l, const struct lane_job *job, bool gate)
{
    if (l->gate_threads && job->gated != gate)
        return false;
    return !job->batch_key || job->batch_free || !l->batch_threads ||
           batches_of(l, job->batch_key) < l->batch_threads;
}

/* Whether this lane yields now: yield_threads of its threads run while the other has work. */
static bool yielding(const struct lane *l)
{
    return l->yield_to && l->running >= l->yield_threads && atomic_load(&l->yield_to->pending) > 0;
}

/*
 * Unlink and return the first job of the queue that may start now on a gate thread (gate) or
 * another (under its lock), or NULL.
 */
static struct lane_job *take_job(struct lane *l, bool gate)
{
    if (yielding(l))
        return NULL;
    struct lane_job *prev = NULL;
    for (struct lane_job *j = l->head; j; prev = j, j = j->next) {
        if (!runnable(l, j, gate))
            continue;
        if (prev)
            prev->next = j->next;
        else
            l->head = j->next;
        if (l->tail == j)
            l->tail = prev;
        return j;
    }
    return NULL;
}

/* n of the lane's jobs ended: after the last, a lane that yields to it may take all its threads. */
static void work_done(struct lane *l, size_t n)
{
    if (atomic_fetch_sub(&l->pending, (unsigned)n) == n && l->yielder) {
        pthread_mutex_lock(&l->yielder->lock);
        pthread_cond_broadcast(&l->yielder->ready);
        pthread_mutex_unlock(&l->yielder->lock);
    }
}

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    const struct lane_hooks *hooks = &l->owner->hooks;
    if (hooks->thread_start)
        hooks->thread_start(l->index);
    pthread_mutex_lock(&l->owner->start_lock);
    l->owner->started++;
    pthread_cond_signal(&l->owner->started_cond);
    pthread_mutex_unlock(&l->owner->start_lock);
    /* The first ungated_threads threads to start run the jobs not gated, the rest the gated. */
    unsigned seat = atomic_fetch_add(&l->seated, 1);
    bool gate = seat >= l->ungated_threads;
    pthread_cond_t *ready = gate ? &l->gate_ready : &l->ready;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        struct lane_job *job;
        while (!(job = take_job(l, gate)) && (!l->stopping || l->head))
            pthread_cond_wait(ready, &l->lock);
        if (!job)
            break; /* stopping, and nothing is left */
        struct lane_job *jobs[LANES_BATCH_MAX];
        size_t n = take_batch(l, job, jobs);
        l->batch_key[seat] = job->batch_key;
        l->running++;
        pthread_mutex_unlock(&l->lock);
        if (n > 1)
            job->run_batch(jobs, n);
        else
            job->run(job);
        work_done(l, n);
        pthread_mutex_lock(&l->lock);
        l->batch_key[seat] = NULL;
        l->running--;
        /*
         * This thread takes what queued meanwhile itself; only the end needs everyone (threads
         * that waited for a batch, or while their lane yielded, may take the rest or end).
         */
        if (l->stopping) {
            pthread_cond_broadcast(&l->ready);
            pthread_cond_broadcast(&l->gate_ready);
        }
    }
    pthread_mutex_unlock(&l->lock);
    if (hooks->thread_stop)
        hooks->thread_stop(l->index);
    return NULL;
}

struct lanes *lanes_start(const struct lane_config *config, size_t n,
                          const struct lane_hooks *hooks)
{
    struct lanes *lanes = xcalloc(1, sizeof *lanes);
    lanes->n = n < LANES_MAX ? n : LANES_MAX;
    if (hooks)
        lanes->hooks = *hooks;
    pthread_mutex_init(&lanes->start_lock, NULL);
    pthread_cond_init(&lanes->started_cond, NULL);
    unsigned threads = 0;
    for (size_t i = 0; i < lanes->n; i++) {
        struct lane *l = &lanes->lane[i];
        l->owner = lanes;
        l->index = (unsigned)i;
        pthread_mutex_init(&l->lock, NULL);
        pthread_cond_init(&l->ready, NULL);
        pthread_cond_init(&l->gate_ready, NULL);
        l->ungated_threads = config[i].threads ? config[i].threads : 1;
        l->gate_threads = config[i].gate_threads;
        l->nthreads = l->ungated_threads + l->gate_threads;
        l->batch_threads = config[i].batch_threads;
        if (config[i].yield_threads && config[i].yield_to < lanes->n && config[i].yield_to != i) {
            l->yield_to = &lanes->lane[config[i].yield_to];
            l->yield_threads = config[i].yield_threads;
            l->yield_to->yielder = l;
        }
        l->threads = xcalloc(l->nthreads, sizeof *l->threads);
        l->batch_key = xcalloc(l->nthreads, sizeof *l->batch_key);
        for (unsigned t = 0; t < l->nthreads; t++) {
            if (pthread_create(&l->threads[t], NULL, lane_main, l) != 0) {
                log_error("cannot start thread %u of lane %s", t, config[i].name);
                abort();
            }
        }
        threads += l->nthreads;
    }
    /* A thread's start (its database connection) happens before the first request it takes. */
    pthread_mutex_lock(&lanes->start_lock);
    while (lanes->started < threads)
        pthread_cond_wait(&lanes->started_cond, &lanes->start_lock);
    pthread_mutex_unlock(&lanes->start_lock);
    return lanes;
}

void lanes_submit(struct lanes *lanes, unsigned lane, struct lane_job *job)
{
    struct lane *l = &lanes->lane[lane < lanes->n ? lane : lanes->n - 1];
    job->next = NULL;
    atomic_fetch_add(&l->pending, 1);
    pthread_mutex_lock(&l->lock);
    if (l->tail)
        l->tail->next = job;
    else
        l->head = job;
    l->tail = job;
    /* A job that must wait for a batch to end joins the next: the batch's thread takes it. */
    if (runnable(l, job, job->gated))
        pthread_cond_signal(l->gate_threads && job->gated ? &l->gate_ready : &l->ready);
    pthread_mutex_unlock(&l->lock);
}

void lanes_note(struct lanes *lanes, unsigned lane, int n)
{
    struct lane *l = &lanes->lane[lane < lanes->n ? lane : lanes->n - 1];
    if (n > 0)
        atomic_fetch_add(&l->pending, (unsigned)n);
    else if (n < 0)
        work_done(l, (size_t)-n);
}

void lanes_stop(struct lanes *lanes)
{
    if (!lanes)
        return;
    for (size_t i = 0; i < lanes->n; i++) {
        struct lane *l = &lanes->lane[i];
        pthread_mutex_lock(&l->lock);
        l->stopping = true;
        pthread_cond_broadcast(&l->ready);
        pthread_cond_broadcast(&l->gate_ready);
        pthread_mutex_unlock(&l->lock);
    }
    for (size_t i = 0; i < lanes->n; i++) {
        struct lane *l = &lanes->lane[i];
        for (unsigned t = 0; t < l->nthreads; t++)
            pthread_join(l->threads[t], NULL);
        free(l->threads);
        free(l->batch_key);
        pthread_mutex_destroy(&l->lock);
        pthread_cond_destroy(&l->ready);
        pthread_cond_destroy(&l->gate_ready);
    }
    pthread_mutex_destroy(&lanes->start_lock);
    pthread_cond_destroy(&lanes->started_cond);
    free(lanes);
}
