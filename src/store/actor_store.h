/*
 * actor_store: who is changing things, and why, told to the database. The item status history
 * trigger (and any other trigger that records who did something) reads the transaction settings
 * hylla.staff_id and hylla.status_note, so every write transaction sets the first before its
 * writes, and one that changes a status with a note sets the second.
 */
#ifndef HYLLA_STORE_ACTOR_STORE_H
#define HYLLA_STORE_ACTOR_STORE_H

#include "store/store.h"

/*
 * Name the staff member (0: nobody, as from the command line) for the rest of the current
 * transaction. Call it inside store_tx, before the writes.
 */
enum store_status store_actor_set(long long staff_id) STORE_MUST_CHECK;

/*
 * The note that the status changes of the rest of the current transaction are recorded with (the
 * fault of an item sent to repair, say); NULL or "" for none. Call it inside store_tx.
 */
enum store_status store_actor_note(const char *note) STORE_MUST_CHECK;

#endif
