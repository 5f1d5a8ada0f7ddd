/* staff_store: staff accounts (see staff_store.h). */
#include "staff_store.h"

#include "core/buf.h"
#include "store/audit_store.h"
#include "store/pool.h"
#include "store/session_store.h"

#include <stdlib.h>

/* The columns every account query selects first, in the order of MEMBER_*. */
#define MEMBER_COLUMNS                                                                             \
    "s.id, s.username, s.display_name, s.role, coalesce(s.branch_id, 0), coalesce(b.slug, ''),"    \
    " s.disabled, s.must_change_password,"                                                         \
    " coalesce(to_json(s.last_login_at) #>> '{}', '')"
enum {
    MEMBER_ID,
    MEMBER_USERNAME,
    MEMBER_DISPLAY_NAME,
    MEMBER_ROLE,
    MEMBER_BRANCH,
    MEMBER_BRANCH_SLUG,
    MEMBER_DISABLED,
    MEMBER_MUST_CHANGE,
    MEMBER_LAST_LOGIN,
    MEMBER_COLUMN_COUNT,
};

/* Read the MEMBER_COLUMNS of a row. */
static void read_member(const PGresult *res, int row, struct staff_member *m)
{
    *m = (struct staff_member){ 0 };
    struct staff_identity *who = &m->who;
    who->id = store_get_ll(res, row, MEMBER_ID);
    store_get_copy(res, row, MEMBER_USERNAME, who->username, sizeof who->username);
    store_get_copy(res, row, MEMBER_DISPLAY_NAME, who->display_name, sizeof who->display_name);
    who->role = role_from_name(store_get(res, row, MEMBER_ROLE));
    who->branch_id = (int)store_get_ll(res, row, MEMBER_BRANCH);
    store_get_copy(res, row, MEMBER_BRANCH_SLUG, who->branch_slug, sizeof who->branch_slug);
    m->disabled = store_get_bool(res, row, MEMBER_DISABLED);
    who->must_change_password = store_get_bool(res, row, MEMBER_MUST_CHANGE);
    store_get_copy(res, row, MEMBER_LAST_LOGIN, m->last_login_at, sizeof m->last_login_at);
}

enum store_status store_staff_for_login(const char *username, struct staff_identity *who,
                                        char hash[PASSWORD_HASH_SIZE], bool *disabled)
{
    enum { LOGIN_HASH = MEMBER_COLUMN_COUNT };
    static struct store_stmt find =
        STORE_STMT("SELECT " MEMBER_COLUMNS ", s.password_hash"
                   "  FROM staff s LEFT JOIN branches b ON b.id = s.branch_id"
                   " WHERE s.username = lower($1)");
    PGresult *res;
    enum store_status st = store_exec(&find, 1, (const char *[]){ username }, &res);
    if (st == STORE_OK) {
        struct staff_member m;
        read_member(res, 0, &m);
        *who = m.who;
        *disabled = m.disabled;
        store_get_copy(res, 0, LOGIN_HASH, hash, PASSWORD_HASH_SIZE);
    }
    PQclear(res);
    return st;
}

enum store_status store_staff_set_hash(long long staff_id, const char *hash)
{
    static struct store_stmt update =
        STORE_STMT("UPDATE staff SET password_hash = $2, updated_at = now() WHERE id = $1");
    STORE_NUM(id, staff_id);
    return store_run(&update, 2, (const char *[]){ id, hash });
}

enum store_status store_staff_logged_in(long long staff_id)
{
    static struct store_stmt update =
        STORE_STMT("UPDATE staff SET last_login_at = now() WHERE id = $1");
    STORE_NUM(id, staff_id);
    return store_run(&update, 1, (const char *[]){ id });
}

