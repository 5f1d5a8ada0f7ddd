/*
 * Database tests of the catalogue stores: branch code prefixes, item codes under the branch lock,
 * what intake asks for (a size, a word about a twin), the status transitions and their history,
 * search, the rules of an item's and a loan's row, the search columns, the all-or-nothing import,
 * the reading of many codes at once, and that reading sent ahead (prefetched).
 */
#include "../unit/check_main.h"
#include "dbtest.h"
#include "store/branch_store.h"
#include "store/import_store.h"
#include "store/item_store.h"
#include "store/notify.h"
#include "store/pool.h"
#include "store/staff_store.h"
#include "store/store.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_branch(const char *slug, const char *prefix, const char *expect_prefix)
{
    struct branch_fields f = { .slug = slug, .name = slug, .code_prefix = prefix };
    struct branch b;
    enum branch_outcome outcome;
    ck_assert_int_eq(store_branch_create(0, &f, &b, &outcome), STORE_OK);
    ck_assert_int_eq(outcome, BRANCH_DONE);
    ck_assert_str_eq(b.code_prefix, expect_prefix);
    int id = b.id;
    store_branch_clear(&b);
    return id;
}

static long long add_staff(const char *username, const char *branch)
{
    long long id = 0;
    ck_assert_int_eq(
        store_staff_create(username, username, ROLE_VOLUNTEER, branch, "$argon2id$x", &id),
        STORE_OK);
    return id;
}

/* Take in an item; its code into code. */
static void intake(long long staff, int branch, const char *name, double cm, char *code)
{
    /* Längdskidor (111) with a length, else Skridskor (12) in EU size 40. */
    struct item_fields f = { .branch_id = branch, .category_id = cm > 0 ? 111 : 12, .name = name };
    const char *why;
    ck_assert(cm > 0 ? size_from_number(SIZE_LENGTH_CM, cm, &f.size, &why)
                     : size_from_number(SIZE_SHOE_EU, 40, &f.size, &why));
    struct item it;
    enum item_outcome outcome;
    char duplicate_of[ITEM_CODE_MAX + 1];
    ck_assert_int_eq(store_item_create(staff, &f, false, &it, &outcome, duplicate_of), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_DONE);
    strcpy(code, it.code);
    store_item_clear(&it);
}

/* Change an item's status as staff of branch scope (a manager when manager); the outcome. */
static enum item_outcome set_status(long long staff, int scope, bool manager, const char *code,
                                    const char *to, const char *reason, const char *note)
{
    struct store_item_status s = { .staff_id = staff,
                                   .scope = scope,
                                   .manager = manager,
                                   .code = code,
                                   .to = to,
                                   .reason = reason,
                                   .note = note };
    struct item it;
    ck_assert_int_eq(store_item_set_status(&s, &it), STORE_OK);
    if (s.outcome == ITEM_DONE)
        ck_assert_str_eq(it.status, to);
    store_item_clear(&it);
    return s.outcome;
}

START_TEST(branch_prefixes_step_around_each_other)
{
    add_branch("deje", NULL, "DEJ");
    add_branch("dejeborg", NULL, "DEJE");
    add_branch("deje2", NULL, "DEJE2");
    add_branch("forshaga", "FSH", "FSH");

    struct branch_fields f = { .slug = "other", .name = "Other", .code_prefix = "DEJ" };
    struct branch b;
    enum branch_outcome outcome;
    ck_assert_int_eq(store_branch_create(0, &f, &b, &outcome), STORE_OK);
    ck_assert_int_eq(outcome, BRANCH_PREFIX_TAKEN);
    f = (struct branch_fields){ .slug = "deje", .name = "Again" };
    ck_assert_int_eq(store_branch_create(0, &f, &b, &outcome), STORE_OK);
    ck_assert_int_eq(outcome, BRANCH_SLUG_TAKEN);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM branches"), 4);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE action = 'branch_created'"),
                     4);
}
END_TEST

