/*
 * req: one HTTP request as the router and the handlers see it, free of libmicrohttpd.
 * server.c fills the transport part; router.c fills the rest (path parameters, parsed JSON body)
 * and the route table's admit function says who is asking, before a handler runs. Everything is
 * borrowed for the life of the request.
 */
#ifndef HYLLA_HTTP_REQ_H
#define HYLLA_HTTP_REQ_H

#include "core/identity.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct kv {
    const char *key;
    const char *value;
};

struct route;

#define REQ_MAX_PARAMS 4

struct req {
    const char *method; /* as sent; the router treats HEAD as GET */
    const char *path;   /* percent-decoded, without the query string */
    const struct kv *headers;
    size_t nheaders;
    const struct kv *query; /* decoded query arguments, in order */
    size_t nquery;
    const char *body; /* NUL-terminated; NULL when there is none */
    size_t body_len;
    char client_addr[64];
    bool has_nul;      /* the path or a query argument decoded to a NUL byte (%00) */
    double received_s; /* when its last byte came in (core/clock.h's monotonic_s) */

    /* Filled by the router. */
    const struct route *route;
    const char *params[REQ_MAX_PARAMS]; /* the {name} segments of the route, in order */
    size_t nparams;
    char *param_storage;
    json_t *json;               /* the body of JSON routes, an object; owned by the router */
    struct staff_identity *who; /* NULL without a valid session; else points to identity */
    struct staff_identity identity;
    bool again; /* run a second time, the first answer discarded (see struct router) */
};

/* A header's value by case-insensitive name, or NULL. */
const char *req_header(const struct req *req, const char *name);

/* A query argument's value, or NULL when absent. */
const char *req_query(const struct req *req, const char *name);

/* Whether the method only reads: GET, HEAD or OPTIONS. */
bool req_method_is_safe(const struct req *req);

/*
 * Whether the If-None-Match header names etag (a quoted entity tag such as "\"abc\""): "*", or
 * etag in its list, weak (W/) or strong. The one reading of If-None-Match for every answer.
 */
bool req_etag_matches(const struct req *req, const char *etag);

/* A cookie's value copied into out (at most outlen bytes with the NUL); false when absent. */
bool req_cookie(const struct req *req, const char *name, char *out, size_t outlen);

#endif
