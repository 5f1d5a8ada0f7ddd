/*
 * pool: one PostgreSQL connection per thread, prepared statements, transactions with retry
 * (see pool.h).
 */
#include "pool.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "store/notify.h"
#include "store/replica.h"

#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* More than the program declares; a statement beyond it is a programming error. */
#define MAX_STATEMENTS 1024

/*
 * Stockholm, because a loan counts on the day it was made there, and dates are Swedish. Dates and
 * times are read as PostgreSQL writes them in DateStyle ISO ("2026-12-01", "2026-12-01 07:20:00"),
 * whatever the server or database would give a new connection.
 */
#define SESSION_SETUP                                                                              \
    "SET TimeZone = 'Europe/Stockholm'; SET DateStyle = 'ISO, YMD';"                               \
    "SET statement_timeout = '60s';"                                                               \
    "SET idle_in_transaction_session_timeout = '60s'; SET client_min_messages = warning"

struct conn {
    PGconn *pg;
    unsigned char prepared[MAX_STATEMENTS];
    char sqlstate[6];
    char constraint[64];
    bool connected_before;     /* a connection after this one is a reconnect */
    bool lost;                 /* the last failure broke a connection that was open */
    bool in_tx;                /* within store_tx's transaction: never connect anew */
    int busy;                  /* nesting of calls that use the connection now */
    int replica;               /* -1: the primary; else the index of its read replica */
    unsigned long syncs;       /* round trips begun outside a transaction (see store_syncs) */
    double synced_s;           /* when the last of them to end began (monotonic_s), or 0 */
    struct prefetch *prefetch; /* a statement sent by store_prefetch, NULL if none */
};

#define PREFETCH_MAX_PARAMS 8

/*
 * A statement store_prefetch sent: its parameters, as one block of NUL-terminated texts (NULL
 * marked apart), and its answer once it is in. The first store_exec of the same statement and
 * parameters takes it.
 */
struct prefetch {
    struct store_stmt *stmt;
    int nparams;
    double began_s; /* when it was sent, outside a transaction block (sync_begins); else -1 */
    bool done;      /* every result is in, or it failed */
    bool failed;    /* the connection broke under it */
    PGresult *res;  /* its first result */
    bool null[PREFETCH_MAX_PARAMS];
    char text[];
};
/* After the connection was found lost, store_prefetch connects anew at most this often. */
#define PREFETCH_CONNECT_PAUSE_S 5.0

static char *conninfo;
static atomic_int next_statement_id;
static pthread_key_t conn_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static _Thread_local struct conn *tl_conn;
static _Thread_local bool tl_without_caches; /* store_thread_without_caches, or a hot standby */
static _Thread_local bool tl_background;     /* store_thread_without_caches: no request's */
/* store_no_wait: on, no call waits for the database; would_wait, one would have. */
static _Thread_local bool tl_no_wait, tl_would_wait;

/*
 * Read replicas (replica.h): a thread that reads for a public or statistics route
 * (tl_read_intent) keeps a second connection, to a replica that is up; tl_active is the
 * connection of the call in progress or of the last one, whose error the store_error_* calls
 * report.
 */
static _Thread_local bool tl_read_intent;
static _Thread_local struct conn *tl_replica;
static _Thread_local struct conn *tl_active;

/*
 * Close pg and wait, at most a second, until the server has ended the session. PQfinish only
 * sends Terminate and closes its socket; the server process releases the session's advisory
 * locks (a claimed message's, message_store.c) as it exits, a moment later, and on a busy
 * machine another connection could otherwise still find a message locked by a connection that
 * is gone. The server closes its end of the socket only after releasing them, so the end of
 * the stream on a duplicate of the socket is the sign.
 */
static void finish_and_wait(PGconn *pg)
{
    int fd = PQsocket(pg) >= 0 ? dup(PQsocket(pg)) : -1;
    PQfinish(pg);
    if (fd < 0)
        return;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left_ms =
            1000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char discard[256];
        if (left_ms <= 0 || poll(&p, 1, (int)left_ms) <= 0 ||
            read(fd, discard, sizeof discard) <= 0)
            break;
    }
    close(fd);
}

static void prefetch_free(struct conn *c)
{
    if (c->prefetch) {
        PQclear(c->prefetch->res);
        free(c->prefetch);
        c->prefetch = NULL;
    }
}

static void conn_free(void *p)
{
    /* The primary's connection is the key's value; the replica's goes with it. */
    if (p == tl_conn && tl_replica) {
        struct conn *r = tl_replica;
        tl_replica = NULL;
        conn_free(r);
    }
    struct conn *c = p;
    if (c && c->pg) {
        finish_and_wait(c->pg);
        metrics_db_open(-1);
    }
    if (c)
        prefetch_free(c);
    free(c);
}

