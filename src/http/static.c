/* static: serving the web root safely and with caching (see static.h). */
#include "static.h"

#include "core/buf.h"
#include "core/log.h"
#include "http/gzip.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Compressed copies of text files, made on first request and kept while the file is unchanged. */
struct gz_entry {
    char *path;
    char etag[64];
    char *data;
    size_t len;
    struct gz_entry *next;
};

#define GZ_MAX_FILE (4u << 20)

static char *root; /* realpath of the web root */
static size_t root_len;
static struct gz_entry *gz_cache;
static pthread_mutex_t gz_lock = PTHREAD_MUTEX_INITIALIZER;

bool static_init(const char *web_root)
{
    char resolved[PATH_MAX];
    struct stat st;
    if (!realpath(web_root, resolved) || stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    free(root);
    root = xstrdup(resolved);
    root_len = strlen(root);
    return true;
}

void static_shutdown(void)
{
    pthread_mutex_lock(&gz_lock);
    while (gz_cache) {
        struct gz_entry *e = gz_cache;
        gz_cache = e->next;
        free(e->path);
        free(e->data);
        free(e);
    }
    pthread_mutex_unlock(&gz_lock);
    free(root);
    root = NULL;
}

const char *static_content_type(const char *name)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        { ".html", "text/html; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".mjs", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },
        { ".json", "application/json" },
        { ".webmanifest", "application/manifest+json" },
        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
        { ".jpg", "image/jpeg" },
        { ".jpeg", "image/jpeg" },
        { ".webp", "image/webp" },
        { ".ico", "image/x-icon" },
        { ".woff2", "font/woff2" },
        { ".txt", "text/plain; charset=utf-8" },
        { ".mp3", "audio/mpeg" },
        { ".wav", "audio/wav" },
        { ".map", "application/json" },
    };
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static bool compressible(const char *type)
{
    return strncmp(type, "text/", 5) == 0 || strcmp(type, "application/json") == 0 ||
           strcmp(type, "image/svg+xml") == 0 || strcmp(type, "application/manifest+json") == 0;
}

bool static_path_is_safe(const char *path)
{
    if (!path || path[0] != '/' || strlen(path) > 1024)
        return false;
    for (const char *seg = path + 1; *seg;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0 && end)
            return false; /* "//" */
        if (len > 0 && seg[0] == '.')
            return false; /* ., .., and hidden files */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)seg[i];
            if (c < 0x20 || c == '\\' || c == 0x7f || c == ':')
                return false;
        }
        if (!end)
            break;
        seg = end + 1;
    }
    return true;
}

