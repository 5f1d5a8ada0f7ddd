// The desk's checkouts and returns queued together are sent to PostgreSQL in one go, each its own
// transaction (loans_checkout_batch, loans_return_batch, store_call_pipelined): each answers what
// it answers alone, /metrics shows that they were batched, one that would wait for a row lock
// leaves its batch and waits alone while the rest are answered, and a write that came after its
// staff member was disabled is refused though its thread's round trips for the others came later.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDb, startHylla, addBranch, staffClient, addItem, addBorrower, Client, pgConfig, sleep,
  waitingOnLocks, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let desk;
let gone;
let borrower;
let blocked;

before(async () => {
  db = await freshDb();
  // Two desk threads, both held below so that what the test sends queues behind them.
  server = await startHylla({ database: db.conninfo,
    args: ['--http-threads', '1', '--workers', '2', '--read-workers', '1'] });
  await addBranch(db, 'lund', { prefix: 'LUN', opening_hours: OPEN_EVERY_DAY });
  await db.query("UPDATE branches SET item_limit = 200 WHERE slug = 'lund'"); // one borrower lends all
  borrower = await addBorrower(db, { branch: 'lund', name: 'Åsa', phone: '+46705550001' });
  blocked = await addBorrower(db, { branch: 'lund', name: 'Bo', phone: '+46705550002' });
  await db.query("UPDATE borrowers SET blocked = true, blocked_reason = 'test' WHERE id = $1", [blocked]);
  desk = await staffClient(server, db, { username: 'desk', branch: 'lund' });
  gone = await staffClient(server, db, { username: 'leaving', branch: 'lund' });
});
after(async () => {
  await server.stop();
  await db.drop();
});

const items = async (n, name = 'Skridskor') => {
  const codes = [];
  for (let i = 0; i < n; i++) codes.push(await addItem(db, 'lund', { name: `${name} ${i}` }));
  return codes;
};

/** A client of its own (a connection of its own) for the staff member of c. */
function as(c) {
  const other = new Client(server.url);
  other.cookie = c.cookie;
  other.csrf = c.csrf;
  return other;
}

async function metric(name) {
  const r = await new Client(server.url).get('/metrics');
  assert.equal(r.status, 200, r.text);
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text)[1]);
}

/** A transaction of the test that holds these items' rows; release() ends it. */
async function holdItems(codes) {
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT id FROM items WHERE code = ANY($1) FOR UPDATE', [codes]);
  return { release: async () => { await holder.query('ROLLBACK'); await holder.end(); } };
}

/**
 * Hold both desk threads: checkouts of two items whose rows the test holds, each waiting for its
 * lock on a thread of its own. Resolves { release() }, which lets them go and checks that both
 * were lent.
 */
async function holdDesk() {
  const codes = await items(2, 'Hålls');
  const holder = await holdItems(codes);
  const slow = codes.map((code) => as(desk).post('/api/checkouts', { borrower_id: borrower, items: [code] }));
  await waitingOnLocks(db, 2);
  return {
    release: async () => {
      await holder.release();
      for (const r of await Promise.all(slow)) assert.equal(r.status, 201, r.text);
    },
  };
}

const openLoans = async (codes) => Number((await db.query(
  `SELECT count(*) FROM loans l JOIN items i ON i.id = l.item_id
    WHERE i.code = ANY($1) AND l.returned_at IS NULL`, [codes])).rows[0].count);