/* The connection is in use from the outermost of these calls to its end. */
static void busy_begin(struct conn *c)
{
    if (c->busy++ == 0)
        metrics_db_busy(1);
}

static void busy_end(struct conn *c)
{
    if (--c->busy == 0)
        metrics_db_busy(-1);
}

static void make_key(void)
{
    pthread_key_create(&conn_key, conn_free);
}

void store_init(const char *info)
{
    free(conninfo);
    conninfo = xstrdup(info ? info : "");
    pthread_once(&key_once, make_key);
}

void store_thread_close(void)
{
    tl_active = NULL;
    if (tl_conn) {
        pthread_setspecific(conn_key, NULL);
        conn_free(tl_conn);
        tl_conn = NULL;
    }
}

void store_thread_without_caches(void)
{
    tl_without_caches = true;
    tl_background = true;
}

static struct conn *primary_conn(void)
{
    if (!tl_conn) {
        tl_conn = xcalloc(1, sizeof *tl_conn);
        tl_conn->replica = -1;
        pthread_once(&key_once, make_key);
        pthread_setspecific(conn_key, tl_conn);
    }
    return tl_conn;
}

static void drop_connection(struct conn *c);

/*
 * The connection for a call: inside a call, the one it runs on (a transaction stays on one
 * connection); otherwise a replica's for a thread that may read from one and a replica is up
 * (the one it reads already while that is up: threads choose in turn, then keep to theirs),
 * else the primary's.
 */
static struct conn *this_conn(void)
{
    if (tl_active && tl_active->busy)
        return tl_active;
    int i = -1;
    if (tl_read_intent)
        i = tl_replica && tl_replica->pg && replica_up(tl_replica->replica) ? tl_replica->replica
                                                                            : replica_pick();
    if (i < 0)
        return tl_active = primary_conn();
    if (!tl_replica) {
        primary_conn(); /* its key's destructor frees the replica's connection too */
        tl_replica = xcalloc(1, sizeof *tl_replica);
    }
    if (tl_replica->replica != i) {
        drop_connection(tl_replica);
        tl_replica->replica = i;
    }
    return tl_active = tl_replica;
}

/* The connection whose last failure store_error_* report. */
static struct conn *last_conn(void)
{
    return tl_active ? tl_active : primary_conn();
}

void store_read_from_replica(bool yes)
{
    tl_read_intent = yes;
}

/*
 * After the outermost call on c failed: when c is a replica's and the failure was the
 * connection's (08: none could be made or it broke; 57P0x: the server is shutting down, or
 * not accepting connections yet), mark the replica down and answer true, so that the caller
 * runs the call again on the primary. Never inside a transaction, which must not move.
 */
static bool fall_back(struct conn *c, enum store_status st)
{
    bool lost = strncmp(c->sqlstate, "08", 2) == 0 || strncmp(c->sqlstate, "57P0", 4) == 0;
    if (c->replica < 0 || c->busy || st != STORE_HARD_ERROR || !lost)
        return false;
    replica_mark_down(c->replica);
    metrics_db_replica_fallback();
    tl_active = primary_conn();
    return true;
}

static void set_error(struct conn *c, const char *sqlstate, const char *constraint)
{
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", sqlstate ? sqlstate : "");
    snprintf(c->constraint, sizeof c->constraint, "%s", constraint ? constraint : "");
}

static void drop_connection(struct conn *c)
{
    prefetch_free(c);
    if (c->pg) {
        PQfinish(c->pg);
        metrics_db_open(-1);
    }
    c->pg = NULL;
    memset(c->prepared, 0, sizeof c->prepared);
}

/*
 * A new connection to info set up as the pool's are (time zone, timeouts; read_only: no
 * transaction writes); NULL (logged) on failure.
 */
