// Read replicas: a private primary and a streaming replica of it (contrib/pg-local replica:
// pg_basebackup -R), and hylla with --read-database. The public routes read from the replica and
// the desk from the primary (each server's per-pool statement counts show it); a checkout shows
// on the public site once the replica has replayed it; while the replica lags more than
// --max-replica-lag, or is stopped, public reads go to the primary and /healthz says so; when it
// is back, reads return to it. No restart anywhere.
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
  pgConfig, SOURCE_ROOT, OPEN_EVERY_DAY, sleep, stockholmDate,
} from './lib.mjs';

const run = promisify(execFile);
const PG_LOCAL = path.join(SOURCE_ROOT, 'contrib', 'pg-local');
let dir;
let primary;
let db;
let replicaInfo;
let server;
let desk;
const anon = () => new Client(server.url);

const startReplica = async () => (await run(PG_LOCAL, ['replica', `${dir}/primary`, `${dir}/replica`])).stdout.trim();
const stopReplica = () => run(PG_LOCAL, ['stop', `${dir}/replica`]);

/** A query on the replica, on a connection of its own. */
async function onReplica(sql) {
  const c = new pg.Client(pgConfig(replicaInfo, db.name));
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/** hylla's statements so far on each pool, from its /metrics. */
async function statements(s = server) {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const n = (pool) => Number(new RegExp(`^hylla_db_statements_total\\{pool="${pool}"\\} (\\d+)$`, 'm').exec(text)[1]);
  return { primary: n('primary'), replica: n('replica') };
}

async function health(s = server) {
  const r = await fetch(`${s.url}/healthz`);
  return { ...(await r.json()), http: r.status };
}

/** Wait (up to ms) until /healthz names the replica's state; resolves the answer. */
async function replicaState(state, ms = 10000) {
  let h;
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    h = await health();
    if (h.replicas?.[0]?.state === state) return h;
  }
  assert.fail(`the replica is not ${state} after ${ms} ms: ${JSON.stringify(h)}`);
}

/** Pause the replica's replay, and wait until nothing more replays. */
async function pauseReplay() {
  await onReplica('SELECT pg_wal_replay_pause()');
  for (const end = Date.now() + 5000; Date.now() < end; await sleep(20)) {
    if ((await onReplica('SELECT pg_get_wal_replay_pause_state() AS s'))[0].s === 'paused') return;
  }
  assert.fail('the replica did not pause its replay');
}

/** The public site's count of available items at the branch. */
async function available() {
  const r = await anon().get('/api/public/branches');
  assert.equal(r.status, 200, r.text);
  return r.json.branches.find((b) => b.slug === 'spegel').available_items;
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hylla-replica-'));
  chmodSync(dir, 0o755);
  primary = await privateCluster(`${dir}/primary`);
  db = await freshDb({ cluster: primary.conninfo, template: 'template0' });
  const migrated = await hylla(['migrate', '--database', db.conninfo]);
  assert.equal(migrated.code, 0, migrated.stderr);
  await addBranch(db, 'spegel', { prefix: 'SPE', opening_hours: OPEN_EVERY_DAY });
  for (let i = 1; i <= 3; i++) await addItem(db, 'spegel', { code: `SPE-0000${i}` });
  await addStaff(db, { username: 'spegeldisk', branch: 'spegel' });
  replicaInfo = await startReplica();
  server = await startHylla({ database: db.conninfo,
    args: ['--read-database', `${replicaInfo} dbname=${db.name}`, '--max-replica-lag', '1',
      '--workers', '4', '--retention-months', '0'] });
  desk = new Client(server.url);
  await desk.login('spegeldisk');
});

