/*
 * staff: the staff accounts admins manage. An answer never holds a password hash.
 *
 * How far an admin reaches:
 *  - A network-wide admin (no branch) manages every account.
 *  - A branch-bound admin manages the accounts of their own branch only. The listing shows only
 *    those; an account of another branch or of the whole network answers 404, as if it did not
 *    exist (staff accounts name people, and which ones other branches have is not this admin's
 *    business). An account may be created in, or moved to, the admin's own branch only (403
 *    branch_forbidden otherwise), so nothing a branch admin makes reaches beyond the branch.
 *  - Nobody changes their own role, branch or disabled flag (403 own_account): an admin cannot
 *    lock themselves out by mistake, and cannot widen their own reach. Their own display name
 *    and password they may change.
 *  - The network keeps at least one active admin of the whole network: a change that would
 *    leave none (disabling, demoting or binding the last one to a branch) is 409 last_admin.
 *
 * A password an admin sets for someone else is a one-time password: its holder must choose their
 * own at their next login before anything else (routes.c keeps them to that). Without a password
 * a new account gets a generated one, and "reset_password": true makes a new one; either is in
 * the answer once, as "one_time_password", and stored only as its hash.
 *
 * Every change writes its audit entry in the same transaction. The details name the fields that
 * changed and the new role, branch and disabled flag; never a name, a password or a hash.
 * Disabling an account or giving it a new password ends all its sessions at once (but the
 * session of staff who change their own password).
 */
#include "staff.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/password.h"
#include "store/branch_store.h"
#include "store/staff_store.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The length of a generated one-time password: about 70 bits, short enough to type from paper. */
#define ONE_TIME_LENGTH 12

static const char *const role_words[] = { "volunteer", "manager", "admin", NULL };

/*
 * {"id", "username", "display_name", "role", "branch", "must_change_password", "disabled",
 * "last_login_at"}, with "one_time_password" when one was made now; the caller owns it.
 */
static json_t *member_json(const struct staff_member *m, const char *one_time_password)
{
    json_t *o = api_staff_json(&m->who);
    json_object_set_new(o, "disabled", json_boolean(m->disabled));
    json_object_set_new(o, "last_login_at", api_text_or_null(m->last_login_at));
    if (one_time_password)
        json_object_set_new(o, "one_time_password", json_string(one_time_password));
    return o;
}

static void not_found(struct reply *rep)
{
    reply_problem(rep, PROBLEM_staff_not_found, NULL);
}

/* The answer for a store call that read or changed one account: it, or 404, or the failure. */
static void reply_member(struct reply *rep, enum store_status st, const struct staff_member *m,
                         const char *one_time_password)
{
    if (st == STORE_NOT_FOUND)
        not_found(rep);
    else if (st < 0)
        api_store_failure(rep, st);
    else
        reply_json(rep, 200, member_json(m, one_time_password));
}

static void branch_forbidden(struct reply *rep)
{
    api_branch_forbidden(rep, "Admins of a branch manage the staff of their own branch.");
}

/* A field that may be left out but not sent as null. */
static void refuse_null(struct input *in, const char *field)
{
    if (json_is_null(json_object_get(in->obj, field)))
        input_error(in, field, "required", "must not be null");
}

/* The "branch" field: a slug, or null for the whole network. *present says whether it was sent. */
static const char *read_branch(struct input *in, bool required, bool *present)
{
    *present = input_has(in, "branch");
    if (!*present) {
        if (required)
            input_error(in, "branch", "required",
                        "give a branch slug, or null for the whole network");
        return NULL;
    }
    return input_string(in, "branch", false, 40);
}

/* The slug's branch id into *branch_id (0 for none); an unknown slug is a field problem. */
static enum store_status resolve_branch(struct input *in, const char *slug, int *branch_id)
{
    *branch_id = 0;
    if (!slug)
        return STORE_OK;
    enum store_status st = store_branch_id(slug, branch_id);
    if (st == STORE_NOT_FOUND) {
        input_error(in, "branch", "unknown_branch", "there is no branch with this slug");
        return STORE_OK;
    }
    return st;
}