static PGconn *store_connect(const char *application_name, const char *info, bool read_only)
{
    /* Our defaults come first so that the caller's connection string overrides them. */
    const char *const keys[] = { "connect_timeout", "application_name", "client_encoding", "dbname",
                                 NULL };
    const char *const values[] = { "3", application_name, "UTF8", info, NULL };
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (PQstatus(pg) != CONNECTION_OK) {
        /* The message may name hosts and users but never passwords; keep it to the log. */
        char *msg = xstrdup(PQerrorMessage(pg));
        msg[strcspn(msg, "\n")] = '\0';
        log_warn("database connection failed: %s", msg);
        metrics_db_connect_failure();
        free(msg);
        PQfinish(pg);
        return NULL;
    }
    /* A replica's connection never writes: on a primary by mistake, a write still fails. */
    PGresult *res = PQexec(pg, read_only ? SESSION_SETUP "; SET default_transaction_read_only = on"
                                         : SESSION_SETUP);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        log_error("database session setup failed: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

/* Whether this thread's connection to the primary listens (store_listens). */
static bool thread_listens(void)
{
    return store_notify_live() && !tl_without_caches;
}

/*
 * Whether an idle connection is gone: PostgreSQL restarted, or ended the backend, while the
 * connection waited between requests. The server's farewell (57P01, or just the end of the stream)
 * is already in the socket then, so reading what is there tells without a round trip; anything
 * else found there is a notification, which PQnotifies hands over after the next round trip.
 * Checked only outside a transaction block: within one, a lost connection fails the transaction
 * and store_tx decides.
 */
static bool idle_connection_lost(PGconn *pg)
{
    if (PQtransactionStatus(pg) != PQTRANS_IDLE)
        return false;
    for (int i = 0; i < 4; i++) {
        struct pollfd pfd = { .fd = PQsocket(pg), .events = POLLIN };
        if (pfd.fd < 0 || poll(&pfd, 1, 0) < 0)
            return true;
        if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
            return false;
        if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK)
            return true;
    }
    return false;
}

static PGconn *connection_open(struct conn *c);
static void prefetch_finish(struct conn *c);

/*
 * The thread's live connection, opened if needed; NULL when the database cannot be reached, or
 * when the thread must not wait for it (store_no_wait) and would. A statement store_prefetch
 * sent that nobody took is waited for and dropped first.
 */
static PGconn *connection(struct conn *c)
{
    if (tl_no_wait) {
        tl_would_wait = true;
        set_error(c, "08006", NULL);
        return NULL;
    }
    prefetch_finish(c);
    return connection_open(c);
}

static PGconn *connection_open(struct conn *c)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
        if (!idle_connection_lost(c->pg))
            return c->pg;
        if (c->replica >= 0) {
            /*
             * A replica that ended our connection counts as down, as one lost under a statement
             * does (fall_back): this call goes to the primary, the checker says when it is back.
             */
            drop_connection(c);
            set_error(c, "08006", NULL);
            return NULL;
        }
    }
    if (c->in_tx) {
        /* A new connection would run the rest of the transaction outside it. */
        c->lost = true;
        set_error(c, "08006", NULL);
        return NULL;
    }
    if (c->pg)
        log_info("the database connection was lost; connecting again");
    drop_connection(c);
    c->pg = c->replica < 0 ? store_connect("hylla", conninfo, false)
                           : store_connect("hylla-replica", replica_conninfo(c->replica), true);
    if (!c->pg) {
        set_error(c, "08006", NULL);
        return NULL;
    }
    metrics_db_open(1);
    if (c->connected_before)
        metrics_db_reconnect();
    c->connected_before = true;
    if (c->replica >= 0)
        return c->pg; /* a replica refuses LISTEN: the caches answer on no request it serves */
    const char *standby = PQparameterStatus(c->pg, "in_hot_standby");
    if (standby && strcmp(standby, "on") == 0)
        tl_without_caches = true; /* a replica refuses LISTEN: this thread reads no cache */
    if (thread_listens()) {
        /*
         * Messages committed before LISTEN never reach this connection, so what the caches hold
         * must go; from here on, each round trip brings every message committed before it. A
         * thread that never reads the caches need not care (the folder connects a second after
         * the start, a job when it first runs: each emptied the caches under a request).
         */
        PGresult *res = PQexec(c->pg, "LISTEN hylla_changed");
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (!ok) {
            log_error("database LISTEN failed: %s", PQerrorMessage(c->pg));
            drop_connection(c);
            set_error(c, "08006", NULL);
            return NULL;
        }
        store_notify_forget_everything();
    }
    return c->pg;
}

/*
 * Before a round trip on pg: when it begins (monotonic_s) if it begins outside a transaction
 * block, where PostgreSQL sends a listening connection every message committed before it reads
 * the query; -1 if it begins within one.
 */
static double sync_begins(PGconn *pg)
{
    return PQtransactionStatus(pg) == PQTRANS_IDLE ? monotonic_s() : -1;
}

/*
 * After a round trip that began at began_s (sync_begins): hand over the messages that came with
 * it, and count it if it syncs.
 */
static void round_trip_done(struct conn *c, double began_s)
{
    PGnotify *n;
    while ((n = PQnotifies(c->pg))) {
        store_notify_deliver(n->extra);
        PQfreemem(n);
    }
    if (began_s >= 0) {
        c->syncs++;
        c->synced_s = began_s;
    }
}

