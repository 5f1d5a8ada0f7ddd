/* Database tests of store/migrate: in order, once, whole or not at all, and never edited. */
#include "../unit/check_main.h"
#include "dbtest.h"
#include "embedded.h"
#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t count_files(const struct embedded_file *files)
{
    size_t n = 0;
    while (files[n].name)
        n++;
    return n;
}

/* Migrate and capture what it printed; *why gets the error (caller frees). */
static enum store_status migrate(const struct embedded_file *files, char **printed, char **why)
{
    size_t len;
    FILE *out = open_memstream(printed, &len);
    enum store_status st = store_migrate(files, out, why);
    fclose(out);
    return st;
}

START_TEST(applies_everything_in_order_then_nothing)
{
    char *printed = NULL, *why = NULL;
    ck_assert_int_eq(migrate(hylla_migrations, &printed, &why), STORE_OK);
    ck_assert_ptr_nonnull(strstr(printed, "applied 0001_foundation.sql"));
    ck_assert_ptr_null(why);
    free(printed);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM schema_migrations"),
                     (long long)count_files(hylla_migrations));
    char *first = dbtest_value("SELECT name FROM schema_migrations ORDER BY applied_at, version "
                               "LIMIT 1");
    ck_assert_str_eq(first, "0001_foundation.sql");
    free(first);
    ck_assert_int_eq(store_migrations_pending(hylla_migrations), 0);

    /* The second run is a no-op. */
    ck_assert_int_eq(migrate(hylla_migrations, &printed, &why), STORE_OK);
    ck_assert_str_eq(printed, "database is up to date (nothing to apply)\n");
    free(printed);
}
END_TEST

START_TEST(an_edited_migration_is_refused)
{
    size_t n = count_files(hylla_migrations);
    struct embedded_file *files = calloc(n + 1, sizeof *files);
    memcpy(files, hylla_migrations, n * sizeof *files);
    char *edited = NULL;
    size_t len = (size_t)asprintf(&edited, "%s\n-- an afterthought\n", hylla_migrations[0].data);
    files[0].data = edited;
    files[0].len = len;

    char *printed = NULL, *why = NULL;
    ck_assert_int_eq(migrate(files, &printed, &why), STORE_HARD_ERROR);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, "migration 0001_foundation.sql was edited after it was applied"),
                  "message: %s", why);
    free(why);
    free(printed);
    free(edited);
    free(files);
}
END_TEST

START_TEST(a_failing_migration_leaves_nothing)
{
    size_t n = count_files(hylla_migrations);
    struct embedded_file *files = calloc(n + 2, sizeof *files);
    memcpy(files, hylla_migrations, n * sizeof *files);
    static const char broken[] = "CREATE TABLE half_done (x int);\n"
                                 "INSERT INTO half_done VALUES (1);\n"
                                 "SELECT 1 / 0;\n";
    files[n] = (struct embedded_file){ "9999_broken.sql", broken, sizeof broken - 1 };

    char *printed = NULL, *why = NULL;
    ck_assert_int_eq(migrate(files, &printed, &why), STORE_HARD_ERROR);
    ck_assert_msg(strstr(why, "migration 9999_broken.sql failed, nothing of it was applied"),
                  "message: %s", why);
    ck_assert_ptr_nonnull(strstr(why, "division by zero"));
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'"),
                     0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM schema_migrations WHERE version = '9999'"),
                     0);
    free(why);
    free(printed);
    free(files);
}
END_TEST

START_TEST(badly_named_files_are_refused)
{
    static const struct embedded_file files[] = { { "1_x.sql", "SELECT 1", 8 }, { 0, 0, 0 } };
    char *printed = NULL, *why = NULL;
    ck_assert_int_eq(migrate(files, &printed, &why), STORE_HARD_ERROR);
    ck_assert_ptr_nonnull(strstr(why, "is not named NNNN_name.sql"));
    free(why);
    free(printed);
}
END_TEST

/*
 * The families migration turns the guardian written on a child's row (a name and a number) into
 * a borrower linked to the child, reusing an adult who has that number, and keeps in the notes
 * what it cannot link.
 */