START_TEST(intake_numbers_codes_and_skips_taken_ones)
{
    int deje = add_branch("deje", NULL, "DEJ");
    int other = add_branch("other", "OTH", "OTH");
    long long anna = add_staff("anna", "deje");
    char code[ITEM_CODE_MAX + 1];
    intake(anna, deje, "Längdskidor", 160, code);
    ck_assert_str_eq(code, "DEJ-00001");
    /* An imported item of another branch carries the code Deje would make next. */
    dbtest_exec("INSERT INTO items (code, branch_id, category_id, name)"
                " SELECT 'DEJ-00002', id, 111, 'x' FROM branches WHERE slug = 'other'");
    intake(anna, deje, "Längdskidor", 170, code);
    ck_assert_str_eq(code, "DEJ-00003");
    intake(0, other, "Skridskor", 0, code);
    ck_assert_str_eq(code, "OTH-00001");
    /* Intake is recorded: the history names the staff member, the audit log the item. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM item_status_history h JOIN items i ON i.id = h.item_id"
             " WHERE i.code = 'DEJ-00003' AND h.from_status IS NULL AND h.to_status = 'intake'"
             "   AND h.staff_id = %lld",
             anna);
    ck_assert_int_eq(dbtest_count(sql), 1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM item_status_history h JOIN items i ON"
                                  " i.id = h.item_id WHERE i.code = 'OTH-00001'"
                                  " AND h.staff_id IS NULL"),
                     1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE action = 'item_created'"),
                     3);
}
END_TEST

START_TEST(intake_asks_for_a_size_and_once_about_a_twin)
{
    int deje = add_branch("deje", NULL, "DEJ");
    long long anna = add_staff("anna", "deje");
    struct item it;
    enum item_outcome outcome;
    char twin[ITEM_CODE_MAX + 1];
    /* Skridskor (12) have an EU size, Stormkök (25) none, Tält (21) "other": optional. */
    struct item_fields f = { .branch_id = deje, .category_id = 12, .name = "Skridskor" };
    ck_assert_int_eq(store_item_create(anna, &f, false, &it, &outcome, twin), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_NEEDS_SIZE);
    f.category_id = 121; /* Hockeyskridskor: the size kind of its parent, Skridskor */
    ck_assert_int_eq(store_item_create(anna, &f, false, &it, &outcome, twin), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_NEEDS_SIZE);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items"), 0);
    f.category_id = 25;
    ck_assert_int_eq(store_item_create(anna, &f, false, &it, &outcome, twin), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_DONE);
    char first[ITEM_CODE_MAX + 1];
    strcpy(first, it.code);
    store_item_clear(&it);
    /* The same again within the minute is asked about once, then taken in when allowed. */
    ck_assert_int_eq(store_item_create(anna, &f, false, &it, &outcome, twin), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_DUPLICATE);
    ck_assert_str_eq(twin, first);
    ck_assert_int_eq(store_item_create(anna, &f, true, &it, &outcome, twin), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_DONE);
    store_item_clear(&it);
    /* Another name, or an older twin, is no question. */
    dbtest_exec("UPDATE items SET created_at = now() - interval '2 minutes'");
    ck_assert_int_eq(store_item_create(anna, &f, false, &it, &outcome, twin), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_DONE);
    store_item_clear(&it);
    f.category_id = 21;
    f.name = "Tält";
    ck_assert_int_eq(store_item_create(anna, &f, false, &it, &outcome, twin), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_DONE);
    store_item_clear(&it);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items"), 4);
}
END_TEST