/* Classify a failed result, log what the client must never see, and reset a dead connection. */
static enum store_status failure(struct conn *c, PGresult *res, const char *sql)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    if (!state && PQstatus(c->pg) != CONNECTION_OK)
        state = "08006";
    set_error(c, state ? state : "XX000", constraint);
    enum store_status st = STORE_HARD_ERROR;
    if (strcmp(c->sqlstate, "40001") == 0 || strcmp(c->sqlstate, "40P01") == 0)
        st = STORE_SOFT_ERROR;
    else if (c->sqlstate[0] == '2' && c->sqlstate[1] == '3')
        log_debug("constraint %s refused a change (%s)", c->constraint, c->sqlstate);
    else if (PQstatus(c->pg) != CONNECTION_OK)
        /* PostgreSQL went (a restart, a failover) while the statement ran: no fault of it. */
        log_warn("the database connection was lost under a statement (%s): %.120s", c->sqlstate,
                 sql);
    else if (c->sqlstate[0] != '2' || c->sqlstate[1] != '2')
        log_error("database error %s: %s in: %.120s", c->sqlstate,
                  res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), sql);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        c->lost = true;
        drop_connection(c);
    }
    return st;
}

static int statement_id(struct store_stmt *stmt)
{
    int id = atomic_load(&stmt->id);
    if (id == 0) {
        int fresh = atomic_fetch_add(&next_statement_id, 1) + 1;
        int expected = 0;
        id = atomic_compare_exchange_strong(&stmt->id, &expected, fresh) ? fresh : expected;
    }
    if (id >= MAX_STATEMENTS) {
        log_error("more than %d prepared statements", MAX_STATEMENTS);
        abort();
    }
    return id;
}

/* Whether the texts of params are those the prefetch p was sent with. */
static bool prefetch_matches(const struct prefetch *p, struct store_stmt *stmt, int nparams,
                             const char *const *params)
{
    if (p->stmt != stmt || p->nparams != nparams)
        return false;
    const char *t = p->text;
    for (int i = 0; i < nparams; i++) {
        if (p->null[i] != !params[i])
            return false;
        if (params[i]) {
            if (strcmp(t, params[i]) != 0)
                return false;
            t += strlen(t) + 1;
        }
    }
    return true;
}

/*
 * Read what has come of c's prefetch without waiting; true when all of it is in (or the
 * connection broke under it).
 */
static bool prefetch_read(struct conn *c)
{
    struct prefetch *p = c->prefetch;
    if (!p || p->done)
        return true;
    if (!PQconsumeInput(c->pg)) {
        p->done = p->failed = true;
        return true;
    }
    while (!PQisBusy(c->pg)) {
        PGresult *r = PQgetResult(c->pg);
        if (!r) {
            p->done = true;
            return true;
        }
        if (p->res)
            PQclear(r);
        else
            p->res = r;
    }
    return false;
}

/* Wait for what is left of c's prefetch, if any, and drop it. */
static void prefetch_finish(struct conn *c)
{
    while (!prefetch_read(c)) {
        struct pollfd pfd = { .fd = PQsocket(c->pg), .events = POLLIN };
        if (pfd.fd < 0 || poll(&pfd, 1, -1) < 0)
            break;
    }
    prefetch_free(c);
}

/*
 * The answer of c's prefetch, when it is of stmt with params and all in: into *res (with
 * *began_s, its round trip's), its messages handed over and its sync counted now, as if the round
 * trip had been made here. A prefetch not in yet, or not this statement's, stays; a broken one
 * fails the call.
 */
static bool prefetch_take(struct conn *c, struct store_stmt *stmt, int nparams,
                          const char *const *params, PGresult **res, double *began_s)
{
    struct prefetch *p = c->prefetch;
    if (!p || !p->done || !prefetch_matches(p, stmt, nparams, params))
        return false;
    if (p->failed || !p->res) {
        prefetch_free(c);
        return false; /* the call finds the connection broken, and says so */
    }
    *res = p->res;
    *began_s = p->began_s;
    p->res = NULL;
    prefetch_free(c);
    return true;
}

/* stmt prepared on c's connection pg, its name into name; false with *st when that failed. */
static bool prepare_on(struct conn *c, PGconn *pg, struct store_stmt *stmt, int nparams,
                       char name[16], enum store_status *st)
{
    int id = statement_id(stmt);
    snprintf(name, 16, "h%d", id);
    if (c->prepared[id])
        return true;
    PGresult *prep = PQprepare(pg, name, stmt->sql, nparams, NULL);
    if (PQresultStatus(prep) != PGRES_COMMAND_OK) {
        *st = failure(c, prep, stmt->sql);
        PQclear(prep);
        return false;
    }
    PQclear(prep);
    c->prepared[id] = 1;
    return true;
}

/*
 * One try of a statement. *unsent tells a failure that lost the connection before the statement
 * itself was sent, outside a transaction block: it did nothing, so it may run again.
 */
