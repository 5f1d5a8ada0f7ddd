/* Unit tests of core/label: label formats, the SVG of labels and cards, sizes in words. */
#include "check_main.h"
#include "core/label.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct label_item skis = {
    .code = "DEJ-00042",
    .url = "https://hylla.example.org/i/DEJ-00042",
    .name = "Längdskidor",
    .size = "160 cm",
    .branch = "Fritidsbanken Deje",
};

START_TEST(formats_have_names_and_their_sizes_in_mm)
{
    static const char *const sizes[] = { "width=\"70mm\" height=\"37mm\" viewBox=\"0 0 70 37\"",
                                         "width=\"70mm\" height=\"42.3mm\" viewBox=\"0 0 70 42.3\"",
                                         "width=\"62mm\" height=\"40mm\" viewBox=\"0 0 62 40\"",
                                         "width=\"90mm\" height=\"29mm\" viewBox=\"0 0 90 29\"" };
    for (size_t i = 0; label_format_names[i]; i++) {
        enum label_format f;
        ck_assert(label_format_from_name(label_format_names[i], &f));
        ck_assert_int_eq(f, (int)i);
        size_t len = 0;
        char *svg = label_item_svg(f, &skis, &len);
        ck_assert_ptr_nonnull(svg);
        ck_assert_uint_eq(len, strlen(svg));
        ck_assert_msg(strstr(svg, sizes[i]), "%s: %.200s", label_format_names[i], svg);
        ck_assert(strstr(svg, ">DEJ-00042</text>"));
        ck_assert(strstr(svg, ">Längdskidor</text>"));
        ck_assert(strstr(svg, ">160 cm</text>"));
        ck_assert(strstr(svg, ">Fritidsbanken Deje</text>"));
        free(svg);
    }
    enum label_format f = LABEL_A4_3X8;
    ck_assert(!label_format_from_name("a5", &f));
    ck_assert(!label_format_from_name(NULL, &f));
    ck_assert(!label_format_from_name("A4-3X8", &f));
}
END_TEST

START_TEST(what_a_scanner_cannot_type_back_is_no_barcode)
{
    size_t len = 0;
    struct label_item odd = skis;
    odd.code = "DEJ-ÅÄÖ";
    ck_assert_ptr_null(label_item_svg(LABEL_A4_3X8, &odd, &len));
    odd.code = "";
    ck_assert_ptr_null(label_item_svg(LABEL_A4_3X8, &odd, &len));
    odd = skis;
    odd.url = "https://hyllä.example.org/i/DEJ-00042";
    ck_assert_ptr_null(label_item_svg(LABEL_A4_3X8, &odd, &len));
    ck_assert_ptr_null(label_card_svg(LABEL_ROLL_62, "K\n1", "Deje", &len));
}
END_TEST

START_TEST(text_is_escaped_and_a_long_name_cut_on_a_character)
{
    char name[400] = "";
    for (int i = 0; i < 60; i++)
        strcat(name, "åä<");
    struct label_item it = skis;
    it.name = name;
    it.branch = "Bröd & \"Skidor\" \x01";
    size_t len = 0;
    char *svg = label_item_svg(LABEL_ROLL_29X90, &it, &len);
    ck_assert_ptr_nonnull(svg);
    ck_assert(strstr(svg, ">Bröd &amp; &quot;Skidor&quot;  </text>"));
    const char *start = strstr(svg, ">åä&lt;");
    ck_assert_ptr_nonnull(start);
    const char *end = strstr(start, "</text>");
    ck_assert(end - start < 300);
    ck_assert(strncmp(end - 3, "\xe2\x80\xa6", 3) == 0); /* … */
    ck_assert(!strchr(svg, '\x01'));
    /* No character is cut in half: every byte before the ellipsis belongs to a whole one. */
    const unsigned char *before = (const unsigned char *)end - 4;
    ck_assert(*before == '<' || *before == ';' || (*before & 0xc0) == 0x80);
    free(svg);
}
END_TEST

START_TEST(a_card_has_its_code_the_word_and_the_branch)
{
    size_t len = 0;
    char *svg = label_card_svg(LABEL_A4_3X8, "K12345678", "Fritidsbanken Deje", &len);
    ck_assert_ptr_nonnull(svg);
    ck_assert(strstr(svg, ">K12345678</text>"));
    ck_assert(strstr(svg, ">Lånekort</text>"));
    ck_assert(strstr(svg, ">Fritidsbanken Deje</text>"));
    ck_assert_int_eq((int)(strstr(svg, "<path") != NULL), 1);
    free(svg);
    char code[LABEL_CARD_CODE_SIZE], other[LABEL_CARD_CODE_SIZE];
    label_new_card_code(code);
    label_new_card_code(other);
    ck_assert_uint_eq(strlen(code), 9);
    ck_assert_int_eq(code[0], 'K');
    ck_assert_uint_eq(strspn(code + 1, "0123456789"), 8);
    ck_assert_str_ne(code, other); /* one in 10^8 */
}
END_TEST

START_TEST(sizes_are_said_the_swedish_way)
{
    struct size s = { .kind = SIZE_LENGTH_CM, .num = 172.5 };
    char out[64];
    label_size_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "172,5 cm");
    s = (struct size){ .kind = SIZE_SHOE_EU, .num = 38 };
    label_size_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "stl 38");
    s = (struct size){ .kind = SIZE_CLOTHING, .text = "S/M" };
    label_size_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "stl S/M");
    s = (struct size){ .kind = SIZE_HEAD_CM, .num = 56 };
    label_size_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "huvud 56 cm");
    s = (struct size){ .kind = SIZE_WHEEL_IN, .num = 26 };
    label_size_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "hjul 26 tum");
    s = (struct size){ .kind = SIZE_OTHER, .text = "2 personer" };
    label_size_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "2 personer");
    s = (struct size){ 0 };
    label_size_text(&s, out, sizeof out);
    ck_assert_str_eq(out, "");
}
END_TEST

static Suite *label_suite(void)
{
    Suite *s = suite_create("label");
    TCase *tc = tcase_create("label");
    tcase_add_test(tc, formats_have_names_and_their_sizes_in_mm);
    tcase_add_test(tc, what_a_scanner_cannot_type_back_is_no_barcode);
    tcase_add_test(tc, text_is_escaped_and_a_long_name_cut_on_a_character);
    tcase_add_test(tc, a_card_has_its_code_the_word_and_the_branch);
    tcase_add_test(tc, sizes_are_said_the_swedish_way);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(label_suite)
