/* guard: deadlines and shedding for client connections (see guard.h). */
#include "guard.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* How often the thread looks at the deadlines. */
#define TICK_MS 250

/* Buckets of the table of client addresses (chained: any number of addresses fits). */
#define ADDR_BUCKETS 1024

enum guard_state { GUARD_AWAITING, GUARD_RECEIVING, GUARD_SERVING };

/* A client address and its connections, oldest first; all under the guard's lock. */
struct guard_addr {
    struct guard_addr *next; /* in its bucket */
    struct guard_conn *head, *tail;
    unsigned open; /* its connections not shed */
    char text[48];
};

struct guard_conn {
    struct guard_conn *prev, *next; /* the address's list; under the lock */
    struct guard_addr *addr;
    int fd;
    bool shed;             /* shut down by the guard; under the lock */
    atomic_int state;      /* enum guard_state */
    atomic_llong since_ms; /* when the state began */
    atomic_bool established;
};

struct guard {
    struct guard_config config;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct guard_addr *buckets[ADDR_BUCKETS];
    unsigned open; /* tracked and not shed */
    bool stopping;
    pthread_t thread;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_state(struct guard_conn *c, enum guard_state state)
{
    atomic_store_explicit(&c->since_ms, now_ms(), memory_order_relaxed);
    atomic_store_explicit(&c->state, (int)state, memory_order_release);
}

/* FNV-1a of the address text. */
static size_t bucket_of(const char *text)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % ADDR_BUCKETS;
}

/*
 * The client an address text counts for: itself, or for IPv6 its /64 (one host's share of
 * addresses, as the login throttle counts it), so that an attacker cannot spread over its /64.
 */
static void client_of(const char *addr, char out[48])
{
    struct in6_addr a6;
    if (inet_pton(AF_INET6, addr, &a6) == 1 && !IN6_IS_ADDR_V4MAPPED(&a6)) {
        memset(a6.s6_addr + 8, 0, 8);
        inet_ntop(AF_INET6, &a6, out, 48);
    } else {
        snprintf(out, 48, "%s", addr);
    }
}

/* Under the lock: the entry of an address, made when create says so (else NULL if none). */
static struct guard_addr *address(struct guard *g, const char *text, bool create)
{
    struct guard_addr **slot = &g->buckets[bucket_of(text)];
    for (struct guard_addr *a = *slot; a; a = a->next)
        if (strcmp(a->text, text) == 0)
            return a;
    if (!create)
        return NULL;
    struct guard_addr *a = xcalloc(1, sizeof *a);
    snprintf(a->text, sizeof a->text, "%s", text);
    a->next = *slot;
    *slot = a;
    return a;
}

/* Under the lock: forget an address that has no connection left. */
static void address_drop(struct guard *g, struct guard_addr *gone)
{
    for (struct guard_addr **slot = &g->buckets[bucket_of(gone->text)]; *slot;
         slot = &(*slot)->next) {
        if (*slot == gone) {
            *slot = gone->next;
            free(gone);
            return;
        }
    }
}

/*
 * Under the lock. The socket is shut down, not closed: the descriptor stays libmicrohttpd's,
 * whose thread reads the end of the stream and closes the connection (and tells guard_close).
 */
static void shed(struct guard *g, struct guard_conn *c, bool deadline)
{
    shutdown(c->fd, SHUT_RDWR);
    c->shed = true;
    c->addr->open--;
    g->open--;
    metrics_connection_shed(deadline);
}

/* Under the lock: shut down every connection past its deadline. */
static void enforce_deadlines(struct guard *g, long long now)
{
    long long request_ms = (long long)g->config.request_timeout_s * 1000;
    long long idle_ms = (long long)g->config.idle_timeout_s * 1000;
    for (size_t b = 0; b < ADDR_BUCKETS; b++) {
        for (struct guard_addr *a = g->buckets[b]; a; a = a->next) {
            for (struct guard_conn *c = a->head; c; c = c->next) {
                if (c->shed)
                    continue;
                int state = atomic_load_explicit(&c->state, memory_order_acquire);
                long long age = now - atomic_load_explicit(&c->since_ms, memory_order_relaxed);
                if ((state == GUARD_RECEIVING && age > request_ms) ||
                    (state == GUARD_AWAITING && age > idle_ms))
                    shed(g, c, true);
            }
        }
    }
}

