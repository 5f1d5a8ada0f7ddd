/*
 * staff_store: staff accounts in PostgreSQL: the login lookup, creation, changes by admins (with
 * their audit entries and the end of sessions they imply, in one transaction), password hashes.
 */
#ifndef HYLLA_STORE_STAFF_STORE_H
#define HYLLA_STORE_STAFF_STORE_H

#include "core/identity.h"
#include "core/password.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/* A staff account as admins see it; never its hash. */
struct staff_member {
    struct staff_identity who; /* csrf_token and session_hash stay empty */
    bool disabled;
    char last_login_at[40]; /* ISO 8601, "" when never */
};

/*
 * Find an account by username (any case) for a login: who it is, its stored hash, and whether it
 * is disabled. STORE_NOT_FOUND when there is no such account.
 */
enum store_status store_staff_for_login(const char *username, struct staff_identity *who,
                                        char hash[PASSWORD_HASH_SIZE],
                                        bool *disabled) STORE_MUST_CHECK;

/* Replace an account's password hash (after a rehash on login, or a new password). */
enum store_status store_staff_set_hash(long long staff_id, const char *hash) STORE_MUST_CHECK;

/* Remember that the account logged in now (its last_login_at). */
enum store_status store_staff_logged_in(long long staff_id) STORE_MUST_CHECK;

/*
 * Create an account. branch_slug NULL means the whole network. STORE_NOT_FOUND when the branch
 * does not exist; STORE_HARD_ERROR with a unique violation when the username is taken.
 * On success *id is the new account's id.
 */
enum store_status store_staff_create(const char *username, const char *display_name, enum role role,
                                     const char *branch_slug, const char *hash,
                                     long long *id) STORE_MUST_CHECK;

/*
 * Every account in scope (with scope > 0 the accounts of that branch only), by username, into a
 * new array *list of *count members (the caller frees it; NULL when there are none).
 */
enum store_status store_staff_list(int scope, struct staff_member **list,
                                   size_t *count) STORE_MUST_CHECK;

/*
 * One account by id. With scope > 0 an account of another branch (or of the whole network) is
 * STORE_NOT_FOUND, exactly like one that does not exist.
 */
enum store_status store_staff_get(long long id, int scope,
                                  struct staff_member *out) STORE_MUST_CHECK;

/*
 * store_staff_create and its "staff_created" audit entry (by actor_id, 0 for the command line,
 * with audit_details as JSON text) in one transaction; *out is the new account. With one_time
 * the password is a one-time password: its holder must choose their own at the first login.
 * Fails like store_staff_create.
 */
enum store_status store_staff_add(const char *username, const char *display_name, enum role role,
                                  const char *branch_slug, const char *hash, bool one_time,
                                  long long actor_id, const char *audit_details,
                                  struct staff_member *out) STORE_MUST_CHECK;

/* What store_staff_update changes; the rest stays as it is. */
struct staff_change {
    const char *display_name; /* NULL: keep */
    enum role role;           /* ROLE_NONE: keep */
    bool set_branch;
    int branch_id; /* with set_branch; 0: the whole network */
    bool set_disabled;
    bool disabled;
    const char *password_hash; /* NULL: keep */
    bool one_time;             /* with password_hash: its holder must choose their own next */
};

/*
 * Change an account, write the "staff_changed" audit entry (by actor_id, audit_details as JSON
 * text), and end sessions, all in one transaction: disabling ends every session of the account
 * at once; a new password ends every session but keep_session (the hash of the asking session
 * when staff change their own password; NULL for none). With scope > 0 only an account of that
 * branch changes. *out is the account afterwards. STORE_NOT_FOUND when there is no such
 * account in scope, and (with *last_admin set, nothing changed) when the change would leave the
 * network without an active admin of the whole network: changes that could are serialised on
 * the rows of those admins, so two admins disabling each other at once cannot both succeed.
 */
enum store_status store_staff_update(long long id, int scope, const struct staff_change *change,
                                     long long actor_id, const unsigned char *keep_session,
                                     const char *audit_details, struct staff_member *out,
                                     bool *last_admin) STORE_MUST_CHECK;

#endif