static void last_admin(struct reply *rep)
{
    reply_problem(rep, PROBLEM_last_admin,
                  "Make another account an admin of the whole network first.");
}

void staff_list(struct req *req, struct reply *rep)
{
    struct staff_member *list = NULL;
    size_t n = 0;
    enum store_status st = store_staff_list(api_scope(req), &list, &n);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        api_append(&arr, member_json(&list[i], NULL));
    free(list);
    reply_json(rep, 200, json_pack("{s:o}", "staff", arr));
}

void staff_get(struct req *req, struct reply *rep)
{
    long long id;
    struct staff_member m;
    if (!api_path_id(req, 0, &id)) {
        not_found(rep);
        return;
    }
    reply_member(rep, store_staff_get(id, api_scope(req), &m), &m, NULL);
}

void staff_create(struct req *req, struct reply *rep)
{
    const struct staff_identity *who = req->who;
    struct input in;
    input_begin(&in, req->json,
                (const char *[]){ "username", "display_name", "role", "branch", "password", NULL });
    const char *username = input_string(&in, "username", true, 63);
    if (username && !identity_username_valid(username))
        input_error(&in, "username", "invalid",
                    "use 1 to 63 of a-z, 0-9 and . _ @ -, starting with a letter or a digit");
    const char *display_name = input_string(&in, "display_name", true, 200);
    const char *role = input_enum(&in, "role", true, role_words);
    bool branch_sent;
    const char *slug = read_branch(&in, true, &branch_sent);
    const char *password = api_input_password(&in, "password", false);
    int branch_id = 0;
    enum store_status st = resolve_branch(&in, slug, &branch_id);
    if (!input_ok_lookup(&in, rep, st))
        return;
    if (!api_scope_allows(req, branch_id)) {
        branch_forbidden(rep);
        return;
    }

    char generated[ONE_TIME_LENGTH + 1] = "";
    if (!password) {
        password_generate(generated, ONE_TIME_LENGTH);
        password = generated;
    }
    char hash[PASSWORD_HASH_SIZE];
    if (!api_hash_password(password, hash, rep))
        goto done;
    json_t *details =
        json_pack("{s:s, s:o}", "role", role, "branch", slug ? json_string(slug) : json_null());
    char *details_text = json_dumps(details, JSON_COMPACT);
    json_decref(details);
    struct staff_member m;
    st = store_staff_add(username, display_name, role_from_name(role), slug, hash, true, who->id,
                         details_text, &m);
    free(details_text);
    sodium_memzero(hash, sizeof hash);
    if (st == STORE_NOT_FOUND) {
        /* The branch went away since it was looked up. */
        reply_problem_errors(rep, PROBLEM_validation_failed,
                             json_pack("[{s:s, s:s, s:s}]", "field", "branch", "code",
                                       "unknown_branch", "message",
                                       "there is no branch with this slug"));
    } else if (st < 0 && store_error_is_unique_violation()) {
        reply_problem(rep, PROBLEM_username_taken,
                      "Usernames are case-insensitive: choose another one.");
    } else if (st < 0) {
        api_store_failure(rep, st);
    } else {
        reply_json(rep, 201, member_json(&m, generated[0] ? generated : NULL));
        reply_headerf(rep, "Location", "/api/staff/%lld", m.who.id);
    }
done:
    sodium_memzero(generated, sizeof generated);
}