START_TEST(status_rules_and_history)
{
    int deje = add_branch("deje", NULL, "DEJ");
    add_branch("other", NULL, "OTH");
    long long anna = add_staff("anna", "deje");
    char code[ITEM_CODE_MAX + 1];
    intake(anna, deje, "Längdskidor", 160, code);
    struct item it;
    enum item_outcome outcome;

    /* Along the table only; retiring needs a reason, and leaving retired is not possible. */
    ck_assert_int_eq(set_status(anna, deje, false, code, "lost", NULL, NULL), ITEM_NOT_ALLOWED);
    ck_assert_int_eq(set_status(anna, deje, false, code, "retired", NULL, NULL), ITEM_NEEDS_REASON);
    ck_assert_int_eq(set_status(anna, deje, false, code, "repair", NULL, "Bindningen glapp"),
                     ITEM_DONE);
    ck_assert_int_eq(set_status(anna, deje, false, code, "available", NULL, NULL), ITEM_DONE);
    ck_assert_int_eq(set_status(anna, deje, false, code, "available", NULL, NULL),
                     ITEM_NOT_ALLOWED);
    ck_assert_int_eq(set_status(anna, deje, false, code, "retired", "Trasig", NULL), ITEM_DONE);
    ck_assert_int_eq(store_item_get(code, &it), STORE_OK);
    ck_assert_str_eq(it.retired_reason, "Trasig");
    store_item_clear(&it);
    ck_assert_int_eq(set_status(anna, deje, false, code, "available", NULL, NULL),
                     ITEM_NOT_ALLOWED);

    /* Staff of another branch change nothing. */
    intake(anna, deje, "Längdskidor", 170, code);
    int other_id = 0;
    ck_assert_int_eq(store_branch_id("other", &other_id), STORE_OK);
    struct item_fields f = { .set = ITEM_SET_NAME, .name = "Stolen" };
    ck_assert_int_eq(store_item_update(anna, code, other_id, &f, &it, &outcome), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_OTHER_BRANCH);
    ck_assert_int_eq(set_status(anna, other_id, false, code, "available", NULL, NULL),
                     ITEM_OTHER_BRANCH);

    /* Circulation puts the item on loan in a transaction of its own, naming its staff member. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "BEGIN; SELECT set_config('hylla.staff_id', '%lld', true);"
             " UPDATE items SET status = 'on_loan' WHERE code = '%s'; COMMIT",
             anna, code);
    dbtest_exec(sql);
    ck_assert_int_eq(set_status(anna, deje, true, code, "repair", NULL, NULL), ITEM_IS_ON_LOAN);
    /* Other fields of an item on loan may still change. */
    f = (struct item_fields){ .set = ITEM_SET_NOTES, .notes = "Vallad" };
    ck_assert_int_eq(store_item_update(anna, code, deje, &f, &it, &outcome), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_DONE);
    ck_assert_str_eq(it.notes, "Vallad");
    store_item_clear(&it);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log"
                                  " WHERE action = 'item_status_changed'"),
                     3);

    struct item_status_change *h;
    size_t n;
    ck_assert_int_eq(store_item_history(code, &h, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    store_item_history_free(h, n);
    strcpy(code, "DEJ-00001");
    ck_assert_int_eq(store_item_history(code, &h, &n), STORE_OK);
    ck_assert_uint_eq(n, 4);
    const char *expect[][2] = { { "", "intake" },
                                { "intake", "repair" },
                                { "repair", "available" },
                                { "available", "retired" } };
    for (size_t i = 0; i < 4; i++) {
        ck_assert_str_eq(h[i].from, expect[i][0]);
        ck_assert_str_eq(h[i].to, expect[i][1]);
        ck_assert_int_eq(h[i].staff_id, anna);
        ck_assert_str_eq(h[i].staff_name, "anna");
    }
    ck_assert_str_eq(h[1].note, "Bindningen glapp");
    ck_assert_ptr_null(h[2].note);
    ck_assert_str_eq(h[3].reason, "Trasig");
    store_item_history_free(h, n);
    ck_assert_int_eq(store_item_history("NOPE-1", &h, &n), STORE_NOT_FOUND);
}
END_TEST

static long long search_total(const struct item_filter *f)
{
    struct item_page page;
    ck_assert_int_eq(store_item_search(f, &page), STORE_OK);
    long long total = page.total;
    ck_assert_uint_le(page.n, (size_t)total);
    store_item_page_free(&page);
    return total;
}

START_TEST(search_understands_swedish_and_sizes)
{
    int deje = add_branch("deje", NULL, "DEJ");
    char code[ITEM_CODE_MAX + 1];
    intake(0, deje, "Längdskidor", 155, code);
    intake(0, deje, "Längdskidor", 170, code);
    intake(0, deje, "Skridskor", 0, code);
    struct item_filter f = { .match.q = "skridsko" };
    ck_assert_int_eq(search_total(&f), 1);
    f.match.q = "längd";
    ck_assert_int_eq(search_total(&f), 2);
    f.match.q = "LANGD";
    ck_assert_int_eq(search_total(&f), 2);
    f.match.q = "skidor längd";
    ck_assert_int_eq(search_total(&f), 2);
    f.match.q = "dej-00003";
    ck_assert_int_eq(search_total(&f), 1);
    f.match.q = "50%";
    ck_assert_int_eq(search_total(&f), 0);
    f.match.q = "  ";
    ck_assert_int_eq(search_total(&f), 3);
    f = (struct item_filter){ .match = { .size_kind = SIZE_LENGTH_CM,
                                         .has_size_min = true,
                                         .size_min = 150,
                                         .has_size_max = true,
                                         .size_max = 160 } };
    struct item_page page;
    ck_assert_int_eq(store_item_search(&f, &page), STORE_OK);
    ck_assert_int_eq(page.total, 1);
    ck_assert(page.items[0].size.num == 155);
    store_item_page_free(&page);
    /* A page past the end has no items but knows the total. */
    f = (struct item_filter){ .limit = 2, .offset = 10 };
    ck_assert_int_eq(store_item_search(&f, &page), STORE_OK);
    ck_assert_int_eq(page.total, 3);
    ck_assert_uint_eq(page.n, 0);
    store_item_page_free(&page);
}
END_TEST

/* A statement the database must refuse under a rule of a row (a CHECK constraint). */
static void refused(const char *sql)
{
    char *state = dbtest_refused(sql);
    ck_assert_msg(strcmp(state, "23514") == 0, "%s: %s", sql, state);
    free(state);
}

/* The rules of an item's and a loan's row, each table's tested in one function (migration
 * 0029): every rule refuses a row that breaks it, and the row stays as it was. */
START_TEST(rows_that_break_a_rule_are_refused)
{
    int deje = add_branch("deje", NULL, "DEJ");
    long long anna = add_staff("anna", "deje");
    char code[ITEM_CODE_MAX + 1];
    intake(anna, deje, "Längdskidor", 160, code);
    ck_assert_int_eq(set_status(anna, deje, false, code, "available", NULL, NULL), ITEM_DONE);
    const char *item_row = "SELECT concat_ws('|', code, name, size_kind, size_num, size_text,"
                           " condition, status, retired_reason) FROM items";
    char *before = dbtest_value(item_row);
    const char *breaks[] = {
        "code = 'dej-00001'",      "code = '-DEJ'",       "name = ''",
        "name = repeat('x', 201)", "size_kind = 'inch'",  "size_kind = NULL",
        "condition = 'broken'",    "status = 'borrowed'", "status = 'retired'",
    };
    char sql[512];
    for (size_t i = 0; i < sizeof breaks / sizeof *breaks; i++) {
        snprintf(sql, sizeof sql, "UPDATE items SET %s WHERE code = '%s'", breaks[i], code);
        refused(sql);
    }
    char *after = dbtest_value(item_row);
    ck_assert_str_eq(after, before);
    free(after);
    free(before);
    /* At the edges the rules allow. */
    snprintf(sql, sizeof sql,
             "UPDATE items SET name = repeat('x', 200), size_kind = NULL, size_num = NULL,"
             " size_text = NULL WHERE code = '%s'",
             code);
    dbtest_exec(sql);
    refused("INSERT INTO items (code, branch_id, category_id, name, status)"
            " SELECT 'DEJ-9', branch_id, category_id, 'Skor', 'gone' FROM items");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items"), 1);

    /* A loan of it. */
    snprintf(sql, sizeof sql,
             "INSERT INTO borrowers (branch_id, name, phone) VALUES (%d, 'Eva', '+46701234567')",
             deje);
    dbtest_exec(sql);
    snprintf(sql, sizeof sql,
             "SELECT outcome FROM loan_checkout(%lld, 0, (SELECT id FROM borrowers),"
             " ARRAY['%s'], NULL, current_date + 14, NULL, NULL, 15)",
             anna, code);
    char *outcome = dbtest_value(sql);
    ck_assert_str_eq(outcome, "done");
    free(outcome);
    const char *loan_row = "SELECT concat_ws('|', renewals, returned_at, lost, borrower_gender)"
                           " FROM loans";
    before = dbtest_value(loan_row);
    refused("UPDATE loans SET renewals = -1");
    refused("UPDATE loans SET returned_at = checked_out_at - interval '1 second'");
    refused("UPDATE loans SET lost = true");
    refused("UPDATE loans SET borrower_gender = 'okänt'");
    after = dbtest_value(loan_row);
    ck_assert_str_eq(after, before);
    free(after);
    free(before);
    dbtest_exec("UPDATE loans SET returned_at = checked_out_at, lost = true,"
                " borrower_gender = 'annat'");
}
END_TEST

/* The search columns of items (no longer generated since migration 0029) follow the name and
 * the brand, however a row is written, and what they say is what the search finds. */
START_TEST(search_columns_follow_the_name_and_brand)
{
    int deje = add_branch("deje", NULL, "DEJ");
    long long anna = add_staff("anna", "deje");
    char code[ITEM_CODE_MAX + 1];
    intake(anna, deje, "Speedmax", 160, code);
    const char *stale =
        "SELECT count(*) FROM items"
        " WHERE search_text IS DISTINCT FROM hylla_fold(name || ' ' || coalesce(brand, ''))"
        " OR search_tsv IS DISTINCT FROM"
        " to_tsvector('swedish', name || ' ' || coalesce(brand, ''))";
    ck_assert_int_eq(dbtest_count(stale), 0);
    struct item_fields f = { .set = ITEM_SET_NAME | ITEM_SET_BRAND,
                             .name = "Skridskor",
                             .brand = "Bauer" };
    struct item it;
    enum item_outcome outcome;
    ck_assert_int_eq(store_item_update(anna, code, deje, &f, &it, &outcome), STORE_OK);
    ck_assert_int_eq(outcome, ITEM_DONE);
    store_item_clear(&it);
    ck_assert_int_eq(dbtest_count(stale), 0);
    struct item_filter q = { .match.q = "bauer skridsko" };
    ck_assert_int_eq(search_total(&q), 1);
    q.match.q = "speedmax";
    ck_assert_int_eq(search_total(&q), 0);
    /* Written by hand, they are computed again. */
    dbtest_exec("UPDATE items SET search_text = 'x', search_tsv = ''");
    ck_assert_int_eq(dbtest_count(stale), 0);
    dbtest_exec("UPDATE items SET brand = NULL");
    ck_assert_int_eq(dbtest_count(stale), 0);
    /* Even in a load that turns the other triggers off. */
    dbtest_exec("SET session_replication_role = replica;"
                " UPDATE items SET name = 'Skridskor Jackson';"
                " RESET session_replication_role");
    ck_assert_int_eq(dbtest_count(stale), 0);
    q.match.q = "bauer";
    ck_assert_int_eq(search_total(&q), 0);
}
END_TEST

static size_t import(int branch, const char *csv, struct item_csv *c)
{
    size_t imported = 99;
    *c = (struct item_csv){ 0 };
    ck_assert_int_eq(store_import_items(0, branch, csv, strlen(csv), false, c, &imported),
                     STORE_OK);
    return imported;
}

START_TEST(import_is_all_or_nothing)
{
    int deje = add_branch("deje", NULL, "DEJ");
    struct item_csv c;
    ck_assert_uint_eq(import(deje,
                             "code;category;name\n"
                             "DEJ-00007;Längdskidor;Skidor\n"
                             ";Okänd;Något\n"
                             ";12;Skridskor\n",
                             &c),
                      0);
    ck_assert_uint_eq(c.nerrors, 1);
    ck_assert_int_eq(c.errors[0].line, 3);
    ck_assert_str_eq(c.errors[0].message, "unknown category \"Okänd\"");
    item_csv_free(&c);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items"), 0);
    ck_assert_int_eq(dbtest_count("SELECT next_item_no FROM branches"), 1);

    ck_assert_uint_eq(import(deje,
                             "code;category;name\n"
                             "DEJ-00007;Längdskidor;Skidor\n"
                             ";skridskor;Skridskor\n",
                             &c),
                      2);
    ck_assert_uint_eq(c.nerrors, 0);
    item_csv_free(&c);
    /* New codes continue after the imported DEJ-00007. */
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items WHERE code = 'DEJ-00008'"
                                  " AND category_id = 12"),
                     1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE action = 'items_imported'"
                                  " AND details->>'count' = '2'"),
                     1);

    /* The same codes again: taken, so nothing. */
    ck_assert_uint_eq(import(deje, "code;category;name\nDEJ-00007;111;Skidor\n", &c), 0);
    ck_assert_str_eq(c.errors[0].message, "code DEJ-00007 is already used by another item");
    item_csv_free(&c);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items"), 2);
}
END_TEST

