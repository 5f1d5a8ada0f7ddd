/* password: Argon2id behind a concurrency gate (see password.h). */
#include "password.h"

#include "core/buf.h"
#include "embedded.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * The gate: at most max_running hashes at once and max_waiting waiting, in order of arrival. A
 * client address holds at most a share of those places (running or waiting), and when every
 * waiting place is taken, a client holding none takes the newest waiting place of the client
 * holding the most (at least two), who is told busy: so a flood from a few addresses cannot keep
 * a login from another address out. Calls with no client (the command line, a password change)
 * only wait in line.
 */
#define GATE_MAX_PLACES 256

struct gate_client {
    char addr[48]; /* "" when the entry is free */
    unsigned held; /* places it holds, running or waiting */
};

struct gate_waiter {
    struct gate_waiter *next;
    struct gate_client *client;
    bool admitted;  /* a running place was handed to it */
    bool displaced; /* its place went to a client that held none */
};

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_moved = PTHREAD_COND_INITIALIZER;
static unsigned max_running, max_waiting, running, waiting;
static struct gate_client clients[GATE_MAX_PLACES + 1];
static struct gate_waiter *queue_head, *queue_tail;

/* Waiting longer than this means the queue is not moving: give up and say busy. */
#define GATE_WAIT_SECONDS 10

void password_gate_configure(unsigned run, unsigned wait)
{
    pthread_mutex_lock(&gate_lock);
    max_running = run ? run : 1;
    if (max_running > GATE_MAX_PLACES / 2)
        max_running = GATE_MAX_PLACES / 2;
    max_waiting = wait < GATE_MAX_PLACES / 2 ? wait : GATE_MAX_PLACES / 2;
    pthread_mutex_unlock(&gate_lock);
}

/* Under the lock: how many places one client may hold. */
static unsigned share(void)
{
    unsigned s = (max_running + max_waiting) / 2;
    return s ? s : 1;
}

/* Under the lock: the entry of a client address, a free one if it holds nothing. */
static struct gate_client *client_entry(const char *addr)
{
    struct gate_client *free_entry = NULL;
    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++) {
        if (clients[i].held && strcmp(clients[i].addr, addr) == 0)
            return &clients[i];
        if (!clients[i].held && !free_entry)
            free_entry = &clients[i];
    }
    /* Fewer clients hold places than there are places, so one entry is always free. */
    snprintf(free_entry->addr, sizeof free_entry->addr, "%s", addr);
    return free_entry;
}

static void hold(struct gate_client *c)
{
    if (c)
        c->held++;
}

static void release(struct gate_client *c)
{
    if (c && --c->held == 0)
        c->addr[0] = '\0';
}

static void dequeue(struct gate_waiter *w)
{
    struct gate_waiter **p = &queue_head;
    while (*p && *p != w)
        p = &(*p)->next;
    if (!*p)
        return;
    *p = w->next;
    if (queue_tail == w) {
        queue_tail = NULL;
        for (struct gate_waiter *q = queue_head; q; q = q->next)
            queue_tail = q;
    }
    waiting--;
}

/* Under the lock: the newest waiter of the client that holds the most places, two at least. */
static struct gate_waiter *greediest_waiter(void)
{
    struct gate_waiter *best = NULL;
    for (struct gate_waiter *w = queue_head; w; w = w->next)
        if (w->client && w->client->held >= 2 && (!best || w->client->held >= best->client->held))
            best = w;
    return best;
}

/*
 * Take a running place for the client addr (NULL: none in particular), waiting in line if need
 * be: PASSWORD_MATCH when taken (*held_by then goes to gate_leave), PASSWORD_OVER_SHARE when the
 * client holds its share already, PASSWORD_BUSY when the line is full or does not move.
 */
static enum password_result gate_enter(const char *addr, struct gate_client **held_by)
{
    pthread_mutex_lock(&gate_lock);
    if (max_running == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        max_running = cores > 0 && cores < GATE_MAX_PLACES / 2 ? (unsigned)cores : 1;
        max_waiting = max_running;
    }
    struct gate_client *c = addr ? client_entry(addr) : NULL;
    enum password_result r = PASSWORD_MATCH;
    if (c && c->held >= share()) {
        r = PASSWORD_OVER_SHARE;
        goto out;
    }
    if (running < max_running && !queue_head) {
        running++;
        hold(c);
        goto out;
    }
    if (waiting >= max_waiting) {
        struct gate_waiter *v = c && c->held == 0 ? greediest_waiter() : NULL;
        if (!v) {
            r = PASSWORD_BUSY;
            goto out;
        }
        dequeue(v);
        v->displaced = true;
        pthread_cond_broadcast(&gate_moved);
    }
    struct gate_waiter w = { .client = c };
    if (queue_tail)
        queue_tail->next = &w;
    else
        queue_head = &w;
    queue_tail = &w;
    waiting++;
    hold(c);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += GATE_WAIT_SECONDS;
    bool in_time = true;
    while (!w.admitted && !w.displaced && in_time)
        in_time = pthread_cond_timedwait(&gate_moved, &gate_lock, &deadline) == 0;
    if (!w.admitted) {
        if (!w.displaced)
            dequeue(&w);
        release(c);
        r = PASSWORD_BUSY;
    }
out:
    if (c && !c->held)
        c->addr[0] = '\0';
    pthread_mutex_unlock(&gate_lock);
    *held_by = c;
    return r;
}

