// Failover drill: a private primary and a streaming replica (contrib/pg-local replica), and hylla
// on a multi-host URL with target_session_attrs=read-write. The primary stops and the replica is
// promoted (contrib/pg-local promote): hylla answers 503 with Retry-After meanwhile, then serves
// writes on the promoted replica without a restart, the desk's session still good; a checkout sent
// again with its Idempotency-Key after the failover answers what it answered before and lends once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  freshDb, startHylla, privateCluster, hylla, addBranch, addItem, addBorrower, addStaff, Client,
  pgConfig, SOURCE_ROOT, OPEN_EVERY_DAY, sleep,
} from './lib.mjs';

const run = promisify(execFile);
const PG_LOCAL = path.join(SOURCE_ROOT, 'contrib', 'pg-local');
let dir;
let primary;
let db;
let replicaInfo;
let server;
let desk;

/** key=value pairs of a libpq connection string without quoting, as contrib/pg-local prints. */
const conninfoParts = (s) => Object.fromEntries(s.split(/\s+/).map((kv) => kv.split('=')));

/** A query on the promoted replica, on a connection of its own. */
async function onReplica(sql, params = []) {
  const c = new pg.Client(pgConfig(replicaInfo, db.name));
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hylla-failover-'));
  chmodSync(dir, 0o755);
  primary = await privateCluster(`${dir}/primary`);
  db = await freshDb({ cluster: primary.conninfo, template: 'template0' });
  const migrated = await hylla(['migrate', '--database', db.conninfo]);
  assert.equal(migrated.code, 0, migrated.stderr);
  await addBranch(db, 'brygga', { prefix: 'BRY', opening_hours: OPEN_EVERY_DAY });
  for (let i = 1; i <= 3; i++) await addItem(db, 'brygga', { code: `BRY-0000${i}` });
  await addStaff(db, { username: 'bryggdisk', branch: 'brygga' });
  replicaInfo = (await run(PG_LOCAL, ['replica', `${dir}/primary`, `${dir}/replica`])).stdout.trim();
  const p = conninfoParts(primary.conninfo);
  const r = conninfoParts(replicaInfo);
  const url = `host=${p.host},${r.host} port=${p.port},${r.port} user=hylla dbname=${db.name}` +
    ' target_session_attrs=read-write connect_timeout=2';
  server = await startHylla({ database: url, args: ['--workers', '2', '--retention-months', '0'] });
  desk = new Client(server.url);
  await desk.login('bryggdisk');
});

after(async () => {
  await server?.stop();
  await run(PG_LOCAL, ['stop', `${dir}/replica`]).catch(() => {});
  await db?.drop().catch(() => {});
  await primary?.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

test('primary stopped, replica promoted: writes again without a restart, a retried checkout lends once', async () => {
  const borrower = await addBorrower(db, { branch: 'brygga', name: 'Brygga Ett', phone: '+46705550011' });
  const headers = { 'idempotency-key': 'failover-0001' };
  const body = { borrower_id: borrower, items: ['BRY-00001'] };
  const first = await desk.post('/api/checkouts', body, { headers });
  assert.equal(first.status, 201, first.text);

  await primary.stop(); // a clean stop sends the replica all the WAL first
  const down = await desk.post('/api/checkouts', { borrower_id: borrower, items: ['BRY-00002'] });
  assert.equal(down.status, 503, down.text);
  assert.ok(down.headers.get('retry-after'), 'a 503 without Retry-After');

  await run(PG_LOCAL, ['promote', `${dir}/replica`]);
  // The same request again, as the desk retries it: the first answer, once.
  let again;
  for (const end = Date.now() + 20000; Date.now() < end; await sleep(200)) {
    again = await desk.post('/api/checkouts', body, { headers });
    if (again.status !== 503) break;
  }
  assert.equal(again.status, 201, again.text);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(again.json, first.json);

  const next = await desk.post('/api/checkouts', { borrower_id: borrower, items: ['BRY-00002'] },
    { headers: { 'idempotency-key': 'failover-0002' } });
  assert.equal(next.status, 201, next.text);
  const retried = await desk.post('/api/checkouts', { borrower_id: borrower, items: ['BRY-00002'] },
    { headers: { 'idempotency-key': 'failover-0002' } });
  assert.equal(retried.status, 201, retried.text);
  assert.equal(retried.json.checkout_id, next.json.checkout_id);

  const rows = await onReplica(
    `SELECT i.code, count(*)::int AS n FROM loans l JOIN items i ON i.id = l.item_id
      WHERE l.borrower_id = $1 GROUP BY i.code ORDER BY i.code`, [borrower]);
  assert.deepEqual(rows, [{ code: 'BRY-00001', n: 1 }, { code: 'BRY-00002', n: 1 }]);
  assert.deepEqual((await onReplica('SELECT pg_is_in_recovery() AS r'))[0], { r: false });
  const h = await fetch(`${server.url}/healthz`);
  assert.equal(h.status, 200);
});
