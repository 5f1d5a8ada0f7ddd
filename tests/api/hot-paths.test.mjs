// The hot paths: a request waiting on the database holds up no request of another connection
// (lanes), reports leave threads to the desk while it has work, and identical public searches
// within five seconds are answered from memory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDb, startHylla, addBranch, staffClient, addItem, addBorrower, Client, pgConfig, sleep, waitingOnLocks, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let desk;
let anon;
const codes = [];
let borrowers = [];

before(async () => {
  db = await freshDb();
  // One thread for every connection and two for the desk's requests: the least that shows it.
  server = await startHylla({ database: db.conninfo,
    args: ['--http-threads', '1', '--workers', '2', '--read-workers', '1'] });
  await addBranch(db, 'lund', { prefix: 'LUN', opening_hours: OPEN_EVERY_DAY });
  for (let i = 0; i < 4; i++) codes.push(await addItem(db, 'lund', { name: `Tält ${i}` }));
  borrowers = [
    await addBorrower(db, { branch: 'lund', name: 'Åsa', phone: '+46705550001' }),
    await addBorrower(db, { branch: 'lund', name: 'Bo', phone: '+46705550002' }),
  ];
  desk = await staffClient(server, db, { username: 'desk', branch: 'lund' });
  anon = new Client(server.url);
});
after(async () => {
  await server.stop();
  await db.drop();
});

/** Run fn while a transaction of the test holds the rows of these items. */
async function holding(itemCodes, fn) {
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM items WHERE code = ANY($1) FOR UPDATE', [itemCodes]);
    return await fn();
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
}

/** Each on a connection of its own, as other desks and visitors would be. */
const fresh = (c) => { const n = new Client(server.url); n.cookie = c.cookie; n.csrf = c.csrf; return n; };

test('a request waiting on the database holds up no other connection', async () => {
  let slow;
  await holding([codes[0]], async () => {
    slow = desk.post('/api/checkouts', { borrower_id: borrowers[0], items: [codes[0]] });
    await waitingOnLocks(db, 1);
    const started = Date.now();
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => fresh(desk).get(`/api/items/${codes[1]}`)),
      ...Array.from({ length: 5 }, () => anon.get('/api/public/items?branch=lund')),
      anon.get('/login'),
    ]);
    for (const r of answers) assert.equal(r.status, 200, r.text);
    assert.ok(Date.now() - started < 5000, `the other requests took ${Date.now() - started} ms`);
  });
  assert.equal((await slow).status, 201);
});

test('with every desk thread waiting, pages and public reads still answer', async () => {
  let slow;
  await holding([codes[2], codes[3]], async () => {
    slow = [
      desk.post('/api/checkouts', { borrower_id: borrowers[0], items: [codes[2]] }),
      fresh(desk).post('/api/checkouts', { borrower_id: borrowers[1], items: [codes[3]] }),
    ];
    await waitingOnLocks(db, 2);
    const answers = await Promise.race([
      Promise.all([anon.get('/login'), anon.get('/api/public/items?branch=lund&q=t%C3%A4lt'),
        anon.get('/api/public/branches')]),
      sleep(5000).then(() => assert.fail('a page or a public read waited for the desk')),
    ]);
    for (const r of answers) assert.equal(r.status, 200, r.text);
  });
  for (const r of await Promise.all(slow)) assert.equal(r.status, 201, r.text);
});

test('identical public searches within five seconds come from memory; a change here or to the catalogue anywhere shows at once', async () => {
  const path = '/api/public/items?branch=lund&q=t%C3%A4lt';
  const first = await anon.get(path);
  assert.equal(first.status, 200);
  const locker = new pg.Client(pgConfig(db.conninfo));
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
    const again = await Promise.race([anon.get(path), sleep(3000).then(() => null)]);
    assert.ok(again, 'the same search waited for the database');
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('etag'), first.headers.get('etag'));
    await locker.query('ROLLBACK');
  } finally {
    await locker.end();
  }
  // A return made through this server is in the next answer.
  const lent = first.json.items.find((i) => i.status === 'on_loan');
  assert.ok(lent, 'no item on loan to return');
  assert.equal((await desk.post('/api/returns', { items: [lent.code] })).status, 200);
  const after = await anon.get(path);
  assert.equal(after.json.items.find((i) => i.code === lent.code).status, 'available');
  // A change to the catalogue made elsewhere (here: psql) shows at once: the database says so.
  assert.equal((await anon.get(path)).text, after.text, 'the answer was not kept');
  await db.query("UPDATE items SET name = 'Tält med ny duk' WHERE code = $1", [lent.code]);
  assert.ok((await anon.get(path)).json.items.some((x) => x.name === 'Tält med ny duk'));
  await db.query("UPDATE categories SET name_sv = 'Tältplats' WHERE id = (SELECT category_id FROM items WHERE code = $1)", [lent.code]);
  const renamed = (await anon.get(path)).json.items.find((x) => x.code === lent.code);
  assert.equal(renamed.category.name_sv, 'Tältplats');
});

