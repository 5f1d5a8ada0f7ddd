/*
 * throttle_store: login failures and lockouts in PostgreSQL, so that several hylla processes
 * share them. The keys and limits come from core/throttle.h.
 */
#ifndef HYLLA_STORE_THROTTLE_STORE_H
#define HYLLA_STORE_THROTTLE_STORE_H

#include "core/throttle.h"
#include "store/store.h"

/*
 * Whether either key is locked now: STORE_OK with *seconds (at least 1) until the later lockout
 * ends, or STORE_NOT_FOUND when a login may be tried.
 */
enum store_status store_throttle_check(const unsigned char username_key[THROTTLE_KEY_SIZE],
                                       const unsigned char address_key[THROTTLE_KEY_SIZE],
                                       unsigned *seconds) STORE_MUST_CHECK;

/*
 * Record one failed login for both keys (the address's only when username_key is NULL: a login
 * refused before its password was checked), lock each key whose failures within the window reach
 * its limit, and forget failures older than the window. *locked_username and *locked_address say
 * whether this failure started a lockout (for the audit log).
 */
enum store_status store_throttle_fail(const unsigned char username_key[THROTTLE_KEY_SIZE],
                                      const unsigned char address_key[THROTTLE_KEY_SIZE],
                                      bool *locked_username, bool *locked_address) STORE_MUST_CHECK;

/*
 * Forget the failures of a username after a successful login, so that a few typos do not count
 * against the next time. The address's failures stay: they count attempts on every account.
 */
enum store_status
store_throttle_clear(const unsigned char username_key[THROTTLE_KEY_SIZE]) STORE_MUST_CHECK;

#endif
