/* Unit tests of core/settings: the parsers behind `hylla serve`'s flags. */
#include "check_main.h"
#include "core/settings.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

START_TEST(window_and_clock)
{
    char a[6], b[6];
    ck_assert(settings_parse_window("08:00-20:00", a, b));
    ck_assert_str_eq(a, "08:00");
    ck_assert_str_eq(b, "20:00");
    ck_assert(settings_parse_window("00:00-24:00", a, b));
    ck_assert_str_eq(b, "24:00");
    ck_assert(!settings_parse_window("20:00-08:00", a, b)); /* no window over midnight */
    ck_assert(!settings_parse_window("08:00-08:00", a, b));
    ck_assert(!settings_parse_window("8:00-20:00", a, b));
    ck_assert(!settings_parse_window("08:00-24:30", a, b));
    ck_assert(!settings_parse_window("08:00", a, b));
    ck_assert(!settings_parse_window(NULL, a, b));
    int m;
    ck_assert(settings_parse_clock("10:30", &m));
    ck_assert_int_eq(m, 630);
    ck_assert(!settings_parse_clock("10:60", &m));
    ck_assert(settings_sender_ok("Fritidsbkn"));
    ck_assert(settings_sender_ok("Deje 2"));
    ck_assert(!settings_sender_ok("Fritidsbanken")); /* 13 characters */
    ck_assert(!settings_sender_ok(" Deje"));
    ck_assert(!settings_sender_ok("Dejé"));
    ck_assert(!settings_sender_ok(""));
}
END_TEST

/* A file holding text, for a secret; the caller removes it. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(messaging_reads_secrets_and_refuses_unsafe_urls)
{
    char token[] = "/tmp/hylla-unit-token-XXXXXX";
    int fd = mkstemp(token);
    ck_assert_int_ge(fd, 0);
    close(fd);
    write_file(token, "s3cret-token\n");

    struct settings s = { 0 };
    char *why = NULL;
    setenv("HYLLA_SMS_TOKEN_FILE", token, 1);
    setenv("HYLLA_SMTP_PASSWORD", "pw-from-the-environment", 1);
    struct settings_messaging_args a = { .sms_url = "https://sms.example.org/a1/sms",
                                         .smtp_url = "smtp://hylla@mail.example.org:587",
                                         .smtp_from = "hylla@example.org" };
    ck_assert(settings_messaging(&s, &a, &why));
    ck_assert_str_eq(s.sms_token, "s3cret-token");
    ck_assert_str_eq(s.smtp_password, "pw-from-the-environment");
    free((char *)s.smtp_password);
    unsetenv("HYLLA_SMTP_PASSWORD");
    ck_assert_str_eq(s.sms_sender, "hylla");
    ck_assert_str_eq(s.window_start, "08:00");
    ck_assert_str_eq(s.window_end, "20:00");
    free((char *)s.sms_token);

    /* Plain HTTP only to this machine; no credentials in addresses; a From for e-mail. */
    const struct settings_messaging_args bad[] = {
        { .sms_url = "http://sms.example.org/send" },
        { .sms_url = "https://user:pw@sms.example.org/send" },
        { .sms_url = "ftp://sms.example.org/" },
        { .smtp_url = "smtp://hylla:pw@mail.example.org", .smtp_from = "a@example.org" },
        { .smtp_url = "http://mail.example.org", .smtp_from = "a@example.org" },
        { .smtp_url = "smtp://mail.example.org" },
        { .smtp_url = "smtp://mail.example.org", .smtp_from = "Hylla <a@example.org>" },
        { .window = "20:00-08:00" },
        { .sms_sender = "Fritidsbanken Deje" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct settings t = { 0 };
        why = NULL;
        ck_assert_msg(!settings_messaging(&t, &bad[i], &why), "case %zu was accepted", i);
        ck_assert_ptr_nonnull(why);
        ck_assert_ptr_null(strstr(why, "pw@")); /* a password in an address is not repeated */
        free(why);
    }
    /* A token file that cannot be read stops everything; none at all is fine. */
    struct settings t = { 0 };
    struct settings_messaging_args local = { .sms_url = "http://127.0.0.1:9/send" };
    setenv("HYLLA_SMS_TOKEN_FILE", "/nonexistent/token", 1);
    ck_assert(!settings_messaging(&t, &local, &why));
    ck_assert_ptr_nonnull(strstr(why, "HYLLA_SMS_TOKEN_FILE"));
    free(why);
    unsetenv("HYLLA_SMS_TOKEN_FILE");
    ck_assert(settings_messaging(&t, &local, &why));
    ck_assert_ptr_null(t.sms_token);
    unlink(token);
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
    tcase_add_test(tc, window_and_clock);
    tcase_add_test(tc, messaging_reads_secrets_and_refuses_unsafe_urls);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(settings_suite)
