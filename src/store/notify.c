/* notify: the listener of hylla_changed and its subscribers (see notify.h). */
#include "notify.h"

#include "core/log.h"
#include "store/pool.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_SUBSCRIPTIONS 8
#define RECONNECT_MS      1000

struct store_subscription {
    char topic[32];
    store_notify_fn *fn;
    atomic_ulong epoch;
};

static struct store_subscription subs[MAX_SUBSCRIPTIONS];
static size_t nsubs;

/* The connection and the calls to subscribers, one thread at a time. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static PGconn *pg;            /* under lock */
static atomic_int pg_fd = -1; /* its socket while live, for catch_up's poll */
static atomic_bool live;
static atomic_bool stopping;
static int wake[2] = { -1, -1 }; /* a pipe that ends the listener's wait when stopping */
static pthread_t listener;
static bool started;

struct store_subscription *store_notify_subscribe(const char *topic, store_notify_fn *fn)
{
    if (nsubs == MAX_SUBSCRIPTIONS || started) {
        log_error("notify: cannot subscribe to %s now", topic);
        return NULL;
    }
    struct store_subscription *s = &subs[nsubs++];
    snprintf(s->topic, sizeof s->topic, "%s", topic);
    s->fn = fn;
    return s;
}

unsigned long store_notify_epoch(const struct store_subscription *sub)
{
    return sub ? atomic_load(&sub->epoch) : 0;
}

bool store_notify_live(void)
{
    return atomic_load(&live);
}

/* Tell a subscriber: the epoch moves first, so that a reader that saw the old one stays away. */
static void tell(struct store_subscription *s, const char *arg)
{
    atomic_fetch_add(&s->epoch, 1);
    s->fn(arg);
}

static void forget_everything(void)
{
    for (size_t i = 0; i < nsubs; i++)
        tell(&subs[i], NULL);
}

/* One message, "TOPIC ARGUMENT", to the subscribers of its topic. */
static void dispatch(const char *message)
{
    size_t n = strcspn(message, " ");
    const char *arg = message[n] ? message + n + 1 : "";
    for (size_t i = 0; i < nsubs; i++)
        if (strlen(subs[i].topic) == n && memcmp(subs[i].topic, message, n) == 0)
            tell(&subs[i], arg);
}

/* With lock held: apply what has arrived; false when the connection broke. */
static bool drain(void)
{
    if (!PQconsumeInput(pg))
        return false;
    PGnotify *n;
    while ((n = PQnotifies(pg))) {
        dispatch(n->extra);
        PQfreemem(n);
    }
    return true;
}

/* With lock held: give up the connection; what arrives from now on is lost. */
static void disconnect(void)
{
    bool was_live = atomic_exchange(&live, false);
    atomic_store(&pg_fd, -1);
    PQfinish(pg);
    pg = NULL;
    if (was_live) {
        log_warn("notify: lost the database connection; caches are off until it is back");
        forget_everything();
    }
}

/* With lock held: connect and listen; true when messages arrive from now on. */
static bool connect_and_listen(void)
{
    pg = store_connect("hylla listener");
    if (!pg)
        return false;
    PGresult *res = PQexec(pg, "LISTEN hylla_changed");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        log_error("notify: LISTEN failed: %s", PQerrorMessage(pg));
        PQfinish(pg);
        pg = NULL;
        return false;
    }
    /* Whatever changed while nobody listened is unknown: start from nothing. */
    forget_everything();
    atomic_store(&pg_fd, PQsocket(pg));
    atomic_store(&live, true);
    return true;
}

static void *listen_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&stopping)) {
        int fd = atomic_load(&pg_fd);
        if (fd < 0) {
            pthread_mutex_lock(&lock);
            bool ok = connect_and_listen();
            pthread_mutex_unlock(&lock);
            if (!ok)
                poll(&(struct pollfd){ .fd = wake[0], .events = POLLIN }, 1, RECONNECT_MS);
            continue;
        }
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
                               { .fd = wake[0], .events = POLLIN } };
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[0].revents) {
            pthread_mutex_lock(&lock);
            if (pg && !drain())
                disconnect();
            pthread_mutex_unlock(&lock);
        }
    }
    pthread_mutex_lock(&lock);
    if (pg)
        disconnect();
    pthread_mutex_unlock(&lock);
    return NULL;
}

void store_notify_start(void)
{
    if (started)
        return;
    if (pipe(wake) != 0 || pthread_create(&listener, NULL, listen_main, NULL) != 0) {
        log_error("notify: cannot start the listener; caches stay off");
        return;
    }
    started = true;
}

void store_notify_stop(void)
{
    if (!started)
        return;
    atomic_store(&stopping, true);
    if (write(wake[1], "x", 1) < 0)
        log_warn("notify: cannot wake the listener");
    pthread_join(listener, NULL);
    close(wake[0]);
    close(wake[1]);
    started = false;
}

void store_notify_catch_up(void)
{
    int fd = atomic_load(&pg_fd);
    if (fd < 0)
        return;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, 0) <= 0)
        return;
    /* Something arrived that the listener has not read yet: read it here, first. */
    pthread_mutex_lock(&lock);
    if (pg && atomic_load(&live) && !drain())
        disconnect();
    pthread_mutex_unlock(&lock);
}
