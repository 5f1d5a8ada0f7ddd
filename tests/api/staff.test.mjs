// Staff accounts for admins: create, list, read, change, disable; validation, the taken
// username, branch-bound admins, and the audit entries of every change. One-time passwords and
// choosing one's own, common passwords, and the last active admin of the network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDb, startHylla, addStaff, addBranch, Client, staffClient, hylla, pgConfig, sleep } from './lib.mjs';

let db;
let server;
let admin; // network-wide
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'north');
  await addBranch(db, 'south');
  admin = await staffClient(server, db, { username: 'root', role: 'admin', displayName: 'Rut Admin' });
});
after(async () => {
  await server.stop();
  await db.drop();
});

const KEYS = ['branch', 'disabled', 'display_name', 'id', 'last_login_at', 'must_change_password', 'role', 'username'];
const audit = async (action, id) =>
  (await db.query('SELECT staff_id, branch_id, details FROM audit_log WHERE action = $1 AND object_id = $2 ORDER BY id', [action, id])).rows;

test('an admin creates an account: 201 with Location, never the hash, and an audit entry', async () => {
  const res = await admin.post('/api/staff', {
    username: 'Lisa.K', display_name: 'Lisa Karlsson', role: 'manager', branch: 'north', password: 'a long enough secret',
  });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(Object.keys(res.json).sort(), KEYS);
  assert.equal(res.json.username, 'lisa.k');
  assert.equal(res.json.branch, 'north');
  assert.equal(res.json.role, 'manager');
  assert.equal(res.json.disabled, false);
  assert.equal(res.headers.get('location'), `/api/staff/${res.json.id}`);
  assert.doesNotMatch(res.text, /argon2|secret/);

  // A password an admin chose is one the new holder must replace at once.
  assert.equal(res.json.must_change_password, true);
  assert.equal(res.json.last_login_at, null);
  assert.ok(!('one_time_password' in res.json));
  const c = new Client(server.url);
  const user = await c.login('LISA.K', 'a long enough secret');
  assert.equal(user.id, res.json.id);
  assert.equal(user.must_change_password, true);
  const rows = await audit('staff_created', res.json.id);
  assert.equal(rows.length, 1);
  const { rows: [{ id: rootId }] } = await db.query("SELECT id FROM staff WHERE username = 'root'");
  assert.equal(rows[0].staff_id, rootId);
  assert.deepEqual(rows[0].details, { role: 'manager', branch: 'north' });

  const one = await admin.get(`/api/staff/${res.json.id}`);
  assert.deepEqual({ ...one.json, last_login_at: null }, res.json);
  assert.ok(Math.abs(Date.parse(one.json.last_login_at) - Date.now()) < 60000, one.json.last_login_at);
  const list = await admin.get('/api/staff');
  assert.deepEqual(list.json.staff.map((s) => s.username), ['lisa.k', 'root']);
  assert.ok(list.json.staff.every((s) => !('password_hash' in s)));
});

test('a taken username gets 409, in any case', async () => {
  await addStaff(db, { username: 'maja' });
  const before = (await db.query('SELECT count(*)::int AS n FROM staff')).rows[0].n;
  const res = await admin.post('/api/staff', { username: 'MAJA', display_name: 'M', role: 'volunteer', branch: null, password: 'a long enough secret' });
  assert.equal(res.status, 409);
  assert.equal(res.json.code, 'username_taken');
  assert.equal((await db.query('SELECT count(*)::int AS n FROM staff')).rows[0].n, before);
});