/* The audit details of a change: the fields sent, and the new values that name nobody. */
static char *change_details(const struct staff_change *ch, const char *slug)
{
    json_t *fields = json_array();
    json_t *details = json_object();
    if (ch->display_name)
        api_append(&fields, json_string("display_name"));
    if (ch->role != ROLE_NONE) {
        api_append(&fields, json_string("role"));
        json_object_set_new(details, "role", json_string(role_name(ch->role)));
    }
    if (ch->set_branch) {
        api_append(&fields, json_string("branch"));
        json_object_set_new(details, "branch", slug ? json_string(slug) : json_null());
    }
    if (ch->set_disabled) {
        api_append(&fields, json_string("disabled"));
        json_object_set_new(details, "disabled", json_boolean(ch->disabled));
    }
    if (ch->password_hash)
        api_append(&fields, json_string("password"));
    json_object_set_new(details, "fields", fields);
    char *text = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(details);
    return text;
}

void staff_update(struct req *req, struct reply *rep)
{
    const struct staff_identity *who = req->who;
    long long id;
    if (!api_path_id(req, 0, &id)) {
        not_found(rep);
        return;
    }
    struct input in;
    input_begin(&in, req->json,
                (const char *[]){ "display_name", "role", "branch", "disabled", "password",
                                  "reset_password", NULL });
    struct staff_change ch = { 0 };
    refuse_null(&in, "display_name");
    refuse_null(&in, "role");
    refuse_null(&in, "disabled");
    refuse_null(&in, "password");
    ch.display_name = input_string(&in, "display_name", false, 200);
    ch.role = role_from_name(input_enum(&in, "role", false, role_words));
    const char *slug = read_branch(&in, false, &ch.set_branch);
    ch.set_disabled = input_bool(&in, "disabled", false, &ch.disabled);
    const char *password = api_input_password(&in, "password", false);
    bool reset = false;
    if (input_bool(&in, "reset_password", false, &reset) && reset && input_has(&in, "password"))
        input_error(&in, "reset_password", "invalid",
                    "send a password or reset_password, not both");
    enum store_status st = resolve_branch(&in, slug, &ch.branch_id);
    if (!input_ok_lookup(&in, rep, st))
        return;

    struct staff_member before;
    st = store_staff_get(id, api_scope(req), &before);
    if (st != STORE_OK) {
        reply_member(rep, st, &before, NULL);
        return;
    }
    if (ch.set_branch && !api_scope_allows(req, ch.branch_id)) {
        branch_forbidden(rep);
        return;
    }
    /* A value sent as it already is changes nothing, so it is neither refused nor audited. */
    if (ch.display_name && strcmp(ch.display_name, before.who.display_name) == 0)
        ch.display_name = NULL;
    if (ch.role == before.who.role)
        ch.role = ROLE_NONE;
    if (ch.set_branch && ch.branch_id == before.who.branch_id)
        ch.set_branch = false;
    if (ch.set_disabled && ch.disabled == before.disabled)
        ch.set_disabled = false;
    if (id == who->id && (ch.role != ROLE_NONE || ch.set_branch || ch.set_disabled)) {
        reply_problem(rep, PROBLEM_own_account, "Ask another admin.");
        return;
    }
    if (!ch.display_name && ch.role == ROLE_NONE && !ch.set_branch && !ch.set_disabled &&
        !password && !reset) {
        reply_json(rep, 200, member_json(&before, NULL));
        return;
    }

    /* A password set for someone else is theirs to replace at once; one's own is one's own. */
    char generated[ONE_TIME_LENGTH + 1] = "";
    if (reset) {
        password_generate(generated, ONE_TIME_LENGTH);
        password = generated;
    }
    char hash[PASSWORD_HASH_SIZE];
    char *details = NULL;
    if (password) {
        if (!api_hash_password(password, hash, rep))
            goto done;
        ch.password_hash = hash;
        ch.one_time = id != who->id;
    }
    details = change_details(&ch, slug);
    struct staff_member after;
    bool last;
    st = store_staff_update(id, api_scope(req), &ch, who->id,
                            id == who->id ? who->session_hash : NULL, details, &after, &last);
    if (last)
        last_admin(rep);
    else
        reply_member(rep, st, &after, generated[0] ? generated : NULL);
done:
    free(details);
    sodium_memzero(hash, sizeof hash);
    sodium_memzero(generated, sizeof generated);
}
