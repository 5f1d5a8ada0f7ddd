/*
 * session: login, the current user, logout. Unknown users and wrong passwords get the same answer
 * after the same work (a verification against a dummy hash), so the answer tells nothing about
 * which usernames exist.
 *
 * Logins are throttled before any password is hashed: a username with 5 failures within 15
 * minutes, or a client address with 50, gets 429 with Retry-After until its lockout ends (see
 * core/throttle.h). A successful login forgets its username's failures, not its address's.
 * A username outside the safe set of identity_username_valid is refused (422) before anything
 * else, so that no spelling the database would fold onto an account (a dotted capital I, U+0130,
 * for i; the Kelvin sign, U+212A, for k) reaches the lookup; and once an account is found, its
 * own name is the throttle's key, so no other spelling of it escapes its lockout.
 *
 * Staff change their own password with the current one, which counts against the same limits
 * when it is wrong (a session left open must not become a way to guess it). A new password
 * ends every other session of the account; this one goes on.
 */
#include "session.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/password.h"
#include "core/settings.h"
#include "core/throttle.h"
#include "core/token.h"
#include "store/audit_store.h"
#include "store/session_store.h"
#include "store/staff_store.h"
#include "store/throttle_store.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static bool secure_cookies(void)
{
    return settings->public_url && strncmp(settings->public_url, "https://", 8) == 0;
}

static void audit(long long staff_id, const char *action, int branch_id, const struct req *req)
{
    json_t *details = json_pack("{s:s}", "client", req->client_addr);
    char *text = json_dumps(details, JSON_COMPACT);
    if (store_audit(staff_id, action, "staff", staff_id, branch_id, text) < 0)
        log_error("could not write the audit entry for %s", action);
    free(text);
    json_decref(details);
}

static void login_refused(struct reply *rep)
{
    reply_problem(rep, PROBLEM_invalid_credentials, NULL);
}

static void password_busy(struct reply *rep)
{
    reply_problem(rep, PROBLEM_busy, "Try again in a moment.");
    reply_header(rep, "Retry-After", "1");
}

/*
 * Who a login is for the password gate's share: its address as the throttle counts it (an IPv6
 * address by its /64), as text in client.
 */
#define GATE_CLIENT_SIZE 33
static const char *gate_client(const unsigned char addr_key[THROTTLE_KEY_SIZE],
                               char client[GATE_CLIENT_SIZE])
{
    return sodium_bin2hex(client, GATE_CLIENT_SIZE, addr_key, (GATE_CLIENT_SIZE - 1) / 2);
}

/*
 * A login the password gate refused (busy, or the address holds its share already): answered at
 * once, counted in /metrics and as a failure of the address, so that an address flooding the
 * gate is locked out by the throttle before it reaches the gate again.
 */
static void login_not_checked(enum password_result pr, const unsigned char addr_key[],
                              struct reply *rep)
{
    bool over_share = pr == PASSWORD_OVER_SHARE;
    metrics_login_refused(over_share);
    bool user_locked, addr_locked;
    if (store_throttle_fail(NULL, addr_key, &user_locked, &addr_locked) < 0)
        log_error("could not record a refused login");
    if (over_share) {
        reply_problem(rep, PROBLEM_logins_from_address,
                      "Wait until the time in Retry-After has passed, then try again.");
        reply_header(rep, "Retry-After", "1");
    } else {
        password_busy(rep);
    }
}

static void login_throttled(struct reply *rep, unsigned seconds)
{
    reply_problem(rep, PROBLEM_login_throttled,
                  "Wait until the time in Retry-After has passed, then try again.");
    reply_headerf(rep, "Retry-After", "%u", seconds);
}

/*
 * Whether the username and the address may try a password now; answers (429, or the failure)
 * and returns false when not. The keys go into user_key and addr_key.
 */
