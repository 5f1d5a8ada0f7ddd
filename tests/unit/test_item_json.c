/*
 * Unit tests of the item's JSON written straight as text (api_item_json_members, api_json_string):
 * byte for byte what jansson writes of the same item built with json_pack, as every answer wrote
 * it before, whatever the strings hold and whatever the size.
 */
#include "api/api.h"
#include "check_main.h"

#include <stdlib.h>
#include <string.h>

/* A string literal as the char * of struct item (a compound literal lives as long as its block). */
#define TEXT(s) ((char[]){ s })

/* The item's JSON as jansson made it before the text writer: the reference. */
static char *reference(const struct item *it)
{
    char *photo =
        it->photo_etag[0] ? xasprintf("/api/items/%s/photo?v=%s", it->code, it->photo_etag) : NULL;
    json_t *j = json_pack(
        "{s:s, s:s, s:{s:i, s:s, s:s}, s:s, s:o, s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:s, "
        "s:s, s:o}",
        "code", it->code, "branch", it->branch_slug, "category", "id", it->category_id, "name_sv",
        it->category_sv, "name_en", it->category_en, "name", it->name, "brand",
        api_text_or_null(it->brand), "size", api_size_json(&it->size), "condition", it->condition,
        "status", it->status, "retired_reason", api_text_or_null(it->retired_reason), "donated_on",
        it->donated_on, "notes", api_text_or_null(it->notes), "photo_url", api_text_or_null(photo),
        "due_date", api_text_or_null(it->due_date), "created_at", it->created_at, "updated_at",
        it->updated_at, "label_printed_at", api_text_or_null(it->label_printed_at));
    free(photo);
    ck_assert_ptr_nonnull(j);
    char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(j);
    return text;
}

static char *written(const struct item *it)
{
    struct buf b = BUF_INIT;
    buf_putc(&b, '{');
    api_item_json_members(&b, it);
    buf_putc(&b, '}');
    return buf_steal(&b, NULL);
}

static void assert_alike(const struct item *it)
{
    char *want = reference(it), *got = written(it);
    ck_assert_str_eq(got, want);
    /* api_item_json, for answers that embed the item, is the same. */
    json_t *j = api_item_json(it);
    ck_assert_ptr_nonnull(j);
    char *again = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
    ck_assert_str_eq(again, want);
    json_decref(j);
    free(again);
    free(want);
    free(got);
}

static struct item sample(void)
{
    struct item it = { .id = 7, .category_id = 111 };
    strcpy(it.code, "DEJ-00042");
    strcpy(it.branch_slug, "deje");
    static char sv[] = "Längdskidor", en[] = "Cross-country skis", name[] = "Skidor";
    it.category_sv = sv;
    it.category_en = en;
    it.name = name;
    strcpy(it.condition, "good");
    strcpy(it.status, "available");
    strcpy(it.donated_on, "2026-11-30");
    strcpy(it.created_at, "2026-11-30T10:00:00Z");
    strcpy(it.updated_at, "2026-12-01T07:20:00Z");
    return it;
}

START_TEST(every_byte_is_escaped_as_jansson_escapes_it)
{
    /* Each byte from 1 to 127, and UTF-8 of two, three and four bytes. */
    char text[128 + 32];
    size_t n = 0;
    for (int c = 1; c < 128; c++)
        text[n++] = (char)c;
    strcpy(text + n, "åäö ✓ \xF0\x9F\x8E\xBF \xE2\x80\xA8 </script>");
    struct item it = sample();
    it.name = text;
    it.brand = text;
    it.notes = TEXT("\"quoted\" \\ back\nslash");
    it.retired_reason = TEXT("\x1f\x7f");
    it.category_sv = text;
    assert_alike(&it);

    struct buf b = BUF_INIT;
    api_json_string(&b, "a\"b\\c\n\x01\x1F/");
    ck_assert_str_eq(b.data, "\"a\\\"b\\\\c\\n\\u0001\\u001F/\"");
    buf_free(&b);
}
END_TEST

START_TEST(empty_and_missing_fields_are_null)
{
    struct item it = sample();
    it.brand = TEXT("");
    it.notes = NULL;
    assert_alike(&it);
    char *got = written(&it);
    ck_assert_ptr_nonnull(strstr(got, "\"brand\":null,\"size\":null,"));
    ck_assert_ptr_nonnull(strstr(got, "\"photo_url\":null,\"due_date\":null,"));
    free(got);
    strcpy(it.photo_etag, "0123456789abcdef0123456789abcdef");
    strcpy(it.due_date, "2026-12-15");
    strcpy(it.label_printed_at, "2026-12-01T08:00:00Z");
    strcpy(it.status, "on_loan");
    it.retired_reason = TEXT("sönder");
    assert_alike(&it);
}
END_TEST

START_TEST(sizes_of_every_kind)
{
    struct item it = sample();
    const double numbers[] = { 180, 42.5, 10.25, 0.5, 1e15, 123456789.12, -3, 0 };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        it.size = (struct size){ .kind = SIZE_SHOE_EU, .num = numbers[i] };
        assert_alike(&it);
        it.size.kind = SIZE_LENGTH_CM;
        assert_alike(&it);
    }
    it.size = (struct size){ .kind = SIZE_CLOTHING };
    strcpy(it.size.text, "XL \"lång\"");
    assert_alike(&it);
    it.size.kind = SIZE_OTHER;
    assert_alike(&it);
    it.category_id = 2147483647;
    assert_alike(&it);
}
END_TEST

static Suite *item_json_suite(void)
{
    Suite *s = suite_create("item_json");
    TCase *tc = tcase_create("item_json");
    tcase_add_test(tc, every_byte_is_escaped_as_jansson_escapes_it);
    tcase_add_test(tc, empty_and_missing_fields_are_null);
    tcase_add_test(tc, sizes_of_every_kind);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(item_json_suite)
