// The statistics folder's pace (src/store/stats_store.c): `hylla serve` folds the journal once a
// second while folds are quick, and waits 20 times what a fold took (at most 10 s) after a long
// one, so that a busy network's changes are folded in larger, cheaper batches. Whatever the pace,
// a statistics read folds what it needs first and counts every change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDb, startHylla, addBranch, addStaff, addItem, addBorrower, Client, pgConfig, sleep, waitingOnLocks, OPEN_EVERY_DAY, stockholmDate } from './lib.mjs';

let db;
let server;
let desk;
let manager;
let borrower;
let codes;

const journal = async () => (await db.query('SELECT count(*)::int AS n FROM rollup_journal')).rows[0].n;

/** Waits up to ms for the folder to empty the journal; the milliseconds it took. */
async function folded(ms) {
  const started = Date.now();
  while (Date.now() - started < ms && (await journal()) > 0) await sleep(50);
  assert.equal(await journal(), 0, `the folder left the journal unfolded for ${ms} ms`);
  return Date.now() - started;
}

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'takt', { prefix: 'TKT', opening_hours: OPEN_EVERY_DAY });
  codes = [await addItem(db, 'takt'), await addItem(db, 'takt')];
  borrower = await addBorrower(db, { branch: 'takt', name: 'Tova Takt', phone: '+46705550101' });
  await addStaff(db, { username: 'takt-desk', role: 'volunteer', branch: 'takt' });
  await addStaff(db, { username: 'takt-chef', role: 'manager' });
  desk = new Client(server.url);
  await desk.login('takt-desk');
  manager = new Client(server.url);
  await manager.login('takt-chef');
  await folded(5000);
});
after(async () => {
  await server?.stop();
  await db?.drop();
});

async function lend(code) {
  const r = await desk.post('/api/checkouts', { borrower_id: borrower, items: [code] });
  assert.equal(r.status, 201, r.text);
}

async function giveBack(code) {
  const r = await desk.post('/api/returns', { items: [code] });
  assert.equal(r.status, 200, r.text);
}

test('quick folds come once a second; after a long one the folder waits, and reads still count everything', async () => {
  // A new server's first folds (plans made, caches cold, the sanitizers) may take long enough to
  // put the next off by seconds: a donation at a time until one is folded within 1.5 s.
  let quick = false;
  for (let i = 0; i < 5 && !quick; i++) {
    await addItem(db, 'takt');
    quick = await folded(12000) < 1500;
  }
  assert.ok(quick, 'no fold came within 1.5 s of its change');
  await lend(codes[0]);
  assert.ok(await folded(3000) < 3000);

  // A fold that takes 2.5 s: the fold lock is held while the folder's fold waits for it (from
  // its next tick, which a slow first fold may have put off by a few seconds).
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(1752787053, 0)');
    await giveBack(codes[0]);
    await waitingOnLocks(db, 1, 12000); // the folder, on the fold lock
    await sleep(2500);
    assert.ok(await journal() > 0, 'a fold ran while the fold lock was held');
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
  await folded(3000);
  const longFoldEnded = Date.now();

  // The next fold comes 10 s after that one (20 x 2.5 s, at most 10 s), not a second after.
  await lend(codes[1]);
  await sleep(4000);
  assert.ok(await journal() > 0, 'the folder folded within 4 s of a fold that took 2.5 s');
  // A read folds what it needs first: the figures count the checkout.
  const today = await stockholmDate(db);
  const s = await manager.get(`/api/stats/summary?from=${today}&to=${today}`);
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.loans, 2);
  assert.equal(s.json.returns, 1);
  assert.equal(await journal(), 0, 'the read left the journal unfolded');

  // That next fold is quick, so the folder is back to once a second.
  await sleep(Math.max(0, longFoldEnded + 11000 - Date.now()));
  await giveBack(codes[1]);
  assert.ok(await folded(3000) < 3000);
  const after = await manager.get(`/api/stats/summary?from=${today}&to=${today}`);
  assert.equal(after.json.returns, 2);
});

// Every statistics read asks whether the journal holds anything, which reads each of its pages,
// dead rows and all. After a fold leaves a grown journal empty, the folder vacuums it, so that the
// question costs nothing again without waiting a minute for autovacuum.
test('the folder gives back the pages of a journal that grew', async () => {
  const size = async () =>
    Number((await db.query("SELECT pg_relation_size('rollup_journal') AS n")).rows[0].n);
  await db.query("INSERT INTO rollup_journal (loans) SELECT '{}' FROM generate_series(1, 20000)");
  assert.ok(await size() > 256 * 1024, `the journal has only ${await size()} bytes`);
  await folded(12000);
  const started = Date.now();
  while (Date.now() - started < 5000 && (await size()) > 0) await sleep(100);
  assert.equal(await size(), 0, 'the empty journal kept its pages');
});
