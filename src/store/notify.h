/*
 * notify: how a hylla process learns that what it keeps in memory is no longer true because the
 * database changed, whoever changed it (another hylla server, `hylla user disable`, psql).
 *
 * Triggers in the database (migration 0012) send a message on the channel hylla_changed with
 * each change a cache may hold: "TOPIC ARGUMENT", such as "staff 42" when the account 42 changed
 * or one of its sessions ended. PostgreSQL delivers it when the change commits. One thread of
 * `hylla serve` LISTENs on a connection of its own and hands each message to the subscribers of
 * its topic, usually within a millisecond of the commit.
 *
 * A cache that must never answer from memory after a change committed elsewhere (the sessions)
 * calls store_notify_sync first: it returns once the listener has had a round trip with the
 * server that began after the call, and PostgreSQL sends a listener every message committed
 * before it reads the listener's next query. One round trip answers every caller that came
 * before it, so many requests share each; none costs a statement of its own.
 *
 * A cache serves from memory only while the listener is live: when its connection breaks,
 * messages may be lost, so every subscriber is told to forget everything, at the break and again
 * once listening resumes. Each subscription counts what it was told (its epoch), so that a cache
 * can refuse to keep a value it read from the database before a message about it arrived.
 *
 * To add a cache: a trigger that sends "yourtopic ARG" with pg_notify('hylla_changed', ...), a
 * store_notify_subscribe("yourtopic", ...) before store_notify_start, and the epoch check above.
 */
#ifndef HYLLA_STORE_NOTIFY_H
#define HYLLA_STORE_NOTIFY_H

#include <stdbool.h>

/* What a subscriber is told: the argument of a message, or NULL to forget everything. */
typedef void store_notify_fn(const char *arg);

struct store_subscription;

/*
 * Call fn for every message of topic (at most a few subscriptions, made before
 * store_notify_start). fn runs on the listener's thread or a request's, one call at a time.
 */
struct store_subscription *store_notify_subscribe(const char *topic, store_notify_fn *fn);

/*
 * How many times this subscription has been told anything. Read it before reading the database
 * and again before keeping what was read: when it changed, the value may be stale already.
 */
unsigned long store_notify_epoch(const struct store_subscription *sub);

/* Start the listener thread (serve only; other commands keep nothing in memory). */
void store_notify_start(void);

/* Stop it and close its connection. */
void store_notify_stop(void);

/* Whether messages are arriving: the listener is connected and listening. */
bool store_notify_live(void);

/*
 * Wait (at most a second) until every message committed before this call has been handed to the
 * subscribers. False when it could not be sure: the listener is not live, or too slow.
 */
bool store_notify_sync(void);

/*
 * The same in two halves, so that the round trip runs while the caller does other work: start
 * returns a ticket (0 when the listener is not live), wait is store_notify_sync's end for it.
 */
unsigned long store_notify_sync_start(void);
bool store_notify_sync_wait(unsigned long ticket);

#endif
