/*
 * password: Argon2id hashing of staff passwords (libsodium crypto_pwhash_str, INTERACTIVE limits)
 * behind a gate that lets only about one hash per core run at a time. Each hash takes 64 MiB, so
 * the gate is what keeps a burst of logins from exhausting memory: beyond a short queue, callers
 * are told the server is busy instead of waiting. A login names its client address, which holds
 * at most a fair share of the gate's places (half of them), and a client holding none takes a
 * waiting place from the one holding the most when the queue is full: so a flood of logins from
 * a few addresses does not keep another address's login out.
 */
#ifndef HYLLA_CORE_PASSWORD_H
#define HYLLA_CORE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_MIN_LENGTH 10
#define PASSWORD_MAX_LENGTH 1024
#define PASSWORD_HASH_SIZE  128 /* crypto_pwhash_STRBYTES */

enum password_result {
    PASSWORD_MATCH,
    PASSWORD_MATCH_REHASH, /* right, but stored with old parameters: store a new hash */
    PASSWORD_MISMATCH,
    PASSWORD_BUSY, /* too many hashes running or waiting: answer 503 and let the client retry */
    PASSWORD_OVER_SHARE, /* this client holds its share of the gate already: answer 429 */
    PASSWORD_FAILED,
};

/* Set how many hashes may run at once and how many may wait (defaults: cores, and as many). */
void password_gate_configure(unsigned running, unsigned waiting);

/* What is wrong with a new password, if anything, in the order it is checked. */
enum password_problem {
    PASSWORD_ACCEPTABLE,
    PASSWORD_TOO_SHORT, /* fewer than PASSWORD_MIN_LENGTH characters */
    PASSWORD_TOO_LONG,  /* more than PASSWORD_MAX_LENGTH bytes */
    PASSWORD_COMMON,    /* one of the 10,000 most common (password_is_common) */
};

/* Check a new password; *why says what is wrong (a static string that never repeats it). */
enum password_problem password_check(const char *password, const char **why);

/* Whether a new password is acceptable (password_check finds nothing wrong). */
bool password_acceptable(const char *password, const char **why);

/*
 * Whether a password is one of the 10,000 most common, in any case: the list bundled in the
 * binary (src/core/common-passwords.txt; where it comes from: common-passwords.LICENSE).
 */
bool password_is_common(const char *password);

/* Hash a password for storage into out. PASSWORD_MATCH on success. */
enum password_result password_hash(const char *password, char out[PASSWORD_HASH_SIZE]);

/* Check a password against a stored hash, for the client address client (NULL: none). */
enum password_result password_verify(const char *stored, const char *password, const char *client);

/*
 * Spend the same time and memory as password_verify without any stored hash, and answer
 * PASSWORD_MISMATCH (or PASSWORD_BUSY, PASSWORD_OVER_SHARE), so that an unknown user looks like a
 * wrong password.
 */
enum password_result password_verify_dummy(const char *password, const char *client);

/* Fill out with a strong random password of len characters (plus NUL) for `--generate-password`. */
void password_generate(char *out, size_t len);

#endif
