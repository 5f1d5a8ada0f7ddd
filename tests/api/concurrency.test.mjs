// Concurrency: many desks lending at the same moment never lend an item twice. The database's
// partial unique index and the row locks decide; every loser gets a clean 409, never a 500.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDb, startHylla, addBranch, staffClient, addItem, addBorrower, pgConfig, sleep, OPEN_EVERY_DAY } from './lib.mjs';

const WORKERS = 8;

let db;
let server;
let desk;
let phones = 0;

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo, args: ['--workers', String(WORKERS)] });
  await addBranch(db, 'kors', { prefix: 'KOR', opening_hours: OPEN_EVERY_DAY });
  desk = await staffClient(server, db, { username: 'desk', branch: 'kors' });
});
after(async () => {
  await server.stop();
  await db.drop();
});

/**
 * Start requests while the test holds row locks on items, wait until the workers that got them
 * are all blocked on a lock, then let them go at once, so that the requests really meet in the
 * database instead of running one after the other. The requests (functions that start one) go
 * out one by one, each after the one before reached the lock or a moment passed: a worker
 * blocked in the database accepts no connection, so a new one goes to an idle worker, where a
 * burst of connections can all land on one worker and queue behind its first request. At least
 * two must meet, and we wait until no more arrive. Resolves the answers.
 */
async function allAtOnce(codes, requests) {
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM items WHERE code = ANY($1) FOR UPDATE', [codes]);
    const waiting = async () => (await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n;
    const pending = [];
    for (const request of requests) {
      const before = await waiting();
      pending.push(request());
      for (let i = 0; i < 10 && (await waiting()) <= before; i++) await sleep(10);
    }
    let last = -1;
    for (let waited = 0, stable = 0; stable < 30; waited++) {
      // Asked on another connection: a transaction sees one snapshot of pg_stat_activity.
      const n = await waiting();
      stable = n === last && n >= 2 ? stable + 1 : 0;
      last = n;
      assert.ok(waited < 3000 || last >= 2, `only ${last} request(s) reached the lock`);
      await sleep(10);
    }
    await holder.query('COMMIT');
    return await Promise.all(pending);
  } finally {
    await holder.end();
  }
}

async function borrowers(n) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    ids.push(await addBorrower(db, { branch: 'kors', name: `Parallell ${++phones}`, phone: `+46702${String(phones).padStart(6, '0')}` }));
  }
  return ids;
}

/** The invariant, read from the database: no item on two open loans; status agrees with loans. */
async function assertInvariant() {
  const twice = await db.query(
    'SELECT item_id FROM loans WHERE returned_at IS NULL GROUP BY item_id HAVING count(*) > 1');
  assert.deepEqual(twice.rows, [], 'an item is on two open loans');
  const disagree = await db.query(
    `SELECT i.code, i.status, l.id FROM items i
       LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL
      WHERE (i.status = 'on_loan') <> (l.id IS NOT NULL)`);
  assert.deepEqual(disagree.rows, [], 'item status and open loans disagree');
}

test('50 parallel checkouts of one item by 50 borrowers: one 201, 49 409, one open loan', async () => {
  await addItem(db, 'kors', { code: 'KOR-00001' });
  const ids = await borrowers(50);
  const answers = await allAtOnce(['KOR-00001'], ids.map((id) =>
    () => desk.post('/api/checkouts', { borrower_id: id, items: ['KOR-00001'] })));
  const statuses = answers.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(' '));
  assert.equal(statuses.filter((s) => s === 409).length, 49, statuses.join(' '));
  for (const r of answers.filter((a) => a.status === 409)) {
    assert.deepEqual(r.json.errors.map((e) => [e.item, e.code]), [['KOR-00001', 'item_on_loan']]);
  }
  const winner = answers.find((r) => r.status === 201);
  const { rows } = await db.query(
    "SELECT l.id, l.checkout_id FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code = 'KOR-00001' AND l.returned_at IS NULL");
  assert.equal(rows.length, 1);
  assert.equal(Number(rows[0].checkout_id), winner.json.checkout_id);
  const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM checkouts');
  assert.equal(n, 1, 'refused checkouts wrote a checkout row');
  await assertInvariant();
});