static enum store_status exec_once(struct conn *c, struct store_stmt *stmt, int nparams,
                                   const char *const *params, PGresult **out, bool *unsent)
{
    *out = NULL;
    *unsent = false;
    c->lost = false;
    set_error(c, NULL, NULL);
    PGresult *res;
    double began_s;
    if (!prefetch_take(c, stmt, nparams, params, &res, &began_s)) {
        PGconn *pg = connection(c);
        if (!pg)
            return STORE_HARD_ERROR;
        char name[16];
        began_s = sync_begins(pg);
        enum store_status st;
        if (!prepare_on(c, pg, stmt, nparams, name, &st)) {
            *unsent = began_s >= 0 && c->lost;
            return st;
        }
        res = PQexecPrepared(pg, name, nparams, params, NULL, NULL, 0);
    }
    ExecStatusType rs = PQresultStatus(res);
    if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
        enum store_status st = failure(c, res, stmt->sql);
        PQclear(res);
        return st;
    }
    round_trip_done(c, began_s);
    *out = res;
    if (rs == PGRES_TUPLES_OK)
        return PQntuples(res) > 0 ? STORE_OK : STORE_NOT_FOUND;
    const char *tuples = PQcmdTuples(res);
    return (*tuples && strcmp(tuples, "0") == 0) ? STORE_NOT_FOUND : STORE_OK;
}

/*
 * A statement, once more on a new connection when the first try lost the connection before the
 * statement was sent. A statement that was sent is never sent again here: whether a write
 * outside a transaction committed before the connection went cannot be known (the client's
 * Idempotency-Key covers that).
 */
static enum store_status exec_stmt(struct conn *c, struct store_stmt *stmt, int nparams,
                                   const char *const *params, PGresult **out)
{
    bool unsent;
    enum store_status st = exec_once(c, stmt, nparams, params, out, &unsent);
    if (unsent) {
        metrics_db_retry();
        st = exec_once(c, stmt, nparams, params, out, &unsent);
    }
    return st;
}

enum store_status store_exec(struct store_stmt *stmt, int nparams, const char *const *params,
                             PGresult **out)
{
    struct conn *c = this_conn();
    busy_begin(c);
    enum store_status st = exec_stmt(c, stmt, nparams, params, out);
    busy_end(c);
    if (fall_back(c, st)) {
        c = tl_active;
        busy_begin(c);
        st = exec_stmt(c, stmt, nparams, params, out);
        busy_end(c);
    }
    if (st >= 0)
        metrics_db_statement(c->replica >= 0, tl_background);
    return st;
}

enum store_status store_run(struct store_stmt *stmt, int nparams, const char *const *params)
{
    PGresult *res;
    enum store_status st = store_exec(stmt, nparams, params, &res);
    PQclear(res);
    return st;
}

/* Plain commands on the connection: transaction control and scripts. */
static enum store_status command(const char *sql)
{
    struct conn *c = this_conn();
    c->lost = false;
    PGconn *pg = connection(c);
    if (!pg)
        return STORE_HARD_ERROR;
    double began_s = sync_begins(pg);
    PGresult *res = PQexec(pg, sql);
    ExecStatusType rs = PQresultStatus(res);
    enum store_status st = STORE_OK;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK && rs != PGRES_EMPTY_QUERY)
        st = failure(c, res, sql);
    else
        round_trip_done(c, began_s);
    PQclear(res);
    return st;
}

/* A request that reads from a replica reads no cache: the replica's connection does not listen. */
bool store_listens(void)
{
    return thread_listens() && this_conn()->replica < 0;
}

bool store_read_only(void)
{
    struct conn *c = this_conn();
    if (c->replica >= 0)
        return true; /* even before it connects */
    PGconn *pg = c->pg;
    if (!pg)
        return false;
    const char *standby = PQparameterStatus(pg, "in_hot_standby");
    const char *read_only = PQparameterStatus(pg, "default_transaction_read_only");
    return (standby && strcmp(standby, "on") == 0) || (read_only && strcmp(read_only, "on") == 0);
}

/* Syncs happen on the primary's connection, the one that listens, whatever the request reads. */
unsigned long store_syncs(void)
{
    return primary_conn()->syncs;
}

bool store_prefetch(struct store_stmt *stmt, int nparams, const char *const *params)
{
    static _Thread_local double retry_at; /* no connecting anew here before */
    struct conn *c = primary_conn();
    if (c->prefetch || c->busy || tl_no_wait || nparams > PREFETCH_MAX_PARAMS)
        return false;
    double t = monotonic_s();
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        if (t < retry_at)
            return false;
        retry_at = t + PREFETCH_CONNECT_PAUSE_S;
    }
    set_error(c, NULL, NULL);
    PGconn *pg = connection(c);
    if (!pg || PQtransactionStatus(pg) != PQTRANS_IDLE)
        return false;
    char name[16];
    enum store_status st;
    if (!prepare_on(c, pg, stmt, nparams, name, &st))
        return false;
    size_t len = 0;
    for (int i = 0; i < nparams; i++)
        len += params[i] ? strlen(params[i]) + 1 : 0;
    struct prefetch *p = xcalloc(1, sizeof *p + len);
    p->stmt = stmt;
    p->nparams = nparams;
    p->began_s = sync_begins(pg);
    char *t_out = p->text;
    for (int i = 0; i < nparams; i++) {
        p->null[i] = !params[i];
        if (params[i]) {
            size_t n = strlen(params[i]) + 1;
            memcpy(t_out, params[i], n);
            t_out += n;
        }
    }
    if (!PQsendQueryPrepared(pg, name, nparams, params, NULL, NULL, 0)) {
        free(p);
        (void)failure(c, NULL, stmt->sql);
        return false;
    }
    c->prefetch = p;
    return true;
}