test('bad input gets 422 naming every field, and nothing is written', async () => {
  const before = (await db.query('SELECT (SELECT count(*) FROM staff) + (SELECT count(*) FROM audit_log) AS n')).rows[0].n;
  const res = await admin.post('/api/staff', {
    username: 'no spaces', display_name: '   ', role: 'boss', branch: 'atlantis', password: 'short', shoe_size: 42,
  });
  assert.equal(res.status, 422);
  assert.equal(res.json.code, 'validation_failed');
  const got = Object.fromEntries(res.json.errors.map((e) => [e.field, e.code]));
  assert.deepEqual(got, { shoe_size: 'unknown_field', username: 'invalid', display_name: 'required', role: 'invalid', branch: 'unknown_branch', password: 'too_short' });
  const missing = await admin.post('/api/staff', {});
  assert.deepEqual(missing.json.errors.map((e) => e.field).sort(), ['branch', 'display_name', 'role', 'username']);
  const long = await admin.post('/api/staff', { username: 'x'.repeat(64), display_name: 'ö'.repeat(201), role: 'admin', branch: 7, password: 'p'.repeat(1025) });
  assert.deepEqual(Object.fromEntries(long.json.errors.map((e) => [e.field, e.code])),
    { username: 'too_long', display_name: 'too_long', branch: 'invalid', password: 'too_long' });
  const patch = await admin.patch('/api/staff/1', { role: null, disabled: 'yes', password: 'short', branch: 'atlantis' });
  assert.equal(patch.status, 422);
  assert.deepEqual(Object.fromEntries(patch.json.errors.map((e) => [e.field, e.code])),
    { role: 'required', disabled: 'invalid', password: 'too_short', branch: 'unknown_branch' });
  assert.equal((await db.query('SELECT (SELECT count(*) FROM staff) + (SELECT count(*) FROM audit_log) AS n')).rows[0].n, before);
});

test('a display name of 200 characters of any script comes back whole', async () => {
  const name = 'Åsa Öberg-Ärlig '.repeat(13).slice(0, 199) + '€';
  const res = await admin.post('/api/staff', { username: 'asa', display_name: name, role: 'volunteer', branch: null, password: 'a long enough secret' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.display_name, name);
  const c = new Client(server.url);
  assert.equal((await c.login('asa', 'a long enough secret')).display_name, name);
});

test('PATCH changes role, branch, name and password; the audit names the fields, never the password', async () => {
  const id = await addStaff(db, { username: 'nils', role: 'volunteer' });
  const res = await admin.patch(`/api/staff/${id}`, { role: 'manager', branch: 'south', display_name: 'Nils N', password: 'another fine password' });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual({ ...res.json, id: 0 }, { id: 0, username: 'nils', display_name: 'Nils N', role: 'manager', branch: 'south', disabled: false,
    must_change_password: true, last_login_at: null });
  await new Client(server.url).login('nils', 'another fine password');
  const rows = await audit('staff_changed', id);
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].details, { fields: ['display_name', 'role', 'branch', 'password'], role: 'manager', branch: 'south' });
  assert.ok(!JSON.stringify(rows[0]).includes('another fine password'));
  // Back to the whole network; values sent as they are change nothing and are not audited.
  const back = await admin.patch(`/api/staff/${id}`, { branch: null, role: 'manager', display_name: 'Nils N' });
  assert.equal(back.json.branch, null);
  assert.deepEqual((await audit('staff_changed', id))[1].details, { fields: ['branch'], branch: null });
  const same = await admin.patch(`/api/staff/${id}`, { role: 'manager' });
  assert.equal(same.status, 200);
  assert.equal((await audit('staff_changed', id)).length, 2);
  assert.equal((await admin.patch('/api/staff/999999', { role: 'admin' })).status, 404);
  assert.equal((await admin.patch('/api/staff/abc', { role: 'admin' })).status, 404);
  assert.equal((await admin.get('/api/staff/0')).status, 404);
});

test('disabling ends every session of the account at once', async () => {
  const id = await addStaff(db, { username: 'olle', role: 'manager' });
  const first = new Client(server.url);
  const second = new Client(server.url);
  await first.login('olle');
  await second.login('olle');
  const res = await admin.patch(`/api/staff/${id}`, { disabled: true });
  assert.equal(res.status, 200);
  assert.equal(res.json.disabled, true);
  assert.equal((await first.get('/api/session')).status, 401);
  assert.equal((await second.get('/api/session')).status, 401);
  assert.equal((await db.query('SELECT count(*)::int AS n FROM sessions WHERE staff_id = $1', [id])).rows[0].n, 0);
  assert.equal((await new Client(server.url).post('/api/session', { username: 'olle', password: 'correct horse battery' })).status, 401);
  assert.deepEqual((await audit('staff_changed', id))[0].details, { fields: ['disabled'], disabled: true });
  // Enabled again, the account logs in again.
  await admin.patch(`/api/staff/${id}`, { disabled: false });
  await new Client(server.url).login('olle');
  await db.query('DELETE FROM login_failures');
});