static bool may_try(const struct req *req, struct reply *rep, const char *username,
                    unsigned char user_key[THROTTLE_KEY_SIZE],
                    unsigned char addr_key[THROTTLE_KEY_SIZE])
{
    throttle_username_key(username, user_key);
    throttle_address_key(req->client_addr, addr_key);
    unsigned wait = 0;
    enum store_status st = store_throttle_check(user_key, addr_key, &wait);
    if (st < 0)
        api_store_failure(rep, st);
    else if (st == STORE_OK)
        login_throttled(rep, wait);
    return st == STORE_NOT_FOUND;
}

/* Count a failed login against the username and the address; audit lockouts that start now. */
static void record_failure(const unsigned char user_key[THROTTLE_KEY_SIZE],
                           const unsigned char addr_key[THROTTLE_KEY_SIZE], const struct req *req)
{
    bool user_locked, addr_locked;
    if (store_throttle_fail(user_key, addr_key, &user_locked, &addr_locked) < 0) {
        log_error("could not record a failed login");
        return;
    }
    /* Only the start of a lockout is logged, so refused attempts cannot flood the log. */
    if (user_locked || addr_locked) {
        json_t *details = json_pack("{s:s, s:b, s:b}", "client", req->client_addr, "username",
                                    user_locked, "address", addr_locked);
        char *text = json_dumps(details, JSON_COMPACT);
        if (store_audit(0, "login_locked", NULL, 0, 0, text) < 0)
            log_error("could not write the audit entry for login_locked");
        free(text);
        json_decref(details);
    }
}

void session_login(struct req *req, struct reply *rep)
{
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "username", "password", NULL });
    const char *username = input_string(&in, "username", true, 63);
    const char *password = input_string(&in, "password", true, PASSWORD_MAX_LENGTH);
    if (username && !identity_username_valid(username))
        input_error(&in, "username", "invalid",
                    "use 1 to 63 of a-z, 0-9 and . _ @ -, starting with a letter or a digit");
    if (!input_ok(&in, rep))
        return;

    unsigned char user_key[THROTTLE_KEY_SIZE], addr_key[THROTTLE_KEY_SIZE];
    if (!may_try(req, rep, username, user_key, addr_key))
        return;
    char client[GATE_CLIENT_SIZE];

    struct staff_identity who;
    char hash[PASSWORD_HASH_SIZE];
    bool disabled = false;
    enum store_status st = store_staff_for_login(username, &who, hash, &disabled);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    if (st == STORE_OK) {
        unsigned char account_key[THROTTLE_KEY_SIZE];
        throttle_username_key(who.username, account_key);
        if (sodium_memcmp(account_key, user_key, sizeof user_key) != 0 &&
            !may_try(req, rep, who.username, user_key, addr_key))
            return;
    }

    if (st == STORE_NOT_FOUND || disabled) {
        enum password_result pr = password_verify_dummy(password, gate_client(addr_key, client));
        if (pr == PASSWORD_BUSY || pr == PASSWORD_OVER_SHARE) {
            login_not_checked(pr, addr_key, rep);
            return;
        }
        record_failure(user_key, addr_key, req);
        audit(st == STORE_OK ? who.id : 0, "login_failed", 0, req);
        login_refused(rep);
        return;
    }

    enum password_result pr = password_verify(hash, password, gate_client(addr_key, client));
    sodium_memzero(hash, sizeof hash);
    if (pr == PASSWORD_BUSY || pr == PASSWORD_OVER_SHARE) {
        login_not_checked(pr, addr_key, rep);
        return;
    }
    if (pr != PASSWORD_MATCH && pr != PASSWORD_MATCH_REHASH) {
        record_failure(user_key, addr_key, req);
        audit(who.id, "login_failed", who.branch_id, req);
        login_refused(rep);
        return;
    }
    if (pr == PASSWORD_MATCH_REHASH && password_hash(password, hash) == PASSWORD_MATCH &&
        store_staff_set_hash(who.id, hash) < 0)
        log_warn("could not store a rehashed password for staff %lld", who.id);
    if (store_throttle_clear(user_key) < 0)
        log_warn("could not clear the failed logins of staff %lld", who.id);

    char token[TOKEN_TEXT_SIZE], csrf[TOKEN_TEXT_SIZE];
    unsigned char token_digest[TOKEN_HASH_SIZE], csrf_digest[TOKEN_HASH_SIZE];
    token_new(token, token_digest);
    token_new(csrf, csrf_digest);
    st = store_session_create(token_digest, who.id, csrf, settings->session_max_s);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    audit(who.id, "login", who.branch_id, req);
    if (store_staff_logged_in(who.id) < 0)
        log_warn("could not note the login of staff %lld", who.id);

    reply_json(rep, 200, json_pack("{s:o, s:s}", "user", api_staff_json(&who), "csrf_token", csrf));
    reply_headerf(rep, "Set-Cookie", API_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
                  token, secure_cookies() ? "; Secure" : "");
    sodium_memzero(token, sizeof token);
}