test("the desk's lookup reads the item's row alone: names from memory, a rename anywhere shows at once", async () => {
  const path = `/api/items/${codes[1]}`;
  const first = await desk.get(path);
  assert.equal(first.status, 200, first.text);
  // Each desk thread's connection brings the messages of the changes above (which empty the
  // names kept) with its first statement: a few lookups at once reach both threads.
  for (let round = 0; round < 3; round++) {
    for (const r of await Promise.all(Array.from({ length: 6 }, () => fresh(desk).get(path)))) {
      assert.equal(r.text, first.text);
    }
  }
  // With branches and categories locked, the lookup still answers: it reads neither.
  const locker = new pg.Client(pgConfig(db.conninfo));
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE branches, categories IN ACCESS EXCLUSIVE MODE');
    const again = await Promise.race([desk.get(path), sleep(3000).then(() => null)]);
    assert.ok(again, 'the lookup waited for branches or categories');
    assert.equal(again.text, first.text);
    await locker.query('ROLLBACK');
  } finally {
    await locker.end();
  }
  // Renamed elsewhere (psql): the next lookup says so.
  await db.query("UPDATE categories SET name_sv = 'Tält för fjällen', name_en = 'Mountain tents' WHERE id = $1",
    [first.json.category.id]);
  const renamed = await desk.get(path);
  assert.deepEqual(renamed.json.category,
    { id: first.json.category.id, name_sv: 'Tält för fjällen', name_en: 'Mountain tents' });
  await db.query("UPDATE branches SET slug = 'lund-c' WHERE slug = 'lund'");
  try {
    assert.equal((await desk.get(path)).json.branch, 'lund-c');
  } finally {
    await db.query("UPDATE branches SET slug = 'lund' WHERE slug = 'lund-c'");
  }
  assert.equal((await desk.get(path)).json.branch, 'lund');
  // Times in UTC to the second, whatever their fraction and the server's time zone.
  await db.query(`UPDATE items SET created_at = '2025-03-30 01:59:59.999999+00',
                                   updated_at = '2025-07-01 00:00:00+02',
                                   label_printed_at = '2025-10-26 02:30:00.5+01' WHERE code = $1`, [codes[1]]);
  const times = (await desk.get(path)).json;
  assert.equal(times.created_at, '2025-03-30T01:59:59Z');
  assert.equal(times.updated_at, '2025-06-30T22:00:00Z');
  assert.equal(times.label_printed_at, '2025-10-26T01:30:00Z');
});

test('two hundred different public searches, as many as the benchmark makes, are all kept at once', async () => {
  const paths = [];
  for (let page = 1; page <= 2; page++) {
    for (let n = 1; n <= 100; n++) paths.push(`/api/public/items?branch=lund&q=t%C3%A4lt&per_page=${n}&page=${page}`);
  }
  /** Each path once, ten at a time on connections of their own, in order; the answers' texts. */
  const all = async (within) => {
    const texts = [];
    for (let i = 0; i < paths.length; i += 10) {
      const batch = paths.slice(i, i + 10).map((p) => {
        const c = new Client(server.url);
        return Promise.race([c.get(p), sleep(within).then(() => null)]);
      });
      for (const r of await Promise.all(batch)) texts.push(r ? r.text : null);
    }
    return texts;
  };
  // The messages of the changes above (which empty the cache) come with the read thread's first
  // statement.
  assert.equal((await anon.get('/api/public/items?branch=lund')).status, 200);
  const started = Date.now();
  const first = await all(10000);
  // An answer is kept 2.5 to 5 s, by its key (src/api/public.c).
  assert.ok(Date.now() - started < 1500, 'too slow to tell: the first answers would expire');
  const locker = new pg.Client(pgConfig(db.conninfo));
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
    const again = await all(1000);
    const waited = paths.filter((_, i) => again[i] === null);
    assert.deepEqual(waited, [], 'these searches waited for the database');
    assert.deepEqual(again, first);
    await locker.query('ROLLBACK');
  } finally {
    await locker.end();
  }
});

test('while the desk has work, reports run on half the reads\' threads; with none, on all', async () => {
  const two = await startHylla({ database: db.conninfo,
    args: ['--http-threads', '1', '--workers', '2', '--read-workers', '2'] });
  const on = (c) => { const n = new Client(two.url); n.cookie = c.cookie; n.csrf = c.csrf; return n; };
  const waiting = async () => (await db.query(`SELECT count(*)::int AS w FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].w;
  const locker = new pg.Client(pgConfig(db.conninfo));
  const holder = new pg.Client(pgConfig(db.conninfo));
  await locker.connect();
  await holder.connect();
  try {
    const volunteer = await staffClient(two, db, { username: 'kassan', branch: 'lund' });
    const manager = await staffClient(two, db, { username: 'chefen', role: 'manager', branch: 'lund' });
    // Nothing left for a fold to write (a report folds first), then the reports' tables held.
    await db.query('SELECT stats_fold()');
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE stats_day, stats_month IN ACCESS EXCLUSIVE MODE');
    // The desk's work: a checkout waiting for its borrower (of an unknown item: it writes nothing).
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM borrowers WHERE id = $1 FOR UPDATE', [borrowers[1]]);
    const refused = on(volunteer).post('/api/checkouts', { borrower_id: borrowers[1], items: ['LUN-NONE'] });
    await waitingOnLocks(db, 1);
    const reports = [5, 6].map((d) => on(manager).get(`/api/stats/summary?from=2024-01-0${d}&to=2024-12-31`));
    await waitingOnLocks(db, 2);
    await sleep(300);
    assert.equal(await waiting(), 2, 'a second report started while the desk had work');
    await holder.query('ROLLBACK');
    assert.equal((await refused).status, 409);
    // The desk has nothing left: the second report takes the other thread.
    await waitingOnLocks(db, 2);
    await sleep(300);
    assert.equal(await waiting(), 2);
    await locker.query('ROLLBACK');
    for (const r of await Promise.all(reports)) assert.equal(r.status, 200, r.text);
  } finally {
    await holder.end();
    await locker.end();
    await two.stop();
  }
});