test('a new password ends the other sessions; one\'s own stays', async () => {
  const id = await addStaff(db, { username: 'pia', role: 'volunteer' });
  const pia = new Client(server.url);
  await pia.login('pia');
  await admin.patch(`/api/staff/${id}`, { password: 'reset by the admin' });
  assert.equal((await pia.get('/api/session')).status, 401);

  const rootOther = new Client(server.url);
  await rootOther.login('root');
  const { rows: [{ id: rootId }] } = await db.query("SELECT id FROM staff WHERE username = 'root'");
  const own = await admin.patch(`/api/staff/${rootId}`, { password: 'correct horse battery' });
  assert.equal(own.status, 200);
  assert.equal((await admin.get('/api/session')).status, 200);
  assert.equal((await rootOther.get('/api/session')).status, 401);
});

test('nobody changes their own role, branch or disabled flag', async () => {
  const { rows: [{ id }] } = await db.query("SELECT id FROM staff WHERE username = 'root'");
  for (const change of [{ role: 'volunteer' }, { branch: 'north' }, { disabled: true }]) {
    const res = await admin.patch(`/api/staff/${id}`, change);
    assert.equal(res.status, 403, JSON.stringify(change));
    assert.equal(res.json.code, 'own_account');
  }
  const name = await admin.patch(`/api/staff/${id}`, { display_name: 'Rut A', role: 'admin', disabled: false });
  assert.equal(name.status, 200);
  assert.equal(name.json.display_name, 'Rut A');
  assert.equal((await db.query('SELECT role FROM staff WHERE id = $1', [id])).rows[0].role, 'admin');
});

test('a branch-bound admin manages their own branch only', async () => {
  const boss = await staffClient(server, db, { username: 'quinn', role: 'admin', branch: 'north' });
  const southId = await addStaff(db, { username: 'rolf', branch: 'south', displayName: 'Rolf South' });
  const netId = await addStaff(db, { username: 'stina', displayName: 'Stina Network' });

  const list = await boss.get('/api/staff');
  assert.ok(list.json.staff.length > 0);
  assert.ok(list.json.staff.every((s) => s.branch === 'north'), list.text);
  for (const id of [southId, netId]) {
    assert.equal((await boss.get(`/api/staff/${id}`)).status, 404);
    assert.equal((await boss.patch(`/api/staff/${id}`, { disabled: true })).status, 404);
  }
  const body = { username: 'tove', display_name: 'Tove', role: 'volunteer', password: 'a long enough secret' };
  for (const branch of [null, 'south']) {
    const res = await boss.post('/api/staff', { ...body, branch });
    assert.equal(res.status, 403, `branch ${branch}`);
    assert.equal(res.json.code, 'branch_forbidden');
  }
  const made = await boss.post('/api/staff', { ...body, branch: 'north' });
  assert.equal(made.status, 201, made.text);
  for (const branch of [null, 'south']) {
    const res = await boss.patch(`/api/staff/${made.json.id}`, { branch });
    assert.equal(res.status, 403);
    assert.equal(res.json.code, 'branch_forbidden');
  }
  const promoted = await boss.patch(`/api/staff/${made.json.id}`, { role: 'manager' });
  assert.equal(promoted.json.role, 'manager');
  assert.equal((await db.query("SELECT count(*)::int AS n FROM staff WHERE disabled OR username = 'tove' AND branch_id IS DISTINCT FROM (SELECT id FROM branches WHERE slug = 'north')")).rows[0].n, 0);
});

// ---- one-time passwords, choosing one's own, common passwords, the last admin ----

const hashOf = async (id) => (await db.query('SELECT password_hash FROM staff WHERE id = $1', [id])).rows[0].password_hash;

