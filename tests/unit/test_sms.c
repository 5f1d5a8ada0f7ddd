/* Unit tests of core/sms: SMS parts in GSM-7 and UCS-2. */
#include "check_main.h"
#include "core/sms.h"

#include <stdlib.h>
#include <string.h>

/* n copies of the UTF-8 character c. */
static void repeat(char *out, const char *c, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strcat(out, c);
}

START_TEST(gsm7_parts)
{
    static char text[2000];
    struct sms_count c;
    repeat(text, "a", 160);
    ck_assert(sms_count(text, &c));
    ck_assert_uint_eq(c.segments, 1);
    ck_assert(!c.ucs2);
    repeat(text, "a", 161);
    ck_assert_uint_eq(sms_segments(text), 2);
    repeat(text, "a", 306);
    ck_assert_uint_eq(sms_segments(text), 2); /* 153 a part */
    repeat(text, "a", 307);
    ck_assert_uint_eq(sms_segments(text), 3);
    /* Swedish letters are in the GSM alphabet; the euro sign and braces count twice. */
    repeat(text, "å", 160);
    ck_assert(sms_count(text, &c));
    ck_assert(!c.ucs2);
    ck_assert_uint_eq(c.segments, 1);
    repeat(text, "€", 80);
    ck_assert(sms_count(text, &c));
    ck_assert_uint_eq(c.units, 160);
    ck_assert_uint_eq(c.segments, 1);
    repeat(text, "{", 81);
    ck_assert_uint_eq(sms_segments(text), 2);
    ck_assert(sms_count("Hej från Fritidsbanken Deje! Lämna tillbaka Längdskidor.", &c));
    ck_assert(!c.ucs2);
}
END_TEST

START_TEST(ucs2_parts)
{
    static char text[2000];
    struct sms_count c;
    /* One character outside the GSM alphabet (an en dash) makes the whole text UCS-2. */
    repeat(text, "a", 69);
    strcat(text, "–");
    ck_assert(sms_count(text, &c));
    ck_assert(c.ucs2);
    ck_assert_uint_eq(c.units, 70);
    ck_assert_uint_eq(c.segments, 1);
    strcat(text, "a");
    ck_assert_uint_eq(sms_segments(text), 2);
    repeat(text, "ł", 134);
    ck_assert_uint_eq(sms_segments(text), 2); /* 67 a part */
    repeat(text, "ł", 135);
    ck_assert_uint_eq(sms_segments(text), 3);
    /* An emoji is two UTF-16 units. */
    repeat(text, "😀", 35);
    ck_assert(sms_count(text, &c));
    ck_assert_uint_eq(c.units, 70);
    ck_assert_uint_eq(c.segments, 1);
    ck_assert(sms_count("`", &c) && c.ucs2); /* the backtick is not GSM */
}
END_TEST

START_TEST(invalid_utf8)
{
    struct sms_count c;
    ck_assert(!sms_count("\xC3", &c));
    ck_assert(!sms_count("\xC0\xAF", &c));     /* overlong */
    ck_assert(!sms_count("\xED\xA0\x80", &c)); /* a surrogate */
    ck_assert_uint_eq(sms_segments("\xFF"), 0);
    ck_assert(sms_count("", &c));
    ck_assert_uint_eq(c.segments, 1);
}
END_TEST

START_TEST(plain_marks)
{
    char *p = sms_plain("Öppet 15–18 – “välkommen” … it’s\u00A0här");
    ck_assert_str_eq(p, "Öppet 15-18 - \"välkommen\" ... it's här");
    struct sms_count c;
    ck_assert(sms_count(p, &c) && !c.ucs2);
    free(p);
    p = sms_plain("");
    ck_assert_str_eq(p, "");
    free(p);
}
END_TEST

static Suite *sms_suite(void)
{
    Suite *s = suite_create("sms");
    TCase *tc = tcase_create("sms");
    tcase_add_test(tc, gsm7_parts);
    tcase_add_test(tc, ucs2_parts);
    tcase_add_test(tc, invalid_utf8);
    tcase_add_test(tc, plain_marks);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(sms_suite)