int store_prefetch_socket(void)
{
    struct conn *c = primary_conn();
    return c->prefetch && c->pg ? PQsocket(c->pg) : -1;
}

bool store_prefetch_poll(void)
{
    return prefetch_read(primary_conn());
}

void store_prefetch_drop(void)
{
    prefetch_finish(primary_conn());
}

void store_no_wait(bool on)
{
    tl_no_wait = on;
    if (on)
        tl_would_wait = false;
}

bool store_would_have_waited(void)
{
    return tl_would_wait;
}

enum store_status store_sync_since(double since_s)
{
    if (primary_conn()->synced_s > since_s)
        return STORE_OK;
    return store_sync();
}

enum store_status store_sync(void)
{
    struct conn *c = tl_active = primary_conn();
    busy_begin(c);
    enum store_status st = command("");
    if (st != STORE_OK && c->lost)
        st = command(""); /* an empty query changes nothing: once more, on a new connection */
    busy_end(c);
    return st;
}

static void rollback(void)
{
    struct conn *c = this_conn();
    if (c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        PGresult *res = PQexec(c->pg, "ROLLBACK");
        PQclear(res);
        if (PQstatus(c->pg) != CONNECTION_OK)
            drop_connection(c);
    }
}

/* Before attempt n (from 0) of a transaction: after a collision, back off a little, at random,
 * so that the same transactions do not collide again. */
static void backoff(int attempt)
{
    if (attempt == 0)
        return;
    metrics_db_retry();
    long ms = 1 + (long)randombytes_uniform(1u << attempt);
    struct timespec pause = { 0, ms * 1000000L };
    nanosleep(&pause, NULL);
}

static enum store_status tx_on(struct conn *c, enum store_isolation isolation,
                               enum store_status (*fn)(void *ctx), void *ctx)
{
    static const char *const begin_sql[] = {
        [STORE_READ_COMMITTED] = "BEGIN ISOLATION LEVEL READ COMMITTED",
        [STORE_REPEATABLE_READ] = "BEGIN ISOLATION LEVEL REPEATABLE READ",
        [STORE_SERIALIZABLE] = "BEGIN ISOLATION LEVEL SERIALIZABLE",
    };
    const char *begin = begin_sql[isolation];
    enum store_status st = STORE_HARD_ERROR;
    busy_begin(c);
    bool reconnected = false;
    for (int attempt = 0; attempt < 8; attempt++) {
        backoff(attempt);
        bool committing = false;
        st = command(begin);
        if (st == STORE_OK) {
            c->in_tx = true;
            st = fn(ctx);
            if (st == STORE_OK) {
                committing = true;
                st = command("COMMIT");
            }
            c->in_tx = false;
            if (st == STORE_OK)
                goto out;
        }
        rollback();
        /*
         * The connection went before COMMIT was sent: nothing of the transaction was committed
         * (it died with its connection), so it runs once more on a new one. A COMMIT whose answer
         * was lost is never sent again: its outcome is unknown.
         */
        if (st != STORE_OK && c->lost && !committing && !reconnected) {
            reconnected = true;
            continue;
        }
        if (st != STORE_SOFT_ERROR)
            goto out;
    }
    if (st == STORE_SOFT_ERROR)
        log_warn("transaction gave up after repeated serialisation failures");
out:
    busy_end(c);
    return st;
}

enum store_status store_tx(enum store_isolation isolation, enum store_status (*fn)(void *ctx),
                           void *ctx)
{
    struct conn *c = this_conn();
    enum store_status st = tx_on(c, isolation, fn, ctx);
    if (fall_back(c, st))
        st = tx_on(tl_active, isolation, fn, ctx);
    return st;
}

enum store_status store_call(struct store_stmt *stmt, int nparams, const char *const *params,
                             PGresult **res)
{
    enum store_status st = STORE_HARD_ERROR;
    for (int attempt = 0; attempt < 8; attempt++) {
        backoff(attempt);
        st = store_exec(stmt, nparams, params, res);
        if (st != STORE_SOFT_ERROR)
            return st;
    }
    log_warn("statement gave up after repeated serialisation failures");
    return st;
}

/*
 * The next answer of a pipeline and its sync: into *res (cleared when res is NULL or it failed);
 * false when the stream is not as sent (the connection broke).
 */