test('without a password an account gets a one-time password, shown once; its holder chooses their own before anything else', async () => {
  const res = await admin.post('/api/staff', { username: 'ulla', display_name: 'Ulla U', role: 'volunteer', branch: 'north' });
  assert.equal(res.status, 201, res.text);
  const otp = res.json.one_time_password;
  assert.match(otp, /^[a-km-zA-HJ-NP-Z2-9]{12}$/);
  assert.equal(res.json.must_change_password, true);
  assert.match(await hashOf(res.json.id), /^\$argon2id\$/);
  // Shown once: no other answer has it.
  for (const again of [await admin.get(`/api/staff/${res.json.id}`), await admin.get('/api/staff')])
    assert.ok(!again.text.includes(otp) && !again.text.includes('one_time_password'));
  assert.ok(!JSON.stringify((await audit('staff_created', res.json.id))).includes(otp));

  const ulla = new Client(server.url);
  const user = await ulla.login('ulla', otp);
  assert.equal(user.must_change_password, true);
  // Every route but the session and the password change answers 403 password_change_required.
  for (const [method, path] of [['GET', '/api/items'], ['GET', '/api/borrowers'], ['POST', '/api/returns'], ['GET', '/api/branches/north']]) {
    const r = await ulla.request(method, path, method === 'GET' ? {} : { json: { items: ['X'] } });
    if (path === '/api/branches/north') { assert.equal(r.status, 200); continue; } // public
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.code, 'password_change_required');
  }
  assert.equal((await ulla.get('/api/session')).json.user.must_change_password, true);

  // Wrong current password, a common new one, the same one again: 422 by field, never echoed.
  const wrong = await ulla.post('/api/account/password', { current_password: 'not the one', new_password: 'my own fine password' });
  assert.equal(wrong.status, 422);
  assert.deepEqual(wrong.json.errors.map((e) => [e.field, e.code]), [['current_password', 'wrong']]);
  const common = await ulla.post('/api/account/password', { current_password: otp, new_password: 'Password123' });
  assert.equal(common.status, 422);
  assert.deepEqual(common.json.errors.map((e) => [e.field, e.code]), [['new_password', 'common']]);
  assert.ok(!common.text.includes('Password123') && !common.text.includes(otp));
  const same = await ulla.post('/api/account/password', { current_password: otp, new_password: otp });
  assert.deepEqual(same.json.errors.map((e) => [e.field, e.code]), [['new_password', 'unchanged']]);
  const short = await ulla.post('/api/account/password', { current_password: otp, new_password: 'kort' });
  assert.deepEqual(short.json.errors.map((e) => [e.field, e.code]), [['new_password', 'too_short']]);
  assert.equal((await db.query('SELECT must_change_password FROM staff WHERE id = $1', [res.json.id])).rows[0].must_change_password, true);

  const other = new Client(server.url);
  await other.login('ulla', otp);
  const done = await ulla.post('/api/account/password', { current_password: otp, new_password: 'my own fine password' });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.user.must_change_password, false);
  assert.equal((await ulla.get('/api/items')).status, 200);
  // The other session ended; the one-time password opens nothing any more.
  assert.equal((await other.get('/api/session')).status, 401);
  assert.equal((await new Client(server.url).post('/api/session', { username: 'ulla', password: otp })).status, 401);
  await new Client(server.url).login('ulla', 'my own fine password');
  const changed = (await db.query("SELECT details FROM audit_log WHERE action = 'staff_changed' AND object_id = $1", [res.json.id])).rows;
  assert.deepEqual(changed.map((r) => r.details), [{ fields: ['password'], via: 'account' }]);
  await db.query('DELETE FROM login_failures');
});

test('everyone changes their own password at /api/account/password; other sessions end, this one stays', async () => {
  const vera = await staffClient(server, db, { username: 'vera', role: 'volunteer' });
  const elsewhere = new Client(server.url);
  await elsewhere.login('vera');
  const r = await vera.post('/api/account/password', { current_password: 'correct horse battery', new_password: 'vera chose this one' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await vera.get('/api/session')).status, 200);
  assert.equal((await elsewhere.get('/api/session')).status, 401);
  // Wrong current passwords count as failed logins: the fifth locks the account's name.
  for (let i = 0; i < 5; i++)
    assert.equal((await vera.post('/api/account/password', { current_password: `guess ${i} wrong`, new_password: 'vera chose another' })).status, 422);
  const locked = await vera.post('/api/account/password', { current_password: 'vera chose this one', new_password: 'vera chose another' });
  assert.equal(locked.status, 429);
  assert.equal((await new Client(server.url).post('/api/session', { username: 'vera', password: 'vera chose this one' })).status, 429);
  await db.query('DELETE FROM login_failures; DELETE FROM login_lockouts');
  // No session, no change.
  assert.equal((await new Client(server.url).post('/api/account/password', { current_password: 'x', new_password: 'y' })).status, 401);
});

