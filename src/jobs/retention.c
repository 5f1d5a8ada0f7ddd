/* retention: erasing borrowers after the retention period, once or daily (see retention.h). */
#include "retention.h"

#include "core/log.h"
#include "core/settings.h"
#include "store/borrower_store.h"

#include <stdlib.h>

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

/* One pass of the daily job, unless another hylla is running one (an advisory lock). */
static void pass(const atomic_bool *stop)
{
    (void)stop;
    int months = (int)settings->retention_months;
    enum store_status st = store_try_lock(RETENTION_LOCK);
    if (st == STORE_NOT_FOUND) {
        log_info("retention: another hylla is erasing inactive borrowers; skipped");
        return;
    }
    size_t found, erased;
    bool locked = st == STORE_OK;
    if (locked)
        st = retention_run(months, false, &found, &erased);
    if (st < 0)
        log_warn("retention: erasing inactive borrowers failed (SQLSTATE %s); next try in a day",
                 store_error_sqlstate());
    else if (erased)
        log_info("retention: erased %zu borrower%s without activity for %d months", erased,
                 erased == 1 ? "" : "s", months);
    if (locked)
        store_unlock(RETENTION_LOCK);
}

const struct scheduler_job retention_job = {
    .name = "retention",
    .interval_s = RETENTION_EVERY_S,
    .run = pass,
};
