/* session_store: sessions keyed by token hash, and the cache of live ones (see session_store.h). */
#include "session_store.h"

#include "core/buf.h"
#include "core/clock.h"
#include "store/notify.h"
#include "store/pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * The cache: the sessions this process has verified lately, by token hash (random, so its first
 * bytes pick the slot), one per slot, the newest winning. An entry answers for at most
 * CACHE_SECONDS after it was read from the database, and only after a sync (store/notify.h): a
 * logout, a disabled account, a new password or role reaches it as "staff ID" (and a renamed
 * branch as "branch ID"), from this server or any other, before any request that comes after
 * the commit.
 */
#define CACHE_SLOTS   1024
#define CACHE_SECONDS 30
#define TOUCH_SECONDS 60 /* last_seen_at is written at most this often per session */

struct cached {
    bool used;
    unsigned char hash[32];
    struct staff_identity who;
    double until;   /* when the entry stops answering: CACHE_SECONDS, or the session's end */
    double used_at; /* its last use here, for the idle limit */
    double seen_at; /* when last_seen_at was last written (as far as we know) */
};

static struct cached *cache; /* CACHE_SLOTS entries once store_session_cache_start ran */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store_subscription *staff_sub, *branch_sub;

static struct cached *slot(const unsigned char hash[32])
{
    unsigned idx;
    memcpy(&idx, hash, sizeof idx);
    return &cache[idx % CACHE_SLOTS];
}

/* Drop the entries of one account (arg "ID"), of one branch's staff, or all of them (NULL). */
static void forget(const char *arg, bool by_branch)
{
    long long id = arg ? strtoll(arg, NULL, 10) : 0;
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct cached *c = &cache[i];
        if (c->used && (!arg || (by_branch ? c->who.branch_id == id && id != 0 : c->who.id == id)))
            c->used = false;
    }
    pthread_mutex_unlock(&cache_lock);
}

static void forget_staff(const char *arg)
{
    forget(arg, false);
}

static void forget_branch(const char *arg)
{
    forget(arg, true);
}

void store_session_cache_start(void)
{
    cache = xcalloc(CACHE_SLOTS, sizeof *cache);
    staff_sub = store_notify_subscribe("staff", forget_staff);
    branch_sub = store_notify_subscribe("branch", forget_branch);
}

void store_session_forget_staff(long long staff_id)
{
    if (!cache)
        return;
    STORE_NUM(id, staff_id);
    forget(id, false);
}

/* Whether the cached entry c answers for hash now. Under cache_lock. */
static bool answers(const struct cached *c, const unsigned char hash[32], unsigned idle_seconds,
                    double now)
{
    return c->used && memcmp(c->hash, hash, 32) == 0 && now < c->until &&
           now - c->used_at < idle_seconds;
}

/*
 * The live session of hash from the cache into *who; *touch says that last_seen_at is due to be
 * written. False when the cache does not know it (or must not answer). A known session answers
 * once a round trip of this thread's connection has brought every change committed before the
 * request came (asked_s: a sync, store_sync_since); or, with later, at once, leaving the check to
 * store_session_confirm.
 */
static bool cache_get(const unsigned char hash[32], unsigned idle_seconds, double asked_s,
                      struct staff_identity *who, bool *touch, struct store_session_check *later)
{
    if (!cache || !store_listens())
        return false;
    if (later) {
        later->syncs = store_syncs();
        later->staff_epoch = store_notify_epoch(staff_sub);
        later->branch_epoch = store_notify_epoch(branch_sub);
    } else {
        pthread_mutex_lock(&cache_lock);
        bool known = answers(slot(hash), hash, idle_seconds, monotonic_s());
        pthread_mutex_unlock(&cache_lock);
        if (!known || store_sync_since(asked_s) < 0)
            return false;
    }
    double now = monotonic_s();
    bool hit = false;
    pthread_mutex_lock(&cache_lock);
    struct cached *c = slot(hash);
    if (answers(c, hash, idle_seconds, now)) {
        *who = c->who;
        c->used_at = now;
        *touch = now - c->seen_at >= TOUCH_SECONDS;
        if (*touch)
            c->seen_at = now;
        hit = true;
    }
    pthread_mutex_unlock(&cache_lock);
    if (later)
        later->pending = hit;
    return hit;
}

/* Keep what the database said, unless a message about staff arrived since it was asked. */
static void cache_put(const unsigned char hash[32], const struct staff_identity *who,
                      unsigned long staff_epoch, unsigned long branch_epoch, double left,
                      double seen_ago)
{
    if (!cache || !store_notify_live())
        return;
    double now = monotonic_s();
    pthread_mutex_lock(&cache_lock);
    if (store_notify_epoch(staff_sub) == staff_epoch &&
        store_notify_epoch(branch_sub) == branch_epoch) {
        struct cached *c = slot(hash);
        c->used = true;
        memcpy(c->hash, hash, 32);
        c->who = *who;
        c->until = now + (left < CACHE_SECONDS ? left : CACHE_SECONDS);
        c->used_at = now;
        c->seen_at = now - seen_ago;
    }
    pthread_mutex_unlock(&cache_lock);
}

enum store_status store_session_create(const unsigned char hash[32], long long staff_id,
                                       const char *csrf_token, unsigned max_seconds)
{
    /* The account's sessions past their absolute expiry go now: nothing else removes them. */
    static struct store_stmt insert =
        STORE_STMT("WITH gone AS (DELETE FROM sessions WHERE staff_id = $2 AND expires_at <= now())"
                   " INSERT INTO sessions (token_hash, staff_id, csrf_token, expires_at)"
                   " VALUES ($1, $2, $3, now() + make_interval(secs => $4))");
    char h[67];
    store_bytea_text(h, hash, 32);
    STORE_NUM(id, staff_id);
    STORE_NUM(max, max_seconds);
    return store_run(&insert, 4, (const char *[]){ h, id, csrf_token, max });
}