START_TEST(guardians_on_a_childs_row_become_borrowers)
{
    size_t n = count_files(hylla_migrations), before = 0;
    while (before < n && !strstr(hylla_migrations[before].name, "_families.sql"))
        before++;
    ck_assert_uint_lt(before, n);
    struct embedded_file *files = calloc(before + 1, sizeof *files);
    memcpy(files, hylla_migrations, before * sizeof *files);
    char *printed = NULL, *why = NULL;
    ck_assert_int_eq(migrate(files, &printed, &why), STORE_OK);
    free(printed);
    free(files);
    dbtest_exec(
        "INSERT INTO branches (id, slug, name, code_prefix) OVERRIDING SYSTEM VALUE"
        " VALUES (1, 'a', 'A', 'AAA'), (2, 'b', 'B', 'BBB');"
        "INSERT INTO borrowers (branch_id, name, phone, guardian_name, guardian_phone) VALUES"
        " (1, 'Karins barn', '+46700000001', 'Karin', '+46730000001'),"
        " (1, 'Syskon 1', '+46700000002', 'Lars', '+46730000002'),"
        " (1, 'Syskon 2', '+46700000003', 'Lars L', '+46730000002'),"
        " (1, 'Vuxen Vera', '+46730000003', NULL, NULL),"
        " (1, 'Veras barn', '+46700000004', 'Vera', '+46730000003'),"
        " (1, 'Bara namn', '+46700000005', 'Okänd förälder', NULL),"
        " (1, 'Eget nummer', '+46700000006', 'Förälder', '+46700000006'),"
        " (2, 'Karins barn i B', '+46700000001', 'Karin', '+46730000001');");
    ck_assert_int_eq(migrate(hylla_migrations, &printed, &why), STORE_OK);
    free(printed);

    /* Karin (twice: a borrower per branch), Lars once for both siblings, Vera reused. */
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM borrowers"), 11);
    ck_assert_int_eq(
        dbtest_count("SELECT count(*) FROM borrowers c JOIN borrowers g ON g.id = c.guardian_id"
                     " WHERE (c.name, g.name, g.phone, g.branch_id) IN ("
                     "   ('Karins barn', 'Karin', '+46730000001', 1),"
                     "   ('Karins barn i B', 'Karin', '+46730000001', 2),"
                     "   ('Syskon 1', 'Lars', '+46730000002', 1),"
                     "   ('Syskon 2', 'Lars', '+46730000002', 1),"
                     "   ('Veras barn', 'Vuxen Vera', '+46730000003', 1))"),
        5);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM borrowers WHERE guardian_id IS NOT NULL"),
                     5);
    char *notes = dbtest_value("SELECT string_agg(notes, '|' ORDER BY name) FROM borrowers"
                               " WHERE name IN ('Bara namn', 'Eget nummer')");
    ck_assert_str_eq(notes,
                     "Vårdnadshavare: Okänd förälder|Vårdnadshavare: Förälder, +46700000006");
    free(notes);
    ck_assert_int_eq(
        dbtest_count("SELECT count(*) FROM information_schema.columns"
                     " WHERE table_name = 'borrowers' AND column_name LIKE 'guardian_%'"
                     "   AND column_name NOT IN ('guardian_id', 'guardian_consent')"),
        0);
}
END_TEST

/*
 * The append-only logs name what they record by id: no foreign key locks a staff member's,
 * branch's or item's row for each row they append, and a log keeps its rows whatever happens to
 * what they name (0024). audit_log's time index is a BRIN, as its time grows with its pages.
 */
START_TEST(the_logs_name_rows_by_id_only)
{
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
                                  " AND conrelid IN ('audit_log'::regclass,"
                                  "                  'item_status_history'::regclass)"),
                     0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM pg_class i JOIN pg_am a ON a.oid = i.relam"
                                  " WHERE i.relname = 'audit_log_at' AND a.amname = 'brin'"),
                     1);
    dbtest_exec("INSERT INTO audit_log (staff_id, action, branch_id) VALUES (999999, 'x', 999999)");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE staff_id = 999999"
                                  " AND at >= now() - interval '1 minute'"),
                     1);
}
END_TEST

/*
 * Lending and returning an item changes only its status, which no index of items names (0025):
 * both updates are HOT and write no index entry. stock_status, which the indexes name instead,
 * is the status with lending left out. An item on loan stays at the branch that lent it, and
 * hylla check names one that does not (0007's four invariants and this one).
 */
