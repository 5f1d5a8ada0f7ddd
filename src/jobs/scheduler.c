/* scheduler: jobs on threads of their own, run every interval (see scheduler.h). */
#include "scheduler.h"

#include "core/buf.h"
#include "core/log.h"
#include "store/store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct worker {
    struct scheduler *s;
    const struct scheduler_job *job;
    pthread_t thread;
};

struct scheduler {
    atomic_bool stop;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct worker *workers;
    size_t n;
};

static void *work(void *p)
{
    struct worker *w = p;
    struct scheduler *s = w->s;
    store_thread_without_caches();
    while (!atomic_load(&s->stop)) {
        w->job->run(&s->stop);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += w->job->interval_s;
        pthread_mutex_lock(&s->lock);
        while (!atomic_load(&s->stop) && pthread_cond_timedwait(&s->wake, &s->lock, &until) == 0)
            ; /* woken early only to stop */
        pthread_mutex_unlock(&s->lock);
    }
    store_thread_close();
    return NULL;
}

struct scheduler *scheduler_start(const struct scheduler_job *jobs, size_t n)
{
    struct scheduler *s = xcalloc(1, sizeof *s);
    atomic_init(&s->stop, false);
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    s->workers = xcalloc(n, sizeof *s->workers);
    for (size_t i = 0; i < n; i++) {
        s->workers[i] = (struct worker){ .s = s, .job = &jobs[i] };
        if (pthread_create(&s->workers[i].thread, NULL, work, &s->workers[i]) != 0) {
            log_error("could not start the %s job", jobs[i].name);
            abort();
        }
        s->n++;
    }
    return s;
}

void scheduler_stop(struct scheduler *s)
{
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->stop, true);
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < s->n; i++)
        pthread_join(s->workers[i].thread, NULL);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->workers);
    free(s);
}
