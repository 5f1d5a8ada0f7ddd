/* Unit tests of core/csv: reading spreadsheet CSV and writing it back unchanged. */
#include "check_main.h"
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

/* Read every record of text; fields joined by | and records by / into a string (freed by caller). */
static char *read_all(const char *text, size_t len, char *sep, const char **why, int *bad_line)
{
    struct csv_reader r;
    struct csv_record rec = { 0 };
    struct buf out = BUF_INIT;
    csv_reader_init(&r, text, len);
    *sep = r.sep;
    enum csv_result res;
    *why = NULL;
    while ((res = csv_read(&r, &rec, why)) == CSV_RECORD) {
        buf_printf(&out, "%s%d:", out.len ? "/" : "", rec.line);
        for (size_t i = 0; i < rec.nfields; i++)
            buf_printf(&out, "%s%s", i ? "|" : "", rec.fields[i]);
    }
    *bad_line = res == CSV_ERROR ? rec.line : 0;
    csv_record_free(&rec);
    return buf_steal(&out, NULL);
}

#define READ(text, sep, why, line) read_all(text, sizeof text - 1, sep, why, line)

START_TEST(comma_or_semicolon_by_the_header)
{
    char sep;
    const char *why;
    int bad;
    char *got = READ("name,size\nSkidor,160\n", &sep, &why, &bad);
    ck_assert_int_eq(sep, ',');
    ck_assert_str_eq(got, "1:name|size/2:Skidor|160");
    free(got);
    /* Swedish Excel: semicolons, a decimal comma in the data, CRLF, a byte order mark. */
    got = READ("\xEF\xBB\xBFnamn;storlek\r\nSkor;42,5\r\n", &sep, &why, &bad);
    ck_assert_int_eq(sep, ';');
    ck_assert_str_eq(got, "1:namn|storlek/2:Skor|42,5");
    free(got);
}
END_TEST

START_TEST(quotes_hold_separators_quotes_and_line_breaks)
{
    char sep;
    const char *why;
    int bad;
    char *got = READ("a;b;c\n\"x;y\";\"say \"\"hej\"\"\";\"two\r\nlines\"\n\"\";;\nlast;1;2", &sep,
                     &why, &bad);
    ck_assert_ptr_null(why);
    ck_assert_str_eq(got, "1:a|b|c/2:x;y|say \"hej\"|two\r\nlines/4:||/5:last|1|2");
    free(got);
}
END_TEST

START_TEST(empty_lines_are_skipped_and_lines_counted)
{
    char sep;
    const char *why;
    int bad;
    char *got = READ("h\n\n\r\nv\n\n", &sep, &why, &bad);
    ck_assert_str_eq(got, "1:h/4:v");
    free(got);
}
END_TEST

START_TEST(broken_files_name_the_line)
{
    char sep;
    const char *why;
    int bad;
    char *got = READ("a,b\n1,2\n\"open,3\n", &sep, &why, &bad);
    ck_assert_str_eq(why, "a quoted field is not closed");
    ck_assert_int_eq(bad, 3); /* where the quote opened */
    free(got);
    got = READ("a,b\n\"x\"y,2\n", &sep, &why, &bad);
    ck_assert_str_eq(why, "text follows the closing quote of a field");
    ck_assert_int_eq(bad, 2);
    free(got);
    got = READ("a,b\n1,\xC3\n", &sep, &why, &bad);
    ck_assert_str_eq(why, "the file is not UTF-8 text");
    ck_assert_int_eq(bad, 2);
    free(got);
    got = READ("a,b\n1,\xE5ngest\n", &sep, &why, &bad); /* Latin-1 å */
    ck_assert_str_eq(why, "the file is not UTF-8 text");
    free(got);
    got = READ("a,b\n\n1,x\0y\n", &sep, &why, &bad);
    ck_assert_str_eq(why, "the file holds a NUL byte");
    ck_assert_int_eq(bad, 3);
    free(got);
}
END_TEST

START_TEST(writing_quotes_what_needs_it_and_guards_formulas)
{
    struct buf out = BUF_INIT;
    csv_write_bom(&out);
    csv_write_field(&out, "plain", ';', true);
    csv_write_field(&out, "a;b", ';', false);
    csv_write_field(&out, "say \"hej\"", ';', false);
    csv_write_field(&out, NULL, ';', false);
    csv_write_field(&out, "=SUM(A1)", ';', false);
    csv_write_field(&out, "'-5", ';', false);
    csv_write_field(&out, "two\nlines", ';', false);
    csv_write_field(&out, " space", ';', false);
    csv_write_field(&out, "\t=1+1", ';', false);
    csv_write_field(&out, "\r=1+1", ';', false);
    csv_write_end(&out);
    ck_assert_str_eq(out.data, "\xEF\xBB\xBFplain;\"a;b\";\"say \"\"hej\"\"\";;'=SUM(A1);''-5;"
                               "\"two\nlines\";\" space\";'\t=1+1;\"'\r=1+1\"\r\n");
    buf_free(&out);
}
END_TEST

START_TEST(what_is_written_reads_back_unchanged)
{
    static const char *const values[] = {
        "plain",    "a;b,c",     "say \"hej\"", "",     "=1+1",     "+46701740605",
        "-",        "@home",     "'=x",         "''+y", "'quoted'", "two\r\nlines\n",
        " padded ", "åäö ÅÄÖ é", "\tx",         "\r=y", NULL,
    };
    struct buf out = BUF_INIT;
    for (size_t i = 0; values[i]; i++)
        csv_write_field(&out, values[i], ';', i == 0);
    csv_write_end(&out);

    struct csv_reader r;
    struct csv_record rec = { 0 };
    const char *why;
    csv_reader_init(&r, out.data, out.len);
    ck_assert_int_eq(r.sep, ';');
    ck_assert_int_eq(csv_read(&r, &rec, &why), CSV_RECORD);
    size_t n = 0;
    while (values[n])
        n++;
    ck_assert_uint_eq(rec.nfields, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(rec.fields[i], values[i]);
    ck_assert_int_eq(csv_read(&r, &rec, &why), CSV_END);
    csv_record_free(&rec);
    buf_free(&out);
}
END_TEST

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, comma_or_semicolon_by_the_header);
    tcase_add_test(tc, quotes_hold_separators_quotes_and_line_breaks);
    tcase_add_test(tc, empty_lines_are_skipped_and_lines_counted);
    tcase_add_test(tc, broken_files_name_the_line);
    tcase_add_test(tc, writing_quotes_what_needs_it_and_guards_formulas);
    tcase_add_test(tc, what_is_written_reads_back_unchanged);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(csv_suite)
