/* Unit tests of core/settings: the parsers behind `hylla serve`'s flags. */
#include "check_main.h"
#include "core/settings.h"

#include <netinet/in.h>

START_TEST(uint_accepts_only_numbers_in_range)
{
    unsigned long v = 99;
    ck_assert(settings_parse_uint("8", 1, 256, &v));
    ck_assert_uint_eq(v, 8);
    ck_assert(!settings_parse_uint("0", 1, 256, &v));
    ck_assert(!settings_parse_uint("257", 1, 256, &v));
    ck_assert(!settings_parse_uint("-1", 0, 256, &v));
    ck_assert(!settings_parse_uint("8x", 1, 256, &v));
    ck_assert(!settings_parse_uint("", 1, 256, &v));
    ck_assert(!settings_parse_uint(NULL, 1, 256, &v));
    ck_assert_uint_eq(v, 8);
}
END_TEST

START_TEST(size_understands_units)
{
    size_t v;
    ck_assert(settings_parse_size("1048576", 1UL << 30, &v));
    ck_assert_uint_eq(v, 1048576);
    ck_assert(settings_parse_size("512K", 1UL << 30, &v));
    ck_assert_uint_eq(v, 512 * 1024);
    ck_assert(settings_parse_size("5MiB", 1UL << 30, &v));
    ck_assert_uint_eq(v, 5 * 1024 * 1024);
    ck_assert(settings_parse_size("1G", 1UL << 30, &v));
    ck_assert(!settings_parse_size("2G", 1UL << 30, &v));
    ck_assert(!settings_parse_size("1X", 1UL << 30, &v));
    ck_assert(!settings_parse_size("M", 1UL << 30, &v));
}
END_TEST

START_TEST(duration_understands_units)
{
    unsigned v;
    ck_assert(settings_parse_duration("90", &v));
    ck_assert_uint_eq(v, 90);
    ck_assert(settings_parse_duration("15m", &v));
    ck_assert_uint_eq(v, 900);
    ck_assert(settings_parse_duration("12h", &v));
    ck_assert_uint_eq(v, 43200);
    ck_assert(settings_parse_duration("7d", &v));
    ck_assert_uint_eq(v, 604800);
    ck_assert(!settings_parse_duration("0", &v));
    ck_assert(!settings_parse_duration("5w", &v));
    ck_assert(!settings_parse_duration("5hh", &v));
}
END_TEST

START_TEST(listen_parses_ipv4_ipv6_and_port_zero)
{
    struct sockaddr_storage addr;
    socklen_t len;
    const char *why;
    ck_assert(settings_parse_listen("127.0.0.1:8080", &addr, &len, &why));
    ck_assert_int_eq(addr.ss_family, AF_INET);
    ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&addr)->sin_port), 8080);
    ck_assert(settings_parse_listen("127.0.0.1:0", &addr, &len, &why));
    ck_assert(settings_parse_listen("[::1]:9000", &addr, &len, &why));
    ck_assert_int_eq(addr.ss_family, AF_INET6);
    ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&addr)->sin6_port), 9000);
}
END_TEST

START_TEST(listen_refuses_nonsense_with_a_reason)
{
    struct sockaddr_storage addr;
    socklen_t len;
    const char *why = NULL;
    ck_assert(!settings_parse_listen("8080", &addr, &len, &why));
    ck_assert_ptr_nonnull(why);
    ck_assert(!settings_parse_listen("127.0.0.1:70000", &addr, &len, &why));
    ck_assert_str_eq(why, "the port must be a number from 0 to 65535");
    ck_assert(!settings_parse_listen("127.0.0.1:", &addr, &len, &why));
    ck_assert(!settings_parse_listen("[::1]9000", &addr, &len, &why));
    ck_assert(!settings_parse_listen("::1:9000", &addr, &len, &why));
    ck_assert(!settings_parse_listen("", &addr, &len, &why));
}
END_TEST

static Suite *settings_suite(void)
{
    Suite *s = suite_create("settings");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, uint_accepts_only_numbers_in_range);
    tcase_add_test(tc, size_understands_units);
    tcase_add_test(tc, duration_understands_units);
    tcase_add_test(tc, listen_parses_ipv4_ipv6_and_port_zero);
    tcase_add_test(tc, listen_refuses_nonsense_with_a_reason);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(settings_suite)
