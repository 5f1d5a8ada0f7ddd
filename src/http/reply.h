/*
 * reply: what a handler answers, free of libmicrohttpd: a status, a body (owned bytes or an open
 * file) and extra headers. server.c turns it into the response on the wire and adds the security
 * headers every response carries.
 */
#ifndef HYLLA_HTTP_REPLY_H
#define HYLLA_HTTP_REPLY_H

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
/* Forget any answer so far (body, file, headers), as before the handler ran. */
void reply_reset(struct reply *rep);

/* Answer with body as JSON; steals the reference to body. */
void reply_json(struct reply *rep, int status, json_t *body);

/* Answer with bytes the reply takes over (they must come from malloc). */
void reply_bytes(struct reply *rep, int status, const char *content_type, char *owned, size_t len);

/* Answer with no body (204, 304, ...). */
void reply_empty(struct reply *rep, int status);

/*
 * Answer with an RFC 9457 problem: a stable machine code the web UI translates ("item_on_loan"),
 * a short lower-case title ("item is already on loan"), and an optional detail sentence.
 */
void reply_problem(struct reply *rep, int status, const char *code, const char *title,
                   const char *detail);

/* Like reply_problem, with "errors": a list of per-field or per-line problems (stolen). */
void reply_problem_errors(struct reply *rep, int status, const char *code, const char *title,
                          json_t *errors);

/* Add a header (copied). Setting a name that server.c adds by default replaces the default. */
void reply_header(struct reply *rep, const char *key, const char *value);
void reply_headerf(struct reply *rep, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The value of a header already set on the reply, or NULL. */
const char *reply_get_header(const struct reply *rep, const char *key);

/* The reason phrase of a status code ("Not Found"). */
const char *reply_status_phrase(int status);

#endif
