/* req: reading headers, query arguments and cookies of a request (see req.h). */
#include "req.h"

#include <string.h>
#include <strings.h>

const char *req_header(const struct req *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[i].key, name) == 0)
            return req->headers[i].value;
    return NULL;
}

const char *req_query(const struct req *req, const char *name)
{
    for (size_t i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].key, name) == 0)
            return req->query[i].value ? req->query[i].value : "";
    return NULL;
}

bool req_cookie(const struct req *req, const char *name, char *out, size_t outlen)
{
    size_t name_len = strlen(name);
    for (size_t i = 0; i < req->nheaders; i++) {
        if (strcasecmp(req->headers[i].key, "Cookie") != 0)
            continue;
        const char *p = req->headers[i].value;
        while (p && *p) {
            while (*p == ' ' || *p == ';')
                p++;
            const char *end = strchr(p, ';');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
                size_t vlen = len - name_len - 1;
                if (vlen + 1 > outlen)
                    return false;
                memcpy(out, p + name_len + 1, vlen);
                out[vlen] = '\0';
                return true;
            }
            p = end;
        }
    }
    return false;
}

bool req_method_is_safe(const struct req *req)
{
    return strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0 ||
           strcmp(req->method, "OPTIONS") == 0;
}

bool req_etag_matches(const struct req *req, const char *etag)
{
    const char *header = req_header(req, "If-None-Match");
    if (!header)
        return false;
    size_t n = strlen(etag);
    for (const char *p = header; *p;) {
        p += strspn(p, " \t,");
        if (p[0] == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, n) == 0 &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
            return true;
        p += strcspn(p, ",");
    }
    return false;
}
