/* reply: building a handler's answer (see reply.h). */
#include "reply.h"

#include "core/buf.h"
#include "core/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void reply_init(struct reply *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->fd = -1;
}

void reply_reset(struct reply *rep)
{
    free(rep->body);
    if (rep->fd >= 0)
        close(rep->fd);
    for (size_t i = 0; i < rep->nheaders; i++) {
        free(rep->headers[i].key);
        free(rep->headers[i].value);
    }
    reply_init(rep);
}

void reply_free(struct reply *rep)
{
    reply_reset(rep);
}

void reply_bytes(struct reply *rep, int status, const char *content_type, char *owned, size_t len)
{
    free(rep->body);
    rep->status = status;
    rep->content_type = content_type;
    rep->body = owned;
    rep->body_len = len;
}

void reply_json(struct reply *rep, int status, json_t *body)
{
    size_t len = json_dumpb(body, NULL, 0, JSON_COMPACT | JSON_REAL_PRECISION(15));
    char *text = xmalloc(len + 1);
    json_dumpb(body, text, len, JSON_COMPACT | JSON_REAL_PRECISION(15));
    text[len] = '\0';
    json_decref(body);
    reply_bytes(rep, status, "application/json", text, len);
}

void reply_empty(struct reply *rep, int status)
{
    free(rep->body);
    rep->body = NULL;
    rep->body_len = 0;
    rep->content_type = NULL;
    rep->status = status;
}

void reply_problem_errors(struct reply *rep, int status, const char *code, const char *title,
                          json_t *errors)
{
    json_t *p = json_pack("{s:s+, s:s, s:i, s:s}", "type", "/problems/", code, "title", title,
                          "status", status, "code", code);
    if (errors)
        json_object_set_new(p, "errors", errors);
    reply_json(rep, status, p);
    rep->content_type = "application/problem+json";
}

void reply_problem(struct reply *rep, int status, const char *code, const char *title,
                   const char *detail)
{
    json_t *p = json_pack("{s:s+, s:s, s:i, s:s}", "type", "/problems/", code, "title", title,
                          "status", status, "code", code);
    if (detail)
        json_object_set_new(p, "detail", json_string(detail));
    reply_json(rep, status, p);
    rep->content_type = "application/problem+json";
}

void reply_header(struct reply *rep, const char *key, const char *value)
{
    for (size_t i = 0; i < rep->nheaders; i++) {
        if (strcasecmp(rep->headers[i].key, key) == 0) {
            free(rep->headers[i].value);
            rep->headers[i].value = xstrdup(value);
            return;
        }
    }
    if (rep->nheaders == REPLY_MAX_HEADERS) {
        log_error("too many headers on one reply; dropped %s", key);
        return;
    }
    rep->headers[rep->nheaders].key = xstrdup(key);
    rep->headers[rep->nheaders].value = xstrdup(value);
    rep->nheaders++;
}

void reply_headerf(struct reply *rep, const char *key, const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    reply_header(rep, key, b.data ? b.data : "");
    buf_free(&b);
}

const char *reply_get_header(const struct reply *rep, const char *key)
{
    for (size_t i = 0; i < rep->nheaders; i++)
        if (strcasecmp(rep->headers[i].key, key) == 0)
            return rep->headers[i].value;
    return NULL;
}

const char *reply_status_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "";
    }
}
