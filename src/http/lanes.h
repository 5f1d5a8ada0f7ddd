/*
 * lanes: the threads that run requests which may wait, on the database or anything else, so that
 * the threads serving connections never do. server.c suspends a connection whose request it hands
 * to a lane and resumes it when a lane thread has answered; meanwhile its thread goes on reading
 * and writing every other connection. A lane is a queue (first come, first served) and a fixed
 * set of threads; requests of different lanes never queue behind each other, so one lane's slow
 * requests (a ten-year report, a public search) leave another lane's fast ones alone. A lane may
 * also yield to another: while that one has work, it runs on fewer threads (yield_threads), so
 * that its slow requests leave the other's the cores as well as the queue.
 *
 * What a lane thread has of its own (a database connection) is its owner's business: lanes only
 * call the hooks of its config when a thread starts and before it ends.
 *
 * Jobs of one kind may be run together (group commit): a thread that takes a job with a batch key
 * takes with it the other queued jobs of the same key, up to LANES_BATCH_MAX, and hands them all
 * to run_batch at once (one database statement for many reads, or many writes' statements sent
 * in one go, say). The jobs of other keys keep their places in the queue. Nothing ever waits for
 * a batch to fill: a job alone in the queue runs alone, through run, as soon as a thread is free
 * (and, with batch_threads, fewer batches than that run).
 *
 * Jobs that wait their turn at a gate of their own rather than on the database (a login at the
 * password gate, core/password.c) may be marked gated, and a lane may keep threads for them
 * (gate_threads): a flood of them, hashing and waiting at their gate, then never holds the
 * threads that every other job runs on.
 */
#ifndef HYLLA_HTTP_LANES_H
#define HYLLA_HTTP_LANES_H

#include <stdbool.h>
#include <stddef.h>

#define LANES_MAX 4

struct lane_config {
    const char *name; /* for the log: "desk", "reads" */
    unsigned threads; /* at least 1 */
    /*
     * At most this many of the threads run batchable jobs of one batch key at once (0: any
     * number). Jobs that could be batched wait while that many batches of their key run, and go
     * together with the next, as a group commit does: fewer, larger batches, while the other
     * threads take the other jobs (and the batches of other keys). Jobs marked batch_free
     * never wait so.
     */
    unsigned batch_threads;
    /*
     * While lane yield_to (an index) has jobs queued or running, at most yield_threads of this
     * lane's threads run jobs (0: never yield): a lane of slow reports leaves the cores to the
     * desk while the desk has work, and takes them all when it has none.
     */
    unsigned yield_to, yield_threads;
    /*
     * Threads beyond `threads` that run the gated jobs (struct lane_job), and only those, while
     * the `threads` run only the others (0: no such threads, and every thread runs every job).
     */
    unsigned gate_threads;
};

/* Called on each lane thread when it starts (lane is its index) and before it ends. */
struct lane_hooks {
    void (*thread_start)(unsigned lane);
    void (*thread_stop)(unsigned lane);
};

#define LANES_BATCH_MAX 64

/*
 * One unit of work; the caller owns it and keeps it alive until run (or run_batch) has returned.
 * batch_key NULL: never run with others. Jobs of the same non-NULL key have the same run_batch.
 */
struct lane_job {
    void (*run)(struct lane_job *job);
    const void *batch_key;
    /* Run jobs[0..n) together (2 <= n <= LANES_BATCH_MAX), in the order they were queued. */
    void (*run_batch)(struct lane_job **jobs, size_t n);
    bool gated;            /* waits its turn at a gate of its own (lane_config.gate_threads) */
    bool batch_free;       /* with a batch key: never waits for batch_threads */
    struct lane_job *next; /* the queue's link */
};

struct lanes;

/*
 * Start n (at most LANES_MAX) lanes; hooks may be NULL. Returns once every thread has run its
 * thread_start hook. Aborts when a thread cannot start.
 */
struct lanes *lanes_start(const struct lane_config *config, size_t n,
                          const struct lane_hooks *hooks);

/* Queue a job on a lane (an index below n; a larger one means the last lane). */
void lanes_submit(struct lanes *lanes, unsigned lane, struct lane_job *job);

/*
 * n jobs of a lane's kind begun (n > 0) or ended (n < 0) elsewhere, by a thread of no lane (a
 * connection thread's lookups, http/server.c): while any are, a lane that yields to this one
 * yields as it does for this lane's own jobs.
 */
void lanes_note(struct lanes *lanes, unsigned lane, int n);

/* Run what is queued, let every thread end, and free the lanes. */
void lanes_stop(struct lanes *lanes);

#endif
