/*
 * replica: read replicas and their health (see replica.h and store.h).
 *
 * Lag is measured as PostgreSQL's own documentation suggests: the age of the last transaction
 * the replica replayed, now() - pg_last_xact_replay_timestamp(). That age also grows while the
 * primary is idle, so a replica that has replayed all it received counts as current (lag 0),
 * as does one that receives nothing yet (just started: its replay may run ahead of what its
 * new stream has received),
 * and one measurement over the limit is not yet lagging (see check).
 */
#include "replica.h"

#include "core/buf.h"
#include "core/log.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct replica {
    char *conninfo;
    PGconn *check;    /* the checker's own connection */
    atomic_int state; /* enum store_replica_state */
    atomic_llong lag_ms;
    int over; /* measurements in a row over the limit */
};

static struct replica *replicas;
static size_t nreplicas;
static long long max_lag_ms;
static atomic_uint next_pick;
static pthread_t checker;
static bool checking;
static atomic_bool stopping;

static const char *const state_names[] = {
    [STORE_REPLICA_UP] = "up",
    [STORE_REPLICA_LAGGING] = "lagging",
    [STORE_REPLICA_DOWN] = "down",
};

const char *store_replica_state_name(enum store_replica_state s)
{
    return state_names[s];
}

bool store_replicas_init(const char *list, unsigned max_lag_s)
{
    max_lag_ms = 1000LL * max_lag_s;
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ";");
        size_t lead = 0;
        while (lead < n && (p[lead] == ' ' || p[lead] == '\t' || p[lead] == '\n'))
            lead++;
        if (n > lead) {
            replicas = xrealloc(replicas, (nreplicas + 1) * sizeof *replicas);
            struct replica *r = &replicas[nreplicas++];
            memset(r, 0, sizeof *r);
            r->conninfo = xcalloc(1, n - lead + 1);
            memcpy(r->conninfo, p + lead, n - lead);
            atomic_init(&r->state, STORE_REPLICA_DOWN);
        }
        p += n + (p[n] == ';');
    }
    for (size_t i = 0; i < nreplicas; i++) {
        char *err = NULL;
        PQconninfoOption *opts = PQconninfoParse(replicas[i].conninfo, &err);
        if (!opts) {
            log_error("--read-database %zu is not a libpq connection string: %s", i + 1,
                      err ? err : "out of memory");
            PQfreemem(err);
            return false;
        }
        PQconninfoFree(opts);
    }
    return true;
}

size_t store_replicas(struct store_replica_info *out, size_t max)
{
    for (size_t i = 0; i < nreplicas && i < max; i++) {
        out[i].state = atomic_load(&replicas[i].state);
        out[i].lag_seconds = (double)atomic_load(&replicas[i].lag_ms) / 1000.0;
    }
    return nreplicas;
}

int replica_pick(void)
{
    if (nreplicas == 0)
        return -1;
    unsigned start = atomic_fetch_add(&next_pick, 1);
    for (size_t k = 0; k < nreplicas; k++) {
        size_t i = (start + k) % nreplicas;
        if (atomic_load(&replicas[i].state) == STORE_REPLICA_UP)
            return (int)i;
    }
    return -1;
}

bool replica_up(int i)
{
    return i >= 0 && (size_t)i < nreplicas && atomic_load(&replicas[i].state) == STORE_REPLICA_UP;
}

const char *replica_conninfo(int i)
{
    return replicas[i].conninfo;
}

static void set_state(size_t i, enum store_replica_state s)
{
    int was = atomic_exchange(&replicas[i].state, (int)s);
    if (was == (int)s)
        return;
    if (s == STORE_REPLICA_UP)
        log_info("read replica %zu is up: public and statistics reads go to it", i + 1);
    else
        log_warn("read replica %zu is %s: its reads go to the primary", i + 1, state_names[s]);
}

void replica_mark_down(int i)
{
    set_state((size_t)i, STORE_REPLICA_DOWN);
}

/* Measure replica i on the checker's connection, opening it if needed. */
static void check(size_t i)
{
    struct replica *r = &replicas[i];
    if (r->check && PQstatus(r->check) != CONNECTION_OK) {
        PQfinish(r->check);
        r->check = NULL;
    }
    if (!r->check) {
        const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
        const char *const values[] = { "2", "hylla-replica-check", r->conninfo, NULL };
        r->check = PQconnectdbParams(keys, values, 1);
        if (PQstatus(r->check) != CONNECTION_OK) {
            PQfinish(r->check);
            r->check = NULL;
            r->over = 0;
            set_state(i, STORE_REPLICA_DOWN);
            return;
        }
    }
    PGresult *res = PQexec(
        r->check,
        "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
        "            WHEN coalesce(pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(), true)"
        "            THEN 0"
        "            ELSE coalesce(1000 * extract(epoch FROM now() - "
        "pg_last_xact_replay_timestamp()), 1e12) END::bigint");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        PQclear(res);
        r->over = 0;
        set_state(i, STORE_REPLICA_DOWN);
        return;
    }
    long long lag = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    atomic_store(&r->lag_ms, lag < 0 ? 0 : lag);
    /*
     * One measurement over the limit may be the first transaction after a quiet spell, caught
     * between its arrival and its replay; two in a row, a second apart, are a replica behind.
     */
    r->over = lag > max_lag_ms ? r->over + 1 : 0;
    if (r->over == 0)
        set_state(i, STORE_REPLICA_UP);
    else if (r->over >= 2)
        set_state(i, STORE_REPLICA_LAGGING);
}

static void *check_loop(void *arg)
{
    (void)arg;
    while (!atomic_load(&stopping)) {
        for (size_t i = 0; i < nreplicas; i++)
            check(i);
        for (int t = 0; t < 10 && !atomic_load(&stopping); t++)
            usleep(100000);
    }
    return NULL;
}

void store_replicas_start(void)
{
    if (nreplicas == 0)
        return;
    /* The first measurement before serving, so that reads start where they belong. */
    for (size_t i = 0; i < nreplicas; i++)
        check(i);
    atomic_store(&stopping, false);
    checking = pthread_create(&checker, NULL, check_loop, NULL) == 0;
    if (!checking)
        log_error("cannot start the replica checker: replicas stay as first measured");
}

void store_replicas_stop(void)
{
    if (checking) {
        atomic_store(&stopping, true);
        pthread_join(checker, NULL);
        checking = false;
    }
    for (size_t i = 0; i < nreplicas; i++) {
        PQfinish(replicas[i].check);
        free(replicas[i].conninfo);
    }
    free(replicas);
    replicas = NULL;
    nreplicas = 0;
}