/* Give the running place back; the first in line takes it. */
static void gate_leave(struct gate_client *c)
{
    pthread_mutex_lock(&gate_lock);
    running--;
    release(c);
    struct gate_waiter *next = queue_head;
    if (next) {
        dequeue(next);
        next->admitted = true;
        running++;
        pthread_cond_broadcast(&gate_moved);
    }
    pthread_mutex_unlock(&gate_lock);
}

enum password_problem password_check(const char *password, const char **why)
{
    size_t n = password ? strlen(password) : 0;
    /* Count characters, not bytes: "lösenordet" is ten letters. */
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)password[i] & 0xC0) != 0x80;
    if (chars < PASSWORD_MIN_LENGTH) {
        *why = "the password must have at least 10 characters";
        return PASSWORD_TOO_SHORT;
    }
    if (n > PASSWORD_MAX_LENGTH) {
        *why = "the password must have at most 1024 bytes";
        return PASSWORD_TOO_LONG;
    }
    if (password_is_common(password)) {
        *why = "the password is one of the 10,000 most common: choose another";
        return PASSWORD_COMMON;
    }
    return PASSWORD_ACCEPTABLE;
}

bool password_acceptable(const char *password, const char **why)
{
    return password_check(password, why) == PASSWORD_ACCEPTABLE;
}

/* The common passwords, one per line in lower case, as pointers into the embedded text, sorted. */
static const char **common;
static size_t ncommon;
static pthread_once_t common_once = PTHREAD_ONCE_INIT;

/* Compare two lines of the list, each ended by a newline. */
static int line_cmp(const char *a, const char *b)
{
    for (; *a != '\n' && *a == *b; a++, b++)
        ;
    return (*a == '\n' ? 0 : (unsigned char)*a) - (*b == '\n' ? 0 : (unsigned char)*b);
}

static int by_line(const void *a, const void *b)
{
    return line_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void load_common(void)
{
    const char *text = hylla_common_passwords[0].data;
    size_t len = hylla_common_passwords[0].len;
    for (size_t i = 0; i < len; i++)
        ncommon += text[i] == '\n';
    common = xcalloc(ncommon ? ncommon : 1, sizeof *common);
    size_t n = 0;
    for (const char *line = text; line < text + len && n < ncommon; n++) {
        common[n] = line;
        line = strchr(line, '\n') + 1;
    }
    qsort(common, ncommon, sizeof *common, by_line);
}

bool password_is_common(const char *password)
{
    size_t n = strlen(password);
    if (n > 64)
        return false; /* no entry is that long */
    char key[66];
    for (size_t i = 0; i < n; i++)
        key[i] = password[i] >= 'A' && password[i] <= 'Z' ? (char)(password[i] - 'A' + 'a')
                                                          : password[i];
    key[n] = '\n';
    pthread_once(&common_once, load_common);
    const char *k = key;
    return bsearch(&k, common, ncommon, sizeof *common, by_line) != NULL;
}

enum password_result password_hash(const char *password, char out[PASSWORD_HASH_SIZE])
{
    struct gate_client *c;
    enum password_result r = gate_enter(NULL, &c);
    if (r != PASSWORD_MATCH)
        return r;
    int rc = crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    gate_leave(c);
    return rc == 0 ? PASSWORD_MATCH : PASSWORD_FAILED;
}

/* Verify with a place in the gate already held. */
static enum password_result verify_in_gate(const char *stored, const char *password)
{
    if (crypto_pwhash_str_verify(stored, password, strlen(password)) != 0)
        return PASSWORD_MISMATCH;
    if (crypto_pwhash_str_needs_rehash(stored, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return PASSWORD_MATCH_REHASH;
    return PASSWORD_MATCH;
}

enum password_result password_verify(const char *stored, const char *password, const char *client)
{
    struct gate_client *c;
    enum password_result r = gate_enter(client, &c);
    if (r != PASSWORD_MATCH)
        return r;
    r = verify_in_gate(stored, password);
    gate_leave(c);
    return r;
}

static char dummy_hash[PASSWORD_HASH_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
    char random_password[33];
    password_generate(random_password, 32);
    if (crypto_pwhash_str(dummy_hash, random_password, strlen(random_password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = '\0';
}

enum password_result password_verify_dummy(const char *password, const char *client)
{
    /* The dummy hash is made inside the gate too: it costs as much memory as any other. */
    struct gate_client *c;
    enum password_result r = gate_enter(client, &c);
    if (r != PASSWORD_MATCH)
        return r;
    pthread_once(&dummy_once, make_dummy_hash);
    (void)verify_in_gate(dummy_hash, password);
    gate_leave(c);
    return PASSWORD_MISMATCH;
}

void password_generate(char *out, size_t len)
{
    /* No 0/O, 1/l/I: the password may be read aloud or copied from paper. */
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (size_t i = 0; i < len; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[len] = '\0';
}
