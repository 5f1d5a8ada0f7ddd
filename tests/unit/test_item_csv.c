/* Unit tests of core/item_csv: item rows read, checked, and written back. */
#include "check_main.h"
#include "core/item_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void parse(struct item_csv *c, const char *text, bool expect_ok)
{
    *c = (struct item_csv){ 0 };
    ck_assert_int_eq(item_csv_parse(c, text, strlen(text)), expect_ok);
}

/* Every problem as "line: message" joined by " / " (freed by the caller). */
static char *problems(const struct item_csv *c)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < c->nerrors; i++)
        buf_printf(&b, "%s%d: %s", i ? " / " : "", c->errors[i].line, c->errors[i].message);
    return buf_steal(&b, NULL);
}

START_TEST(good_rows_with_defaults)
{
    struct item_csv c;
    parse(&c,
          "\xEF\xBB\xBF"
          "Name;Category;size_kind;size_value;code\r\n"
          "Längdskidor;111;length_cm;160;dej-00042\r\n"
          "Skridskor;Skridskor;shoe_eu;38,5;\r\n"
          ";;;;\r\n",
          true);
    ck_assert_uint_eq(c.nerrors, 0);
    ck_assert_uint_eq(c.nrows, 2);
    const struct item_csv_row *r = &c.rows[0];
    ck_assert_int_eq(r->line, 2);
    ck_assert_str_eq(r->code, "DEJ-00042");
    ck_assert_str_eq(r->category, "111");
    ck_assert_str_eq(r->name, "Längdskidor");
    ck_assert_int_eq(r->size.kind, SIZE_LENGTH_CM);
    ck_assert(r->size.num == 160);
    ck_assert_str_eq(r->condition, "good");
    ck_assert_str_eq(r->status, "available");
    ck_assert_ptr_null(r->brand);
    ck_assert_ptr_null(r->donated_on);
    r = &c.rows[1];
    ck_assert_str_eq(r->code, "");
    ck_assert(r->size.num == 38.5);
    item_csv_free(&c);
}
END_TEST

START_TEST(an_import_holds_at_most_the_row_cap)
{
    struct buf file = BUF_INIT;
    buf_puts(&file, "name,category\n");
    for (int i = 0; i < ITEM_CSV_MAX_ROWS; i++)
        buf_puts(&file, "Pulka,15\n\n"); /* blank lines do not count */
    struct item_csv c;
    parse(&c, file.data, true);
    ck_assert_uint_eq(c.nrows, ITEM_CSV_MAX_ROWS);
    ck_assert_uint_eq(c.nerrors, 0);
    item_csv_free(&c);

    buf_puts(&file, "Pulka,15\nPulka,15\n");
    parse(&c, file.data, false);
    ck_assert_uint_eq(c.nerrors, 1);
    ck_assert_int_eq(c.errors[0].line, 2 * ITEM_CSV_MAX_ROWS + 2);
    ck_assert_str_eq(c.errors[0].message,
                     "an import holds at most 10000 rows: split the file and import each part");
    item_csv_free(&c);
    buf_free(&file);
}
END_TEST

START_TEST(every_bad_line_is_named)
{
    struct item_csv c;
    parse(&c,
          "code,category,name,size_kind,size_value,condition,status,retired_reason,donated_on\n"
          "A1,111,Skidor,length_cm,160,good,available,,2026-01-31\n"
          "A2,,Skidor,,,,,,\n"
          "A3,111,,length_cm,,broken,sold,,2026-02-30\n"
          "bad code,111,Skidor,,160,,retired,,\n"
          "A1,111,Again,,,,,,\n"
          "A6,111,Gone,,,,intake,Trasig,\n"
          "A7,111,Out,,,,on_loan,,\n",
          true);
    char *got = problems(&c);
    ck_assert_str_eq(got,
                     "3: category is empty"
                     " / 4: name is empty"
                     " / 4: size_kind length_cm needs a size_value"
                     " / 4: condition \"broken\" is not one of new, good, worn, needs_repair"
                     " / 4: status \"sold\" is not one of intake, available, repair, lost, retired"
                     " / 4: donated_on \"2026-02-30\" is not a date written YYYY-MM-DD"
                     " / 5: code \"bad code\" is not a code: use 1 to 40 of A-Z, 0-9, . _ -"
                     " / 5: size_value needs a size_kind"
                     " / 5: a retired item needs a retired_reason"
                     " / 6: code A1 is also on line 2"
                     " / 7: retired_reason is only for retired items");
    free(got);
    /* The good rows stay for the database checks; on_loan is read as available, with a notice. */
    ck_assert_uint_eq(c.nrows, 2);
    ck_assert_str_eq(c.rows[0].code, "A1");
    ck_assert_str_eq(c.rows[1].status, "available");
    ck_assert_uint_eq(c.nnotices, 1);
    ck_assert_int_eq(c.notices[0].line, 8);
    item_csv_free(&c);
}
END_TEST

