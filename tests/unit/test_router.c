/*
 * Unit tests of http/router: matching, 404/405, and the checks that run before any handler
 * (authentication, body type, JSON parsing, validation). None of these reach the database.
 */
#include "api/routes.h"
#include "check_main.h"
#include "core/settings.h"

#include <string.h>

static struct settings test_settings = { .body_limit = 1024 * 1024,
                                         .session_idle_s = 3600,
                                         .session_max_s = 7200 };

/* Dispatch a request and return the parsed body (or NULL); the status goes to *status. */
static json_t *dispatch(const char *method, const char *path, const char *content_type,
                        const char *body, int *status, struct reply *rep)
{
    static struct kv headers[1];
    struct req req = {
        .method = method, .path = path, .body = body, .body_len = body ? strlen(body) : 0
    };
    if (content_type) {
        headers[0] = (struct kv){ "Content-Type", content_type };
        req.headers = headers;
        req.nheaders = 1;
    }
    settings = &test_settings;
    reply_init(rep);
    router_dispatch(&routes_api, &req, rep);
    router_release(&req);
    *status = rep->status;
    return rep->body ? json_loadb(rep->body, rep->body_len, 0, NULL) : NULL;
}

static const char *code_of(json_t *problem)
{
    return json_string_value(json_object_get(problem, "code"));
}

START_TEST(unknown_api_path_is_a_404_problem)
{
    struct reply rep;
    int status;
    json_t *p = dispatch("GET", "/api/nothing-here", NULL, NULL, &status, &rep);
    ck_assert_int_eq(status, 404);
    ck_assert_str_eq(rep.content_type, "application/problem+json");
    ck_assert_str_eq(code_of(p), "not_found");
    ck_assert_int_eq(json_integer_value(json_object_get(p, "status")), 404);
    ck_assert_str_eq(reply_get_header(&rep, "Cache-Control"), "no-store");
    json_decref(p);
    reply_free(&rep);
}
END_TEST

START_TEST(wrong_method_is_a_405_with_allow)
{
    struct reply rep;
    int status;
    json_t *p = dispatch("PUT", "/api/session", "application/json", "{}", &status, &rep);
    ck_assert_int_eq(status, 405);
    ck_assert_str_eq(reply_get_header(&rep, "Allow"), "POST, GET, DELETE");
    json_decref(p);
    reply_free(&rep);
    p = dispatch("POST", "/index.html", NULL, NULL, &status, &rep);
    ck_assert_int_eq(status, 405);
    json_decref(p);
    reply_free(&rep);
}
END_TEST

START_TEST(protected_routes_need_a_session)
{
    struct reply rep;
    int status;
    json_t *p = dispatch("GET", "/api/session", NULL, NULL, &status, &rep);
    ck_assert_int_eq(status, 401);
    ck_assert_str_eq(code_of(p), "unauthenticated");
    json_decref(p);
    reply_free(&rep);
    p = dispatch("DELETE", "/api/session", NULL, NULL, &status, &rep);
    ck_assert_int_eq(status, 401);
    json_decref(p);
    reply_free(&rep);
}
END_TEST

START_TEST(json_routes_check_type_syntax_and_fields)
{
    struct reply rep;
    int status;
    json_t *p = dispatch("POST", "/api/session", "text/plain", "{}", &status, &rep);
    ck_assert_int_eq(status, 415);
    ck_assert_str_eq(code_of(p), "unsupported_media_type");
    json_decref(p);
    reply_free(&rep);

    p = dispatch("POST", "/api/session", "application/json", "{\"username\":", &status, &rep);
    ck_assert_int_eq(status, 400);
    ck_assert_str_eq(code_of(p), "invalid_json");
    json_decref(p);
    reply_free(&rep);

    p = dispatch("POST", "/api/session", "application/json; charset=utf-8", "[1,2]", &status, &rep);
    ck_assert_int_eq(status, 400);
    json_decref(p);
    reply_free(&rep);

    p = dispatch("POST", "/api/session", "application/json",
                 "{\"username\":\"a\",\"username\":\"b\",\"password\":\"x\"}", &status, &rep);
    ck_assert_int_eq(status, 400); /* duplicate keys are refused */
    json_decref(p);
    reply_free(&rep);

    p = dispatch("POST", "/api/session", "application/json", "{\"user\":\"anna\"}", &status, &rep);
    ck_assert_int_eq(status, 422);
    ck_assert_str_eq(code_of(p), "validation_failed");
    ck_assert_uint_eq(json_array_size(json_object_get(p, "errors")), 3);
    json_decref(p);
    reply_free(&rep);
}
END_TEST

