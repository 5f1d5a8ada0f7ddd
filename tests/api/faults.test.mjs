// What an unlucky day does to hylla: PostgreSQL gone while the desk works. A return that could
// not be saved at all answers 503 with Retry-After, so the desk retries the pile instead of
// believing it returned; once PostgreSQL is back the same return goes through, once. After a
// restart every worker finds its connection gone and connects anew before its first statement,
// so no request answers 503 for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
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
