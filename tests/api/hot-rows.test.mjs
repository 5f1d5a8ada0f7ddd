// No hot rows: sixteen desks at sixteen branches lending at the same moment never wait for each
// other on a statistics row. A checkout writes no rollup row in its own transaction (it appends
// to rollup_journal, and folds at its commit only when no other fold runs), so the checkouts all
// finish while another session holds every rollup table and the fold lock; and with nothing held,
// pg_locks never shows one of them waiting on a row, another transaction, the fold or a
// statistics table. The figures are exact afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDb, startHylla, addBranch, addStaff, addItem, addBorrower, Client, pgConfig, sleep, OPEN_EVERY_DAY, stockholmDate } from './lib.mjs';

const BRANCHES = 16;
const ROLLUPS = ['stats_day', 'stats_month', 'stats_day_category', 'stats_month_category',
  'stats_borrower_day', 'stats_borrower_gap', 'stats_borrower_gap_month', 'stats_item_loans',
  'stats_donations', 'stats_items'];

let db;
let server;
const desks = []; // { client, borrower, codes }
let manager;

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo, args: ['--workers', String(BRANCHES)] });
  for (let b = 0; b < BRANCHES; b++) {
    const slug = `b${String(b).padStart(2, '0')}`;
    await addBranch(db, slug, { prefix: `B${String(b).padStart(2, '0')}`, opening_hours: OPEN_EVERY_DAY });
    const codes = [];
    for (let i = 0; i < 2; i++) codes.push(await addItem(db, slug));
    const borrower = await addBorrower(db, { branch: slug, name: `Låntagare ${b}`, phone: `+4670333${String(b).padStart(4, '0')}` });
    await addStaff(db, { username: `desk-${slug}`, role: 'volunteer', branch: slug });
    const client = new Client(server.url);
    await client.login(`desk-${slug}`);
    desks.push({ client, borrower, codes });
  }
  await addStaff(db, { username: 'mona', role: 'manager' });
  manager = new Client(server.url);
  await manager.login('mona');
});
after(async () => {
  await server.stop();
  await db.drop();
});

/** Every desk lends its item number i at once; resolves the answers. */
function lendAll(i) {
  return Promise.all(desks.map((d) => d.client.post('/api/checkouts', { borrower_id: d.borrower, items: [d.codes[i]] })));
}

test('16 checkouts at 16 branches finish while another session holds every rollup table', async () => {
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  try {
    await holder.query('BEGIN');
    // No fold can start, and one the server's folder is running ends first: the fold lock is
    // taken before the tables, in a fold's own order (the other order deadlocked with it).
    // Then writes to the rollups wait for this transaction; reads do not.
    await holder.query('SELECT pg_advisory_xact_lock(1752787053, 0)');
    await holder.query(`LOCK TABLE ${ROLLUPS.join(', ')} IN EXCLUSIVE MODE`);
    const answers = await Promise.race([
      lendAll(0),
      sleep(20000).then(() => assert.fail('the checkouts waited for the locked statistics')),
    ]);
    for (const r of answers) assert.equal(r.status, 201, r.text);
    const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM rollup_journal');
    assert.ok(n >= 1, 'the checkouts journaled nothing');
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
  const today = await stockholmDate(db);
  const s = await manager.get(`/api/stats/summary?from=${today}&to=${today}`);
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.loans, BRANCHES);
  assert.equal(s.json.unique_borrowers, BRANCHES);
});

test('16 checkouts at 16 branches: pg_locks never shows one waiting', async () => {
  const watcher = new pg.Client(pgConfig(db.conninfo));
  await watcher.connect();
  const waits = [];
  let done = false;
  const watching = (async () => {
    while (!done) {
      // Any wait but a relation's extension by a page (two inserts into one table at once,
      // which is no row of anyone's): a row, a transaction, the fold, a statistics table. The
      // server's folder and a reader may wait for a fold: they are no checkout.
      const { rows } = await watcher.query(
        `SELECT l.locktype, l.relation::regclass::text AS relation, l.classid, l.objid, a.query
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT l.granted AND a.datname = current_database()
            AND (l.locktype <> 'extend' OR l.relation::regclass::text ~ '^(stats_|rollup_)')
            AND a.query NOT IN ('SELECT stats_fold_tick()', 'SELECT stats_fold()')`);
      waits.push(...rows);
    }
  })();
  try {
    const answers = await lendAll(1);
    for (const r of answers) assert.equal(r.status, 201, r.text);
  } finally {
    done = true;
    await watching;
    await watcher.end();
  }
  assert.deepEqual(waits, [], 'a checkout waited on a lock');
  const today = await stockholmDate(db);
  const s = await manager.get(`/api/stats/summary?from=${today}&to=${today}`);
  assert.equal(s.json.loans, 2 * BRANCHES);
  assert.equal(s.json.unique_borrowers, BRANCHES);
  const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM rollup_journal');
  assert.equal(n, 0, 'the read left the journal unfolded');
});
