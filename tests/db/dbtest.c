/* dbtest: a fresh database per test case (see dbtest.h). */
#include "dbtest.h"

#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dbname[64];
static char conninfo[512];
static PGconn *own;

static PGconn *connect_to(const char *db)
{
    const char *base = getenv("HYLLA_TEST_PG");
    ck_assert_msg(base != NULL, "HYLLA_TEST_PG is not set: run the db suite through contrib/test");
    /* The store's time zone (src/store/pool.c): current_date here is the store's today, also in
     * the hour after midnight in Stockholm, when UTC still has yesterday. */
    char info[512];
    snprintf(info, sizeof info, "%s dbname=%s options='-c TimeZone=Europe/Stockholm'", base, db);
    PGconn *c = PQconnectdb(info);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(c));
    return c;
}

static void admin_exec(const char *sql)
{
    PGconn *admin = connect_to("postgres");
    PGresult *res = PQexec(admin, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", sql,
                  PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(admin);
}

static void create(const char *template_name)
{
    ck_assert(sodium_init() >= 0);
    snprintf(dbname, sizeof dbname, "t_%d_%08x", (int)getpid(), randombytes_random());
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s", dbname, template_name);
    admin_exec(sql);
    snprintf(conninfo, sizeof conninfo, "%s dbname=%s", getenv("HYLLA_TEST_PG"), dbname);
    own = connect_to(dbname);
    store_init(conninfo);
}

void dbtest_setup(void)
{
    const char *template_name = getenv("HYLLA_TEST_TEMPLATE");
    create(template_name ? template_name : "hylla_template");
}

void dbtest_setup_empty(void)
{
    create("template0");
}

void dbtest_teardown(void)
{
    store_thread_close();
    PQfinish(own);
    own = NULL;
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    admin_exec(sql);
}

const char *dbtest_conninfo(void)
{
    return conninfo;
}

void dbtest_exec(const char *sql)
{
    PGresult *res = PQexec(own, sql);
    ExecStatusType st = PQresultStatus(res);
    ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
                  PQresultErrorMessage(res));
    PQclear(res);
}

char *dbtest_refused(const char *sql)
{
    PGresult *res = PQexec(own, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_FATAL_ERROR, "%s ran", sql);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    char *v = strdup(state ? state : "");
    PQclear(res);
    return v;
}

char *dbtest_value(const char *sql)
{
    PGresult *res = PQexec(own, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
    char *v = NULL;
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        v = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

long long dbtest_count(const char *sql)
{
    char *v = dbtest_value(sql);
    long long n = v ? strtoll(v, NULL, 10) : 0;
    free(v);
    return n;
}