/*
 * Times and dates come in the API's forms whatever DateStyle the database would give a new
 * connection: every connection sets its own (src/store/pool.c), which the store's readers of
 * dates and times rely on.
 */
START_TEST(dates_and_times_whatever_the_database_datestyle)
{
    int deje = add_branch("deje", NULL, "DEJ");
    long long anna = add_staff("anna", "deje");
    char code[ITEM_CODE_MAX + 1];
    intake(anna, deje, "Längdskidor", 160, code);
    dbtest_exec("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET DateStyle = ''SQL, DMY''',"
                " current_database()); END $$");
    store_thread_close(); /* the next statement connects anew, with that default */
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE items SET created_at = '2025-03-30 01:59:59.5+00', donated_on = '2025-03-01',"
             " label_printed_at = '2025-10-26 02:30:00+01' WHERE code = '%s'",
             code);
    dbtest_exec(sql);
    struct item it;
    ck_assert_int_eq(store_item_get(code, &it), STORE_OK);
    ck_assert_str_eq(it.created_at, "2025-03-30T01:59:59Z");
    ck_assert_str_eq(it.label_printed_at, "2025-10-26T01:30:00Z");
    ck_assert_str_eq(it.donated_on, "2025-03-01");
    store_item_clear(&it);
}
END_TEST

