/*
 * rollup: how the store reads the statistics rollups exactly (internal to src/store; see
 * migrations/0017_hot_paths.sql). Changes reach the rollups through rollup_journal, which is
 * folded in at each commit when no other fold is running, and otherwise by the next fold. A
 * statement that reads the rollups therefore also says, in the same snapshot, whether the journal
 * holds anything (ROLLUP_PENDING as one of its columns); store_rollup_exec then folds and reads
 * again. On a quiet journal that is one round trip, as any other read.
 */
#ifndef HYLLA_STORE_ROLLUP_H
#define HYLLA_STORE_ROLLUP_H

#include "store/pool.h"

/* A column that is true when the journal holds changes the rollups do not count yet. */
#define ROLLUP_PENDING "EXISTS (SELECT FROM rollup_journal)"

/*
 * store_exec for a statement that reads rollups and has ROLLUP_PENDING as column pending_col:
 * when that column of its first row is true, or it found no row (and so could not say), fold the
 * journal and run the statement again. Never on a read-only connection (store_read_only: a
 * replica), which answers what the rollups held at the primary's last fold, a second behind
 * while a server's folder runs.
 */
enum store_status store_rollup_exec(struct store_stmt *stmt, int nparams, const char *const *params,
                                    int pending_col, PGresult **res) STORE_MUST_CHECK;

#endif
