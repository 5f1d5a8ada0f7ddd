/* Unit tests of http/static: serving the web root, and never anything outside it. */
#include "check_main.h"
#include "http/static.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[64];
static char webroot[96];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    char path[256];
    snprintf(top, sizeof top, "/tmp/hylla-static-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(top));
    snprintf(webroot, sizeof webroot, "%s/web", top);
    ck_assert_int_eq(mkdir(webroot, 0755), 0);
    snprintf(path, sizeof path, "%s/index.html", webroot);
    write_file(path, "<!doctype html><title>index</title>");
    snprintf(path, sizeof path, "%s/desk.html", webroot);
    write_file(path, "<!doctype html><title>desk</title>");
    snprintf(path, sizeof path, "%s/app.js", webroot);
    /* Big enough to be worth compressing. */
    char js[4096];
    memset(js, 'a', sizeof js - 1);
    js[sizeof js - 1] = '\0';
    memcpy(js, "const a = '", 11);
    write_file(path, js);
    snprintf(path, sizeof path, "%s/.secret", webroot);
    write_file(path, "hidden");
    snprintf(path, sizeof path, "%s/outside.txt", top);
    write_file(path, "outside");
    char link[256];
    snprintf(link, sizeof link, "%s/escape.txt", webroot);
    ck_assert_int_eq(symlink(path, link), 0);
    ck_assert(static_init(webroot));
}

static void teardown(void)
{
    static_shutdown();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    ck_assert_int_eq(system(cmd), 0);
}

/* Serve path with optional headers; the reply is left in rep. */
static bool serve(const char *path, const struct kv *headers, size_t nheaders, struct reply *rep)
{
    struct req req = { .method = "GET", .path = path, .headers = headers, .nheaders = nheaders };
    reply_init(rep);
    return static_serve(&req, rep);
}

/* The bytes the reply would send, read from its file or body. */
static char *reply_text(struct reply *rep)
{
    if (rep->fd < 0)
        return strndup(rep->body ? rep->body : "", rep->body_len);
    char *text = calloc(1, rep->fd_size + 1);
    ck_assert_int_eq(pread(rep->fd, text, rep->fd_size, 0), (ssize_t)rep->fd_size);
    return text;
}

START_TEST(serves_files_and_pages_with_types)
{
    struct reply rep;
    ck_assert(serve("/", NULL, 0, &rep));
    ck_assert_int_eq(rep.status, 200);
    ck_assert_str_eq(rep.content_type, "text/html; charset=utf-8");
    char *text = reply_text(&rep);
    ck_assert_str_eq(text, "<!doctype html><title>index</title>");
    free(text);
    reply_free(&rep);

    /* A page by its name without .html, and deep links below it. */
    ck_assert(serve("/desk", NULL, 0, &rep));
    text = reply_text(&rep);
    ck_assert_str_eq(text, "<!doctype html><title>desk</title>");
    free(text);
    reply_free(&rep);
    ck_assert(serve("/desk/borrowers/17", NULL, 0, &rep));
    text = reply_text(&rep);
    ck_assert_str_eq(text, "<!doctype html><title>desk</title>");
    free(text);
    reply_free(&rep);

    ck_assert(serve("/app.js", NULL, 0, &rep));
    ck_assert_str_eq(rep.content_type, "text/javascript; charset=utf-8");
    ck_assert_ptr_nonnull(reply_get_header(&rep, "ETag"));
    ck_assert_ptr_nonnull(reply_get_header(&rep, "Last-Modified"));
    reply_free(&rep);

    ck_assert(!serve("/missing.js", NULL, 0, &rep));
    reply_free(&rep);
    ck_assert(!serve("/nothing", NULL, 0, &rep));
    reply_free(&rep);
}
END_TEST

START_TEST(etag_gives_304)
{
    struct reply rep;
    ck_assert(serve("/app.js", NULL, 0, &rep));
    char *etag = strdup(reply_get_header(&rep, "ETag"));
    reply_free(&rep);
    struct kv h[] = { { "If-None-Match", etag } };
    ck_assert(serve("/app.js", h, 1, &rep));
    ck_assert_int_eq(rep.status, 304);
    ck_assert_int_eq(rep.fd, -1);
    ck_assert_uint_eq(rep.body_len, 0);
    reply_free(&rep);
    struct kv other[] = { { "If-None-Match", "\"nope\"" } };
    ck_assert(serve("/app.js", other, 1, &rep));
    ck_assert_int_eq(rep.status, 200);
    reply_free(&rep);
    free(etag);
}
END_TEST

START_TEST(text_is_gzipped_when_accepted)
{
    struct reply rep;
    struct kv h[] = { { "Accept-Encoding", "gzip, deflate, br" } };
    ck_assert(serve("/app.js", h, 1, &rep));
    ck_assert_str_eq(reply_get_header(&rep, "Content-Encoding"), "gzip");
    ck_assert_str_eq(reply_get_header(&rep, "Vary"), "Accept-Encoding");
    ck_assert(rep.body_len > 10 && rep.body_len < 200);
    ck_assert_int_eq((unsigned char)rep.body[0], 0x1f);
    ck_assert_int_eq((unsigned char)rep.body[1], 0x8b);
    reply_free(&rep);
    /* The second time comes from the cache and is the same. */
    ck_assert(serve("/app.js", h, 1, &rep));
    ck_assert_str_eq(reply_get_header(&rep, "Content-Encoding"), "gzip");
    reply_free(&rep);
}
END_TEST

START_TEST(nothing_outside_the_root)
{
    struct reply rep;
    const char *const bad[] = { "/../outside.txt", "/../../etc/passwd", "/./index.html",
                                "/.secret",        "/escape.txt",       "//etc/passwd",
                                "/a\\..\\b",       "relative",          "/desk/../../outside.txt" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(!serve(bad[i], NULL, 0, &rep), "served %s", bad[i]);
        reply_free(&rep);
    }
    ck_assert(!static_path_is_safe("/.."));
    ck_assert(!static_path_is_safe("/a/../b"));
    ck_assert(static_path_is_safe("/vendor/uPlot.esm.js"));
}
END_TEST

START_TEST(content_types_by_extension)
{
    ck_assert_str_eq(static_content_type("a.css"), "text/css; charset=utf-8");
    ck_assert_str_eq(static_content_type("a.SVG"), "image/svg+xml");
    ck_assert_str_eq(static_content_type("x/y.webp"), "image/webp");
    ck_assert_str_eq(static_content_type("dir.d/file"), "application/octet-stream");
}
END_TEST

static Suite *static_suite(void)
{
    Suite *s = suite_create("static");
    TCase *tc = tcase_create("serve");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, serves_files_and_pages_with_types);
    tcase_add_test(tc, etag_gives_304);
    tcase_add_test(tc, text_is_gzipped_when_accepted);
    tcase_add_test(tc, nothing_outside_the_root);
    tcase_add_test(tc, content_types_by_extension);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(static_suite)