/*
 * Whether the cap may shed c: in the first pass one that has not been answered yet and is not
 * being answered (receiving a request, or awaiting its first); in the second any that awaits a
 * request. One being answered stays.
 */
static bool sheddable(const struct guard_conn *c, int pass)
{
    if (c->shed)
        return false;
    int state = atomic_load_explicit(&c->state, memory_order_acquire);
    if (pass == 1)
        return state == GUARD_AWAITING;
    return state == GUARD_RECEIVING ||
           (state == GUARD_AWAITING &&
            !atomic_load_explicit(&c->established, memory_order_relaxed));
}

/* Under the lock: the oldest sheddable connection of the address holding the most connections. */
static struct guard_conn *victim(struct guard *g, int pass)
{
    struct guard_conn *best = NULL;
    unsigned most = 0;
    for (size_t b = 0; b < ADDR_BUCKETS; b++) {
        for (struct guard_addr *a = g->buckets[b]; a; a = a->next) {
            if (a->open <= most)
                continue;
            for (struct guard_conn *c = a->head; c; c = c->next) {
                if (sheddable(c, pass)) {
                    best = c;
                    most = a->open;
                    break;
                }
            }
        }
    }
    return best;
}

/*
 * Under the lock: while fewer than the reserve are free below the cap, shed a connection of the
 * address that holds the most, its oldest that has not been answered (see sheddable). The
 * address holding most is the one flooding: a client with one or two connections (a health
 * check, a desk) keeps them, however quickly the flood's connections come and go.
 */
static void keep_reserve(struct guard *g)
{
    unsigned high = g->config.max_connections > g->config.reserve
                        ? g->config.max_connections - g->config.reserve
                        : 1;
    for (int pass = 0; pass < 2 && g->open > high; pass++) {
        struct guard_conn *c;
        while (g->open > high && (c = victim(g, pass)))
            shed(g, c, false);
    }
}

static void *guard_main(void *arg)
{
    struct guard *g = arg;
    pthread_mutex_lock(&g->lock);
    while (!g->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g->wake, &g->lock, &until);
        enforce_deadlines(g, now_ms());
        keep_reserve(g);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

struct guard *guard_start(const struct guard_config *config)
{
    struct guard *g = xcalloc(1, sizeof *g);
    g->config = *config;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->wake, NULL);
    if (pthread_create(&g->thread, NULL, guard_main, g) != 0) {
        log_error("cannot start the connection guard's thread");
        abort();
    }
    return g;
}

void guard_stop(struct guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->stopping = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->thread, NULL);
    for (size_t b = 0; b < ADDR_BUCKETS; b++) {
        while (g->buckets[b]) {
            struct guard_addr *a = g->buckets[b];
            g->buckets[b] = a->next;
            while (a->head) {
                struct guard_conn *c = a->head;
                a->head = c->next;
                free(c);
            }
            free(a);
        }
    }
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

struct guard_conn *guard_open(struct guard *g, int fd, const char *addr)
{
    struct guard_conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    set_state(c, GUARD_AWAITING);
    char client[48];
    client_of(addr, client);
    pthread_mutex_lock(&g->lock);
    struct guard_addr *a = address(g, client, true);
    c->addr = a;
    c->prev = a->tail;
    if (a->tail)
        a->tail->next = c;
    else
        a->head = c;
    a->tail = c;
    a->open++;
    g->open++;
    keep_reserve(g);
    pthread_mutex_unlock(&g->lock);
    return c;
}

void guard_close(struct guard *g, struct guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    struct guard_addr *a = c->addr;
    if (c->prev)
        c->prev->next = c->next;
    else
        a->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        a->tail = c->prev;
    if (!c->shed) {
        a->open--;
        g->open--;
    }
    if (!a->head)
        address_drop(g, a);
    pthread_mutex_unlock(&g->lock);
    free(c);
}

void guard_receiving(struct guard_conn *c)
{
    if (c)
        set_state(c, GUARD_RECEIVING);
}

void guard_serving(struct guard_conn *c)
{
    if (c)
        set_state(c, GUARD_SERVING);
}

void guard_answered(struct guard_conn *c)
{
    if (!c)
        return;
    atomic_store_explicit(&c->established, true, memory_order_relaxed);
    set_state(c, GUARD_AWAITING);
}
