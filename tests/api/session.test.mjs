// Logging in and out: the cookie, the CSRF token, and what a dead session gets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { freshDb, startHylla, addStaff, Client, hylla } from './lib.mjs';

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
  assert.deepEqual(Object.keys(body.user).sort(), ['branch', 'display_name', 'id', 'must_change_password', 'role', 'username']);
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

/** The pg_dump of the newest PostgreSQL on this machine, or the one on PATH. */
function pgDumpPath() {
  const versions = readdirSync('/usr/lib/postgresql', { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d+$/.test(d.name)).map((d) => Number(d.name)).sort((a, b) => b - a);
  for (const v of versions) {
    const p = `/usr/lib/postgresql/${v}/bin/pg_dump`;
    if (existsSync(p)) return p;
  }
  return 'pg_dump';
}

test('a dump of the whole database holds no session token, in any encoding', async () => {
  const c = new Client(server.url);
  await c.login('greta');
  const token = /hylla_session=(.+)/.exec(c.cookie)[1];
  const raw = Buffer.from(token, 'base64url');
  assert.equal(raw.length, 32);
  const { stdout } = await promisify(execFile)(pgDumpPath(), ['--data-only', '--dbname', db.conninfo],
    { maxBuffer: 64 * 1024 * 1024 });
  assert.match(stdout, /COPY public\.sessions/, 'the dump has no sessions table');
  for (const form of [token, raw.toString('hex'), raw.toString('base64'), raw.toString('base64').replace(/=+$/, '')])
    assert.ok(!stdout.includes(form), `the dump holds the token (${form})`);
  // What is stored is its SHA-256, so the session is found by hash only.
  const { rows } = await db.query('SELECT count(*)::int AS n FROM sessions WHERE token_hash = sha256($1::bytea)', [raw]);
  assert.equal(rows[0].n, 1);
});

test('the Secure flag and HSTS come with an https public URL', async () => {
  const secure = await startHylla({ database: db.conninfo, args: ['--public-url', 'https://hylla.example.org'] });
  try {
    const c = new Client(secure.url);
    await c.login('greta');
    const res = await fetch(`${secure.url}/api/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'greta', password: 'correct horse battery' }),
    });
    const cookie = res.headers.get('set-cookie');
    for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Secure']) assert.ok(cookie.split('; ').includes(flag), `${flag}: ${cookie}`);
    const out = await c.delete('/api/session');
    assert.match(out.headers.get('set-cookie'), /^hylla_session=; .*Max-Age=0.*; Secure$/);
    // Browsers that reached it over https once keep to https.
    assert.equal((await fetch(`${secure.url}/login`)).headers.get('strict-transport-security'), 'max-age=31536000');
    assert.equal((await fetch(`${server.url}/login`)).headers.get('strict-transport-security'), null);
  } finally {
    await secure.stop();
  }
});

test('sessions end when idle too long and at their absolute end', async () => {
  const idle = new Client(server.url);
  await idle.login('greta');
  const old = new Client(server.url);
  await old.login('greta');
  const hashOf = (client) => createHash('sha256').update(Buffer.from(/hylla_session=(.+)/.exec(client.cookie)[1], 'base64url')).digest();
  // The default idle limit is 12 hours, the absolute one 7 days.
  await db.query("UPDATE sessions SET last_seen_at = now() - interval '11 hours' WHERE token_hash = $1", [hashOf(idle)]);
  assert.equal((await idle.get('/api/session')).status, 200);
  await db.query("UPDATE sessions SET last_seen_at = now() - interval '12 hours 1 minute' WHERE token_hash = $1", [hashOf(idle)]);
  assert.equal((await idle.get('/api/session')).status, 401);
  await db.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1", [hashOf(old)]);
  assert.equal((await old.get('/api/session')).status, 401);
  // The next login of the account removes its sessions that are past their end.
  await new Client(server.url).login('greta');
  const { rows } = await db.query('SELECT count(*)::int AS n FROM sessions WHERE token_hash = $1', [hashOf(old)]);
  assert.equal(rows[0].n, 0);
});

test('a disabled account gets the same 401 as a wrong password, and its sessions are gone', async () => {
  await addStaff(db, { username: 'ingrid', role: 'volunteer' });
  const c = new Client(server.url);
  await c.login('ingrid');
  const r = await hylla(['user', 'disable', 'INGRID', '--database', db.conninfo]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /disabled ingrid; its sessions have ended/);
  assert.equal((await c.get('/api/session')).status, 401);
  const again = await new Client(server.url).post('/api/session', { username: 'ingrid', password: 'correct horse battery' });
  const wrong = await new Client(server.url).post('/api/session', { username: 'greta', password: 'wrong password' });
  assert.equal(again.status, 401);
  assert.deepEqual(again.json, wrong.json);
  const { rows } = await db.query("SELECT details FROM audit_log WHERE action = 'staff_changed' AND object_id = (SELECT id FROM staff WHERE username = 'ingrid')");
  assert.deepEqual(rows.map((x) => x.details), [{ fields: ['disabled'], disabled: true, via: 'command line' }]);
  await db.query('DELETE FROM login_failures');
});

test('a password stored with old parameters is rehashed at login', async () => {
  const id = await addStaff(db, { username: 'jonas' });
  const old = '$argon2id$v=19$m=8192,t=3,p=1$hIpw2Fw1OU7/i+yIQz+zRw$p0DawwKJLL/kzNSrF0WCYdMsNvz+8aw5sV2jSDmkl9A';
  await db.query('UPDATE staff SET password_hash = $2 WHERE id = $1', [id, old]);
  await new Client(server.url).login('jonas');
  const { rows } = await db.query('SELECT password_hash FROM staff WHERE id = $1', [id]);
  assert.notEqual(rows[0].password_hash, old);
  assert.match(rows[0].password_hash, /^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
  await new Client(server.url).login('jonas');
});

test('hylla user passwd sets a new password and ends the sessions of the old one', async () => {
  await addStaff(db, { username: 'karin' });
  const c = new Client(server.url);
  await c.login('karin');
  const short = await hylla(['user', 'passwd', 'karin', '--database', db.conninfo], { input: 'too short\n' });
  assert.equal(short.code, 2);
  assert.match(short.stderr, /at least 10 characters/);
  const r = await hylla(['user', 'passwd', 'karin', '--database', db.conninfo], { input: 'a brand new password\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await c.get('/api/session')).status, 401);
  await new Client(server.url).login('karin', 'a brand new password');
  const gen = await hylla(['user', 'passwd', 'karin', '--generate-password', '--database', db.conninfo]);
  const generated = /password: (\S+)/.exec(gen.stdout)[1];
  assert.ok(generated.length >= 16);
  await new Client(server.url).login('karin', generated);
});

test('no password, token or CSRF token in the log or the audit log', async () => {
  const c = new Client(server.url);
  await c.login('greta');
  await new Client(server.url).post('/api/session', { username: 'greta', password: 'my secret typo' });
  await new Client(server.url).post('/api/session', { username: 'correct horse battery', password: 'correct horse battery' });
  const token = /hylla_session=(.+)/.exec(c.cookie)[1];
  const { rows } = await db.query('SELECT string_agg(details::text, \' \') AS all FROM audit_log');
  for (const secret of ['correct horse battery', 'my secret typo', token, c.csrf]) {
    assert.ok(!server.log().includes(secret), `the log holds ${secret}`);
    assert.ok(!rows[0].all.includes(secret), `the audit log holds ${secret}`);
  }
  await db.query('DELETE FROM login_failures');
});