START_TEST(lending_writes_no_index_of_the_item)
{
    ck_assert_int_eq(
        dbtest_count("SELECT count(*) FROM pg_index x"
                     " WHERE x.indrelid = 'items'::regclass"
                     "   AND (x.indkey::int2[] @> ARRAY[(SELECT attnum FROM pg_attribute"
                     "          WHERE attrelid = 'items'::regclass"
                     "            AND attname = 'status')]"
                     "        OR coalesce(pg_get_expr(x.indexprs, x.indrelid), '')"
                     "           || coalesce(pg_get_expr(x.indpred, x.indrelid), '')"
                     "           ~ '\\mstatus\\M')"),
        0);
    dbtest_exec("INSERT INTO branches (slug, name, code_prefix) VALUES ('hot', 'H', 'HOT')");
    dbtest_exec("INSERT INTO items (code, branch_id, category_id, name, status)"
                " SELECT 'HOT-1', b.id, (SELECT min(id) FROM categories), 'Skidor', 'available'"
                "   FROM branches b WHERE b.slug = 'hot'");
    dbtest_exec("BEGIN");
    dbtest_exec("UPDATE items SET status = 'on_loan', updated_at = now() WHERE code = 'HOT-1'");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items WHERE code = 'HOT-1'"
                                  " AND stock_status = 'available'"),
                     1);
    dbtest_exec("UPDATE items SET status = 'available', updated_at = now() WHERE code = 'HOT-1'");
    ck_assert_int_eq(dbtest_count("SELECT pg_stat_get_xact_tuples_hot_updated('items'::regclass)"),
                     2);
    dbtest_exec("UPDATE items SET status = 'repair' WHERE code = 'HOT-1'");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items WHERE code = 'HOT-1'"
                                  " AND stock_status = 'repair'"),
                     1);
    dbtest_exec("COMMIT");
    /* hylla check names an item on loan that is not at the branch that lent it. */
    const char *moved = "SELECT violations FROM check_invariants()"
                        " WHERE invariant = 'every item on loan is at the branch that lent it'"
                        "   AND examples = '{HOT-1}'";
    dbtest_exec("INSERT INTO branches (slug, name, code_prefix) VALUES ('cold', 'C', 'CLD')");
    dbtest_exec("INSERT INTO staff (username, display_name, role, password_hash)"
                " VALUES ('hot', 'Hot', 'admin', 'x')");
    dbtest_exec("INSERT INTO borrowers (branch_id, name, phone)"
                " SELECT id, 'Hedda', '+46701234567' FROM branches WHERE slug = 'hot'");
    dbtest_exec("WITH c AS (INSERT INTO checkouts (branch_id, borrower_id, staff_id)"
                "           SELECT i.branch_id, b.id, s.id FROM items i, borrowers b, staff s"
                "            WHERE i.code = 'HOT-1' RETURNING *)"
                " INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id,"
                "                    borrower_ref, checked_out_by, due_date)"
                " SELECT c.id, i.id, i.branch_id, i.category_id, c.borrower_id, c.borrower_id,"
                "        c.staff_id, current_date + 14 FROM c, items i WHERE i.code = 'HOT-1'");
    dbtest_exec("UPDATE items SET status = 'on_loan' WHERE code = 'HOT-1'");
    ck_assert_int_eq(dbtest_count(moved), 0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM check_invariants() WHERE violations = 0"),
                     5);
    dbtest_exec("UPDATE items SET branch_id = (SELECT id FROM branches WHERE slug = 'cold')"
                " WHERE code = 'HOT-1'");
    ck_assert_int_eq(dbtest_count(moved), 1);
}
END_TEST

static Suite *migrate_suite(void)
{
    Suite *s = suite_create("migrate");
    TCase *empty = tcase_create("empty database");
    tcase_set_timeout(empty, 120);
    tcase_add_checked_fixture(empty, dbtest_setup_empty, dbtest_teardown);
    tcase_add_test(empty, applies_everything_in_order_then_nothing);
    tcase_add_test(empty, badly_named_files_are_refused);
    tcase_add_test(empty, guardians_on_a_childs_row_become_borrowers);
    suite_add_tcase(s, empty);
    TCase *migrated = tcase_create("migrated database");
    tcase_set_timeout(migrated, 120);
    tcase_add_checked_fixture(migrated, dbtest_setup, dbtest_teardown);
    tcase_add_test(migrated, an_edited_migration_is_refused);
    tcase_add_test(migrated, a_failing_migration_leaves_nothing);
    tcase_add_test(migrated, the_logs_name_rows_by_id_only);
    tcase_add_test(migrated, lending_writes_no_index_of_the_item);
    suite_add_tcase(s, migrated);
    return s;
}

CHECK_MAIN(migrate_suite)
