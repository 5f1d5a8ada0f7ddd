/*
 * Unit tests of http/lanes: the threads a lane keeps for gated jobs (a login at the password
 * gate) and for the others, a lane that yields to another's work done elsewhere, and how many
 * batches of one kind run at once. Jobs here hold their thread until the test lets them go, so
 * what runs at once is what the lane allowed.
 */
#include "check_main.h"
#include "http/lanes.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

struct held_job {
    struct lane_job job; /* first, so that a job is its held_job */
    bool started;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t moved = PTHREAD_COND_INITIALIZER;
static unsigned running[2], most[2]; /* by kind: [0] not gated, [1] gated */
static bool released;

static void run_held(struct lane_job *job)
{
    struct held_job *h = (struct held_job *)job;
    pthread_mutex_lock(&lock);
    h->started = true;
    unsigned kind = job->gated;
    if (++running[kind] > most[kind])
        most[kind] = running[kind];
    pthread_cond_broadcast(&moved);
    while (!released)
        pthread_cond_wait(&moved, &lock);
    running[kind]--;
    pthread_mutex_unlock(&lock);
}

/* Wait (at most 5 s) until n jobs of jobs[0..count) have started; returns how many have. */
static unsigned wait_started(struct held_job *jobs, size_t count, unsigned n)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&lock);
    unsigned started;
    for (;;) {
        started = 0;
        for (size_t i = 0; i < count; i++)
            started += jobs[i].started;
        if (started >= n || pthread_cond_timedwait(&moved, &lock, &deadline) != 0)
            break;
    }
    pthread_mutex_unlock(&lock);
    return started;
}

static void release_all(void)
{
    pthread_mutex_lock(&lock);
    released = true;
    pthread_cond_broadcast(&moved);
    pthread_mutex_unlock(&lock);
}

static void reset(void)
{
    running[0] = running[1] = most[0] = most[1] = 0;
    released = false;
}

/* Queue n jobs on lane 0: gated[i] says which are gated. */
static void submit(struct lanes *lanes, struct held_job *jobs, const bool *gated, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        jobs[i] = (struct held_job){ .job = { .run = run_held, .gated = gated[i] } };
        lanes_submit(lanes, 0, &jobs[i].job);
    }
}

START_TEST(gated_jobs_never_hold_the_other_threads)
{
    reset();
    const struct lane_config config = { .name = "desk", .threads = 1, .gate_threads = 2 };
    struct lanes *lanes = lanes_start(&config, 1, NULL);
    /* Four logins, then a checkout: the checkout runs while two logins hold their threads. */
    const bool gated[] = { true, true, true, true, false, false };
    struct held_job jobs[6];
    submit(lanes, jobs, gated, 6);
    ck_assert_uint_eq(wait_started(jobs, 6, 3), 3);
    nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL); /* nothing else starts */
    pthread_mutex_lock(&lock);
    ck_assert(jobs[0].started && jobs[1].started && !jobs[2].started && !jobs[3].started);
    ck_assert(jobs[4].started && !jobs[5].started);
    pthread_mutex_unlock(&lock);
    release_all();
    lanes_stop(lanes); /* runs what is queued */
    for (size_t i = 0; i < 6; i++)
        ck_assert(jobs[i].started);
    ck_assert_uint_eq(most[1], 2);
    ck_assert_uint_eq(most[0], 1);
}
END_TEST

START_TEST(without_gate_threads_any_job_takes_any_thread)
{
    reset();
    const struct lane_config config = { .name = "reads", .threads = 3 };
    struct lanes *lanes = lanes_start(&config, 1, NULL);
    const bool gated[] = { true, true, true };
    struct held_job jobs[3];
    submit(lanes, jobs, gated, 3);
    ck_assert_uint_eq(wait_started(jobs, 3, 3), 3);
    release_all();
    lanes_stop(lanes);
    ck_assert_uint_eq(most[1], 3);
}
END_TEST

/*
 * Work of the desk's kind noted from outside its lane (a connection thread's lookups): while it
 * is, the reads' lane runs on its yield_threads only, and on all of them once it has ended.
 */
START_TEST(a_lane_yields_to_work_noted_elsewhere)
{
    reset();
    const struct lane_config config[] = {
        { .name = "desk", .threads = 1 },
        { .name = "reads", .threads = 3, .yield_to = 0, .yield_threads = 1 },
    };
    struct lanes *lanes = lanes_start(config, 2, NULL);
    lanes_note(lanes, 0, 2);
    struct held_job jobs[3];
    for (size_t i = 0; i < 3; i++) {
        jobs[i] = (struct held_job){ .job = { .run = run_held } };
        lanes_submit(lanes, 1, &jobs[i].job);
    }
    ck_assert_uint_eq(wait_started(jobs, 3, 1), 1);
    lanes_note(lanes, 0, -1);
    nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL); /* one is still noted */
    ck_assert_uint_eq(wait_started(jobs, 3, 1), 1);
    lanes_note(lanes, 0, -1);
    ck_assert_uint_eq(wait_started(jobs, 3, 3), 3);
    release_all();
    lanes_stop(lanes);
    ck_assert_uint_eq(most[0], 3);
}
END_TEST

static void run_held_batch(struct lane_job **jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        run_held(jobs[i]);
}

/*
 * batch_threads holds back a batchable job while that many batches of its own key run, and only
 * then: a batch of another key starts, and so does one of a key marked batch_free, however many
 * of that key run.
 */
START_TEST(batch_threads_counts_batches_of_one_key)
{
    reset();
    const struct lane_config config = { .name = "desk", .threads = 4, .batch_threads = 1 };
    struct lanes *lanes = lanes_start(&config, 1, NULL);
    static const char lookups, searches, checkouts;
    const void *key[] = { &lookups, &lookups, &searches, &checkouts, &checkouts };
    const bool free_key[] = { false, false, false, true, true };
    struct held_job jobs[5];
    for (size_t i = 0; i < 5; i++) {
        jobs[i] = (struct held_job){ .job = { .run = run_held,
                                              .run_batch = run_held_batch,
                                              .batch_key = key[i],
                                              .batch_free = free_key[i] } };
        lanes_submit(lanes, 0, &jobs[i].job);
        /* Each but the second lookup starts before the next comes: none is batched with it. */
        unsigned want = i == 0 ? 1 : (unsigned)i;
        if (i != 1)
            ck_assert_uint_eq(wait_started(jobs, i + 1, want), want);
    }
    nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL); /* nothing else starts */
    pthread_mutex_lock(&lock);
    ck_assert(jobs[0].started && !jobs[1].started && jobs[2].started && jobs[3].started &&
              jobs[4].started);
    pthread_mutex_unlock(&lock);
    release_all();
    lanes_stop(lanes);
    ck_assert(jobs[1].started);
    ck_assert_uint_eq(most[0], 4);
}
END_TEST

static Suite *lanes_suite(void)
{
    Suite *s = suite_create("lanes");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, gated_jobs_never_hold_the_other_threads);
    tcase_add_test(tc, without_gate_threads_any_job_takes_any_thread);
    tcase_add_test(tc, a_lane_yields_to_work_noted_elsewhere);
    tcase_add_test(tc, batch_threads_counts_batches_of_one_key);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(lanes_suite)
