// The session cache: a request with a verified session reads nothing of sessions from the
// database, and a logout, a disabled account, a new password or a new role, made on one server
// (or on the command line, or in psql), takes effect on every other server with the very next
// request (issue 14 asks for a second at most).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { freshDb, startHylla, addStaff, Client, hylla, pgConfig, sleep } from './lib.mjs';

let db;
let one; // two servers on one database, as behind a load balancer
let two;
before(async () => {
  db = await freshDb();
  one = await startHylla({ database: db.conninfo });
  two = await startHylla({ database: db.conninfo });
  await addStaff(db, { username: 'adele', role: 'admin' });
});
after(async () => {
  await one.stop();
  await two.stop();
  await db.drop();
});

/** A client logged in on server a whose cookie also goes to server b. */
async function loggedIn(username, a = one, password = undefined) {
  const c = new Client(a.url);
  await c.login(username, password);
  const other = new Client(two.url);
  other.cookie = c.cookie;
  other.csrf = c.csrf;
  return [c, other];
}

/** The very next request gets this status, and in less than a second. */
async function next(client, path, status) {
  const start = Date.now();
  const r = await client.get(path);
  assert.equal(r.status, status, `${path}: ${r.text}`);
  assert.ok(Date.now() - start < 1000, `${path} took ${Date.now() - start} ms`);
}

const hashOf = (client) => createHash('sha256')
  .update(Buffer.from(/hylla_session=(.+)/.exec(client.cookie)[1], 'base64url')).digest();

test('a verified session answers while the sessions table is locked: no statement per request', async () => {
  await addStaff(db, { username: 'bror', role: 'volunteer' });
  const [c] = await loggedIn('bror');
  assert.equal((await c.get('/api/session')).status, 200);
  const locker = new pg.Client(pgConfig(db.conninfo));
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE sessions, staff IN ACCESS EXCLUSIVE MODE');
    const started = Date.now();
    for (let i = 0; i < 20; i++) assert.equal((await c.get('/api/session')).status, 200);
    assert.ok(Date.now() - started < 5000);
    await locker.query('ROLLBACK');
  } finally {
    await locker.end();
  }
});

test('a session verified at the start still answers from memory once the background threads have connected', async () => {
  // The folder connects a second after the start; a connection that listens empties the caches
  // when it opens, so the background threads' must not (they never read them).
  const three = await startHylla({ database: db.conninfo });
  try {
    await addStaff(db, { username: 'ivar', role: 'volunteer' });
    const c = new Client(three.url);
    await c.login('ivar');
    assert.equal((await c.get('/api/session')).status, 200);
    await sleep(2500);
    const locker = new pg.Client(pgConfig(db.conninfo));
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE sessions, staff IN ACCESS EXCLUSIVE MODE');
      await next(c, '/api/session', 200);
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
  } finally {
    await three.stop();
  }
});

test('a logout on one server ends the session on the other at once', async () => {
  await addStaff(db, { username: 'cissi', role: 'volunteer' });
  const [a, b] = await loggedIn('cissi');
  assert.equal((await b.get('/api/session')).status, 200);
  assert.equal((await a.delete('/api/session')).status, 204);
  await next(b, '/api/session', 401);
});

test('disabling on the command line ends the sessions on both servers at once', async () => {
  await addStaff(db, { username: 'doris', role: 'volunteer' });
  const [a, b] = await loggedIn('doris');
  assert.equal((await a.get('/api/session')).status, 200);
  assert.equal((await b.get('/api/session')).status, 200);
  const r = await hylla(['user', 'disable', 'doris', '--database', db.conninfo]);
  assert.equal(r.code, 0, r.stderr);
  await next(a, '/api/session', 401);
  await next(b, '/api/session', 401);
});

test('a new password set by an admin on one server ends the old sessions on the other', async () => {
  const id = await addStaff(db, { username: 'erik', role: 'volunteer' });
  const [, b] = await loggedIn('erik');
  assert.equal((await b.get('/api/session')).status, 200);
  const admin = new Client(one.url);
  await admin.login('adele');
  const r = await admin.patch(`/api/staff/${id}`, { password: 'a new and longer password' });
  assert.equal(r.status, 200, r.text);
  await next(b, '/api/session', 401);
});

test('a new role set on one server is what the other checks at once', async () => {
  const id = await addStaff(db, { username: 'frida', role: 'volunteer' });
  const [, b] = await loggedIn('frida');
  assert.equal((await b.get('/api/stats/items')).status, 403);
  const admin = new Client(one.url);
  await admin.login('adele');
  assert.equal((await admin.patch(`/api/staff/${id}`, { role: 'manager' })).status, 200);
  await next(b, '/api/stats/items', 200);
  assert.equal((await b.get('/api/session')).json.user.role, 'manager');
});

test('a session cut short in the database ends on both servers at once', async () => {
  await addStaff(db, { username: 'gun', role: 'volunteer' });
  const [a, b] = await loggedIn('gun');
  assert.equal((await b.get('/api/session')).status, 200);
  await db.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1", [hashOf(a)]);
  await next(a, '/api/session', 401);
  await next(b, '/api/session', 401);
});

test('last_seen_at is written at most once a minute per session', async () => {
  await addStaff(db, { username: 'hugo', role: 'volunteer' });
  const [a, b] = await loggedIn('hugo');
  const seen = async () => (await db.query(
    "SELECT extract(epoch FROM now() - last_seen_at)::float AS ago FROM sessions WHERE token_hash = $1",
    [hashOf(a)])).rows[0].ago;
  // Written 30 seconds ago: requests on either server leave it alone.
  await db.query("UPDATE sessions SET last_seen_at = now() - interval '30 seconds' WHERE token_hash = $1", [hashOf(a)]);
  for (let i = 0; i < 5; i++) {
    assert.equal((await a.get('/api/session')).status, 200);
    assert.equal((await b.get('/api/session')).status, 200);
  }
  assert.ok(await seen() >= 29, 'last_seen_at was written within the minute');
  // Written two minutes ago: the next request on a server that reads it from the database writes it.
  await db.query("UPDATE sessions SET last_seen_at = now() - interval '2 minutes' WHERE token_hash = $1", [hashOf(a)]);
  const c = new Client(two.url);
  c.cookie = a.cookie;
  await next(c, '/api/session', 200);
  for (let i = 0; i < 100 && (await seen()) > 5; i++) await sleep(10);
  assert.ok(await seen() < 5, 'last_seen_at was not written');
});
