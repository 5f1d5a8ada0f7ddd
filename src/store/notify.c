/* notify: the listener of hylla_changed and its subscribers (see notify.h). */
#include "notify.h"

#include "core/log.h"
#include "store/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SUBSCRIPTIONS 8
#define RECONNECT_MS      1000
#define SYNC_WAIT_MS      1000 /* a sync that takes longer leaves the caller to the database */

struct store_subscription {
    char topic[32];
    store_notify_fn *fn;
    atomic_ulong epoch;
};

static struct store_subscription subs[MAX_SUBSCRIPTIONS];
static size_t nsubs;

/*
 * The listener's state, under lock. Syncs are numbered: a caller of store_notify_sync takes the
 * next number (wanted), and is done when a round trip sent after that (its number in sending)
 * has come back (done). One round trip answers every caller that came before it was sent.
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t synced = PTHREAD_COND_INITIALIZER;
static unsigned long wanted, sending, done;
static bool in_flight; /* a round trip is on its way */
static bool flushing;  /* and not all sent yet: wait until the socket takes more */
static bool live;      /* connected and listening */

static PGconn *pg; /* the listener thread's own */
static atomic_bool stopping;
static int wake[2] = { -1, -1 }; /* a pipe that wakes the listener: a sync, or the end */
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
    pthread_mutex_lock(&lock);
    bool l = live;
    pthread_mutex_unlock(&lock);
    return l;
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

/* Set whether messages arrive; a sync waiting on a dead connection gives up. */
static void set_live(bool now)
{
    pthread_mutex_lock(&lock);
    live = now;
    in_flight = false;
    if (!now)
        pthread_cond_broadcast(&synced);
    pthread_mutex_unlock(&lock);
}

/* Give up the connection; what arrives from now on is lost. */
static void disconnect(void)
{
    bool was_live = store_notify_live();
    set_live(false);
    PQfinish(pg);
    pg = NULL;
    if (was_live) {
        log_warn("notify: lost the database connection; caches are off until it is back");
        forget_everything();
    }
}

/* Connect and listen; true when messages arrive from now on. */
static bool connect_and_listen(void)
{
    pg = store_connect("hylla listener");
    if (!pg)
        return false;
    PGresult *res = PQexec(pg, "LISTEN hylla_changed");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok || PQsetnonblocking(pg, 1) != 0) {
        log_error("notify: LISTEN failed: %s", PQerrorMessage(pg));
        PQfinish(pg);
        pg = NULL;
        return false;
    }
    /* Whatever changed while nobody listened is unknown: start from nothing. */
    forget_everything();
    set_live(true);
    return true;
}

/*
 * Read what has arrived: messages go to their subscribers, and the end of a sync's round trip
 * (an empty query: the server sends every message committed before it first) answers its
 * callers. False when the connection broke.
 */
static bool drain(void)
{
    if (!PQconsumeInput(pg))
        return false;
    PGnotify *n;
    while ((n = PQnotifies(pg))) {
        dispatch(n->extra);
        PQfreemem(n);
    }
    pthread_mutex_lock(&lock);
    bool waiting = in_flight;
    pthread_mutex_unlock(&lock);
    if (!waiting || PQisBusy(pg))
        return true;
    PGresult *res;
    while ((res = PQgetResult(pg)))
        PQclear(res);
    /* Messages that came with the answer. */
    while ((n = PQnotifies(pg))) {
        dispatch(n->extra);
        PQfreemem(n);
    }
    pthread_mutex_lock(&lock);
    in_flight = false;
    done = sending;
    pthread_cond_broadcast(&synced);
    pthread_mutex_unlock(&lock);
    return true;
}

/* Send what libpq holds back; false when the connection broke. */
static bool flush(void)
{
    int r = PQflush(pg);
    flushing = r == 1;
    return r >= 0;
}

/* Send a sync's round trip when callers wait and none is on its way; false when that failed. */
static bool send_sync(void)
{
    pthread_mutex_lock(&lock);
    bool go = !in_flight && wanted > done;
    if (go) {
        in_flight = true;
        sending = wanted;
    }
    pthread_mutex_unlock(&lock);
    if (go && !PQsendQuery(pg, ""))
        return false;
    return flush();
}

static void *listen_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&stopping)) {
        if (!pg) {
            if (!connect_and_listen())
                poll(&(struct pollfd){ .fd = wake[0], .events = POLLIN }, 1, RECONNECT_MS);
            continue;
        }
        struct pollfd p[2] = {
            { .fd = PQsocket(pg), .events = (short)(POLLIN | (flushing ? POLLOUT : 0)) },
            { .fd = wake[0], .events = POLLIN },
        };
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents) {
            char drop[64];
            if (read(wake[0], drop, sizeof drop) < 0 && errno != EAGAIN)
                log_warn("notify: cannot read the wake pipe");
        }
        if ((p[0].revents && !drain()) || !send_sync())
            disconnect();
    }
    if (pg)
        disconnect();
    return NULL;
}

void store_notify_start(void)
{
    if (started)
        return;
    if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0 ||
        pthread_create(&listener, NULL, listen_main, NULL) != 0) {
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

unsigned long store_notify_sync_start(void)
{
    pthread_mutex_lock(&lock);
    unsigned long mine = live ? ++wanted : 0;
    /* A round trip on its way sends the next one when it is back: no need to wake. */
    bool wake_listener = mine && !in_flight;
    pthread_mutex_unlock(&lock);
    /* A full pipe already holds a wake-up. */
    if (wake_listener && write(wake[1], "s", 1) < 0 && errno != EAGAIN)
        return 0;
    return mine;
}

bool store_notify_sync_wait(unsigned long ticket)
{
    if (!ticket)
        return false;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)(SYNC_WAIT_MS % 1000) * 1000000L;
    until.tv_sec += SYNC_WAIT_MS / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&lock);
    int err = 0;
    while (live && done < ticket && err == 0)
        err = pthread_cond_timedwait(&synced, &lock, &until);
    bool ok = live && done >= ticket;
    pthread_mutex_unlock(&lock);
    return ok;
}

bool store_notify_sync(void)
{
    return store_notify_sync_wait(store_notify_sync_start());
}
