/*
 * actor_store: who is changing things, told to the database. The item status history trigger
 * (and any other trigger that records who did something) reads the transaction setting
 * hylla.staff_id, so every write transaction sets it first.
 */
#ifndef HYLLA_STORE_ACTOR_STORE_H
#define HYLLA_STORE_ACTOR_STORE_H

#include "store/store.h"

/*
 * Name the staff member (0: nobody, as from the command line) for the rest of the current
 * transaction. Call it inside store_tx, before the writes.
 */
enum store_status store_actor_set(long long staff_id) STORE_MUST_CHECK;

#endif