bool store_session_confirm(const struct store_session_check *check)
{
    /* The request's own round trips, when it made any, have brought what came before it. */
    if (store_syncs() == check->syncs && store_sync() < 0)
        return false;
    return store_notify_epoch(staff_sub) == check->staff_epoch &&
           store_notify_epoch(branch_sub) == check->branch_epoch;
}

/* The three lookups below: asked_s counts without later (see cache_get). */
static enum store_status lookup(const unsigned char hash[32], unsigned idle_seconds, double asked_s,
                                struct staff_identity *who, struct store_session_check *later)
{
    enum {
        WHO_ID,
        WHO_USERNAME,
        WHO_DISPLAY_NAME,
        WHO_ROLE,
        WHO_BRANCH,
        WHO_SLUG,
        WHO_CSRF,
        WHO_STALE,
        WHO_MUST_CHANGE,
        WHO_SECONDS_LEFT,
        WHO_SEEN_AGO,
    };
    static struct store_stmt find = STORE_STMT(
        "SELECT st.id, st.username, st.display_name, st.role, coalesce(st.branch_id, 0),"
        "       coalesce(b.slug, ''), s.csrf_token, s.last_seen_at < now() - interval '1 minute',"
        "       st.must_change_password, extract(epoch FROM s.expires_at - now()),"
        "       extract(epoch FROM now() - s.last_seen_at)"
        "  FROM sessions s JOIN staff st ON st.id = s.staff_id"
        "  LEFT JOIN branches b ON b.id = st.branch_id"
        " WHERE s.token_hash = $1 AND s.expires_at > now()"
        "   AND s.last_seen_at > now() - make_interval(secs => $2) AND NOT st.disabled");
    /* Another server may have written it within the minute: then this one need not. */
    static struct store_stmt touch =
        STORE_STMT("UPDATE sessions SET last_seen_at = now()"
                   " WHERE token_hash = $1 AND last_seen_at < now() - interval '1 minute'");
    char h[67];
    store_bytea_text(h, hash, 32);
    bool stale = false;
    if (later)
        later->pending = false;
    if (cache_get(hash, idle_seconds, asked_s, who, &stale, later)) {
        if (stale && store_run(&touch, 1, (const char *[]){ h }) < 0)
            return STORE_HARD_ERROR;
        return STORE_OK;
    }
    unsigned long staff_epoch = store_notify_epoch(staff_sub),
                  branch_epoch = store_notify_epoch(branch_sub);
    STORE_NUM(idle, idle_seconds);
    PGresult *res;
    enum store_status st = store_exec(&find, 2, (const char *[]){ h, idle }, &res);
    if (st == STORE_OK) {
        *who = (struct staff_identity){ 0 };
        who->id = store_get_ll(res, 0, WHO_ID);
        store_get_copy(res, 0, WHO_USERNAME, who->username, sizeof who->username);
        store_get_copy(res, 0, WHO_DISPLAY_NAME, who->display_name, sizeof who->display_name);
        who->role = role_from_name(store_get(res, 0, WHO_ROLE));
        who->branch_id = (int)store_get_ll(res, 0, WHO_BRANCH);
        store_get_copy(res, 0, WHO_SLUG, who->branch_slug, sizeof who->branch_slug);
        store_get_copy(res, 0, WHO_CSRF, who->csrf_token, sizeof who->csrf_token);
        memcpy(who->session_hash, hash, sizeof who->session_hash);
        stale = store_get_bool(res, 0, WHO_STALE);
        who->must_change_password = store_get_bool(res, 0, WHO_MUST_CHANGE);
        cache_put(hash, who, staff_epoch, branch_epoch, store_get_double(res, 0, WHO_SECONDS_LEFT),
                  stale ? 0 : store_get_double(res, 0, WHO_SEEN_AGO));
    }
    PQclear(res);
    if (stale && store_run(&touch, 1, (const char *[]){ h }) < 0)
        return STORE_HARD_ERROR;
    return st;
}

enum store_status store_session_lookup(const unsigned char hash[32], unsigned idle_seconds,
                                       struct staff_identity *who)
{
    return lookup(hash, idle_seconds, monotonic_s(), who, NULL);
}

enum store_status store_session_lookup_since(const unsigned char hash[32], unsigned idle_seconds,
                                             double asked_s, struct staff_identity *who)
{
    return lookup(hash, idle_seconds, asked_s, who, NULL);
}

enum store_status store_session_lookup_unconfirmed(const unsigned char hash[32],
                                                   unsigned idle_seconds,
                                                   struct staff_identity *who,
                                                   struct store_session_check *later)
{
    return lookup(hash, idle_seconds, 0, who, later);
}

enum store_status store_session_delete(const unsigned char hash[32])
{
    static struct store_stmt del = STORE_STMT("DELETE FROM sessions WHERE token_hash = $1");
    char h[67];
    store_bytea_text(h, hash, 32);
    enum store_status st = store_run(&del, 1, (const char *[]){ h });
    if (cache) {
        /* Gone here at once; other servers hear of it from the trigger's message. */
        pthread_mutex_lock(&cache_lock);
        struct cached *c = slot(hash);
        if (c->used && memcmp(c->hash, hash, 32) == 0)
            c->used = false;
        pthread_mutex_unlock(&cache_lock);
    }
    return st;
}
