// What an unlucky day does to hylla: PostgreSQL gone while the desk works. A return that could
// not be saved at all answers 503 with Retry-After, so the desk retries the pile instead of
// believing it returned; once PostgreSQL is back the same return goes through, once. After a
// restart every worker finds its connection gone and connects anew before its first statement,
// so no request answers 503 for it; a statement whose connection ends under it (the folder's,
// say, in the second of a restart) is logged as a lost connection, not as a database error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import {
  pgConfig, freshDb, startHylla, privateCluster, hylla, sleep, addBranch, addItem, addBorrower, staffClient, Client, OPEN_EVERY_DAY,
} from './lib.mjs';

let dir;
let cluster;
let db;
let server;
let desk;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hylla-faults-'));
  cluster = await privateCluster(dir);
  db = await freshDb({ cluster: cluster.conninfo, template: 'template0' });
  const migrated = await hylla(['migrate', '--database', db.conninfo]);
  assert.equal(migrated.code, 0, migrated.stderr);
  server = await startHylla({ database: db.conninfo, args: ['--workers', '2', '--read-workers', '2'] });
  await addBranch(db, 'deje', { prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  desk = await staffClient(server, db, { username: 'vera', branch: 'deje' });
});

after(async () => {
  await server?.stop();
  await db?.drop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One query on a connection of its own: the test's own connection does not survive a restart. */
async function query(sql, params) {
  const c = new pg.Client(pgConfig(cluster.conninfo, db.name));
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/** Wait until hylla answers /healthz with 200 again (PostgreSQL is back). */
async function healthy() {
  for (let i = 0; i < 150; i++) {
    if ((await fetch(`${server.url}/healthz`)).status === 200) return;
    await sleep(100);
  }
  assert.fail('hylla did not find PostgreSQL again');
}

test('a return while PostgreSQL is down answers 503 with Retry-After and changes nothing', async () => {
  const codes = ['DEJ-00901', 'DEJ-00902'];
  for (const code of codes) await addItem(db, 'deje', { code, category: 121, name: 'Hockeyskridskor' });
  const borrower = await addBorrower(db, { branch: 'deje', name: 'Lina', phone: '+46701000901' });
  const out = await desk.post('/api/checkouts', { borrower_id: borrower, items: codes });
  assert.equal(out.status, 201, out.text);

  await cluster.stop();
  const down = await desk.post('/api/returns', { items: codes });
  assert.equal(down.status, 503, down.text);
  assert.equal(down.json.code, 'database_unavailable');
  assert.match(down.headers.get('retry-after') ?? '', /^\d+$/);

  await cluster.start();
  await healthy();
  const { rows: open } = await query(
    'SELECT count(*)::int AS n FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code = ANY($1) AND l.returned_at IS NULL', [codes]);
  assert.equal(open[0].n, 2, 'nothing was returned while PostgreSQL was down');
  const back = await desk.post('/api/returns', { items: codes });
  assert.equal(back.status, 200, back.text);
  assert.deepEqual(back.json.results.map((r) => r.returned), [true, true]);
  const { rows } = await query(
    'SELECT count(*)::int AS n FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code = ANY($1) AND l.returned_at IS NOT NULL', [codes]);
  assert.equal(rows[0].n, 2);
});

test('after a PostgreSQL restart the first request of each kind answers 200/201', async () => {
  const dbq = { query, conninfo: db.conninfo };
  const boss = await staffClient(server, dbq, { username: 'maja', role: 'manager', branch: 'deje' });
  const codes = Array.from({ length: 8 }, (_, i) => `DEJ-0096${i}`);
  for (const code of codes) await addItem(dbq, 'deje', { code, category: 121, name: 'Hockeyklubba' });
  const borrowers = [];
  for (let i = 0; i < 4; i++) {
    borrowers.push(await addBorrower(dbq, { branch: 'deje', name: `Omstart ${i}`, phone: `+4670100096${i}` }));
  }
  // Four at once of each kind, so that both threads of each lane take some (and their
  // connections are open) before PostgreSQL goes.
  const round = async (kind, one) => {
    const answers = await Promise.all([0, 1, 2, 3].map(one));
    return answers.map((status, i) => `${kind} #${i}: ${status}`);
  };
  const reads = async () => [
    ...await round('GET /healthz', async () => (await fetch(`${server.url}/healthz`)).status),
    ...await round('GET /api/items/{code}', async (i) => (await desk.get(`/api/items/${codes[i]}`)).status),
    ...await round('GET /api/loans', async () => (await desk.get('/api/loans')).status),
    ...await round('GET /api/public/branches', async () => (await fetch(`${server.url}/api/public/branches`)).status),
    ...await round('GET /api/stats/summary', async () => (await boss.get('/api/stats/summary?from=2026-01-01&to=2026-12-31')).status),
  ];
  const ok = (lines, status) => lines.map((line) => line.replace(/ \d+$/, ` ${status}`));
  const before = await reads();
  assert.deepEqual(before, ok(before, 200), 'every read answers before the restart');

  await cluster.stop();
  await cluster.start();
  const after = await reads();
  assert.deepEqual(after, ok(after, 200));
  const checkouts = await round('POST /api/checkouts', async (i) => (await desk.post('/api/checkouts',
    { borrower_id: borrowers[i], items: [codes[2 * i], codes[2 * i + 1]] })).status);
  assert.deepEqual(checkouts, ok(checkouts, 201));
  const login = await new Client(server.url).post('/api/session', { username: 'vera', password: 'correct horse battery' });
  assert.equal(login.status, 200, login.text);

  await cluster.stop();
  await cluster.start();
  const returns = await round('POST /api/returns', async (i) => (await desk.post('/api/returns',
    { items: [codes[2 * i], codes[2 * i + 1]] })).status);
  assert.deepEqual(returns, ok(returns, 200));
  const { rows } = await query(
    `SELECT count(*)::int AS loans, count(returned_at)::int AS returned FROM loans l
       JOIN items i ON i.id = l.item_id WHERE i.code = ANY($1)`, [codes]);
  assert.deepEqual(rows[0], { loans: 8, returned: 8 }, 'each checkout and return happened once');
  assert.doesNotMatch(server.log(), /database error 08|database_unavailable/);
});

test('PostgreSQL killed (-m immediate) during a burst of checkouts and returns loses and doubles nothing', async () => {
  const dbq = { query, conninfo: db.conninfo };
  const WORKERS = 6;
  const desks = [];
  for (let w = 0; w < WORKERS; w++) {
    const codes = [`DEJ-0097${w}`, `DEJ-0098${w}`];
    for (const code of codes) await addItem(dbq, 'deje', { code, category: 121, name: 'Snowboard' });
    const borrower = await addBorrower(dbq, { branch: 'deje', name: `Skur ${w}`, phone: `+4670100097${w}` });
    desks.push({ codes, borrower, cycles: 0, refused: 0 });
  }
  const allCodes = desks.flatMap((d) => d.codes);
  let stopping = false;
  const acknowledged = [];

  /** Send until the answer is not a 5xx (the desk's retry); counts the refused tries. */
  async function untilAnswered(d, send) {
    for (let refused = false; ; refused = true) {
      const r = await send().catch(() => null);
      if (r && r.status < 500) return { r, refused };
      assert.ok(!r || r.status === 503, `only 503 while PostgreSQL is away: ${r?.status} ${r?.text}`);
      d.refused++;
      await sleep(50);
    }
  }

  async function desk1(d) {
    while (!stopping) {
      // The same Idempotency-Key on every try, so a checkout whose answer was lost is not made twice.
      const key = randomUUID();
      const out = await untilAnswered(d, () => desk.post('/api/checkouts', { borrower_id: d.borrower, items: d.codes },
        { headers: { 'idempotency-key': key } }));
      assert.equal(out.r.status, 201, out.r.text);
      acknowledged.push({ key, id: out.r.json.checkout_id, codes: d.codes });
      // A pile returns item by item: an item PostgreSQL could not save is sent again.
      let pile = d.codes;
      const tried = new Set();
      while (pile.length) {
        const back = await untilAnswered(d, () => desk.post('/api/returns', { items: pile }));
        assert.equal(back.r.status, 200, back.r.text);
        const again = [];
        for (const res of back.r.json.results) {
          if (res.returned) continue;
          if (res.error?.code === 'database_unavailable') {
            d.refused++;
            again.push(res.code);
          } else {
            // A return whose answer was lost may have been saved: its retry finds the item back.
            assert.ok((back.refused || tried.has(res.code)) && res.error?.code === 'not_on_loan', JSON.stringify(res));
          }
        }
        for (const code of pile) tried.add(code);
        pile = again;
        if (pile.length) await sleep(50);
      }
      d.cycles++;
    }
  }

  const until = async (cond) => {
    for (let i = 0; i < 600 && !cond() && !stopping; i++) await sleep(50);
    assert.ok(cond(), 'the burst did not get on');
  };
  const running = Promise.all(desks.map(desk1)).finally(() => { stopping = true; });
  try {
    await until(() => desks.every((d) => d.cycles >= 2));
    await cluster.stop('immediate');
    await sleep(300);
    await cluster.start();
    const after = desks.map((d) => d.cycles);
    await until(() => desks.every((d, i) => d.cycles >= after[i] + 3));
  } finally {
    stopping = true;
    await running;
  }
  assert.ok(desks.some((d) => d.refused > 0), 'some request met PostgreSQL away');

  // Every acknowledged checkout is there once, with its loans; no key made two.
  const ids = acknowledged.map((a) => a.id);
  assert.equal(new Set(ids).size, ids.length, 'each checkout acknowledged once');
  const { rows: made } = await query(
    `SELECT c.id::bigint AS id, c.idempotency_key AS key, count(l.id)::int AS loans
       FROM checkouts c LEFT JOIN loans l ON l.checkout_id = c.id
       JOIN items i ON i.id = l.item_id
      WHERE i.code = ANY($1) GROUP BY c.id ORDER BY c.id`, [allCodes]);
  assert.deepEqual(made.map((m) => ({ id: Number(m.id), key: m.key, loans: m.loans })),
    acknowledged.map((a) => ({ id: Number(a.id), key: a.key, loans: 2 })).sort((a, b) => a.id - b.id),
    'the checkouts in the database are exactly the acknowledged ones');
  // No item on two open loans, none left out, and each item's status says so.
  const { rows: open } = await query(
    `SELECT i.code, i.status, count(l.id) FILTER (WHERE l.returned_at IS NULL)::int AS open
       FROM items i LEFT JOIN loans l ON l.item_id = i.id WHERE i.code = ANY($1)
      GROUP BY i.code, i.status ORDER BY i.code`, [allCodes]);
  assert.deepEqual(open, [...allCodes].sort().map((code) => ({ code, status: 'available', open: 0 })));
  const { rows: twice } = await query(
    'SELECT item_id FROM loans WHERE returned_at IS NULL GROUP BY item_id HAVING count(*) > 1');
  assert.deepEqual(twice, []);
  // The rollups equal what stats_rebuild() computes from the loans (stats_verify folds the
  // journal first and compares every stats_* table).
  const { rows: verify } = await query('SELECT rollup, missing::int, unexpected::int FROM stats_verify() ORDER BY 1');
  assert.ok(verify.length >= 10, `stats_verify compared ${verify.length} rollups`);
  assert.deepEqual(verify.filter((v) => v.missing !== 0 || v.unexpected !== 0), []);
});

test('a statement whose connection PostgreSQL ends is logged as a lost connection, not as a database error', async () => {
  const dbq = { query, conninfo: db.conninfo };
  const code = 'DEJ-00990';
  await addItem(dbq, 'deje', { code, category: 121, name: 'Pulka' });
  const borrower = await addBorrower(dbq, { branch: 'deje', name: 'Avbruten', phone: '+46701000990' });
  const holder = new pg.Client(pgConfig(cluster.conninfo, db.name));
  await holder.connect();
  const from = server.log().length;
  let lent;
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM items WHERE code = $1 FOR UPDATE', [code]);
    lent = desk.post('/api/checkouts', { borrower_id: borrower, items: [code] });
    let pid;
    for (let i = 0; i < 500 && !pid; i++) {
      const { rows } = await holder.query(`SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      pid = rows[0]?.pid;
      if (!pid) await sleep(10);
    }
    assert.ok(pid, 'the checkout did not reach the lock');
    await holder.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
  // Run again on a new connection, or refused for the desk to send again: either is fine here.
  assert.ok([201, 503].includes((await lent).status));
  const log = server.log().slice(from);
  assert.match(log, /warning: the database connection was lost under a statement \(08006\)/);
  assert.doesNotMatch(log, /database error/);
});
