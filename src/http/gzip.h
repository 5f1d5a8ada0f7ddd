/*
 * gzip: compressing answers for clients that accept it. Text compresses well (a page of the
 * public API's JSON to a fifth or less), which is what a phone on a slow line waits for.
 */
#ifndef HYLLA_HTTP_GZIP_H
#define HYLLA_HTTP_GZIP_H

#include "http/reply.h"
#include "http/req.h"

#include <stdbool.h>
#include <stddef.h>

/* Whether the request's Accept-Encoding takes gzip. */
bool gzip_accepted(const struct req *req);

/*
 * The gzip stream of len bytes at data, at level 1 (fast) to 9 (small), into a new buffer
 * (*out, *outlen) the caller frees; false when zlib fails (nothing to free then).
 */
bool gzip_bytes(const char *data, size_t len, int level, char **out, size_t *outlen);

/*
 * Compress the body of a 200 answer in place (Content-Encoding: gzip) when the client accepts
 * it and the body is long enough to gain; the answer says Vary: Accept-Encoding either way.
 */
void gzip_reply(const struct req *req, struct reply *rep);

#endif