/* Two reads of one item alike in every field the API shows. */
static void assert_same_item(const struct item *a, const struct item *b)
{
    ck_assert_int_eq(a->id, b->id);
    ck_assert_str_eq(a->code, b->code);
    ck_assert_str_eq(a->branch_slug, b->branch_slug);
    ck_assert_int_eq(a->category_id, b->category_id);
    ck_assert_str_eq(a->category_sv, b->category_sv);
    ck_assert_str_eq(a->category_en, b->category_en);
    ck_assert_str_eq(a->name, b->name);
    ck_assert_int_eq(a->size.kind, b->size.kind);
    ck_assert(a->size.num == b->size.num);
    ck_assert_str_eq(a->size.text, b->size.text);
    ck_assert_str_eq(a->status, b->status);
    ck_assert_str_eq(a->photo_etag, b->photo_etag);
    ck_assert_str_eq(a->due_date, b->due_date);
    ck_assert_str_eq(a->created_at, b->created_at);
    ck_assert_str_eq(a->updated_at, b->updated_at);
}

/*
 * store_item_get_many reads many codes in one statement: each place gets the item of its code,
 * in the order asked, a code asked twice in both places, a missing one nowhere, each exactly as
 * store_item_get reads it (names from memory or not, the photo and the open loan).
 */