START_TEST(the_header_must_make_sense)
{
    struct item_csv c;
    parse(&c, "", false);
    ck_assert_int_eq(c.errors[0].line, 1);
    item_csv_free(&c);

    parse(&c, "name;colour;name\nx;y;z\n", false);
    char *got = problems(&c);
    ck_assert_str_eq(got, "1: unknown column \"colour\" (the columns are code, category, name, "
                          "brand, size_kind, size_value, condition, status, retired_reason, "
                          "donated_on, notes) / 1: the column name is there twice");
    free(got);
    item_csv_free(&c);

    parse(&c, "name;brand\nx;y\n", false);
    got = problems(&c);
    ck_assert_str_eq(got, "1: the header has no column category");
    free(got);
    item_csv_free(&c);

    /* A header only is a file without items, which is fine. */
    parse(&c, "name;category;\n", true);
    ck_assert_uint_eq(c.nrows, 0);
    ck_assert_uint_eq(c.nerrors, 0);
    item_csv_free(&c);
}
END_TEST

START_TEST(rows_wider_than_the_header_and_texts)
{
    struct item_csv c;
    char long_name[300];
    memset(long_name, 'x', 201);
    long_name[201] = '\0';
    char text[512];
    snprintf(text, sizeof text,
             "name;category\n"
             "a;1;extra\n"
             "a;1;;\n"
             "\"two\nlines\";1\n"
             "%s;1\n",
             long_name);
    parse(&c, text, true);
    char *got = problems(&c);
    ck_assert_str_eq(got, "2: the line has 3 fields but the header only 2"
                          " / 4: name must be on one line"
                          " / 6: name has more than 200 characters");
    free(got);
    ck_assert_uint_eq(c.nrows, 1);
    item_csv_free(&c);

    parse(&c, "name;category\n\"open;1\n", false);
    got = problems(&c);
    ck_assert_str_eq(got, "2: a quoted field is not closed");
    free(got);
    item_csv_free(&c);
}
END_TEST

START_TEST(an_export_reads_back)
{
    struct buf out = BUF_INIT;
    item_csv_write_header(&out);
    const char *row[ITEM_CSV_NCOLUMNS] = {
        [ITEM_CSV_CODE] = "DEJ-00001",           [ITEM_CSV_CATEGORY] = "Längdskidor",
        [ITEM_CSV_NAME] = "Skidor; blå",         [ITEM_CSV_BRAND] = "=Fischer",
        [ITEM_CSV_SIZE_KIND] = "other",          [ITEM_CSV_SIZE_VALUE] = "2 personer",
        [ITEM_CSV_CONDITION] = "worn",           [ITEM_CSV_STATUS] = "retired",
        [ITEM_CSV_RETIRED_REASON] = "Trasig",    [ITEM_CSV_DONATED_ON] = "2025-03-01",
        [ITEM_CSV_NOTES] = "rad 1\r\n\"rad\" 2",
    };
    item_csv_write_row(&out, row);
    struct item_csv c = { 0 };
    ck_assert(item_csv_parse(&c, out.data, out.len));
    ck_assert_uint_eq(c.nerrors, 0);
    ck_assert_uint_eq(c.nrows, 1);
    const struct item_csv_row *r = &c.rows[0];
    ck_assert_str_eq(r->code, "DEJ-00001");
    ck_assert_str_eq(r->category, "Längdskidor");
    ck_assert_str_eq(r->name, "Skidor; blå");
    ck_assert_str_eq(r->brand, "=Fischer");
    ck_assert_str_eq(r->size.text, "2 personer");
    ck_assert_str_eq(r->condition, "worn");
    ck_assert_str_eq(r->status, "retired");
    ck_assert_str_eq(r->retired_reason, "Trasig");
    ck_assert_str_eq(r->donated_on, "2025-03-01");
    ck_assert_str_eq(r->notes, "rad 1\r\n\"rad\" 2");
    item_csv_free(&c);
    buf_free(&out);
}
END_TEST

static Suite *item_csv_suite(void)
{
    Suite *s = suite_create("item_csv");
    TCase *tc = tcase_create("item_csv");
    tcase_add_test(tc, good_rows_with_defaults);
    tcase_add_test(tc, an_import_holds_at_most_the_row_cap);
    tcase_add_test(tc, every_bad_line_is_named);
    tcase_add_test(tc, the_header_must_make_sense);
    tcase_add_test(tc, rows_wider_than_the_header_and_texts);
    tcase_add_test(tc, an_export_reads_back);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(item_csv_suite)
