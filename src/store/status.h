/*
 * status: what every store call answers, on its own so that layers above the store can name it
 * without seeing libpq.
 */
#ifndef HYLLA_STORE_STATUS_H
#define HYLLA_STORE_STATUS_H

enum store_status {
    STORE_HARD_ERROR = -2, /* the database failed or refused: do not retry */
    STORE_SOFT_ERROR = -1, /* serialisation failure or deadlock: retry the whole transaction */
    STORE_NOT_FOUND = 0,   /* the query ran and found nothing */
    STORE_OK = 1,
};

#define STORE_MUST_CHECK __attribute__((warn_unused_result))

#include <stdbool.h>

/* The SQLSTATE and constraint name of this thread's last failure ("" when none). */
const char *store_error_sqlstate(void);
const char *store_error_constraint(void);
bool store_error_is_unique_violation(void);
/* Whether the last failure was that the database could not be reached. */
bool store_error_is_unavailable(void);

#endif
