/*
 * server: the only file that talks to libmicrohttpd. It accepts connections on a pool of worker
 * threads, assembles a struct req (with the body capped), hands it to the router, and writes the
 * struct reply back with the security headers every response carries.
 */
#ifndef HYLLA_HTTP_SERVER_H
#define HYLLA_HTTP_SERVER_H

#include "core/settings.h"
#include "http/router.h"

#include <stdint.h>

struct server;

/*
 * Start listening as the settings say, answering every request through router. On success prints
 * "hylla listening on http://HOST:PORT" to standard error and returns the server; on failure
 * returns NULL with *why set (static text).
 */
struct server *server_start(const struct settings *s, const struct router *router,
                            const char **why);

/*
 * Stop gracefully: accept nothing new, let requests in progress finish (for at most
 * grace_seconds), then close every connection and free the server.
 */
void server_stop(struct server *srv, unsigned grace_seconds);

#endif
