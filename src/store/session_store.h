/*
 * session_store: login sessions in PostgreSQL, keyed by the hash of their token, and (in `hylla
 * serve`) a cache of the sessions verified lately, so that a request costs no statement for its
 * session: an entry answers for at most 30 seconds, within the session's idle and absolute
 * limits, and goes within a moment of the commit that ends the session or changes its account,
 * on every server (store/notify.h). last_seen_at is written at most once a minute per session.
 */
#ifndef HYLLA_STORE_SESSION_STORE_H
#define HYLLA_STORE_SESSION_STORE_H

#include "core/identity.h"
#include "store/store.h"

/*
 * Start a session for a staff member that ends at the latest max_seconds from now, and remove
 * the member's sessions that are past their own end.
 */
enum store_status store_session_create(const unsigned char hash[32], long long staff_id,
                                       const char *csrf_token,
                                       unsigned max_seconds) STORE_MUST_CHECK;

/*
 * Who holds the session with this token hash, if it is alive: not past its absolute expiry, used
 * within idle_seconds, and its account not disabled. Marks it used (at most once a minute, so
 * that reads stay reads). STORE_NOT_FOUND when there is no live session.
 */
enum store_status store_session_lookup(const unsigned char hash[32], unsigned idle_seconds,
                                       struct staff_identity *who) STORE_MUST_CHECK;

/*
 * store_session_lookup for a request that came at asked_s (monotonic_s): a session kept in
 * memory answers once this thread's connection has brought every change committed before then,
 * which a round trip it began since, for another request, has done (store_sync_since).
 */
enum store_status store_session_lookup_since(const unsigned char hash[32], unsigned idle_seconds,
                                             double asked_s,
                                             struct staff_identity *who) STORE_MUST_CHECK;

/*
 * What store_session_lookup_unconfirmed leaves to confirm when it answered from memory before it
 * knew of every change committed before the request (pending): the count of this thread's syncs
 * then, and how many changes the cache had been told of.
 */
struct store_session_check {
    bool pending;
    unsigned long syncs, staff_epoch, branch_epoch;
};

/*
 * store_session_lookup for work that can be done again, such as a request that only reads: a
 * session kept in memory answers at once, and *later says what to confirm. The work's own round
 * trips on this thread's connection confirm it; store_session_confirm makes one when there were
 * none, and says whether the answer stands: false when a change to staff or branches came in
 * before the request (the work must be done again with a confirmed lookup) or it could not tell.
 */
enum store_status
store_session_lookup_unconfirmed(const unsigned char hash[32], unsigned idle_seconds,
                                 struct staff_identity *who,
                                 struct store_session_check *later) STORE_MUST_CHECK;
bool store_session_confirm(const struct store_session_check *check);

/* End one session. */
enum store_status store_session_delete(const unsigned char hash[32]) STORE_MUST_CHECK;

/*
 * Keep verified sessions in memory from now on, forgotten as notify says (call before
 * store_notify_enable). Without it every lookup reads the database.
 */
void store_session_cache_start(void);

/*
 * Forget the cached sessions of an account at once, after a change committed here (other servers
 * hear of it from notify).
 */
void store_session_forget_staff(long long staff_id);

#endif