START_TEST(many_codes_in_one_statement)
{
    int deje = add_branch("deje", NULL, "DEJ");
    add_branch("other", NULL, "OTH");
    long long anna = add_staff("anna", "deje");
    char a[ITEM_CODE_MAX + 1], b[ITEM_CODE_MAX + 1], c[ITEM_CODE_MAX + 1];
    intake(anna, deje, "Längdskidor", 160, a);
    intake(anna, deje, "Skridskor", 0, b);
    intake(anna, deje, "Längdskidor", 170, c);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE items SET branch_id = (SELECT id FROM branches WHERE slug = 'other')"
             " WHERE code = '%s'",
             c);
    dbtest_exec(sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO item_photos (item_id, content_type, etag, data) SELECT id, 'image/png',"
             " '0123456789abcdef0123456789abcdef', '\\x89' FROM items WHERE code = '%s'",
             b);
    dbtest_exec(sql);

    const char *codes[] = { b, "DEJ-99999", a, b, c };
    enum { N = sizeof codes / sizeof codes[0] };
    struct item many[N];
    bool found[N];
    ck_assert_int_eq(store_item_get_many(codes, N, many, found), STORE_OK);
    const bool want[N] = { true, false, true, true, true };
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(found[i], want[i]);
        if (!found[i])
            continue;
        struct item one;
        ck_assert_int_eq(store_item_get(codes[i], &one), STORE_OK);
        assert_same_item(&many[i], &one);
        store_item_clear(&one);
    }
    ck_assert_str_eq(many[0].photo_etag, "0123456789abcdef0123456789abcdef");
    ck_assert_str_eq(many[4].branch_slug, "other");
    ck_assert_str_eq(many[2].name, "Längdskidor");
    ck_assert_str_eq(many[0].name, "Skridskor");
    for (size_t i = 0; i < N; i++)
        if (found[i])
            store_item_clear(&many[i]);

    /* None found is no failure; nothing is left to clear. */
    const char *none[] = { "DEJ-99998", "DEJ-99999" };
    ck_assert_int_eq(store_item_get_many(none, 2, many, found), STORE_OK);
    ck_assert(!found[0] && !found[1]);
}
END_TEST