test('checkouts and returns queued together each answer as alone, and go to the database together', async () => {
  const [lent, replayed, ...free] = await items(10);
  const big = await items(9, 'Stavar');
  const back = await items(4, 'Hjälm');
  const bigBack = await items(9, 'Väst');
  for (const code of [lent, ...back, ...bigBack]) {
    assert.equal((await desk.post('/api/checkouts', { borrower_id: borrower, items: [code] })).status, 201);
  }
  const first = await desk.post('/api/checkouts', { borrower_id: borrower, items: [replayed] },
    { headers: { 'idempotency-key': 'key-1' } });
  assert.equal(first.status, 201, first.text);

  const batches = await metric('hylla_http_batches_total');
  const batched = await metric('hylla_http_batched_requests_total');
  const loansBefore = Number((await db.query('SELECT count(*) FROM loans')).rows[0].count);
  const held = await holdDesk();
  const post = (path, body, headers = {}) => as(desk).post(path, body, { headers });
  // The requests whose answers leave the database as it was: sent again alone afterwards, each
  // must answer the same bytes.
  const repeatable = {
    onLoan: ['/api/checkouts', { borrower_id: borrower, items: [lent] }],
    unknown: ['/api/checkouts', { borrower_id: borrower, items: ['LUN-99999'] }],
    blocked: ['/api/checkouts', { borrower_id: blocked, items: [free[7]] }],
    reused: ['/api/checkouts', { borrower_id: borrower, items: [free[7]] }, { 'idempotency-key': 'key-1' }],
    invalid: ['/api/checkouts', { items: [free[7]] }],
    notLent: ['/api/returns', { items: [free[7]] }],
  };
  const sent = {
    lent: free.slice(0, 5).map((code, i) => post('/api/checkouts', { borrower_id: borrower, items: [code] },
      { 'idempotency-key': `new-${i}` })),
    two: post('/api/checkouts', { borrower_id: borrower, items: free.slice(5, 7) }),
    replay: post('/api/checkouts', { borrower_id: borrower, items: [replayed] }, { 'idempotency-key': 'key-1' }),
    big: post('/api/checkouts', { borrower_id: borrower, items: big }),
    back: post('/api/returns', { items: [back[0]] }),
    pile: post('/api/returns', { items: [back[1], { code: back[2], repair: true }] }),
    half: post('/api/returns', { items: [back[3], 'LUN-99998'] }),
    bigPile: post('/api/returns', { items: bigBack }),
    ...Object.fromEntries(Object.entries(repeatable).map(([name, args]) => [name, post(...args)])),
  };
  await sleep(300); // the server's thread reads every request meanwhile
  await held.release();

  for (const r of await Promise.all(sent.lent)) {
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.loans.length, 1);
  }
  const two = await sent.two;
  assert.equal(two.status, 201, two.text);
  assert.deepEqual(two.json.loans.map((l) => l.item.code), free.slice(5, 7));
  const onLoan = await sent.onLoan;
  assert.equal(onLoan.status, 409, onLoan.text);
  assert.deepEqual(onLoan.json.errors.map((e) => [e.item, e.code]), [[lent, 'item_on_loan']]);
  const unknown = await sent.unknown;
  assert.equal(unknown.status, 409);
  assert.deepEqual(unknown.json.errors.map((e) => e.code), ['unknown_item']);
  const refused = await sent.blocked;
  assert.equal(refused.status, 409, refused.text);
  assert.deepEqual(refused.json.errors.map((e) => e.code), ['borrower_blocked']);
  const replay = await sent.replay;
  assert.equal(replay.status, 201);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(replay.text, first.text);
  assert.equal((await sent.reused).status, 422);
  const invalid = await sent.invalid;
  assert.equal(invalid.status, 422);
  assert.equal(invalid.json.errors[0].field, 'borrower_id');
  const bigOne = await sent.big;
  assert.equal(bigOne.status, 201, bigOne.text);
  assert.equal(bigOne.json.loans.length, 9);

  const backOne = await sent.back;
  assert.equal(backOne.status, 200, backOne.text);
  assert.deepEqual(backOne.json.results.map((x) => [x.code, x.returned, x.item_status]), [[back[0], true, 'available']]);
  assert.equal(backOne.json.results[0].borrower.id, borrower);
  const pile = await sent.pile;
  assert.deepEqual(pile.json.results.map((x) => [x.code, x.returned, x.item_status]),
    [[back[1], true, 'available'], [back[2], true, 'repair']]);
  const notLent = await sent.notLent;
  assert.equal(notLent.status, 200);
  assert.deepEqual(notLent.json.results.map((x) => [x.returned, x.error.code]), [[false, 'not_on_loan']]);
  const half = await sent.half;
  assert.deepEqual(half.json.results.map((x) => [x.code, x.returned, x.error?.code]),
    [[back[3], true, undefined], ['LUN-99998', false, 'unknown_item']]);
  const bigPile = await sent.bigPile;
  assert.equal(bigPile.json.results.filter((x) => x.returned).length, 9);

  for (const [name, args] of Object.entries(repeatable)) {
    const [together, alone] = [await sent[name], await post(...args)];
    assert.equal(together.status, alone.status, name);
    assert.equal(together.text, alone.text, name);
  }

  // What the database holds: each lent item on one open loan, each returned one on none, and
  // nothing written for the refused ones or the replay.
  assert.equal(await openLoans([...free.slice(0, 7), ...big, lent, replayed]), 18);
  assert.equal(await openLoans([free[7], ...back, ...bigBack]), 0);
  const loansAfter = Number((await db.query('SELECT count(*) FROM loans')).rows[0].count);
  assert.equal(loansAfter - loansBefore, 2 + 5 + 2 + 9);
  const { rows: [{ repair }] } = await db.query('SELECT status AS repair FROM items WHERE code = $1', [back[2]]);
  assert.equal(repair, 'repair');

  const runs = (await metric('hylla_http_batches_total')) - batches;
  const handed = (await metric('hylla_http_batched_requests_total')) - batched;
  assert.ok(runs >= 2, `${runs} batches: the checkouts and the returns were not both batched`);
  assert.ok(handed >= 15, `only ${handed} requests were batched`);
});

test('a queued checkout whose item another transaction holds leaves its batch: the rest are answered while it waits alone', async () => {
  const [locked, ...others] = await items(5, 'Tält');
  const held = await holdDesk();
  const lock = await holdItems([locked]);
  let waited = false;
  const slow = as(desk).post('/api/checkouts', { borrower_id: borrower, items: [locked] })
    .then((r) => { waited = true; return r; });
  const quick = others.map((code) => as(desk).post('/api/checkouts', { borrower_id: borrower, items: [code] }));
  await sleep(300);
  await held.release();
  for (const r of await Promise.all(quick)) assert.equal(r.status, 201, r.text);
  await waitingOnLocks(db, 1); // the one checkout, alone on a thread, waits for the row
  assert.equal(waited, false, 'the checkout of the held item did not wait for it');
  assert.equal(await openLoans([locked]), 0);
  await lock.release();
  const r = await slow;
  assert.equal(r.status, 201, r.text);
  assert.equal(await openLoans([locked, ...others]), 5);
});

test('writes queued after their staff member was disabled are refused, though memory still had the session', async () => {
  const codes = await items(6, 'Kajak');
  const warm = await as(gone).get('/api/loans?status=open');
  assert.equal(warm.status, 200); // the session is in memory now
  const held = await holdDesk();
  await db.query("UPDATE staff SET disabled = true WHERE username = 'leaving'");
  const mine = codes.slice(0, 3).map((code) => as(desk).post('/api/checkouts', { borrower_id: borrower, items: [code] }));
  const theirs = codes.slice(3).map((code) => as(gone).post('/api/checkouts', { borrower_id: borrower, items: [code] }));
  await sleep(300);
  await held.release();
  for (const r of await Promise.all(mine)) assert.equal(r.status, 201, r.text);
  for (const r of await Promise.all(theirs)) assert.equal(r.status, 401, r.text);
  assert.equal(await openLoans(codes.slice(3)), 0);
});
