/* staff_store: staff accounts in PostgreSQL (login lookup, creation, password hashes). */
#ifndef HYLLA_STORE_STAFF_STORE_H
#define HYLLA_STORE_STAFF_STORE_H

#include "core/identity.h"
#include "core/password.h"
#include "store/status.h"

#include <stdbool.h>

/*
 * Find an account by username (any case) for a login: who it is, its stored hash, and whether it
 * is disabled. STORE_NOT_FOUND when there is no such account.
 */
enum store_status store_staff_for_login(const char *username, struct staff_identity *who,
                                        char hash[PASSWORD_HASH_SIZE],
                                        bool *disabled) STORE_MUST_CHECK;

/* Replace an account's password hash (after a rehash on login, or a new password). */
enum store_status store_staff_set_hash(long long staff_id, const char *hash) STORE_MUST_CHECK;

/*
 * Create an account. branch_slug NULL means the whole network. STORE_NOT_FOUND when the branch
 * does not exist; STORE_HARD_ERROR with a unique violation when the username is taken.
 * On success *id is the new account's id.
 */
enum store_status store_staff_create(const char *username, const char *display_name, enum role role,
                                     const char *branch_slug, const char *hash,
                                     long long *id) STORE_MUST_CHECK;

/*
 * Disable an account by username and end all its sessions, in one transaction.
 * STORE_NOT_FOUND when there is no such account; *id is its id otherwise.
 */
enum store_status store_staff_disable(const char *username, long long *id) STORE_MUST_CHECK;

#endif