static bool pipeline_next(PGconn *pg, PGresult **res, ExecStatusType *rs)
{
    PGresult *r = PQgetResult(pg);
    *rs = PQresultStatus(r);
    bool ok = *rs == PGRES_TUPLES_OK || *rs == PGRES_COMMAND_OK;
    if (res && ok)
        *res = r;
    else
        PQclear(r);
    if (PQstatus(pg) != CONNECTION_OK)
        return false;
    while ((r = PQgetResult(pg)))
        PQclear(r); /* the end of its answer */
    r = PQgetResult(pg);
    bool synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
    return synced;
}

/*
 * At most this many statements are sent before their answers are read: PostgreSQL writes the
 * answers while it reads the rest, and answers that fill the socket while hylla still sends
 * would stop both. Callers keep each answer small (a few kilobytes, http/api's batches).
 */
#define PIPELINE_MAX 32

/*
 * How long a statement of a pipeline waits for a row lock before it gives up (and with it its
 * transaction): the statements behind it must not wait with it. A desk's own transactions hold
 * their locks for a millisecond or two.
 */
#define PIPELINE_LOCK_TIMEOUT "SET lock_timeout = '10ms'"

/*
 * One pipeline of k statements on pg, between a command that sets the lock timeout and one that
 * resets it, each with its sync; false when the connection must go (see store_call_pipelined).
 */
static bool pipeline(PGconn *pg, const char *name, int nparams, const char *const *const *params,
                     size_t k, PGresult **res, enum store_status *st)
{
    if (!PQenterPipelineMode(pg))
        return false;
    bool sent = PQsendQueryParams(pg, PIPELINE_LOCK_TIMEOUT, 0, NULL, NULL, NULL, NULL, 0) &&
                PQpipelineSync(pg);
    for (size_t i = 0; i < k && sent; i++) {
        sent =
            PQsendQueryPrepared(pg, name, nparams, params[i], NULL, NULL, 0) && PQpipelineSync(pg);
        st[i] = STORE_HARD_ERROR; /* until its answer is in */
    }
    sent = sent && PQsendQueryParams(pg, "RESET lock_timeout", 0, NULL, NULL, NULL, NULL, 0) &&
           PQpipelineSync(pg);
    ExecStatusType rs;
    if (!sent || !pipeline_next(pg, NULL, &rs) || rs != PGRES_COMMAND_OK)
        return false;
    for (size_t i = 0; i < k; i++) {
        if (!pipeline_next(pg, &res[i], &rs)) {
            PQclear(res[i]); /* its commit, at the sync, is not known */
            res[i] = NULL;
            return false;
        }
        if (res[i])
            st[i] = rs == PGRES_COMMAND_OK || PQntuples(res[i]) > 0 ? STORE_OK : STORE_NOT_FOUND;
        else
            st[i] = STORE_SOFT_ERROR; /* it failed, and its transaction with it: nothing stays */
    }
    return pipeline_next(pg, NULL, &rs) && rs == PGRES_COMMAND_OK && PQexitPipelineMode(pg);
}

void store_call_pipelined(struct store_stmt *stmt, int nparams, const char *const *const *params,
                          size_t n, PGresult **res, enum store_status *st)
{
    for (size_t i = 0; i < n; i++) {
        res[i] = NULL;
        st[i] = STORE_SOFT_ERROR;
    }
    struct conn *c = this_conn();
    busy_begin(c);
    c->lost = false;
    set_error(c, NULL, NULL);
    PGconn *pg = connection(c);
    char name[16];
    enum store_status prepared;
    if (!pg || PQtransactionStatus(pg) != PQTRANS_IDLE ||
        !prepare_on(c, pg, stmt, nparams, name, &prepared))
        goto out; /* nothing was sent */
    for (size_t from = 0; from < n; from += PIPELINE_MAX) {
        size_t k = n - from < PIPELINE_MAX ? n - from : PIPELINE_MAX;
        double began_s = sync_begins(pg);
        if (!pipeline(pg, name, nparams, params + from, k, res + from, st + from)) {
            /* What was sent and not answered may have committed: it is never sent again. */
            (void)failure(c, NULL, stmt->sql);
            c->lost = true;
            drop_connection(c);
            break;
        }
        round_trip_done(c, began_s);
        for (size_t i = from; i < from + k; i++)
            if (st[i] >= 0)
                metrics_db_statement(false, tl_background);
    }
out:
    busy_end(c);
}

enum store_status store_ping(void)
{
    static struct store_stmt ping = STORE_STMT("SELECT 1");
    return store_run(&ping, 0, NULL);
}

