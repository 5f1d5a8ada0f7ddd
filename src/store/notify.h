/*
 * notify: how a hylla process learns that what it keeps in memory is no longer true because the
 * database changed, whoever changed it (another hylla server, `hylla user disable`, psql).
 *
 * Triggers in the database (migration 0017) send a message on the channel hylla_changed with
 * each change a cache may hold: "TOPIC ARGUMENT", such as "staff 42" when the account 42 changed
 * or one of its sessions ended. PostgreSQL delivers it when the change commits. In `hylla serve`
 * every connection of the pool LISTENs (store_notify_enable), except those of background threads
 * (store_thread_without_caches in store.h), and the pool hands each message that comes with a
 * result to the subscribers of its topic. PostgreSQL sends a listening
 * connection every message committed before it reads a query outside a transaction block, so a
 * round trip on the thread's own connection that began after a request arrived has brought every
 * change committed before the request (store_syncs, store_sync in pool.h): a cache answers only
 * after such a round trip, and no request costs a statement for it.
 *
 * A connection that connects anew has missed what was committed before its LISTEN: every
 * subscriber is then told to forget everything. Each subscription counts what it was told (its
 * epoch), so that a cache can refuse to keep a value it read from the database before a message
 * about it arrived, or to use a value after a message came.
 *
 * To add a cache: a trigger that sends "yourtopic ARG" with pg_notify('hylla_changed', ...), a
 * store_notify_subscribe("yourtopic", ...) before store_notify_enable, and the epoch checks.
 */
#ifndef HYLLA_STORE_NOTIFY_H
#define HYLLA_STORE_NOTIFY_H

#include <stdbool.h>

/* What a subscriber is told: the argument of a message, or NULL to forget everything. */
typedef void store_notify_fn(const char *arg);

struct store_subscription;

/*
 * Call fn for every message of topic (at most a few subscriptions, made before
 * store_notify_enable). fn runs on whichever thread's connection brought the message, so it must
 * be safe to call from several threads at once.
 */
struct store_subscription *store_notify_subscribe(const char *topic, store_notify_fn *fn);

/*
 * How many times this subscription has been told anything. Read it before reading the database
 * and again before keeping what was read (or before using what was kept): when it changed, the
 * value may be stale.
 */
unsigned long store_notify_epoch(const struct store_subscription *sub);

/* From now on every connection of the pool listens (serve only: other commands cache nothing). */
void store_notify_enable(void);

/* Whether connections listen. */
bool store_notify_live(void);

/*
 * A sync (store_sync in pool.h): one empty round trip on this thread's connection, after which
 * every message committed before it has been handed to the subscribers. False when the database
 * could not be reached or this thread does not listen (store_thread_without_caches, a replica):
 * then the cache must not answer. For a cache outside src/store, before it answers.
 */
bool store_notify_sync(void);

/* For the pool: a message that came with a result, and a connection that connected anew. */
void store_notify_deliver(const char *message);
void store_notify_forget_everything(void);

#endif
