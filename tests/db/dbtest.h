/*
 * dbtest: a fresh PostgreSQL database for every test case, cloned from the migrated template
 * that contrib/test prepares (HYLLA_TEST_PG names the cluster, HYLLA_TEST_TEMPLATE the template).
 * The store is pointed at it, so the code under test runs exactly as in the server.
 */
#ifndef HYLLA_TESTS_DBTEST_H
#define HYLLA_TESTS_DBTEST_H

#include <check.h>
#include <libpq-fe.h>

/* Checked fixtures: a migrated database (dbtest_setup) or an empty one (dbtest_setup_empty). */
void dbtest_setup(void);
void dbtest_setup_empty(void);
void dbtest_teardown(void);

/* The connection string of this test case's database. */
const char *dbtest_conninfo(void);

/* Run SQL on the test database on a connection of its own; fails the test if it fails. */
void dbtest_exec(const char *sql);

/* Run SQL that must fail; its SQLSTATE, as a string the caller frees. Fails the test if it runs. */
char *dbtest_refused(const char *sql);

/* The first value of the first row of a query, as a string the caller frees (NULL for NULL). */
char *dbtest_value(const char *sql);

/* The first value as a number. */
long long dbtest_count(const char *sql);

#endif