enum store_status store_try_lock(long long key)
{
    static struct store_stmt try_lock =
        STORE_STMT("SELECT 1 WHERE pg_try_advisory_lock($1::bigint)");
    char k[STORE_NUM_SIZE];
    store_num_text(k, key);
    return store_run(&try_lock, 1, (const char *[]){ k });
}

void store_unlock(long long key)
{
    static struct store_stmt unlock = STORE_STMT("SELECT pg_advisory_unlock($1::bigint)");
    char k[STORE_NUM_SIZE];
    store_num_text(k, key);
    if (store_run(&unlock, 1, (const char *[]){ k }) < 0)
        return; /* the connection went, and the lock with it */
}

const char *store_error_sqlstate(void)
{
    return last_conn()->sqlstate;
}

const char *store_error_constraint(void)
{
    return last_conn()->constraint;
}

bool store_error_is_unique_violation(void)
{
    return strcmp(last_conn()->sqlstate, "23505") == 0;
}

bool store_error_is_unavailable(void)
{
    const char *state = last_conn()->sqlstate;
    return state[0] == '0' && state[1] == '8';
}

void store_num_text(char out[STORE_NUM_SIZE], long long value)
{
    /* Digits from the last, through an unsigned value so that LLONG_MIN has a magnitude too. */
    char digits[STORE_NUM_SIZE];
    unsigned long long v = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t len = 0;
    if (value < 0)
        out[len++] = '-';
    while (n)
        out[len++] = digits[--n];
    out[len] = '\0';
}

char *store_id_array(const long long *v, size_t n)
{
    struct buf b = BUF_INIT;
    buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        STORE_NUM(id, v[i]);
        buf_puts(&b, i ? "," : "");
        buf_puts(&b, id);
    }
    buf_putc(&b, '}');
    return buf_steal(&b, NULL);
}

void store_bytea_text(char *out, const void *bytes, size_t n)
{
    out[0] = '\\';
    out[1] = 'x';
    sodium_bin2hex(out + 2, 2 * n + 1, bytes, n);
}

char *store_text_array(const char *const *v, size_t n)
{
    struct buf b = BUF_INIT;
    buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        buf_puts(&b, i ? "," : "");
        if (!v[i]) {
            buf_puts(&b, "NULL");
            continue;
        }
        buf_putc(&b, '"');
        for (const char *s = v[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                buf_putc(&b, '\\');
            buf_putc(&b, *s);
        }
        buf_putc(&b, '"');
    }
    buf_putc(&b, '}');
    return buf_steal(&b, NULL);
}

void store_dec_text(char out[STORE_DEC_SIZE], double value)
{
    snprintf(out, STORE_DEC_SIZE, "%.2f", value);
}

const char *store_get(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

long long store_get_ll(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

double store_get_double(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtod(PQgetvalue(res, row, col), NULL);
}

bool store_get_bool(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

void store_get_copy(const PGresult *res, int row, int col, char *dst, size_t size)
{
    const char *v = store_get(res, row, col);
    size_t n = v ? strnlen(v, size - 1) : 0; /* snprintf's cut, without its cost */
    if (n)
        memcpy(dst, v, n);
    dst[n] = '\0';
}

char *store_get_dup(const PGresult *res, int row, int col)
{
    const char *v = store_get(res, row, col);
    return v ? xstrdup(v) : NULL;
}

char *store_get_json(const PGresult *res, int row, int col)
{
    return store_get_dup(res, row, col);
}

char *store_page_json(const PGresult *res, const char *key, int page, int per_page)
{
    struct buf b = BUF_INIT;
    int rows = PQntuples(res);
    buf_printf(&b, "{\"%s\":[", key);
    for (int i = 0; i < rows && i < per_page; i++)
        buf_printf(&b, "%s%s", i ? "," : "", store_get(res, i, 0));
    buf_printf(&b, "],\"page\":%d,\"per_page\":%d,\"has_more\":%s}", page, per_page,
               rows > per_page ? "true" : "false");
    return buf_steal(&b, NULL);
}

enum store_status store_exec_script(const char *sql, char **error_message)
{
    struct conn *c = this_conn();
    *error_message = NULL;
    PGconn *pg = connection(c);
    if (!pg) {
        *error_message = xstrdup("cannot connect to the database");
        return STORE_HARD_ERROR;
    }
    PGresult *res = PQexec(pg, sql);
    ExecStatusType rs = PQresultStatus(res);
    enum store_status st = STORE_OK;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK && rs != PGRES_EMPTY_QUERY) {
        *error_message = xstrdup(PQresultErrorMessage(res));
        size_t n = strlen(*error_message);
        while (n && (*error_message)[n - 1] == '\n')
            (*error_message)[--n] = '\0';
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        set_error(c, state ? state : "XX000", NULL);
        st = STORE_HARD_ERROR;
        if (PQstatus(pg) != CONNECTION_OK)
            drop_connection(c);
    }
    PQclear(res);
    return st;
}