void session_get(struct req *req, struct reply *rep)
{
    reply_json(rep, 200,
               json_pack("{s:o, s:s}", "user", api_staff_json(req->who), "csrf_token",
                         req->who->csrf_token));
}

void session_logout(struct req *req, struct reply *rep)
{
    enum store_status st = store_session_delete(req->who->session_hash);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    audit(req->who->id, "logout", req->who->branch_id, req);
    reply_empty(rep, 204);
    reply_headerf(rep, "Set-Cookie",
                  API_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                  secure_cookies() ? "; Secure" : "");
}

void session_change_password(struct req *req, struct reply *rep)
{
    const struct staff_identity *me = req->who;
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "current_password", "new_password", NULL });
    const char *current = input_string(&in, "current_password", true, PASSWORD_MAX_LENGTH);
    const char *wanted = api_input_password(&in, "new_password", true);
    if (wanted && current && strcmp(wanted, current) == 0)
        input_error(&in, "new_password", "unchanged", "the new password must differ from the old");
    if (!input_ok(&in, rep))
        return;

    unsigned char user_key[THROTTLE_KEY_SIZE], addr_key[THROTTLE_KEY_SIZE];
    if (!may_try(req, rep, me->username, user_key, addr_key))
        return;
    struct staff_identity who;
    char hash[PASSWORD_HASH_SIZE];
    bool disabled;
    enum store_status st = store_staff_for_login(me->username, &who, hash, &disabled);
    if (st != STORE_OK) {
        api_store_failure(rep, st < 0 ? st : STORE_HARD_ERROR);
        return;
    }
    enum password_result pr = password_verify(hash, current, NULL);
    if (pr == PASSWORD_BUSY) {
        password_busy(rep);
        goto out;
    }
    if (pr != PASSWORD_MATCH && pr != PASSWORD_MATCH_REHASH) {
        record_failure(user_key, addr_key, req);
        audit(me->id, "password_change_failed", me->branch_id, req);
        reply_problem_errors(rep, PROBLEM_validation_failed,
                             json_pack("[{s:s, s:s, s:s}]", "field", "current_password", "code",
                                       "wrong", "message", "this is not your current password"));
        goto out;
    }
    if (!api_hash_password(wanted, hash, rep))
        goto out;
    struct staff_change ch = { .password_hash = hash };
    struct staff_member after;
    bool last_admin;
    st = store_staff_update(me->id, 0, &ch, me->id, me->session_hash,
                            "{\"fields\":[\"password\"],\"via\":\"account\"}", &after, &last_admin);
    if (st != STORE_OK)
        api_store_failure(rep, st < 0 ? st : STORE_HARD_ERROR);
    else
        reply_json(rep, 200, json_pack("{s:o}", "user", api_staff_json(&after.who)));
out:
    sodium_memzero(hash, sizeof hash);
}
