/* Unit tests of core/phone: typed phone numbers to E.164, and the digits a search looks for. */
#include "check_main.h"
#include "core/phone.h"

#include <string.h>

/* Assert that text normalises to want (NULL: that it is refused). */
static void expect(const char *text, const char *want)
{
    char out[PHONE_E164_SIZE] = "untouched";
    bool ok = phone_normalize(text, out);
    if (want) {
        ck_assert_msg(ok, "\"%s\" was refused", text);
        ck_assert_msg(strcmp(out, want) == 0, "\"%s\" gave %s, not %s", text, out, want);
    } else {
        ck_assert_msg(!ok, "\"%s\" was accepted as %s", text, out);
        ck_assert_str_eq(out, "untouched");
    }
}

START_TEST(swedish_mobile_numbers_in_every_usual_form_are_one_number)
{
    const char *forms[] = {
        "070-123 45 67",     "0701234567",          "070 123 45 67",      "070-1234567",
        "070.123.45.67",     "070/123 45 67",       "(070) 123 45 67",    "+46 70 123 45 67",
        "+46701234567",      "+46 (0)70-123 45 67", "+46 070 123 45 67",  "0046701234567",
        "0046 70 123 45 67", "  070-123 45 67  ",   "0046 (0)70 1234567", "+46-70-123-45-67",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        expect(forms[i], "+46701234567");
}
END_TEST

START_TEST(swedish_landlines_and_other_mobiles)
{
    expect("08-123 456 78", "+46812345678");
    expect("08-12 34 56", "+468123456");
    expect("054-17 40 60", "+4654174060");
    expect("0980-123 45", "+4698012345");
    expect("073-9876543", "+46739876543");
    expect("076 111 22 33", "+46761112233");
}
END_TEST

START_TEST(other_countries_keep_their_code)
{
    expect("+47 912 34 567", "+4791234567");
    expect("0047 912 34 567", "+4791234567");
    expect("+358 40 1234567", "+358401234567");
    expect("+44 (0)20 7946 0958", "+442079460958");
    expect("+1 (212) 555-0199", "+12125550199");
}
END_TEST

START_TEST(what_cannot_be_a_phone_number_is_refused)
{
    const char *bad[] = {
        "",                    /* nothing */
        "   ",                 /* only spaces */
        "701234567",           /* no trunk 0 and no country code: ambiguous */
        "070-ABC 45 67",       /* letters */
        "070 123 45 67 ext 2", /* words */
        "++46701234567",       /* two plus signs */
        "46+701234567",        /* a plus in the middle */
        "0701",                /* too short */
        "070123",              /* Swedish with 5 digits after the 0 */
        "0701234567890",       /* Swedish with 12 digits after the 0 */
        "+46 00 123 45 67",    /* a Swedish number cannot start with 0 after the trunk */
        "000701234567",        /* 00 then 0: no country starts with 0 */
        "+1234",               /* too short */
        "+1234567890123456",   /* 16 digits: longer than E.164 allows */
        "0",                   /* a lone trunk digit */
        "+",                   /* a lone plus */
        "070–123 45 67",       /* an en dash (UTF-8) is not one of the separators */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect(bad[i], NULL);
    char out[PHONE_E164_SIZE];
    ck_assert(!phone_normalize(NULL, out));
}
END_TEST

START_TEST(normalised_numbers_fit_the_database_check)
{
    /* The borrowers table checks phone ~ '^\+[1-9][0-9]{6,14}$'. */
    const char *forms[] = { "070-123 45 67", "08-12 34 56", "+1 212 555 0199", "+358401234567" };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char out[PHONE_E164_SIZE];
        ck_assert(phone_normalize(forms[i], out));
        size_t n = strlen(out);
        ck_assert(out[0] == '+' && out[1] >= '1' && out[1] <= '9');
        ck_assert(n >= 8 && n <= 16);
        ck_assert_uint_eq(strspn(out + 1, "0123456789"), n - 1);
    }
}
END_TEST

START_TEST(search_digits_drop_the_trunk_zero)
{
    char out[PHONE_E164_SIZE];
    ck_assert(phone_search_digits("070-12", out));
    ck_assert_str_eq(out, "7012");
    ck_assert(phone_search_digits("45 67", out));
    ck_assert_str_eq(out, "4567");
    ck_assert(phone_search_digits("+46 70", out));
    ck_assert_str_eq(out, "4670");
    ck_assert(phone_search_digits("0046 70", out));
    ck_assert_str_eq(out, "4670");
    ck_assert(!phone_search_digits("12", out));      /* too short to search */
    ck_assert(!phone_search_digits("Anna 12", out)); /* a name, not a number */
    ck_assert(!phone_search_digits("070", out));     /* two digits once the 0 is gone */
}
END_TEST

static Suite *phone_suite(void)
{
    Suite *s = suite_create("phone");
    TCase *tc = tcase_create("phone");
    tcase_add_test(tc, swedish_mobile_numbers_in_every_usual_form_are_one_number);
    tcase_add_test(tc, swedish_landlines_and_other_mobiles);
    tcase_add_test(tc, other_countries_keep_their_code);
    tcase_add_test(tc, what_cannot_be_a_phone_number_is_refused);
    tcase_add_test(tc, normalised_numbers_fit_the_database_check);
    tcase_add_test(tc, search_digits_drop_the_trunk_zero);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(phone_suite)
