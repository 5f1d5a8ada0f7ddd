/*
 * guard: what keeps slow or idle clients from holding every connection. libmicrohttpd's own
 * timeout counts only the time a connection sends nothing, so a client that sends one header line
 * every few seconds keeps its connection for ever, and enough of them (from enough addresses to
 * pass the per-address limit) fill the connection cap, after which nobody gets in, health checks
 * included. The guard gives each connection a deadline by what it is doing:
 *
 *   awaiting   between requests (or before the first): the next request line must arrive within
 *              the idle timeout, however slowly its bytes come;
 *   receiving  from the request line on: the headers and the body must be in within the request
 *              timeout;
 *   serving    the request is being answered: no deadline of the guard's (the answer is ours).
 *
 * A connection past its deadline is shut down (its socket: libmicrohttpd then reads the end and
 * closes it on its own thread). And when the open connections come near the cap, the guard keeps
 * a reserve free for new clients (a health check, a desk opening the app) by shedding incomplete
 * connections (receiving a request, or awaiting their first) of the address that holds the most
 * connections (an IPv6 address by its /64), its oldest first; a connection that has been answered before (an established
 * client) is shed only when no other is left, and one being answered never.
 *
 * The guard knows sockets, not libmicrohttpd: server.c tells it what each connection does. Its
 * calls are safe from any thread; guard_conn's are cheap (two atomic stores).
 */
#ifndef HYLLA_HTTP_GUARD_H
#define HYLLA_HTTP_GUARD_H

struct guard_config {
    unsigned max_connections;   /* the server's connection cap */
    unsigned reserve;           /* connections kept free below the cap by shedding */
    unsigned request_timeout_s; /* request line to complete request */
    unsigned idle_timeout_s;    /* connection start or last answer to the next request line */
};

struct guard;
struct guard_conn;

/* Start the guard and its thread, which checks the deadlines a few times a second. */
struct guard *guard_start(const struct guard_config *config);

/* Stop the thread and free the guard; every connection must have been closed first. */
void guard_stop(struct guard *g);

/*
 * A connection from the client address addr (text) was accepted on socket fd: track it
 * (awaiting), and shed others when the open connections are now within the reserve of the cap.
 * The caller passes the result to the calls below and to guard_close.
 */
struct guard_conn *guard_open(struct guard *g, int fd, const char *addr);

/* The connection's socket is about to be closed: forget it (before the descriptor is freed). */
void guard_close(struct guard *g, struct guard_conn *c);

/* The request line arrived: the rest of the request is due within the request timeout. */
void guard_receiving(struct guard_conn *c);

/* The request is complete and being answered. */
void guard_serving(struct guard_conn *c);

/* The answer went out: the connection awaits its next request, as an established client. */
void guard_answered(struct guard_conn *c);

#endif
