/*
 * server: the only file that talks to libmicrohttpd. A few threads (--http-threads) accept
 * connections and read and write them all; each assembles a struct req (with the body capped),
 * and hands it to the lane of its route (see lanes.h), suspending the connection until a lane
 * thread has run the handler, so that no connection waits behind another's database work. What
 * needs no handler (a file of the web root, a 404, a preflight) is answered at once. The struct
 * reply is written back with the security headers every response carries.
 */
#ifndef HYLLA_HTTP_SERVER_H
#define HYLLA_HTTP_SERVER_H

#include "core/settings.h"
#include "http/lanes.h"
#include "http/router.h"

#include <stdint.h>

struct server;

/* What the server answers with: the routes, and the lanes their handlers run on. */
struct server_config {
    const struct router *router;
    const struct lane_config *lanes; /* indexed by struct route's lane */
    size_t nlanes;
    struct lane_hooks hooks;
};

/*
 * Start listening as the settings say, answering every request through config's router on its
 * lanes. On success prints "hylla listening on http://HOST:PORT" to standard error and returns
 * the server; on failure returns NULL with *why set (static text).
 */
struct server *server_start(const struct settings *s, const struct server_config *config,
                            const char **why);

/*
 * Stop gracefully: accept nothing new, let requests in progress finish (for at most
 * grace_seconds, then for what a lane is running), then close every connection and free the
 * server.
 */
void server_stop(struct server *srv, unsigned grace_seconds);

#endif
