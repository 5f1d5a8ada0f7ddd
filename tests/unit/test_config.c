/* Unit tests of core/config: the configuration file, setting a value in it, secret files. */
#include "check_main.h"
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/hylla-config-XXXXXX";

static char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static char *read_file(const char *path)
{
    static char text[4096];
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    unsetenv("HYLLA_T_LISTEN");
    unsetenv("HYLLA_T_QUOTED");
    unsetenv("HYLLA_T_SET");
    unsetenv("HYLLA_T_SECRET");
    unsetenv("HYLLA_T_SECRET_FILE");
    unsetenv("CREDENTIALS_DIRECTORY");
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(file_fills_what_the_environment_does_not_set)
{
    char *why = NULL;
    setenv("HYLLA_T_SET", "from the environment", 1);
    const char *path = write_file("hylla.conf", "# a comment\n\n  HYLLA_T_LISTEN = 127.0.0.1:9090\n"
                                                "HYLLA_T_QUOTED=\"host=/run/pg dbname=hylla\"\n"
                                                "HYLLA_T_SET=from the file\n");
    ck_assert_msg(config_load(path, true, &why), "%s", why);
    ck_assert_str_eq(getenv("HYLLA_T_LISTEN"), "127.0.0.1:9090");
    ck_assert_str_eq(getenv("HYLLA_T_QUOTED"), "host=/run/pg dbname=hylla");
    ck_assert_str_eq(getenv("HYLLA_T_SET"), "from the environment");

    /* A missing file is fine unless it was asked for by name. */
    ck_assert(config_load("/nonexistent/hylla.conf", false, &why));
    ck_assert(!config_load("/nonexistent/hylla.conf", true, &why));
    ck_assert_ptr_nonnull(strstr(why, "/nonexistent/hylla.conf"));
    free(why);
}
END_TEST

START_TEST(file_with_a_bad_line_is_refused_by_line)
{
    char *why = NULL;
    const char *path = write_file("bad.conf", "HYLLA_T_LISTEN=1\nPATH=/tmp\n");
    ck_assert(!config_load(path, true, &why));
    ck_assert_msg(strstr(why, "bad.conf:2:"), "%s", why);
    free(why);
    path = write_file("bad2.conf", "just words\n");
    ck_assert(!config_load(path, true, &why));
    ck_assert_msg(strstr(why, "bad2.conf:1:"), "%s", why);
    free(why);
}
END_TEST

START_TEST(set_replaces_the_commented_line_and_keeps_the_mode)
{
    char *why = NULL;
    char path[256];
    snprintf(path, sizeof path, "%s",
             write_file("set.conf", "# Database\n#HYLLA_DATABASE_URL=\n"
                                    "HYLLA_LISTEN=127.0.0.1:8080\n"));
    chmod(path, 0640);
    ck_assert_msg(config_set(path, "HYLLA_DATABASE_URL", "host=/run/pg dbname=hylla", &why), "%s",
                  why);
    ck_assert_str_eq(read_file(path),
                     "# Database\nHYLLA_DATABASE_URL=\"host=/run/pg dbname=hylla\"\n"
                     "HYLLA_LISTEN=127.0.0.1:8080\n");
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
    /* Again: the set line changes; a key not there is added at the end. */
    ck_assert(config_set(path, "HYLLA_DATABASE_URL", "postgresql:///hylla", &why));
    ck_assert(config_set(path, "HYLLA_WORKERS", "8", &why));
    ck_assert_str_eq(read_file(path), "# Database\nHYLLA_DATABASE_URL=postgresql:///hylla\n"
                                      "HYLLA_LISTEN=127.0.0.1:8080\nHYLLA_WORKERS=8\n");
    unsetenv("HYLLA_DATABASE_URL");
    ck_assert(config_load(path, true, &why));
    ck_assert_str_eq(getenv("HYLLA_DATABASE_URL"), "postgresql:///hylla");
    unsetenv("HYLLA_DATABASE_URL");
    unsetenv("HYLLA_WORKERS");
    ck_assert(!config_set("/nonexistent/x.conf", "HYLLA_WORKERS", "8", &why));
    free(why);
}
END_TEST

START_TEST(secrets_come_from_the_variable_or_a_credential_file)
{
    char *why = NULL;
    ck_assert_ptr_null(config_secret("HYLLA_T_SECRET", &why));
    ck_assert_ptr_null(why);
    write_file("smtp", "s3cret\n");
    setenv("HYLLA_T_SECRET_FILE", "smtp", 1);
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    char *v = config_secret("HYLLA_T_SECRET", &why);
    ck_assert_str_eq(v, "s3cret");
    free(v);
    char abs[256];
    snprintf(abs, sizeof abs, "%s/smtp", dir);
    setenv("HYLLA_T_SECRET_FILE", abs, 1);
    unsetenv("CREDENTIALS_DIRECTORY");
    v = config_secret("HYLLA_T_SECRET", &why);
    ck_assert_str_eq(v, "s3cret");
    free(v);
    setenv("HYLLA_T_SECRET", "direct", 1);
    v = config_secret("HYLLA_T_SECRET", &why);
    ck_assert_str_eq(v, "direct");
    free(v);
    unsetenv("HYLLA_T_SECRET");
    setenv("HYLLA_T_SECRET_FILE", "/nonexistent/secret", 1);
    ck_assert_ptr_null(config_secret("HYLLA_T_SECRET", &why));
    ck_assert_ptr_nonnull(strstr(why, "HYLLA_T_SECRET_FILE"));
    free(why);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, file_fills_what_the_environment_does_not_set);
    tcase_add_test(tc, file_with_a_bad_line_is_refused_by_line);
    tcase_add_test(tc, set_replaces_the_commented_line_and_keeps_the_mode);
    tcase_add_test(tc, secrets_come_from_the_variable_or_a_credential_file);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)