/* Open name below the root if it is a regular file that resolves inside the root. */
static int open_inside(const char *name, struct stat *st, char resolved[PATH_MAX])
{
    if (!realpath(name, resolved))
        return -1;
    if (strncmp(resolved, root, root_len) != 0 || resolved[root_len] != '/')
        return -1;
    int fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Find the file for a URL path: the file itself, a directory's index, or a page by prefix. */
static int find_file(const char *path, struct stat *st, char resolved[PATH_MAX])
{
    struct buf name = BUF_INIT;
    int fd = -1;
    buf_printf(&name, "%s%s", root, path);
    if (name.data[name.len - 1] == '/')
        buf_puts(&name, "index.html");
    fd = open_inside(name.data, st, resolved);
    if (fd >= 0)
        goto done;

    /*
     * A missing asset (a file type served here, such as .js) gets no page; a dot alone does not
     * make one: an item's public page /i/CODE takes codes such as AB.1234.
     */
    const char *last = strrchr(path, '/');
    if (strchr(last, '.') && strcmp(static_content_type(last), "application/octet-stream") != 0)
        goto done;

    /* Pages: /desk -> desk.html or desk/index.html; /desk/borrowers/7 -> the same page. */
    size_t plen = strlen(path);
    while (plen > 1) {
        while (plen > 1 && path[plen - 1] == '/')
            plen--;
        buf_free(&name);
        buf_printf(&name, "%s%.*s.html", root, (int)plen, path);
        if ((fd = open_inside(name.data, st, resolved)) >= 0)
            goto done;
        buf_free(&name);
        buf_printf(&name, "%s%.*s/index.html", root, (int)plen, path);
        if ((fd = open_inside(name.data, st, resolved)) >= 0)
            goto done;
        while (plen > 1 && path[plen - 1] != '/')
            plen--;
    }
done:
    buf_free(&name);
    return fd;
}

/* A gzip copy of the file (the caller frees it), from the cache or made now; NULL on failure. */
static char *gzip_copy(int fd, const struct stat *st, const char *resolved, const char *etag,
                       size_t *len)
{
    char *copy = NULL;
    pthread_mutex_lock(&gz_lock);
    for (struct gz_entry *e = gz_cache; e; e = e->next) {
        if (strcmp(e->path, resolved) == 0 && strcmp(e->etag, etag) == 0) {
            copy = xmalloc(e->len);
            memcpy(copy, e->data, e->len);
            *len = e->len;
            break;
        }
    }
    pthread_mutex_unlock(&gz_lock);
    if (copy)
        return copy;

    size_t size = (size_t)st->st_size;
    char *raw = xmalloc(size);
    if (pread(fd, raw, size, 0) != (ssize_t)size) {
        free(raw);
        return NULL;
    }
    char *out;
    size_t outlen;
    bool ok = gzip_bytes(raw, size, 9, &out, &outlen); /* once per version of a file */
    free(raw);
    if (!ok)
        return NULL;

    struct gz_entry *e = xcalloc(1, sizeof *e);
    e->path = xstrdup(resolved);
    snprintf(e->etag, sizeof e->etag, "%s", etag);
    e->data = xmalloc(outlen);
    memcpy(e->data, out, outlen);
    e->len = outlen;
    pthread_mutex_lock(&gz_lock);
    /* Drop an older version of the same file; keep the rest. */
    for (struct gz_entry **pp = &gz_cache; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->path, resolved) == 0) {
            struct gz_entry *old = *pp;
            *pp = old->next;
            free(old->path);
            free(old->data);
            free(old);
            break;
        }
    }
    e->next = gz_cache;
    gz_cache = e;
    pthread_mutex_unlock(&gz_lock);
    *len = outlen;
    return out;
}

bool static_serve(const struct req *req, struct reply *rep)
{
    if (!root || !static_path_is_safe(req->path))
        return false;
    struct stat st;
    char resolved[PATH_MAX];
    int fd = find_file(req->path, &st, resolved);
    if (fd < 0)
        return false;

    const char *type = static_content_type(resolved);
    char etag[64], modified[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
                 (unsigned long long)st.st_mtim.tv_nsec);
    struct tm tm;
    gmtime_r(&st.st_mtim.tv_sec, &tm);
    strftime(modified, sizeof modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);

    reply_header(rep, "ETag", etag);
    reply_header(rep, "Last-Modified", modified);
    /* Revalidate every time: a 304 is cheap, and a volunteer never runs yesterday's desk. */
    reply_header(rep, "Cache-Control", "no-cache");
    bool gz_ok = compressible(type) && st.st_size >= 512 && (size_t)st.st_size <= GZ_MAX_FILE;
    if (gz_ok)
        reply_header(rep, "Vary", "Accept-Encoding");

    if (req_etag_matches(req, etag)) {
        close(fd);
        reply_empty(rep, 304);
        return true;
    }
    if (gz_ok && gzip_accepted(req)) {
        size_t len;
        char *gz = gzip_copy(fd, &st, resolved, etag, &len);
        if (gz) {
            close(fd);
            reply_bytes(rep, 200, type, gz, len);
            reply_header(rep, "Content-Encoding", "gzip");
            return true;
        }
    }
    reply_empty(rep, 200);
    rep->content_type = type;
    rep->fd = fd;
    rep->fd_size = (uint64_t)st.st_size;
    return true;
}
