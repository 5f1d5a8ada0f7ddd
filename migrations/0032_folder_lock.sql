-- 0032_folder_lock: a server's folder queues for FOLDER_LOCK instead of trying for it once a tick
-- (issue 14).
--
-- A transaction that journaled a change asks at its commit whether a server's folder runs: it
-- takes FOLDER_LOCK (classid 1752787053, objid 1) shared, which fails while a folder holds it,
-- and folds itself when it gets it (0017's rollup_journal_fold). It keeps that shared lock until
-- it ends, so for the whole of its fold. 0017's stats_fold_tick only tried for the lock: under
-- load, with a server just started, some commit nearly always held it shared, mid-fold, when the
-- folder tried; the try failed, the folder folded and tried again only at its next tick, up to
-- ten seconds later (20 times its last fold, which had waited for the commits' folds), and every
-- commit meanwhile folded alone. Through hylla's lend-and-return cycle at 64 connections, on
-- contrib/bench's data, a new server each run, 25 runs made 425-1,034 cycles/s at 0.72-1.94 ms of
-- PostgreSQL CPU a request; in the three slow ones examined (425-644 cycles/s, 1.20-1.94 ms) the
-- commits folded their own changes (contrib/bench/README.md, "The folder's lock").
--
-- Now the folder waits for the lock, up to 5 seconds. PostgreSQL queues a request behind one
-- waiting that conflicts with it, so from the moment the folder waits, the commits' shared tries
-- fail and they leave their changes to it; those that held the lock end their folds, and the
-- folder has it. A folder that finds another server's folder holding it (stats_folder_runs) does
-- not wait: it folds all the same, as before.

CREATE FUNCTION stats_folder_lock() RETURNS void LANGUAGE plpgsql SET lock_timeout = '5s' AS $$
BEGIN
    PERFORM pg_advisory_lock(1752787053, 1);
EXCEPTION WHEN lock_not_available THEN
    NULL; -- the next tick waits again
END
$$;

-- Whether a server's folder holds FOLDER_LOCK in this database (pg_locks shows every database's).
CREATE FUNCTION stats_folder_runs() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                    WHERE l.locktype = 'advisory' AND l.classid = 1752787053 AND l.objid = 1
                      AND l.mode = 'ExclusiveLock' AND l.granted
                      AND d.datname = current_database())
$$;

CREATE OR REPLACE FUNCTION stats_fold_tick() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT stats_folder_runs() THEN
        PERFORM stats_folder_lock();
    END IF;
    PERFORM stats_fold();
END
$$;
