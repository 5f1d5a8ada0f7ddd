/*
 * server: the only file that talks to libmicrohttpd. It accepts connections on a pool of worker
 * threads, assembles a struct req (with the body capped), hands it to the router, and writes the
 * struct reply back with the security headers every response carries.
 */
#ifndef HYLLA_HTTP_SERVER_H
#define HYLLA_HTTP_SERVER_H

#include "core/settings.h"

#include <stdint.h>

struct server;

/*
 * Start listening as the settings say. On success prints "hylla listening on http://HOST:PORT"
 * to standard error and returns the server; on failure returns NULL with *why set (static text).
 */
struct server *server_start(const struct settings *s, const char **why);

/* The port actually listened on (useful when the settings asked for port 0). */
uint16_t server_port(const struct server *srv);

/*
 * Stop gracefully: accept nothing new, let requests in progress finish (for at most
 * grace_seconds), then close every connection and free the server.
 */
void server_stop(struct server *srv, unsigned grace_seconds);

#endif
