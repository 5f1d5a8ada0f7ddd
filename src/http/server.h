/*
 * server: the only file that talks to libmicrohttpd. A few connection threads (--http-threads)
 * each run a libmicrohttpd daemon of their own, listening on a socket of its own on the port
 * (SO_REUSEPORT), from an epoll loop of their own, and read and write all of its connections;
 * each assembles a struct req (with the body capped), and hands it to the lane of its route (see
 * lanes.h), suspending the connection
 * until a lane thread has run the handler, so that no connection waits behind another's database
 * work. What needs no handler (a file of the web root, a 404, a preflight) is answered at once.
 *
 * A route that can send its statement ahead (struct route's prefetch: the desk's lookups) is
 * answered by the connection thread itself, without a hand-off to another thread: the requests
 * that came together are suspended, their statement sent on the thread's own database
 * connection, and the thread goes on serving while it runs; when the answer is in (its socket is
 * in the loop), the requests are dispatched there with waiting forbidden (server_prefetch). A
 * request that would have had to wait for anything more (a session not in memory, a reconnect)
 * goes to its lane as every other does. The struct reply is written back with the security
 * headers every response carries.
 */
#ifndef HYLLA_HTTP_SERVER_H
#define HYLLA_HTTP_SERVER_H

#include "core/settings.h"
#include "http/lanes.h"
#include "http/router.h"

#include <stdint.h>

struct server;

/*
 * How a connection thread answers the routes that prefetch, from the data layer (the store's
 * functions of these names); without socket, their requests go to their lanes as others do.
 */
struct server_prefetch {
    void (*thread_start)(void); /* on each connection thread before it serves, and ... */
    void (*thread_stop)(void);  /* ... before it ends */
    int (*socket)(void);        /* what to wait on for the answer sent ahead */
    bool (*poll)(void);         /* read it without waiting: whether all of it is in */
    void (*drop)(void);         /* an answer nobody took */
    void (*no_wait)(bool on);   /* forbid waiting on the database (on) or allow it again */
    bool (*would_have_waited)(void);
};

/* What the server answers with: the routes, and the lanes their handlers run on. */
struct server_config {
    const struct router *router;
    const struct lane_config *lanes; /* indexed by struct route's lane */
    size_t nlanes;
    struct lane_hooks hooks;
    struct server_prefetch prefetch;
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