after(async () => {
  await server?.stop();
  await stopReplica().catch(() => {});
  await db?.drop();
  await primary?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('public reads go to the replica, the desk to the primary; a checkout shows once replayed', async () => {
  const h = await replicaState('up');
  assert.equal(h.http, 200);
  assert.equal(h.reads, 'replica');
  assert.deepEqual((await onReplica('SELECT pg_is_in_recovery() AS r'))[0], { r: true });

  const before = await statements();
  assert.equal(await available(), 3);
  const mid = await statements();
  assert.ok(mid.replica > before.replica, 'the public read did not reach the replica');

  const borrower = await addBorrower(db, { branch: 'spegel', name: 'Spegel Ett', phone: '+46705550001' });
  const co = await desk.post('/api/checkouts', { borrower_id: borrower, items: ['SPE-00001'] });
  assert.equal(co.status, 201, co.text);
  // What the desk wrote, the desk reads back at once: from the primary.
  const item = await desk.get('/api/items/SPE-00001');
  assert.equal(item.json.status, 'on_loan');
  const after = await statements();
  assert.equal(after.replica, mid.replica, 'the desk read from the replica');
  assert.ok(after.primary > mid.primary);

  let n;
  for (const end = Date.now() + 5000; Date.now() < end; await sleep(50)) {
    if ((n = await available()) === 2) break;
  }
  assert.equal(n, 2, 'the public site never showed the checkout');
});

test('every public route reads only the replica and writes nothing there (a write would fail 25006)', async () => {
  await replicaState('up');
  const routes = ['/api/public/branches', '/api/public/branches/spegel', '/api/public/categories',
    '/api/public/items?q=SPE-00003', '/api/public/items/SPE-00003', '/api/public/texts/how-to-borrow',
    '/api/public/stats'];
  for (const route of routes) {
    const before = await statements();
    const r = await anon().get(route);
    assert.equal(r.status, 200, `${route}: ${r.text}`);
    const after = await statements();
    assert.ok(after.replica > before.replica, `${route} did not read the replica`);
    assert.equal(after.primary, before.primary, `${route} used the primary`);
  }
  const item = await anon().get('/api/public/items/SPE-00003');
  assert.equal(item.json.code, 'SPE-00003');
  assert.equal(item.json.branch.slug, 'spegel');
  const text = await anon().get('/api/public/texts/how-to-borrow');
  assert.match(text.json.sv, /\S/, text.text);
});

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
// Structurally whole (markers add up), which is all the server checks (as in photo.test.mjs).
const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffc0000b080001000101011100ffda0008010100003f0012ff0034ffd056ffd9', 'hex');

test('item photos are read from the replica; one staff just put up, by its new version, from the primary', async () => {
  await replicaState('up');
  const put = (bytes, type) => desk.put('/api/items/SPE-00003/photo', { body: bytes, headers: { 'content-type': type } });
  const first = await put(PNG, 'image/png');
  assert.equal(first.status, 200, first.text);
  const etag = new URLSearchParams(first.json.photo_url.split('?')[1]).get('v');
  let replayed = false;
  for (const end = Date.now() + 5000; !replayed && Date.now() < end; await sleep(50)) {
    replayed = (await onReplica('SELECT etag FROM item_photos')).some((r) => r.etag === etag);
  }
  assert.ok(replayed, 'the replica never replayed the photo');
  // Replayed: by its version (as pages name it) or without one, the replica alone answers.
  for (const url of [first.json.photo_url, '/api/items/SPE-00003/photo']) {
    const before = await statements();
    const r = await anon().get(url);
    assert.equal(r.status, 200, `${url}: ${r.text}`);
    assert.deepEqual(r.bytes, PNG);
    const after = await statements();
    assert.ok(after.replica > before.replica, `${url} did not read the replica`);
    assert.equal(after.primary, before.primary, `${url} used the primary`);
  }

  // A server that accepts a replica an hour behind keeps reading it while replay is paused, so
  // a new photo's first read surely meets a replica without it.
  const patient = await startHylla({ database: db.conninfo,
    args: ['--read-database', `${replicaInfo} dbname=${db.name}`, '--max-replica-lag', '3600',
      '--workers', '2', '--retention-months', '0'] });
  await pauseReplay();
  try {
    const second = await put(JPEG, 'image/jpeg');
    assert.equal(second.status, 200, second.text);
    assert.notEqual(second.json.photo_url, first.json.photo_url);
    assert.equal((await health(patient)).reads, 'replica');
    const before = await statements(patient);
    const r = await new Client(patient.url).get(second.json.photo_url);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.bytes, JPEG, 'the desk was shown the old photo');
    assert.equal(r.headers.get('content-type'), 'image/jpeg');
    assert.match(r.headers.get('cache-control'), /immutable/);
    const after = await statements(patient);
    assert.ok(after.replica > before.replica, 'the replica was not asked first');
    assert.ok(after.primary > before.primary, 'the primary did not answer the new version');
    // Without a version, a visitor sees what the replica has: the photo of a moment ago.
    const old = await new Client(patient.url).get('/api/items/SPE-00003/photo');
    assert.equal(old.status, 200, old.text);
    assert.deepEqual(old.bytes, PNG);
  } finally {
    await onReplica('SELECT pg_wal_replay_resume()');
    await patient.stop();
  }
});

test('statistics read from the replica answer while the primary has a fold waiting, and never fold there', async () => {
  await replicaState('up');
  await addStaff(db, { username: 'spegelchef', role: 'manager', branch: 'spegel' });
  const chef = new Client(server.url);
  await chef.login('spegelchef');
  const today = await stockholmDate(db);
  const loansToday = async () => {
    const r = await chef.get(`/api/stats/summary?from=${today}&to=${today}`);
    assert.equal(r.status, 200, r.text);
    return r.json.loans;
  };
  const journal = async () => Number((await onReplica('SELECT count(*) AS n FROM rollup_journal'))[0].n);
  for (const end = Date.now() + 5000; Date.now() < end && (await journal()) > 0; await sleep(50));
  assert.equal(await journal(), 0, 'the journal was never folded');
  const folded = await loansToday();

  // The fold waits for this transaction on the primary (the server's folder too), so what the
  // checkout journals stays unfolded; a read there would fold first, and wait.
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(1752787053, 0)');
    const borrower = await addBorrower(db, { branch: 'spegel', name: 'Spegel Tre', phone: '+46705550003' });
    const co = await desk.post('/api/checkouts', { borrower_id: borrower, items: ['SPE-00003'] });
    assert.equal(co.status, 201, co.text);
    for (const end = Date.now() + 5000; Date.now() < end && (await journal()) === 0; await sleep(50));
    assert.ok(await journal() > 0, 'the replica never saw the journal');

    const before = await statements();
    const started = Date.now();
    assert.equal(await loansToday(), folded, 'the replica counted what no fold had counted');
    assert.ok(Date.now() - started < 2000, `the statistics took ${Date.now() - started} ms`);
    assert.ok((await statements()).replica > before.replica, 'the statistics did not read the replica');
    assert.doesNotMatch(server.log(), /25006|read-only transaction/);
    const back = await desk.post('/api/returns', { items: ['SPE-00003'] });
    assert.equal(back.status, 200, back.text);
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
  // The fold goes ahead on the primary, at the folder's next tick (up to 10 s after a long fold:
  // src/store/stats_store.c); once replayed, the replica counts the loan.
  let n;
  for (const end = Date.now() + 12000; Date.now() < end && (n = await loansToday()) !== folded + 1; await sleep(100));
  assert.equal(n, folded + 1);
});

test('a replica lagging more than --max-replica-lag: public reads from the primary until it catches up', async () => {
  await replicaState('up');
  await onReplica('SELECT pg_wal_replay_pause()');
  try {
    const borrower = await addBorrower(db, { branch: 'spegel', name: 'Spegel Två', phone: '+46705550002' });
    const co = await desk.post('/api/checkouts', { borrower_id: borrower, items: ['SPE-00002'] });
    assert.equal(co.status, 201, co.text);
    // Nothing replays, so the replica's newest transaction grows older than a second.
    const h = await replicaState('lagging');
    assert.equal(h.http, 200);
    assert.equal(h.reads, 'primary');
    assert.ok(h.replicas[0].lag_seconds > 1, JSON.stringify(h));
    const before = await statements();
    assert.equal(await available(), 1, 'a public read showed the lagging replica');
    assert.equal((await statements()).replica, before.replica);
  } finally {
    await onReplica('SELECT pg_wal_replay_resume()');
  }
  assert.equal((await replicaState('up')).reads, 'replica');
});

test('the replica stopped: public reads answer from the primary within 2 s; started again, reads return', async () => {
  await replicaState('up');
  await available(); // the workers' replica connections are open
  await stopReplica();
  const stopped = Date.now();
  assert.equal(await available(), 1);
  assert.ok(Date.now() - stopped < 2000, `the public read took ${Date.now() - stopped} ms`);
  const h = await replicaState('down', 3000);
  assert.equal(h.http, 200, 'the primary still serves: hylla is not unhealthy');
  assert.equal(h.reads, 'primary');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /^hylla_db_replica_fallbacks_total \d+$/m);
  const before = await statements();
  for (let i = 0; i < 4; i++) assert.equal(await available(), 1);
  const during = await statements();
  assert.equal(during.replica, before.replica);

  await startReplica();
  assert.equal((await replicaState('up')).reads, 'replica');
  // A worker whose replica connection broke with the stop finds out on its next read, which
  // goes to the primary and marks the replica down until the checker's next look (a second).
  let back = false;
  for (const end = Date.now() + 5000; !back && Date.now() < end; await sleep(100)) {
    assert.equal(await available(), 1);
    back = (await statements()).replica > during.replica;
  }
  assert.ok(back, 'reads did not return to the replica');
});
