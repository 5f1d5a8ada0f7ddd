// Logging in and out: the cookie, the CSRF token, and what a dead session gets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, addStaff, Client } from './lib.mjs';

let db;
let server;
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addStaff(db, { username: 'Greta', role: 'manager', displayName: 'Greta G' });
});
after(async () => {
  await server.stop();
  await db.drop();
});

test('login sets an HttpOnly SameSite=Strict cookie and returns the user and a CSRF token', async () => {
  const res = await fetch(`${server.url}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'GRETA', password: 'correct horse battery' }),
  });
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie');
  assert.match(cookie, /^hylla_session=[A-Za-z0-9_-]{43}; /);
  for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/']) assert.ok(cookie.includes(flag), flag);
  assert.ok(!cookie.includes('Secure'), 'Secure without an https public URL');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const body = await res.json();
  assert.deepEqual(Object.keys(body.user).sort(), ['branch', 'display_name', 'id', 'role', 'username']);
  assert.equal(body.user.username, 'greta');
  assert.equal(body.user.role, 'manager');
  assert.equal(body.user.branch, null);
  assert.match(body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
  const token = /hylla_session=([^;]+)/.exec(cookie)[1];
  const { rows } = await db.query("SELECT count(*)::int AS n FROM sessions WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%' OR encode(token_hash, 'hex') = $1 OR csrf_token = $1", [token]);
  assert.equal(rows[0].n, 0, 'the raw token is in the database');
});

test('unknown user and wrong password get the same answer', async () => {
  const c = new Client(server.url);
  const wrong = await c.post('/api/session', { username: 'greta', password: 'not the password' });
  const unknown = await c.post('/api/session', { username: 'nobody-here', password: 'not the password' });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(wrong.json, unknown.json);
  assert.equal(wrong.json.code, 'invalid_credentials');
  const { rows } = await db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'login_failed'");
  assert.ok(rows[0].n >= 2);
});

test('a session answers GET /api/session; after logout the same cookie gets 401', async () => {
  const c = new Client(server.url);
  const user = await c.login('greta');
  const me = await c.get('/api/session');
  assert.equal(me.status, 200);
  assert.deepEqual(me.json.user, user);
  assert.equal(me.json.csrf_token, c.csrf);

  const noCsrf = await c.delete('/api/session', { csrf: false });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.json.code, 'csrf_failed');
  assert.equal((await c.get('/api/session')).status, 200, 'a refused logout ended the session');

  const cookie = c.cookie;
  const out = await c.delete('/api/session');
  assert.equal(out.status, 204);
  const replay = await fetch(`${server.url}/api/session`, { headers: { cookie } });
  assert.equal(replay.status, 401);
  assert.equal((await replay.json()).code, 'unauthenticated');
});

test('missing fields are reported per field', async () => {
  const c = new Client(server.url);
  const r = await c.post('/api/session', { username: 'greta' });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [['password', 'required']]);
});
