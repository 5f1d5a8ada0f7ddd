/*
 * clock: the monotonic clock in seconds, for timing and for how long something is kept.
 */
#ifndef HYLLA_CORE_CLOCK_H
#define HYLLA_CORE_CLOCK_H

#include <time.h>

static inline double monotonic_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
