// /healthz: ok while PostgreSQL answers, 503 within a second once it stops, and back to 200 by
// itself when it returns, with the same hylla process throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshDb, startHylla, privateCluster, hylla, sleep } from './lib.mjs';

test('healthz reports ok with the version', async () => {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo });
  try {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const body = await res.json();
    assert.equal(body.status, 'ok');
    assert.equal(body.database, 'ok');
    const version = (await hylla(['version'])).stdout.trim();
    assert.equal(`hylla ${body.version}`, version);
  } finally {
    await server.stop();
    await db.drop();
  }
});

test('healthz follows PostgreSQL going away and coming back, without a restart', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hylla-health-'));
  const cluster = await privateCluster(dir);
  const db = await freshDb({ cluster: cluster.conninfo, template: 'template0' });
  const migrated = await hylla(['migrate', '--database', db.conninfo]);
  assert.equal(migrated.code, 0, migrated.stderr);
  const server = await startHylla({ database: db.conninfo, args: ['--workers', '4'] });
  try {
    // Every worker holds a live connection before PostgreSQL stops.
    for (let i = 0; i < 8; i++) assert.equal((await fetch(`${server.url}/healthz`)).status, 200);

    await cluster.stop();
    const stopped = Date.now();
    const res = await fetch(`${server.url}/healthz`);
    assert.ok(Date.now() - stopped < 1000, 'the answer took more than a second');
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: 'degraded', database: 'unavailable', version: (await hylla(['version'])).stdout.trim().split(' ')[1] });
    for (let i = 0; i < 8; i++) assert.equal((await fetch(`${server.url}/healthz`)).status, 503);

    await cluster.start();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await fetch(`${server.url}/healthz`)).status;
      if (status !== 200) await sleep(100);
    }
    assert.equal(status, 200);
    for (let i = 0; i < 8; i++) assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal(server.exited && (await Promise.race([server.exited, sleep(10).then(() => 'running')])), 'running');
  } finally {
    await server.stop();
    await db.drop();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
