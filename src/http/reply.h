/*
 * reply: what a handler answers, free of libmicrohttpd: a status, a body (owned bytes or an open
 * file) and extra headers. server.c turns it into the response on the wire and adds the security
 * headers every response carries.
 */
#ifndef HYLLA_HTTP_REPLY_H
#define HYLLA_HTTP_REPLY_H

#include "http/problem.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPLY_MAX_HEADERS 16

struct reply {
    int status; /* 0 until a handler answers */
    char *body; /* owned; freed with the reply */
    size_t body_len;
    const char *content_type; /* a static string */
    int fd;                   /* a file to send instead of body (owned), or -1 */
    uint64_t fd_offset;
    uint64_t fd_size;
    size_t nheaders;
    struct {
        char *key;
        char *value;
    } headers[REPLY_MAX_HEADERS];
};

void reply_init(struct reply *rep);
void reply_free(struct reply *rep);

/* Answer with body as JSON; steals the reference to body. A NULL body (a json_pack that
 * failed) answers 500 internal_error instead. */
void reply_json(struct reply *rep, int status, json_t *body);

/* Answer with bytes the reply takes over (they must come from malloc). */
void reply_bytes(struct reply *rep, int status, const char *content_type, char *owned, size_t len);

/* Answer with no body (204, 304, ...). */
void reply_empty(struct reply *rep, int status);

/*
 * Answer with an RFC 9457 problem from the registry (http/problems.def): its status, its stable
 * machine code the web UI translates ("item_on_loan") and its title, with an optional detail
 * sentence.
 */
void reply_problem(struct reply *rep, enum problem p, const char *detail);

/* Like reply_problem, with "errors": a list of per-field or per-line problems (stolen). */
void reply_problem_errors(struct reply *rep, enum problem p, json_t *errors);

/* Like reply_problem, with the members of extra (stolen) added, e.g. the id of what conflicts. */
void reply_problem_extra(struct reply *rep, enum problem p, const char *detail, json_t *extra);

/* Add a header (copied). Setting a name that server.c adds by default replaces the default. */
void reply_header(struct reply *rep, const char *key, const char *value);
void reply_headerf(struct reply *rep, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The value of a header already set on the reply, or NULL. */
const char *reply_get_header(const struct reply *rep, const char *key);

#endif
