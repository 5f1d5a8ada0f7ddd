/*
 * Database tests of the read replica pool (store/replica.c with pool.c): a thread that may read
 * from a replica gets a read-only connection to it, where a write fails loudly (SQLSTATE 25006)
 * and changes nothing; a replica that cannot be reached, or whose connection dies under a
 * statement, leaves the statement to the primary. The test database itself stands in for the
 * replica (a primary answers the lag query with 0), reached on connections of its own.
 */
#include "../unit/check_main.h"
#include "dbtest.h"
#include "store/pool.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The application_name of the connection this thread's next read runs on. */
static char *reader(void)
{
    static struct store_stmt who =
        STORE_STMT("SELECT current_setting('application_name') || ' ' "
                   "|| current_setting('default_transaction_read_only')");
    PGresult *res = NULL;
    ck_assert_int_eq(store_exec(&who, 0, NULL, &res), STORE_OK);
    char *name = store_get_dup(res, 0, 0);
    PQclear(res);
    return name;
}

static void replicas(const char *list)
{
    ck_assert(store_replicas_init(list, 10));
    store_replicas_start();
}

static void done(void)
{
    store_read_from_replica(false);
    store_thread_close();
    store_replicas_stop();
}

START_TEST(replica_reads_are_read_only_and_writes_fail_loudly)
{
    replicas(dbtest_conninfo());
    struct store_replica_info info;
    ck_assert_uint_eq(store_replicas(&info, 1), 1);
    ck_assert_int_eq(info.state, STORE_REPLICA_UP);

    long long before = dbtest_count("SELECT count(*) FROM branches");
    store_read_from_replica(true);
    char *who = reader();
    ck_assert_str_eq(who, "hylla-replica on");
    free(who);
    char *msg = NULL;
    ck_assert_int_eq(store_exec_script("INSERT INTO branches (slug, name, code_prefix) "
                                       "VALUES ('falsk', 'Falsk', 'FAL')",
                                       &msg),
                     STORE_HARD_ERROR);
    ck_assert_str_eq(store_error_sqlstate(), "25006");
    ck_assert_ptr_nonnull(strstr(msg, "read-only transaction"));
    free(msg);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM branches"), before);

    /* The staff's reads and every write stay on the primary. */
    store_read_from_replica(false);
    who = reader();
    ck_assert_str_eq(who, "hylla off");
    free(who);
    done();
}
END_TEST

START_TEST(an_unreachable_replica_leaves_reads_to_the_primary)
{
    /* Nothing listens on port 1. */
    replicas("host=127.0.0.1 port=1 dbname=nowhere connect_timeout=1");
    struct store_replica_info info;
    ck_assert_uint_eq(store_replicas(&info, 1), 1);
    ck_assert_int_eq(info.state, STORE_REPLICA_DOWN);
    store_read_from_replica(true);
    char *who = reader();
    ck_assert_str_eq(who, "hylla off");
    free(who);
    done();
}
END_TEST

START_TEST(a_replica_lost_under_a_statement_sends_it_to_the_primary)
{
    replicas(dbtest_conninfo());
    store_read_from_replica(true);
    char *who = reader();
    ck_assert_str_eq(who, "hylla-replica on");
    free(who);
    /* The replica's server ends the connection (as a fast shutdown does). */
    ck_assert_int_eq(dbtest_count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE application_name = 'hylla-replica' "
                                  "AND datname = current_database()"),
                     1);
    who = reader();
    ck_assert_str_eq(who, "hylla off");
    free(who);
    done();
}
END_TEST

/* The server process of the connection this thread's next read runs on. */
static long long backend(void)
{
    static struct store_stmt pid = STORE_STMT("SELECT pg_backend_pid()");
    PGresult *res = NULL;
    ck_assert_int_eq(store_exec(&pid, 0, NULL, &res), STORE_OK);
    long long n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

/*
 * With two replicas, a thread keeps to the one it chose, on one connection; when that one
 * fails, its reads go to the primary, then to the other.
 */
START_TEST(a_thread_keeps_to_its_replica_while_it_is_up)
{
    char list[1200];
    snprintf(list, sizeof list, "%s application_name=replica-a;%s application_name=replica-b",
             dbtest_conninfo(), dbtest_conninfo());
    replicas(list);
    store_read_from_replica(true);
    char *first = reader();
    ck_assert(strcmp(first, "replica-a on") == 0 || strcmp(first, "replica-b on") == 0);
    long long pid = backend();
    for (int i = 0; i < 4; i++) {
        char *again = reader();
        ck_assert_str_eq(again, first);
        free(again);
        ck_assert_int_eq(backend(), pid);
    }
    /* Its server ends the connection: the primary, then the other replica (the first is down). */
    char sql[100];
    snprintf(sql, sizeof sql, "SELECT count(pg_terminate_backend(%lld))", pid);
    ck_assert_int_eq(dbtest_count(sql), 1);
    char *who = reader();
    ck_assert_str_eq(who, "hylla off");
    free(who);
    who = reader();
    ck_assert_str_eq(who, strcmp(first, "replica-a on") == 0 ? "replica-b on" : "replica-a on");
    free(who);
    free(first);
    done();
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("replica_pool");
    TCase *tc = tcase_create("replica_pool");
    tcase_add_checked_fixture(tc, dbtest_setup, dbtest_teardown);
    tcase_add_test(tc, replica_reads_are_read_only_and_writes_fail_loudly);
    tcase_add_test(tc, an_unreachable_replica_leaves_reads_to_the_primary);
    tcase_add_test(tc, a_replica_lost_under_a_statement_sends_it_to_the_primary);
    tcase_add_test(tc, a_thread_keeps_to_its_replica_while_it_is_up);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)