enum store_status store_staff_create(const char *username, const char *display_name, enum role role,
                                     const char *branch_slug, const char *hash, long long *id)
{
    /* A named branch that does not exist inserts nothing, which reads as STORE_NOT_FOUND. */
    static struct store_stmt insert =
        STORE_STMT("INSERT INTO staff (username, display_name, role, branch_id, password_hash)"
                   " SELECT lower($1), $2, $3, b.id, $5"
                   "   FROM (SELECT NULL::int AS id WHERE $4::text IS NULL"
                   "         UNION ALL SELECT id FROM branches WHERE slug = $4) b"
                   " RETURNING id");
    PGresult *res;
    enum store_status st = store_exec(
        &insert, 5, (const char *[]){ username, display_name, role_name(role), branch_slug, hash },
        &res);
    if (st == STORE_OK)
        *id = store_get_ll(res, 0, 0);
    PQclear(res);
    return st;
}

enum store_status store_staff_list(int scope, struct staff_member **list, size_t *count)
{
    static struct store_stmt list_all = STORE_STMT(
        "SELECT " MEMBER_COLUMNS "  FROM staff s LEFT JOIN branches b ON b.id = s.branch_id"
        " WHERE $1::int = 0 OR s.branch_id = $1 ORDER BY s.username");
    STORE_NUM(branch, scope);
    *list = NULL;
    *count = 0;
    PGresult *res;
    enum store_status st = store_exec(&list_all, 1, (const char *[]){ branch }, &res);
    if (st < 0)
        return st;
    int n = PQntuples(res);
    if (n > 0) {
        *list = xcalloc((size_t)n, sizeof **list);
        for (int i = 0; i < n; i++)
            read_member(res, i, &(*list)[i]);
    }
    *count = (size_t)n;
    PQclear(res);
    return STORE_OK;
}

enum store_status store_staff_get(long long id, int scope, struct staff_member *out)
{
    static struct store_stmt get = STORE_STMT(
        "SELECT " MEMBER_COLUMNS "  FROM staff s LEFT JOIN branches b ON b.id = s.branch_id"
        " WHERE s.id = $1 AND ($2::int = 0 OR s.branch_id = $2)");
    STORE_NUM(idtext, id);
    STORE_NUM(scopetext, scope);
    PGresult *res;
    enum store_status st = store_exec(&get, 2, (const char *[]){ idtext, scopetext }, &res);
    if (st == STORE_OK)
        read_member(res, 0, out);
    PQclear(res);
    return st;
}

struct add_ctx {
    const char *username, *display_name, *branch_slug, *hash, *details;
    enum role role;
    bool one_time;
    long long actor_id;
    struct staff_member *out;
};

static enum store_status add_tx(void *p)
{
    static struct store_stmt one_time =
        STORE_STMT("UPDATE staff SET must_change_password = true WHERE id = $1");
    struct add_ctx *c = p;
    long long id = 0;
    enum store_status st =
        store_staff_create(c->username, c->display_name, c->role, c->branch_slug, c->hash, &id);
    if (st != STORE_OK)
        return st;
    STORE_NUM(idtext, id);
    if (c->one_time && (st = store_run(&one_time, 1, (const char *[]){ idtext })) != STORE_OK)
        return st < 0 ? st : STORE_HARD_ERROR;
    st = store_staff_get(id, 0, c->out);
    if (st != STORE_OK)
        return st < 0 ? st : STORE_HARD_ERROR;
    return store_audit(c->actor_id, "staff_created", "staff", id, c->out->who.branch_id,
                       c->details);
}

enum store_status store_staff_add(const char *username, const char *display_name, enum role role,
                                  const char *branch_slug, const char *hash, bool one_time,
                                  long long actor_id, const char *audit_details,
                                  struct staff_member *out)
{
    struct add_ctx c = { .username = username,
                         .display_name = display_name,
                         .branch_slug = branch_slug,
                         .hash = hash,
                         .details = audit_details,
                         .role = role,
                         .one_time = one_time,
                         .actor_id = actor_id,
                         .out = out };
    return store_tx(STORE_READ_COMMITTED, add_tx, &c);
}

struct update_ctx {
    long long id;
    int scope;
    const struct staff_change *change;
    long long actor_id;
    const unsigned char *keep_session;
    const char *details;
    struct staff_member *out;
    bool last_admin;
};

