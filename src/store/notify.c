/* notify: the subscribers of hylla_changed (see notify.h). */
#include "notify.h"

#include "core/log.h"
#include "store/pool.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MAX_SUBSCRIPTIONS 8

struct store_subscription {
    char topic[32];
    store_notify_fn *fn;
    atomic_ulong epoch;
};

static struct store_subscription subs[MAX_SUBSCRIPTIONS];
static size_t nsubs;
static atomic_bool enabled;

struct store_subscription *store_notify_subscribe(const char *topic, store_notify_fn *fn)
{
    if (nsubs == MAX_SUBSCRIPTIONS || atomic_load(&enabled)) {
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

void store_notify_enable(void)
{
    atomic_store(&enabled, true);
}

bool store_notify_live(void)
{
    return atomic_load(&enabled);
}

bool store_notify_sync(void)
{
    return store_listens() && store_sync() >= 0;
}

/* Tell a subscriber: the epoch moves first, so that a reader that saw the old one stays away. */
static void tell(struct store_subscription *s, const char *arg)
{
    atomic_fetch_add(&s->epoch, 1);
    s->fn(arg);
}

void store_notify_forget_everything(void)
{
    for (size_t i = 0; i < nsubs; i++)
        tell(&subs[i], NULL);
}

void store_notify_deliver(const char *message)
{
    size_t n = strcspn(message, " ");
    const char *arg = message[n] ? message + n + 1 : "";
    for (size_t i = 0; i < nsubs; i++)
        if (strlen(subs[i].topic) == n && memcmp(subs[i].topic, message, n) == 0)
            tell(&subs[i], arg);
}
