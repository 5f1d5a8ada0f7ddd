/* Unit tests of api/input: validating JSON bodies field by field. */
#include "api/input.h"
#include "check_main.h"
#include "core/text.h"

#include <string.h>

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    ck_assert_msg(j != NULL, "bad test JSON: %s", err.text);
    return j;
}

/* The code recorded for a field, or NULL. */
static const char *error_code(struct input *in, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(in->errors, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
            return json_string_value(json_object_get(e, "code"));
    }
    return NULL;
}

START_TEST(valid_fields_pass)
{
    json_t *body = parse("{\"name\":\"Anna\",\"count\":3,\"on\":true,\"size\":\"M\","
                         "\"date\":\"2024-02-29\",\"len\":160.5}");
    struct input in;
    input_begin(&in, body, (const char *[]){ "name", "count", "on", "size", "date", "len", NULL });
    ck_assert_str_eq(input_string(&in, "name", true, 10), "Anna");
    long long n = 0;
    ck_assert(input_int(&in, "count", true, 1, 5, &n));
    ck_assert_int_eq(n, 3);
    bool on = false;
    ck_assert(input_bool(&in, "on", true, &on));
    ck_assert(on);
    ck_assert_str_eq(input_enum(&in, "size", true, (const char *[]){ "S", "M", "L", NULL }), "M");
    ck_assert_str_eq(input_date(&in, "date", true), "2024-02-29");
    double d = 0;
    ck_assert(input_number(&in, "len", true, 0, 500, &d));
    ck_assert(d > 160.4 && d < 160.6);
    ck_assert(!input_failed(&in));
    input_end(&in);
    json_decref(body);
}
END_TEST

START_TEST(every_mistake_is_reported_once_per_field)
{
    json_t *body = parse("{\"extra\":1,\"name\":\"   \",\"count\":9,\"size\":\"XL\","
                         "\"date\":\"2023-02-29\",\"on\":\"yes\"}");
    struct input in;
    input_begin(&in, body, (const char *[]){ "name", "count", "size", "date", "on", "need", NULL });
    ck_assert_ptr_null(input_string(&in, "name", true, 10));
    long long n = 42;
    ck_assert(!input_int(&in, "count", true, 1, 5, &n));
    ck_assert_int_eq(n, 42);
    ck_assert_ptr_null(input_enum(&in, "size", true, (const char *[]){ "S", "M", NULL }));
    ck_assert_ptr_null(input_date(&in, "date", false));
    bool on;
    ck_assert(!input_bool(&in, "on", false, &on));
    ck_assert_ptr_null(input_string(&in, "need", true, 10));
    ck_assert(input_failed(&in));
    ck_assert_str_eq(error_code(&in, "extra"), "unknown_field");
    ck_assert_str_eq(error_code(&in, "name"), "required");
    ck_assert_str_eq(error_code(&in, "count"), "invalid");
    ck_assert_str_eq(error_code(&in, "size"), "invalid");
    ck_assert_str_eq(error_code(&in, "date"), "invalid");
    ck_assert_str_eq(error_code(&in, "on"), "invalid");
    ck_assert_str_eq(error_code(&in, "need"), "required");
    ck_assert_uint_eq(json_array_size(in.errors), 7);

    struct reply rep;
    reply_init(&rep);
    input_reply(&in, &rep);
    ck_assert_int_eq(rep.status, 422);
    ck_assert_str_eq(rep.content_type, "application/problem+json");
    json_t *problem = json_loadb(rep.body, rep.body_len, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(problem, "code")), "validation_failed");
    ck_assert_uint_eq(json_array_size(json_object_get(problem, "errors")), 7);
    json_decref(problem);
    reply_free(&rep);
    json_decref(body);
}
END_TEST

START_TEST(lengths_count_characters_not_bytes)
{
    json_t *body = parse("{\"name\":\"Åsa Öström\",\"long\":\"ååååå\"}");
    struct input in;
    input_begin(&in, body, (const char *[]){ "name", "long", NULL });
    ck_assert_uint_eq(text_chars("Åsa Öström"), 10);
    ck_assert_str_eq(input_string(&in, "name", true, 10), "Åsa Öström");
    ck_assert_ptr_null(input_string(&in, "long", true, 4));
    ck_assert_str_eq(error_code(&in, "long"), "too_long");
    input_end(&in);
    json_decref(body);
}
END_TEST

START_TEST(null_is_absent_and_has_tells_them_apart)
{
    json_t *body = parse("{\"email\":null}");
    struct input in;
    input_begin(&in, body, (const char *[]){ "email", "phone", NULL });
    ck_assert(input_has(&in, "email"));
    ck_assert(!input_has(&in, "phone"));
    ck_assert_ptr_null(input_string(&in, "email", false, 100));
    ck_assert(!input_failed(&in));
    input_end(&in);
    json_decref(body);
}
END_TEST

START_TEST(iso_dates_must_exist)
{
    ck_assert(text_is_iso_date("2026-12-24"));
    ck_assert(text_is_iso_date("2000-02-29"));
    ck_assert(!text_is_iso_date("1900-02-29"));
    ck_assert(!text_is_iso_date("2026-13-01"));
    ck_assert(!text_is_iso_date("2026-04-31"));
    ck_assert(!text_is_iso_date("2026-4-30"));
    ck_assert(!text_is_iso_date("20261224"));
    ck_assert(!text_is_iso_date("2026-12-24T00"));
}
END_TEST

static Suite *input_suite(void)
{
    Suite *s = suite_create("input");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, valid_fields_pass);
    tcase_add_test(tc, every_mistake_is_reported_once_per_field);
    tcase_add_test(tc, lengths_count_characters_not_bytes);
    tcase_add_test(tc, null_is_absent_and_has_tells_them_apart);
    tcase_add_test(tc, iso_dates_must_exist);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(input_suite)
