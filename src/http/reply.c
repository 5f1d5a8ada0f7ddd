/* reply: building a handler's answer (see reply.h). */
#include "reply.h"

#include "core/buf.h"
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void reply_init(struct reply *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->fd = -1;
}

void reply_free(struct reply *rep)
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
    if (!body) {
        /* A json_pack that failed (a NULL string, say): never an empty 200. */
        log_error("an answer could not be built (status %d)", status);
        reply_problem(rep, PROBLEM_internal_error, NULL);
        return;
    }
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

void reply_problem_extra(struct reply *rep, enum problem p, const char *detail, json_t *extra)
{
    const struct problem_info *info = problem_info(p);
    json_t *body = json_object();
    char type[64];
    snprintf(type, sizeof type, "/problems/%s", info->code);
    json_object_set_new(body, "type", json_string(type));
    json_object_set_new(body, "title", json_string(info->title));
    json_object_set_new(body, "status", json_integer(info->status));
    json_object_set_new(body, "code", json_string(info->code));
    if (detail)
        json_object_set_new(body, "detail", json_string(detail));
    if (extra)
        json_object_update_missing(body, extra);
    json_decref(extra);
    reply_json(rep, info->status, body);
    rep->content_type = "application/problem+json";
}

void reply_problem(struct reply *rep, enum problem p, const char *detail)
{
    reply_problem_extra(rep, p, detail, NULL);
}

void reply_problem_errors(struct reply *rep, enum problem p, json_t *errors)
{
    reply_problem_extra(rep, p, NULL, errors ? json_pack("{s:o}", "errors", errors) : NULL);
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
