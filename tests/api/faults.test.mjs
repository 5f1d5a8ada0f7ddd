// What an unlucky day does to hylla: PostgreSQL gone while the desk works. A return that could
// not be saved at all answers 503 with Retry-After, so the desk retries the pile instead of
// believing it returned; once PostgreSQL is back the same return goes through, once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  pgConfig, freshDb, startHylla, privateCluster, hylla, sleep, addBranch, addItem, addBorrower, staffClient, OPEN_EVERY_DAY,
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
  server = await startHylla({ database: db.conninfo, args: ['--workers', '2'] });
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