/* Wait for the answer of the statement sent ahead, as a connection thread's loop does. */
static void await_prefetch(void)
{
    int fd = store_prefetch_socket();
    ck_assert_int_ge(fd, 0);
    while (!store_prefetch_poll()) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ck_assert_int_eq(poll(&p, 1, 10000), 1);
    }
}

/*
 * store_item_prefetch sends store_item_get_many's statement and returns: the store_item_get_many
 * of the same codes then takes its answer with waiting forbidden (store_no_wait), reads what it
 * reads alone (the names from memory), and counts the round trip as a sync only then; any other
 * call that would reach
 * the database while waiting is forbidden fails at once and says so, and with waiting allowed
 * the answer nobody took is dropped first.
 */
START_TEST(lookups_sent_ahead_are_taken_without_waiting)
{
    int deje = add_branch("deje", NULL, "DEJ");
    long long anna = add_staff("anna", "deje");
    char a[ITEM_CODE_MAX + 1], b[ITEM_CODE_MAX + 1];
    intake(anna, deje, "Längdskidor", 160, a);
    intake(anna, deje, "Skridskor", 0, b);
    const char *codes[] = { a, "DEJ-99999", b };
    struct item many[3], one;
    bool found[3];
    /* As `hylla serve` runs: the names of branches and categories kept, once read, in memory. */
    store_item_names_start();
    store_notify_enable();
    store_thread_close(); /* the next connection listens */
    ck_assert_int_eq(store_item_get(a, &one), STORE_OK);
    store_item_clear(&one);

    ck_assert_int_eq(store_prefetch_socket(), -1);
    unsigned long syncs = store_syncs();
    ck_assert(store_item_prefetch(codes, 3));
    ck_assert(!store_item_prefetch(codes, 3)); /* one at a time */
    await_prefetch();
    ck_assert_uint_eq(store_syncs(), syncs); /* not yet taken */
    store_no_wait(true);
    ck_assert_int_eq(store_item_get_many(codes, 3, many, found), STORE_OK);
    ck_assert(!store_would_have_waited());
    ck_assert_uint_eq(store_syncs(), syncs + 1);
    ck_assert(found[0] && !found[1] && found[2]);
    ck_assert_int_eq(store_prefetch_socket(), -1);
    /* Taken once: the same read again would wait. */
    ck_assert_int_lt(store_item_get_many(codes, 3, many, found), 0);
    ck_assert(store_would_have_waited());
    store_no_wait(false);
    ck_assert_int_eq(store_item_get(a, &one), STORE_OK);
    assert_same_item(&many[0], &one);
    store_item_clear(&one);
    ck_assert_int_eq(store_item_get(b, &one), STORE_OK);
    assert_same_item(&many[2], &one);
    store_item_clear(&one);
    store_item_clear(&many[0]);
    store_item_clear(&many[2]);

    /* Other codes than those sent ahead: no answer to take, so it would have waited. */
    ck_assert(store_item_prefetch(codes, 1));
    await_prefetch();
    store_no_wait(true);
    ck_assert_int_lt(store_item_get_many(codes + 2, 1, many, found), 0);
    ck_assert(store_would_have_waited());
    store_no_wait(false);
    /* Allowed to wait, a call drops the answer nobody took, sent ahead or still on its way. */
    ck_assert_int_eq(store_item_get(b, &one), STORE_OK);
    store_item_clear(&one);
    ck_assert_int_eq(store_prefetch_socket(), -1);
    ck_assert(store_item_prefetch(codes, 1));
    ck_assert_int_eq(store_ping(), STORE_OK);
    ck_assert_int_eq(store_prefetch_socket(), -1);
    ck_assert(store_item_prefetch(codes, 1));
    store_prefetch_drop();
    ck_assert_int_eq(store_prefetch_socket(), -1);
}
END_TEST

static Suite *catalogue_suite(void)
{
    Suite *s = suite_create("catalogue_store");
    TCase *tc = tcase_create("catalogue");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, dbtest_setup, dbtest_teardown);
    tcase_add_test(tc, branch_prefixes_step_around_each_other);
    tcase_add_test(tc, intake_numbers_codes_and_skips_taken_ones);
    tcase_add_test(tc, intake_asks_for_a_size_and_once_about_a_twin);
    tcase_add_test(tc, status_rules_and_history);
    tcase_add_test(tc, search_understands_swedish_and_sizes);
    tcase_add_test(tc, rows_that_break_a_rule_are_refused);
    tcase_add_test(tc, search_columns_follow_the_name_and_brand);
    tcase_add_test(tc, import_is_all_or_nothing);
    tcase_add_test(tc, dates_and_times_whatever_the_database_datestyle);
    tcase_add_test(tc, many_codes_in_one_statement);
    tcase_add_test(tc, lookups_sent_ahead_are_taken_without_waiting);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(catalogue_suite)
