/* Unit tests of core/size: sizes as kind and value, from numbers and from text. */
#include "check_main.h"
#include "core/size.h"

#include <string.h>

START_TEST(kinds_have_names_both_ways)
{
    for (enum size_kind k = SIZE_LENGTH_CM; k <= SIZE_OTHER; k++)
        ck_assert_int_eq(size_kind_from_name(size_kind_name(k)), k);
    ck_assert_str_eq(size_kind_name(SIZE_SHOE_EU), "shoe_eu");
    ck_assert_ptr_null(size_kind_name(SIZE_NONE));
    ck_assert_int_eq(size_kind_from_name("length"), SIZE_NONE);
    ck_assert_int_eq(size_kind_from_name(NULL), SIZE_NONE);
    ck_assert(size_kind_is_numeric(SIZE_HEAD_CM));
    ck_assert(!size_kind_is_numeric(SIZE_CLOTHING));
    ck_assert(!size_kind_is_numeric(SIZE_OTHER));
}
END_TEST

START_TEST(numbers_must_be_plausible_for_their_kind)
{
    struct size s;
    const char *why = NULL;
    ck_assert(size_from_number(SIZE_LENGTH_CM, 160, &s, &why));
    ck_assert_int_eq(s.kind, SIZE_LENGTH_CM);
    ck_assert(s.num == 160);
    ck_assert(size_from_number(SIZE_SHOE_EU, 42.5, &s, &why));
    ck_assert(s.num == 42.5);
    ck_assert(size_from_number(SIZE_WHEEL_IN, 26, &s, &why));
    ck_assert(!size_from_number(SIZE_LENGTH_CM, 0, &s, &why));
    ck_assert_str_eq(why, "a length must be from 1 to 2000 cm");
    ck_assert(!size_from_number(SIZE_SHOE_EU, 470, &s, &why));
    ck_assert(!size_from_number(SIZE_HEAD_CM, 12, &s, &why));
    ck_assert(!size_from_number(SIZE_NONE, 12, &s, &why));
    /* Two decimals at most, as the database keeps them. */
    ck_assert(size_from_number(SIZE_SHOE_EU, 42.666, &s, &why));
    ck_assert(s.num == 42.67);
}
END_TEST

START_TEST(text_kinds_take_numbers_as_text)
{
    struct size s;
    const char *why;
    ck_assert(size_from_number(SIZE_CLOTHING, 128, &s, &why));
    ck_assert_str_eq(s.text, "128");
    ck_assert(size_from_text(SIZE_CLOTHING, "  S/M ", &s, &why));
    ck_assert_str_eq(s.text, "S/M");
    ck_assert(size_from_text(SIZE_OTHER, "2 personer", &s, &why));
    ck_assert(size_from_text(SIZE_OTHER, "10–20 kg", &s, &why)); /* an en dash */
    ck_assert(!size_from_text(SIZE_OTHER, "   ", &s, &why));
    ck_assert_str_eq(why, "the size has no value");
    ck_assert(!size_from_text(SIZE_OTHER, "line\nbreak", &s, &why));
    char long_text[64];
    memset(long_text, 'x', 41);
    long_text[41] = '\0';
    ck_assert(!size_from_text(SIZE_CLOTHING, long_text, &s, &why));
    /* Forty characters of two bytes each fit. */
    char wide[81] = "";
    for (int i = 0; i < 40; i++)
        strcat(wide, "\xC3\xB6");
    ck_assert(size_from_text(SIZE_CLOTHING, wide, &s, &why));
}
END_TEST

START_TEST(numeric_text_takes_a_decimal_comma)
{
    struct size s;
    const char *why;
    ck_assert(size_from_text(SIZE_SHOE_EU, "42,5", &s, &why));
    ck_assert(s.num == 42.5);
    ck_assert(size_from_text(SIZE_LENGTH_CM, " 160 ", &s, &why));
    ck_assert(s.num == 160);
    ck_assert(!size_from_text(SIZE_LENGTH_CM, "160 cm", &s, &why));
    ck_assert_str_eq(why, "the size must be a number");
    ck_assert(!size_from_text(SIZE_LENGTH_CM, "1.6.0", &s, &why));
    ck_assert(!size_from_text(SIZE_LENGTH_CM, "0x10", &s, &why));
    ck_assert(!size_from_text(SIZE_LENGTH_CM, "1e3", &s, &why));
    ck_assert(!size_from_text(SIZE_LENGTH_CM, "nan", &s, &why));
    double d;
    ck_assert(size_parse_bound("150", &d) && d == 150);
    ck_assert(size_parse_bound("37,5", &d) && d == 37.5);
    ck_assert(!size_parse_bound("", &d));
    ck_assert(!size_parse_bound(".5", &d));
    ck_assert(!size_parse_bound("5.", &d));
}
END_TEST

START_TEST(values_print_as_export_writes_them)
{
    struct size s;
    const char *why;
    char out[64];
    ck_assert(size_from_number(SIZE_LENGTH_CM, 160, &s, &why));
    size_value_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "160");
    ck_assert(size_from_text(SIZE_SHOE_EU, "42,5", &s, &why));
    size_value_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "42.5");
    ck_assert(size_from_number(SIZE_SHOE_EU, 42.33, &s, &why));
    size_value_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "42.33");
    ck_assert(size_from_text(SIZE_CLOTHING, "M", &s, &why));
    size_value_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "M");
    s = (struct size){ 0 };
    size_value_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "");
}
END_TEST

static Suite *size_suite(void)
{
    Suite *s = suite_create("size");
    TCase *tc = tcase_create("size");
    tcase_add_test(tc, kinds_have_names_both_ways);
    tcase_add_test(tc, numbers_must_be_plausible_for_their_kind);
    tcase_add_test(tc, text_kinds_take_numbers_as_text);
    tcase_add_test(tc, numeric_text_takes_a_decimal_comma);
    tcase_add_test(tc, values_print_as_export_writes_them);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(size_suite)
