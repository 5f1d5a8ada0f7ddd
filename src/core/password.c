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

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_free = PTHREAD_COND_INITIALIZER;
static unsigned max_running, max_waiting, running, waiting;

/* Waiting longer than this means the queue is not moving: give up and say busy. */
#define GATE_WAIT_SECONDS 10

void password_gate_configure(unsigned run, unsigned wait)
{
    pthread_mutex_lock(&gate_lock);
    max_running = run ? run : 1;
    max_waiting = wait;
    pthread_mutex_unlock(&gate_lock);
}

static bool gate_enter(void)
{
    pthread_mutex_lock(&gate_lock);
    if (max_running == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        max_running = cores > 0 ? (unsigned)cores : 1;
        max_waiting = 2 * max_running;
    }
    bool ok = true;
    if (running >= max_running) {
        if (waiting >= max_waiting) {
            ok = false;
        } else {
            struct timespec deadline;
            clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_sec += GATE_WAIT_SECONDS;
            waiting++;
            while (running >= max_running && ok)
                ok = pthread_cond_timedwait(&gate_free, &gate_lock, &deadline) == 0;
            waiting--;
            ok = running < max_running;
        }
    }
    if (ok)
        running++;
    pthread_mutex_unlock(&gate_lock);
    return ok;
}

static void gate_leave(void)
{
    pthread_mutex_lock(&gate_lock);
    running--;
    pthread_cond_signal(&gate_free);
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
    if (!gate_enter())
        return PASSWORD_BUSY;
    int rc = crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    gate_leave();
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

enum password_result password_verify(const char *stored, const char *password)
{
    if (!gate_enter())
        return PASSWORD_BUSY;
    enum password_result r = verify_in_gate(stored, password);
    gate_leave();
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

enum password_result password_verify_dummy(const char *password)
{
    /* The dummy hash is made inside the gate too: it costs as much memory as any other. */
    if (!gate_enter())
        return PASSWORD_BUSY;
    pthread_once(&dummy_once, make_dummy_hash);
    (void)verify_in_gate(dummy_hash, password);
    gate_leave();
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