START_TEST(route_table_is_well_formed)
{
    for (size_t i = 0; i < routes_api.nroutes; i++) {
        const struct route *r = &routes_api.routes[i];
        ck_assert_msg(r->pattern[0] == '/', "%s does not start with /", r->pattern);
        ck_assert(r->handler != NULL);
        ck_assert(strcmp(r->method, "GET") == 0 || strcmp(r->method, "POST") == 0 ||
                  strcmp(r->method, "PATCH") == 0 || strcmp(r->method, "PUT") == 0 ||
                  strcmp(r->method, "DELETE") == 0);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(r->method, routes_api.routes[j].method) != 0 ||
                              strcmp(r->pattern, routes_api.routes[j].pattern) != 0,
                          "%s %s is declared twice", r->method, r->pattern);
        /* Only GET routes may be unauthenticated, except logging in itself. */
        if (r->access == ACCESS_PUBLIC && strcmp(r->method, "GET") != 0)
            ck_assert_str_eq(r->pattern, "/api/session");
    }
}
END_TEST

START_TEST(body_limit_is_per_route)
{
    settings = &test_settings;
    ck_assert_uint_eq(router_plan(&routes_api, "POST", "/api/session").body_limit, 1024 * 1024);
    ck_assert_uint_eq(router_plan(&routes_api, "POST", "/api/unknown").body_limit, 1024 * 1024);
}
END_TEST

/* The routes that hash a password wait at the password gate: gated (http/lanes.h), and only they. */
START_TEST(password_routes_are_gated)
{
    settings = &test_settings;
    static const char *const hashing[][2] = {
        { "POST", "/api/session" },
        { "POST", "/api/account/password" },
        { "POST", "/api/staff" },
        { "PATCH", "/api/staff/{id}" },
    };
    size_t gated = 0;
    for (size_t i = 0; i < routes_api.nroutes; i++) {
        const struct route *r = &routes_api.routes[i];
        bool hashes = false;
        for (size_t j = 0; j < sizeof hashing / sizeof hashing[0]; j++)
            hashes |=
                strcmp(r->method, hashing[j][0]) == 0 && strcmp(r->pattern, hashing[j][1]) == 0;
        ck_assert_msg(r->gated == hashes, "%s %s", r->method, r->pattern);
        gated += r->gated;
    }
    ck_assert_uint_eq(gated, 4);
    ck_assert(router_plan(&routes_api, "POST", "/api/session").gated);
    ck_assert(!router_plan(&routes_api, "GET", "/api/session").gated);
    ck_assert(router_plan(&routes_api, "PATCH", "/api/staff/7").gated);
}
END_TEST

static Suite *router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("dispatch");
    tcase_add_test(tc, unknown_api_path_is_a_404_problem);
    tcase_add_test(tc, wrong_method_is_a_405_with_allow);
    tcase_add_test(tc, protected_routes_need_a_session);
    tcase_add_test(tc, json_routes_check_type_syntax_and_fields);
    tcase_add_test(tc, route_table_is_well_formed);
    tcase_add_test(tc, body_limit_is_per_route);
    tcase_add_test(tc, password_routes_are_gated);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(router_suite)