/* The active admins of the whole network, locked: a change that could leave none waits here. */
#define ACTIVE_NETWORK_ADMINS                                                                      \
    "SELECT id FROM staff WHERE role = 'admin' AND branch_id IS NULL AND NOT disabled"

static enum store_status update_tx(void *p)
{
    static struct store_stmt lock_admins =
        STORE_STMT(ACTIVE_NETWORK_ADMINS " ORDER BY id FOR UPDATE");
    static struct store_stmt any_admin = STORE_STMT(ACTIVE_NETWORK_ADMINS " LIMIT 1");
    static struct store_stmt update = STORE_STMT(
        "UPDATE staff SET display_name = coalesce($3, display_name), role = coalesce($4, role),"
        "       branch_id = CASE WHEN $5::bool THEN nullif($6::int, 0) ELSE branch_id END,"
        "       disabled = coalesce($7::bool, disabled),"
        "       password_hash = coalesce($8, password_hash),"
        "       must_change_password = CASE WHEN $8 IS NULL THEN must_change_password"
        "                                   ELSE $9::bool END,"
        "       updated_at = now()"
        " WHERE id = $1 AND ($2::int = 0 OR branch_id = $2)");
    static struct store_stmt end_sessions = STORE_STMT(
        "DELETE FROM sessions WHERE staff_id = $1 AND token_hash IS DISTINCT FROM $2::bytea");
    struct update_ctx *c = p;
    const struct staff_change *ch = c->change;
    char keep[67];
    STORE_NUM(id, c->id);
    STORE_NUM(scope, c->scope);
    STORE_NUM(branch, ch->branch_id);
    c->last_admin = false;
    /* Whether the account is an active network admin that this change could make no longer one. */
    bool was_admin = false;
    enum store_status st;
    if (ch->role != ROLE_NONE || ch->set_branch || ch->set_disabled) {
        PGresult *res;
        st = store_exec(&lock_admins, 0, NULL, &res);
        for (int i = 0; st == STORE_OK && i < PQntuples(res); i++)
            was_admin = was_admin || store_get_ll(res, i, 0) == c->id;
        PQclear(res);
        if (st < 0)
            return st;
    }
    const char *params[] = { id,
                             scope,
                             ch->display_name,
                             ch->role != ROLE_NONE ? role_name(ch->role) : NULL,
                             ch->set_branch ? "true" : "false",
                             branch,
                             ch->set_disabled ? (ch->disabled ? "true" : "false") : NULL,
                             ch->password_hash,
                             ch->one_time ? "true" : "false" };
    st = store_run(&update, 9, params);
    if (st != STORE_OK)
        return st;
    if (was_admin && (st = store_run(&any_admin, 0, NULL)) != STORE_OK) {
        c->last_admin = st == STORE_NOT_FOUND;
        return st;
    }

    bool disabling = ch->set_disabled && ch->disabled;
    if (disabling || ch->password_hash) {
        const char *keep_param = NULL;
        if (!disabling && c->keep_session) {
            store_bytea_text(keep, c->keep_session, 32);
            keep_param = keep;
        }
        st = store_run(&end_sessions, 2, (const char *[]){ id, keep_param });
        if (st < 0)
            return st;
    }
    st = store_staff_get(c->id, 0, c->out);
    if (st != STORE_OK)
        return st < 0 ? st : STORE_HARD_ERROR;
    return store_audit(c->actor_id, "staff_changed", "staff", c->id, c->out->who.branch_id,
                       c->details);
}

enum store_status store_staff_update(long long id, int scope, const struct staff_change *change,
                                     long long actor_id, const unsigned char *keep_session,
                                     const char *audit_details, struct staff_member *out,
                                     bool *last_admin)
{
    struct update_ctx c = { .id = id,
                            .scope = scope,
                            .change = change,
                            .actor_id = actor_id,
                            .keep_session = keep_session,
                            .details = audit_details,
                            .out = out };
    enum store_status st = store_tx(STORE_READ_COMMITTED, update_tx, &c);
    *last_admin = c.last_admin;
    if (st == STORE_OK)
        store_session_forget_staff(id);
    return st;
}
