// The statistics summaries a server keeps (migration 0033, src/store/stats_store.c): an identical
// request is answered from memory after one look at the rollups' version and the journal, without
// reading the rollups; and the answer still counts every change committed before the request,
// made on any server: one waiting in the journal, one folded since.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDb, startHylla, addBranch, addStaff, addItem, addBorrower, Client, pgConfig, sleep, OPEN_EVERY_DAY, stockholmDate } from './lib.mjs';

let db;
let one; // two servers on one database, as behind a load balancer
let two;
let desk; // on two
let chef; // on one
let code;
let borrower;
let today;

before(async () => {
  db = await freshDb();
  one = await startHylla({ database: db.conninfo });
  two = await startHylla({ database: db.conninfo });
  await addBranch(db, 'kvar', { prefix: 'KVA', opening_hours: OPEN_EVERY_DAY });
  code = await addItem(db, 'kvar');
  borrower = await addBorrower(db, { branch: 'kvar', name: 'Kim Kvar', phone: '+46705550303' });
  await addStaff(db, { username: 'kvar-desk', role: 'volunteer', branch: 'kvar' });
  await addStaff(db, { username: 'kvar-chef', role: 'manager' });
  desk = new Client(two.url);
  await desk.login('kvar-desk');
  chef = new Client(one.url);
  await chef.login('kvar-chef');
  today = await stockholmDate(db);
});
after(async () => {
  await one?.stop();
  await two?.stop();
  await db?.drop();
});

const journal = async () => (await db.query('SELECT count(*)::int AS n FROM rollup_journal')).rows[0].n;

async function summary() {
  const r = await chef.get(`/api/stats/summary?from=${today}&to=${today}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('a kept summary answers without reading the rollups, and counts what another server changed', async () => {
  assert.equal((await summary()).loans, 0);

  // Kept: answered while the rollups are locked against every read for 3 s.
  const locker = new pg.Client(pgConfig(db.conninfo));
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE stats_day, stats_month IN ACCESS EXCLUSIVE MODE');
  const unlocked = sleep(3000).then(() => locker.query('ROLLBACK'));
  const started = Date.now();
  for (let i = 0; i < 5; i++) assert.equal((await summary()).loans, 0);
  const took = Date.now() - started;
  await unlocked;
  await locker.end();
  assert.ok(took < 2000, `five kept summaries took ${took} ms: they waited for the rollups`);

  // A checkout on the other server: the very next summary here counts it, whether it is still in
  // the journal (this read folds it) or a folder folded it (the version moved).
  const lent = await desk.post('/api/checkouts', { borrower_id: borrower, items: [code] });
  assert.equal(lent.status, 201, lent.text);
  assert.equal((await summary()).loans, 1);

  // Its return, folded by a server's folder before the read: the version moved.
  const back = await desk.post('/api/returns', { items: [code] });
  assert.equal(back.status, 200, back.text);
  for (const t = Date.now(); Date.now() - t < 12000 && (await journal()) > 0;) await sleep(50);
  assert.equal(await journal(), 0, 'no folder folded the return');
  const s = await summary();
  assert.equal(s.loans, 1);
  assert.equal(s.returns, 1);
});
