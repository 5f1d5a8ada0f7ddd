/* retention: erasing borrowers after the retention period, once or daily (see retention.h). */
#include "retention.h"

#include "core/log.h"
#include "store/borrower_store.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* The advisory lock of a pass ("hylla-re"), so that two servers never run one at once. */
#define RETENTION_LOCK    0x68796c6c612d7265LL
#define RETENTION_EVERY_S (24 * 60 * 60)

enum store_status retention_run(int months, bool dry_run, size_t *found, size_t *erased)
{
    long long *ids = NULL;
    *found = *erased = 0;
    enum store_status st = store_borrower_stale(months, &ids, found);
    for (size_t i = 0; st >= 0 && !dry_run && i < *found; i++) {
        /*
         * Checked again under the row lock: a borrower who just borrowed is left alone, and so
         * is a guardian whose child just did.
         */
        enum store_erase_refusal refusal;
        enum store_status one = store_borrower_erase(0, 0, ids[i], months, "anonymize", &refusal);
        if (one == STORE_OK)
            (*erased)++;
        else if (one < 0)
            st = one;
    }
    free(ids);
    return st < 0 ? st : STORE_OK;
}

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool running, stopping;
static int period_months;

static void pass(void)
{
    enum store_status st = store_try_lock(RETENTION_LOCK);
    if (st == STORE_NOT_FOUND) {
        log_info("retention: another hylla is erasing inactive borrowers; skipped");
        return;
    }
    size_t found, erased;
    bool locked = st == STORE_OK;
    if (locked)
        st = retention_run(period_months, false, &found, &erased);
    if (st < 0)
        log_warn("retention: erasing inactive borrowers failed (SQLSTATE %s); next try in a day",
                 store_error_sqlstate());
    else if (erased)
        log_info("retention: erased %zu borrower%s without activity for %d months", erased,
                 erased == 1 ? "" : "s", period_months);
    if (locked)
        store_unlock(RETENTION_LOCK);
}

static void *loop(void *arg)
{
    pthread_mutex_lock(&lock);
    while (!stopping) {
        pthread_mutex_unlock(&lock);
        pass();
        pthread_mutex_lock(&lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += RETENTION_EVERY_S;
        while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&lock);
    store_thread_close();
    return NULL;
}

void retention_start(unsigned months)
{
    if (months == 0 || running)
        return;
    period_months = (int)months;
    stopping = false;
    running = pthread_create(&thread, NULL, loop, NULL) == 0;
    if (!running)
        log_error("retention: cannot start its thread; run `hylla anonymize` daily instead");
}

void retention_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    running = false;
}
