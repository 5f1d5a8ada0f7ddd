// The statistics folder's lock (migration 0032): a commit that journaled a change folds it itself
// unless a server's folder holds FOLDER_LOCK, and asks by taking that lock shared until it ends,
// its fold included. A server started under load finds commits holding it so; its folder must
// still get the lock, or every commit goes on folding alone. The folder queues for the lock: from
// then on commits leave their changes to it, and it has the lock as soon as the commits that held
// it end.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDb, startHylla, addBranch, addStaff, addItem, addBorrower, Client, pgConfig, sleep, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let holder;

after(async () => {
  await holder?.end().catch(() => {});
  await server?.stop();
  await db?.drop();
});

const journal = async () => (await db.query('SELECT count(*)::int AS n FROM rollup_journal')).rows[0].n;

/** Waits up to ms for a hylla backend to hold (granted) or wait for FOLDER_LOCK exclusively. */
async function folderLock(granted, ms) {
  for (const started = Date.now(); Date.now() - started < ms; await sleep(10)) {
    const { rows: [{ n }] } = await db.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.classid = 1752787053 AND l.objid = 1
          AND l.mode = 'ExclusiveLock' AND l.granted = $1
          AND a.datname = current_database() AND a.query = 'SELECT stats_fold_tick()'`, [granted]);
    if (n > 0) return;
  }
  assert.fail(`the folder did not ${granted ? 'hold' : 'wait for'} its lock within ${ms} ms`);
}

test('a new server\'s folder queues for its lock behind a folding commit, and has it when that commit ends', async () => {
  db = await freshDb();
  await addBranch(db, 'lasby', { prefix: 'LAS', opening_hours: OPEN_EVERY_DAY });
  const code = await addItem(db, 'lasby');
  const borrower = await addBorrower(db, { branch: 'lasby', name: 'Lisa Lås', phone: '+46705550202' });
  await addStaff(db, { username: 'las-desk', role: 'volunteer', branch: 'lasby' });

  // A commit in the middle of its own fold, as one holds FOLDER_LOCK shared.
  holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock_shared(1752787053, 1)');

  server = await startHylla({ database: db.conninfo });
  const desk = new Client(server.url);
  await desk.login('las-desk');
  // The folder's first tick, a second after the start: it waits for the lock (0017's tick tried
  // once and folded, and tried again a tick later).
  await folderLock(false, 10000);

  // While it waits, a checkout's commit finds the lock not free to share and leaves its change.
  const lent = await desk.post('/api/checkouts', { borrower_id: borrower, items: [code] });
  assert.equal(lent.status, 201, lent.text);
  assert.equal(await journal(), 1, 'the checkout folded at its commit while the folder waited');

  // The folding commit ends: the folder has the lock at once (and keeps it, so that commits leave
  // their changes to it), and folds at its next tick.
  await holder.query('SELECT pg_advisory_unlock_shared(1752787053, 1)');
  await folderLock(true, 1000);
  for (const started = Date.now(); Date.now() - started < 12000 && (await journal()) > 0;) await sleep(50);
  assert.equal(await journal(), 0, 'the folder left the journal unfolded');
});
