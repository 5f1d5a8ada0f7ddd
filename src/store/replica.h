/*
 * replica: the read replicas of `hylla serve --read-database`, internal to src/store (the layers
 * above see store_replicas_* and store_read_from_replica in store/store.h). It keeps each
 * replica's connection string and its state, which a checker thread measures once a second on
 * a connection of its own: up (lag within --max-replica-lag), lagging, or down. The pool
 * (pool.c) asks it for a replica that is up whenever a thread reads on behalf of a public or
 * statistics route, and tells it when a replica failed under a statement, so that the very
 * next statement goes to the primary instead of waiting for the checker.
 */
#ifndef HYLLA_STORE_REPLICA_H
#define HYLLA_STORE_REPLICA_H

#include <stdbool.h>

/* The index of a replica that is up, taken in turn; -1 when none is (or none is configured). */
int replica_pick(void);

/* Whether replica i is up now. */
bool replica_up(int i);

/* The connection string of replica i (of replica_pick). */
const char *replica_conninfo(int i);

/* A statement on replica i failed for want of a connection: reads leave it until it is back. */
void replica_mark_down(int i);

#endif