test('20 parallel checkouts of overlapping item sets never lend an item twice', async () => {
  const codes = [];
  for (let i = 0; i < 12; i++) {
    const code = `KOR-1${String(i).padStart(4, '0')}`;
    await addItem(db, 'kors', { code });
    codes.push(code);
  }
  for (let round = 0; round < 3; round++) {
    const ids = await borrowers(20);
    // Each asks for 3 to 5 items, overlapping its neighbours', in a scrambled order so that
    // lock order depends on hylla and not on the request.
    const sets = ids.map((_, i) => {
      const size = 3 + (i % 3);
      const set = Array.from({ length: size }, (_, k) => codes[(i + k * 5) % codes.length]);
      const unique = [...new Set(set)];
      return i % 2 ? unique.reverse() : unique;
    });
    const answers = await allAtOnce(codes, ids.map((id, i) =>
      () => desk.post('/api/checkouts', { borrower_id: id, items: sets[i] })));
    const lent = [];
    answers.forEach((r, i) => {
      assert.ok(r.status === 201 || r.status === 409, `${r.status}: ${r.text}`);
      if (r.status === 201) {
        assert.deepEqual(r.json.loans.map((l) => l.item.code), sets[i]);
        lent.push(...sets[i]);
      }
    });
    assert.ok(lent.length > 0, 'nobody got anything');
    assert.equal(new Set(lent).size, lent.length, `an item was lent twice: ${lent.join(' ')}`);
    await assertInvariant();
    const { rows: [{ n }] } = await db.query(
      "SELECT count(*)::int AS n FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code LIKE 'KOR-1%' AND l.returned_at IS NULL");
    assert.equal(n, lent.length);
    // Everything back for the next round.
    const back = await desk.post('/api/returns', { items: codes });
    assert.equal(back.json.results.filter((x) => x.returned).length, lent.length);
  }
});

test('parallel retries with one Idempotency-Key make one checkout', async () => {
  await addItem(db, 'kors', { code: 'KOR-20001' });
  await addItem(db, 'kors', { code: 'KOR-20002' });
  const [id] = await borrowers(1);
  const body = { borrower_id: id, items: ['KOR-20001', 'KOR-20002'] };
  const answers = await allAtOnce(body.items, Array.from({ length: 10 }, () =>
    () => desk.post('/api/checkouts', body, { headers: { 'idempotency-key': 'flaky-wifi-42' } })));
  for (const r of answers) assert.equal(r.status, 201, r.text);
  assert.equal(new Set(answers.map((r) => r.json.checkout_id)).size, 1);
  const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM loans WHERE borrower_id = $1', [id]);
  assert.equal(n, 2);
  await assertInvariant();
});

test('one Idempotency-Key on five different checkouts at once makes one; four are told it was used', async () => {
  const codes = ['KOR-21001', 'KOR-21002', 'KOR-21003', 'KOR-21004', 'KOR-21005'];
  for (const code of codes) await addItem(db, 'kors', { code });
  const ids = await borrowers(codes.length);
  // Different borrowers do not queue on each other: all five pass the key check before one
  // commits, and the other four meet its key when they insert theirs.
  const answers = await allAtOnce(codes, codes.map((code, i) => () => desk.post('/api/checkouts',
    { borrower_id: ids[i], items: [code] }, { headers: { 'idempotency-key': 'one-key-five-desks' } })));
  assert.deepEqual(answers.map((r) => r.status).sort(), [201, 422, 422, 422, 422]);
  for (const r of answers.filter((a) => a.status === 422)) assert.equal(r.json.code, 'idempotency_key_reused');
  const made = answers.find((r) => r.status === 201).json;
  const { rows } = await db.query(
    `SELECT c.id, c.response, (SELECT count(*)::int FROM loans l WHERE l.checkout_id = c.id) AS loans
       FROM checkouts c WHERE c.idempotency_key = 'one-key-five-desks'`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].loans, 1);
  assert.equal(Number(rows[0].id), made.checkout_id);
  assert.equal(rows[0].response.checkout_id, made.checkout_id);
  const { rows: [{ n }] } = await db.query(
    "SELECT count(*)::int AS n FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code = ANY($1)", [codes]);
  assert.equal(n, 1);
  await assertInvariant();
});

test('parallel returns of one item return it once', async () => {
  await addItem(db, 'kors', { code: 'KOR-30001' });
  const [id] = await borrowers(1);
  assert.equal((await desk.post('/api/checkouts', { borrower_id: id, items: ['KOR-30001'] })).status, 201);
  const answers = await allAtOnce(['KOR-30001'], Array.from({ length: 10 }, () =>
    () => desk.post('/api/returns', { items: ['KOR-30001'] })));
  const done = answers.filter((r) => r.json.results[0].returned);
  assert.equal(done.length, 1);
  for (const r of answers) {
    if (!r.json.results[0].returned) assert.equal(r.json.results[0].error.code, 'not_on_loan');
  }
  await assertInvariant();
});

test('no database error was logged while all that ran', () => {
  assert.doesNotMatch(server.log(), /database error|gave up| 5\d\d [\d.]+ ms/);
});