test('reset_password makes a new one-time password and ends every session of the account at once', async () => {
  const id = await addStaff(db, { username: 'wilma', role: 'volunteer', branch: 'north' });
  const desk = new Client(server.url);
  const phone = new Client(server.url);
  await desk.login('wilma');
  await phone.login('wilma');
  const before = await hashOf(id);
  const res = await admin.patch(`/api/staff/${id}`, { reset_password: true });
  assert.equal(res.status, 200, res.text);
  const otp = res.json.one_time_password;
  assert.match(otp, /^[a-km-zA-HJ-NP-Z2-9]{12}$/);
  assert.equal(res.json.must_change_password, true);
  assert.notEqual(await hashOf(id), before);
  assert.equal((await desk.get('/api/session')).status, 401);
  assert.equal((await phone.get('/api/session')).status, 401);
  assert.equal((await db.query('SELECT count(*)::int AS n FROM sessions WHERE staff_id = $1', [id])).rows[0].n, 0);
  assert.equal((await new Client(server.url).login('wilma', otp)).must_change_password, true);
  const rows = await audit('staff_changed', id);
  assert.deepEqual(rows.map((r) => r.details), [{ fields: ['password'] }]);
  assert.ok(!JSON.stringify(rows).includes(otp));
  const both = await admin.patch(`/api/staff/${id}`, { reset_password: true, password: 'a long enough secret' });
  assert.equal(both.status, 422);
  assert.deepEqual(both.json.errors.map((e) => e.field), ['reset_password']);
});

test('common passwords are refused wherever a password is set, in any case', async () => {
  const made = await admin.post('/api/staff', { username: 'xena', display_name: 'X', role: 'volunteer', branch: null, password: 'QWERTYUIOP' });
  assert.equal(made.status, 422);
  assert.deepEqual(made.json.errors.map((e) => [e.field, e.code]), [['password', 'common']]);
  assert.ok(!made.text.includes('QWERTYUIOP'));
  const id = await addStaff(db, { username: 'yngve' });
  const patched = await admin.patch(`/api/staff/${id}`, { password: 'basketball' });
  assert.deepEqual(patched.json.errors.map((e) => [e.field, e.code]), [['password', 'common']]);
  const cli = await hylla(['user', 'passwd', 'yngve', '--database', db.conninfo], { input: '1qaz2wsx3edc\n' });
  assert.equal(cli.code, 2, cli.stderr);
  assert.match(cli.stderr, /most common/);
  assert.equal((await db.query("SELECT count(*)::int AS n FROM staff WHERE username = 'xena'")).rows[0].n, 0);
});

test('the last active admin of the whole network stays: two admins disabling each other at once leave one (409)', async () => {
  const rows = await db.query("SELECT id FROM staff WHERE role = 'admin' AND branch_id IS NULL AND NOT disabled");
  assert.deepEqual(rows.rows.length, 1); // root
  const rootId = rows.rows[0].id;
  const zeta = await staffClient(server, db, { username: 'zeta', role: 'admin' });
  const zetaId = (await db.query("SELECT id FROM staff WHERE username = 'zeta'")).rows[0].id;
  // Hold the admins' rows, so that both changes are inside hylla before either may go on. The second
  // is sent once the first waits for them: sent at once, both could reach one server worker, whose
  // second request then starts after the first ended zeta's sessions (401, seen on a loaded machine).
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query("SELECT id FROM staff WHERE role = 'admin' FOR UPDATE");
  const waiting = async (n) => {
    for (let tries = 0; ; tries++) {
      const { rows: [w] } = await db.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      if (w.n >= n) return;
      assert.ok(tries < 2000, `${w.n} of ${n} changes reached the admins' rows in 20 s`);
      await sleep(10);
    }
  };
  const first = admin.patch(`/api/staff/${zetaId}`, { disabled: true });
  await waiting(1);
  const second = zeta.patch(`/api/staff/${rootId}`, { disabled: true });
  await waiting(2);
  await holder.query('COMMIT');
  await holder.end();
  const answers = (await Promise.all([first, second])).map((r) => r.status).sort();
  assert.deepEqual(answers, [200, 409], JSON.stringify(answers));
  assert.equal((await db.query("SELECT count(*)::int AS n FROM staff WHERE role = 'admin' AND branch_id IS NULL AND NOT disabled")).rows[0].n, 1);
  // The command line keeps the last one too.
  const { rows: [last] } = await db.query("SELECT username FROM staff WHERE role = 'admin' AND branch_id IS NULL AND NOT disabled");
  const cli = await hylla(['user', 'disable', last.username, '--database', db.conninfo]);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /last active admin/);
  assert.equal((await db.query("SELECT count(*)::int AS n FROM staff WHERE role = 'admin' AND branch_id IS NULL AND NOT disabled")).rows[0].n, 1);
  // Put root back in charge for the tests after this one.
  await db.query("UPDATE staff SET disabled = false WHERE id IN ($1, $2)", [rootId, zetaId]);
});
