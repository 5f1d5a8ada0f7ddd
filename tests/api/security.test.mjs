// The security baseline: access per route (a role x route matrix generated from `hylla routes`,
// so routes added later are covered without touching this file), branch scoping, CSRF, content
// types, login throttling, the password gate under a burst, and the headers of every response.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import {
  freshDb, startHylla, addStaff, Client, staffClient, rawRequest,
  ROLES, ACCESS_LEVEL, routeTable, samplePath, branchFixture, assertOtherBranchRefused, addBorrower, addItem,
} from './lib.mjs';

let db;
let server;
const clients = {}; // one network-wide account per role, logged in
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  for (const role of ROLES) clients[role] = await staffClient(server, db, { username: `net-${role}`, role });
});
after(async () => {
  await server.stop();
  await db.drop();
});

const count = async (sql) => (await db.query(sql)).rows[0].n;
const forgetFailures = () => db.query('DELETE FROM login_failures; DELETE FROM login_lockouts');

// ---- the role x route matrix ----

const routes = await routeTable();
const protectedRoutes = routes.filter((r) => ACCESS_LEVEL[r.access] > 0);

test('the route table has protected routes at every level', () => {
  assert.ok(routes.every((r) => r.access in ACCESS_LEVEL), JSON.stringify(routes));
  for (const level of ['volunteer', 'admin'])
    assert.ok(protectedRoutes.some((r) => r.access === level), `no ${level} route`);
});

for (const route of protectedRoutes) {
  const lower = ROLES.filter((role) => ACCESS_LEVEL[role] < ACCESS_LEVEL[route.access]);
  const title = `${route.method} ${route.pattern}: 401 without a session${lower.length ? `, 403 for ${lower.join(', ')}` : ''}`;
  test(title, async () => {
    const path = samplePath(route.pattern);
    const opts = route.method === 'GET' ? {} : { json: {} };
    const anon = await new Client(server.url).request(route.method, path, opts);
    assert.equal(anon.status, 401, `${route.method} ${path} without a session: ${anon.text}`);
    assert.equal(anon.json.code, 'unauthenticated');
    for (const role of lower) {
      // The client sends its CSRF token, so it is the role that refuses.
      const res = await clients[role].request(route.method, path, opts);
      assert.equal(res.status, 403, `${route.method} ${path} as ${role}: ${res.text}`);
      assert.equal(res.json.code, 'forbidden', `${route.method} ${path} as ${role}`);
    }
  });
}

// ---- branch scoping: the branch axis of the matrix ----

// Every staff route declares how far staff bound to a branch reach with it (`branch` in `hylla
// routes`): "network" routes are for network-wide staff only, "path" routes name a branch in the
// path that must be the asker's own, "any" routes show nothing of a branch's that another may not
// see, and "data" routes (the default) limit what the handler reads and changes to the asker's
// branch. The first three are checked here for every route of their kind, generated from the
// table; every "data" route must have a row below, so a new route is covered or this file fails.

/** A fingerprint of what a refused request must not change. */
const fingerprint = async () => (await db.query(`SELECT md5(concat_ws('|',
  (SELECT string_agg(to_jsonb(b)::text, ',' ORDER BY id) FROM branches b),
  (SELECT string_agg(to_jsonb(c)::text, ',' ORDER BY id) FROM categories c),
  (SELECT string_agg(to_jsonb(i)::text, ',' ORDER BY id) FROM items i),
  (SELECT string_agg(to_jsonb(l)::text, ',' ORDER BY id) FROM loans l),
  (SELECT string_agg((to_jsonb(s) - 'last_login_at')::text, ',' ORDER BY id) FROM staff s),
  (SELECT count(*) FROM audit_log WHERE action NOT IN ('login', 'logout')))) AS f`)).rows[0].f;

let axis; // the accounts bound to "north" of the axis tests, made once
const axisFixture = async () => (axis ??= await branchFixture(server, db, 'axis'));
const roleFor = (route) => (route.access === 'public' ? 'volunteer' : route.access);
const bodyFor = (route) => (['GET', 'DELETE'].includes(route.method) ? {} : { json: {} });

test('every route declares its branch axis', () => {
  assert.ok(routes.every((r) => ['data', 'any', 'path', 'network'].includes(r.branch)), JSON.stringify(routes));
  for (const r of routes.filter((x) => x.branch === 'path'))
    assert.match(r.pattern, /^\/api\/branches\/\{slug\}/, `${r.method} ${r.pattern}: a path route names the branch first`);
});

for (const route of protectedRoutes.filter((r) => r.branch === 'network')) {
  test(`${route.method} ${route.pattern}: only network-wide staff (403 network_only for staff of a branch)`, async () => {
    const f = await axisFixture();
    const path = samplePath(route.pattern, '8');
    const before = await fingerprint();
    const bound = await f.clients[roleFor(route)].request(route.method, path, bodyFor(route));
    assert.equal(bound.status, 403, `${route.method} ${path} bound to a branch: ${bound.text}`);
    assert.equal(bound.json.code, 'network_only');
    assert.equal(await fingerprint(), before, 'a refused request changed something');
    const wide = await clients[roleFor(route)].request(route.method, path, bodyFor(route));
    assert.ok(!['network_only', 'forbidden', 'branch_forbidden'].includes(wide.json?.code), `network-wide: ${wide.text}`);
  });
}

for (const route of protectedRoutes.filter((r) => r.branch === 'path')) {
  test(`${route.method} ${route.pattern}: staff of a branch reach their own branch only (403 for another, nothing changed)`, async () => {
    const f = await axisFixture();
    const client = f.clients[roleFor(route)];
    const before = await fingerprint();
    const other = await client.request(route.method, samplePath(route.pattern, 'south'), bodyFor(route));
    assert.equal(other.status, 403, `another branch: ${other.text}`);
    assert.equal(other.json.code, 'branch_forbidden');
    assert.equal(await fingerprint(), before, 'a refused request changed something');
    const own = await client.request(route.method, samplePath(route.pattern, 'north'), bodyFor(route));
    assert.ok(own.status < 400 || own.status === 422, `own branch: ${own.status} ${own.text}`);
    const wide = await clients[roleFor(route)].request(route.method, samplePath(route.pattern, 'south'), bodyFor(route));
    assert.ok(wide.status < 400 || wide.status === 422, `network-wide: ${wide.status} ${wide.text}`);
  });
}

// Another branch's data, as a branch-bound account must never get it. One row per data-scoped
// route at least (`route` as `hylla routes` names it): `role` is the role of the asking account
// (bound to "north"), and `make` creates data in branch "south" and returns the request, the
// strings that must not leak, and, for routes that answer without refusing (a list that leaves
// the other branch out, a return that refuses item by item), the statuses that are right.
const otherBranchReads = [
  {
    route: 'GET /api/staff/{id}',
    role: 'admin',
    async make() {
      const id = await addStaff(db, { username: 'sven-south', displayName: 'Sven Söder', branch: 'south' });
      return { method: 'GET', path: `/api/staff/${id}`, secrets: ['sven-south', 'Sven Söder'] };
    },
  },
  {
    route: 'GET /api/staff/{id}',
    role: 'admin',
    async make() {
      const { rows } = await db.query("SELECT id FROM staff WHERE username = 'net-admin'");
      return { method: 'GET', path: `/api/staff/${rows[0].id}`, secrets: ['net-admin'] };
    },
  },
  {
    route: 'GET /api/staff',
    role: 'admin',
    async make() {
      return { method: 'GET', path: '/api/staff', secrets: ['sven-south', 'net-admin'], statuses: [200] };
    },
  },
  {
    route: 'POST /api/staff',
    role: 'admin',
    async make() {
      return { method: 'POST', path: '/api/staff', json: { username: 'hacked', display_name: 'Hacked', role: 'admin', branch: 'south' } };
    },
  },
  {
    route: 'PATCH /api/staff/{id}',
    role: 'admin',
    async make() {
      const { rows } = await db.query("SELECT id FROM staff WHERE username = 'sven-south'");
      return { method: 'PATCH', path: `/api/staff/${rows[0].id}`, json: { display_name: 'Hacked' }, secrets: ['sven-south'] };
    },
  },
  {
    route: 'GET /api/borrowers/{id}',
    role: 'manager',
    async make() {
      const id = await southBorrower();
      return { method: 'GET', path: `/api/borrowers/${id}`, secrets: ['Sonja Söderlund', '+46701740677'] };
    },
  },
  {
    route: 'GET /api/borrowers/{id}/export',
    role: 'manager',
    async make() {
      return { method: 'GET', path: `/api/borrowers/${await southBorrower()}/export`, secrets: ['Sonja', '+46701740677'] };
    },
  },
  {
    route: 'PATCH /api/borrowers/{id}',
    role: 'manager',
    async make() {
      return { method: 'PATCH', path: `/api/borrowers/${await southBorrower()}`, json: { name: 'Hacked' }, secrets: ['Sonja'] };
    },
  },
  {
    route: 'DELETE /api/borrowers/{id}',
    role: 'manager',
    async make() {
      return { method: 'DELETE', path: `/api/borrowers/${await southBorrower()}`, secrets: ['Sonja'] };
    },
  },
  {
    route: 'GET /api/borrowers',
    role: 'manager',
    async make() {
      await southBorrower();
      return { method: 'GET', path: '/api/borrowers?branch=south&q=Sonja', secrets: ['Sonja', '+46701740677'] };
    },
  },
  {
    route: 'POST /api/borrowers',
    role: 'volunteer',
    async make() {
      return { method: 'POST', path: '/api/borrowers', json: { name: 'Hacked', phone: '070-000 00 01', branch: 'south' } };
    },
  },
  {
    route: 'GET /api/loans',
    role: 'manager',
    async make() {
      await southBorrower();
      return { method: 'GET', path: '/api/loans?branch=south&status=open', secrets: ['Sonja'] };
    },
  },
  {
    route: 'POST /api/checkouts',
    role: 'volunteer',
    async make() {
      const borrower = await southBorrower();
      const code = await addItem(db, 'north', { name: 'Hockeyskridskor', category: 121 });
      return { method: 'POST', path: '/api/checkouts', json: { borrower_id: borrower, items: [code] }, secrets: ['Sonja'] };
    },
  },
  {
    route: 'POST /api/checkouts/{id}/undo',
    role: 'volunteer',
    async make() {
      const { checkout } = await southLoan();
      return { method: 'POST', path: `/api/checkouts/${checkout}/undo`, secrets: ['Sonja'] };
    },
  },
  {
    route: 'POST /api/loans/{id}/undo',
    role: 'volunteer',
    async make() {
      const { loan } = await southLoan();
      return { method: 'POST', path: `/api/loans/${loan}/undo`, secrets: ['Sonja'] };
    },
  },
  {
    route: 'POST /api/loans/{id}/renew',
    role: 'manager',
    async make() {
      const { loan } = await southLoan();
      return { method: 'POST', path: `/api/loans/${loan}/renew`, secrets: ['Sonja'] };
    },
  },
  {
    route: 'POST /api/returns',
    role: 'volunteer',
    async make() {
      const { code } = await southLoan();
      return {
        method: 'POST', path: '/api/returns', json: { items: [code] }, secrets: ['Sonja'], statuses: [200],
        check: (res) => assert.deepEqual(res.json.results.map((x) => [x.returned, x.error?.code]), [[false, 'item_other_branch']]),
      };
    },
  },
  {
    route: 'POST /api/items',
    role: 'volunteer',
    async make() {
      return { method: 'POST', path: '/api/items', json: { name: 'Hacked', category: 32, branch: 'south' } };
    },
  },
  {
    route: 'PATCH /api/items/{code}',
    role: 'manager',
    async make() {
      const code = await addItem(db, 'south', { name: 'Södra kanoten', category: 32 });
      return { method: 'PATCH', path: `/api/items/${code}`, json: { name: 'Hacked' } };
    },
  },
  {
    route: 'POST /api/items/import',
    role: 'manager',
    async make() {
      return { method: 'POST', path: '/api/items/import?branch=south', body: 'name;category\nHacked;32\n', headers: { 'content-type': 'text/csv' } };
    },
  },
  {
    route: 'PUT /api/items/{code}/photo',
    role: 'volunteer',
    async make() {
      const code = await addItem(db, 'south', { name: 'Södra tältet', category: 21 });
      return { method: 'PUT', path: `/api/items/${code}/photo`, body: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'), headers: { 'content-type': 'image/png' } };
    },
  },
  {
    route: 'DELETE /api/items/{code}/photo',
    role: 'volunteer',
    async make() {
      const code = await addItem(db, 'south', { name: 'Södra sovsäcken', category: 22 });
      return { method: 'DELETE', path: `/api/items/${code}/photo` };
    },
  },
  {
    route: 'GET /api/borrowers/{id}/card.svg',
    role: 'volunteer',
    async make() {
      const id = await southBorrower();
      await db.query("UPDATE borrowers SET card = 'K11223344' WHERE id = $1", [id]);
      return { method: 'GET', path: `/api/borrowers/${id}/card.svg`, secrets: ['K11223344', 'Sonja'] };
    },
  },
  {
    route: 'POST /api/borrowers/{id}/card',
    role: 'volunteer',
    async make() {
      return { method: 'POST', path: `/api/borrowers/${await southBorrower()}/card`, secrets: ['Sonja', 'K11223344'] };
    },
  },
  {
    route: 'POST /api/labels/printed',
    role: 'volunteer',
    async make() {
      const code = await addItem(db, 'south', { name: 'Södra pulkan', category: 32 });
      return { method: 'POST', path: '/api/labels/printed', json: { items: [code] } };
    },
  },
  {
    route: 'POST /api/items/{code}/status',
    role: 'manager',
    async make() {
      const code = await addItem(db, 'south', { name: 'Södra tältet', category: 21 });
      return { method: 'POST', path: `/api/items/${code}/status`, json: { to: 'lost' } };
    },
  },
  ...['summary', 'loans', 'loans.csv', 'items'].map((what) => ({
    route: `GET /api/stats/${what}`,
    role: 'manager',
    async make() {
      return { method: 'GET', path: `/api/stats/${what}?from=2026-01-01&to=2026-12-31&group_by=month&branch=south` };
    },
  })),
  {
    route: 'GET /api/borrowers/{id}/messages',
    role: 'manager',
    async make() {
      const id = await southBorrower();
      await db.query(`INSERT INTO messages (kind, branch_id, borrower_id, body)
                      SELECT 'free_text', branch_id, id, 'Hej Sonja, kanoten' FROM borrowers WHERE id = $1`, [id]);
      return { method: 'GET', path: `/api/borrowers/${id}/messages`, secrets: ['Sonja', 'kanoten'] };
    },
  },
  {
    route: 'GET /api/messages',
    role: 'volunteer',
    async make() {
      const { loan } = await southLoan();
      await db.query(`WITH m AS (INSERT INTO messages (kind, step, due_date, branch_id, borrower_id, body)
                        SELECT 'due_soon', 2, due_date, branch_id, borrower_id, 'Hej Sonja, skidorna' FROM loans WHERE id = $1
                        RETURNING id, due_date)
                      INSERT INTO message_loans SELECT m.id, $1, 'due_soon', 2, m.due_date FROM m`, [loan]);
      return {
        method: 'GET', path: `/api/messages?loans=${loan}`, secrets: ['Sonja', 'skidorna'], statuses: [200],
        check: (res) => assert.deepEqual(res.json.messages, []),
      };
    },
  },
  {
    route: 'POST /api/borrowers/{id}/messages',
    role: 'volunteer',
    async make() {
      return { method: 'POST', path: `/api/borrowers/${await southBorrower()}/messages`, json: { text: 'Hacked' }, secrets: ['Sonja'] };
    },
  },
  {
    route: 'POST /api/borrowers/{id}/calls',
    role: 'volunteer',
    async make() {
      return { method: 'POST', path: `/api/borrowers/${await southBorrower()}/calls`, json: {}, secrets: ['Sonja'] };
    },
  },
  {
    route: 'GET /api/messages/stats',
    role: 'manager',
    async make() {
      return { method: 'GET', path: '/api/messages/stats?from=2026-01-01&to=2026-12-31&branch=south' };
    },
  },
  {
    route: 'GET /api/message-settings',
    role: 'manager',
    async make() {
      return { method: 'GET', path: '/api/message-settings?branch=south' };
    },
  },
];

/** The borrower of branch south whose data must never reach staff of north (made once). */
async function southBorrower() {
  const { rows } = await db.query("SELECT id FROM borrowers WHERE phone = '+46701740677'");
  if (rows.length) return Number(rows[0].id);
  return addBorrower(db, { branch: 'south', name: 'Sonja Söderlund', phone: '+46701740677' });
}

/** An open loan of the south borrower, lent by south's own volunteer a moment ago (made once). */
async function southLoan() {
  const found = await db.query('SELECT l.id, l.checkout_id, i.code FROM loans l JOIN items i ON i.id = l.item_id LIMIT 1');
  if (found.rows.length) return { loan: found.rows[0].id, checkout: found.rows[0].checkout_id, code: found.rows[0].code };
  await db.query("UPDATE branches SET opening_hours = '{\"mon\":[[\"10:00\",\"18:00\"]],\"tue\":[[\"10:00\",\"18:00\"]],\"wed\":[[\"10:00\",\"18:00\"]],\"thu\":[[\"10:00\",\"18:00\"]],\"fri\":[[\"10:00\",\"18:00\"]],\"sat\":[[\"10:00\",\"18:00\"]],\"sun\":[[\"10:00\",\"18:00\"]]}' WHERE slug = 'south'");
  const lender = await staffClient(server, db, { username: 'south-volunteer', branch: 'south' });
  const code = await addItem(db, 'south', { name: 'Södra skidorna', category: 111 });
  const out = await lender.post('/api/checkouts', { borrower_id: await southBorrower(), items: [code] });
  assert.equal(out.status, 201, out.text);
  return southLoan();
}

test('every data-scoped staff route has a row of another branch\'s data', () => {
  const covered = new Set(otherBranchReads.map((row) => row.route));
  const missing = protectedRoutes.filter((r) => r.branch === 'data' && !covered.has(`${r.method} ${r.pattern}`));
  assert.deepEqual(missing.map((r) => `${r.method} ${r.pattern}`), [], 'add a row to otherBranchReads for each');
  const unknown = [...covered].filter((name) => !routes.some((r) => `${r.method} ${r.pattern}` === name));
  assert.deepEqual(unknown, []);
});

test('staff bound to a branch get nothing of another branch', async () => {
  const f = await branchFixture(server, db);
  await southLoan();
  const loansBefore = (await db.query('SELECT to_jsonb(l)::text AS l FROM loans l ORDER BY id')).rows;
  const itemsBefore = await count('SELECT count(*)::int AS n FROM items');
  for (const row of otherBranchReads) {
    const { method, path, json, body, headers, secrets, statuses, check } = await row.make(f);
    const res = await assertOtherBranchRefused(f.clients[row.role], method, path, { json, body, headers, secrets, statuses });
    if (check) check(res);
  }
  assert.equal(await count("SELECT count(*)::int AS n FROM staff WHERE display_name = 'Hacked' OR username = 'hacked'"), 0);
  assert.equal(await count("SELECT count(*)::int AS n FROM borrowers WHERE name = 'Sonja Söderlund'"), 1);
  assert.equal(await count("SELECT count(*)::int AS n FROM borrowers WHERE name = 'Hacked'"), 0);
  assert.equal(await count("SELECT count(*)::int AS n FROM items WHERE name = 'Hacked' OR status = 'lost'"), 0);
  assert.equal(await count("SELECT count(*)::int AS n FROM borrowers WHERE card = 'K11223344'"), 1);
  assert.equal(await count('SELECT count(*)::int AS n FROM items WHERE label_printed_at IS NOT NULL'), 0);
  assert.equal(await count("SELECT count(*)::int AS n FROM messages WHERE body = 'Hacked' OR kind = 'phone_call'"), 0);
  // Their own borrower exists; this server has no SMS gateway to send with.
  const own = await addBorrower(db, { branch: 'north', name: 'Nora Norr', phone: '+46701740678' });
  const off = await f.clients.volunteer.post(`/api/borrowers/${own}/messages`, { text: 'Hej' });
  assert.equal(off.status, 409);
  assert.equal(off.json.code, 'messages_off');
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'borrower_exported'"), 0);
  assert.ok(await count('SELECT count(*)::int AS n FROM items') >= itemsBefore);
  // The listing of a branch-bound admin holds their branch only.
  const list = await f.clients.admin.get('/api/staff');
  assert.equal(list.status, 200);
  assert.ok(list.json.staff.length >= 3);
  assert.ok(list.json.staff.every((s) => s.branch === 'north'), JSON.stringify(list.json.staff));
  // A branch-bound manager is refused the staff routes by role, and sees only its own branch.
  assert.equal((await f.clients.manager.get('/api/staff')).status, 403);
  assert.equal((await f.clients.manager.get('/api/session')).json.user.branch, 'north');
});

// ---- CSRF and content types ----

test('a POST without X-CSRF-Token, or with a wrong one, gets 403 and writes nothing', async () => {
  const admin = clients.admin;
  const before = await count('SELECT ((SELECT count(*) FROM staff) + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM sessions))::int AS n');
  const body = { username: 'csrf-victim', display_name: 'X', role: 'admin', branch: null, password: 'correct horse battery' };
  const cases = [
    { csrf: false },
    { csrf: false, headers: { 'x-csrf-token': 'A'.repeat(43) } },
    { csrf: false, headers: { 'x-csrf-token': '' } },
    { csrf: false, headers: { 'x-csrf-token': `${admin.csrf}x` } },
    { csrf: false, headers: { 'x-csrf-token': clients.manager.csrf } }, // another session's token
  ];
  for (const opts of cases) {
    const res = await admin.post('/api/staff', body, opts);
    assert.equal(res.status, 403, JSON.stringify(opts));
    assert.equal(res.json.code, 'csrf_failed');
  }
  const { rows } = await db.query("SELECT id FROM staff WHERE username = 'net-volunteer'");
  const patch = await admin.patch(`/api/staff/${rows[0].id}`, { disabled: true }, { csrf: false });
  assert.equal(patch.status, 403);
  const logout = await admin.delete('/api/session', { csrf: false });
  assert.equal(logout.status, 403);
  // A login over a live session is a change too.
  const relogin = await admin.post('/api/session', { username: 'net-admin', password: 'correct horse battery' }, { csrf: false });
  assert.equal(relogin.status, 403);
  assert.equal(await count('SELECT ((SELECT count(*) FROM staff) + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM sessions))::int AS n'), before);
  assert.equal(await count("SELECT count(*)::int AS n FROM staff WHERE disabled"), 0);
  assert.equal((await admin.get('/api/session')).status, 200);
});

test('JSON routes take only application/json (415) and write nothing', async () => {
  const before = await count('SELECT count(*)::int AS n FROM staff');
  const body = JSON.stringify({ username: 'typed', display_name: 'X', role: 'admin', branch: null, password: 'correct horse battery' });
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null]) {
    const headers = type ? { 'content-type': type } : {};
    const res = await clients.admin.request('POST', '/api/staff', { body, headers });
    assert.equal(res.status, 415, `${type}: ${res.text}`);
    assert.equal(res.json.code, 'unsupported_media_type');
  }
  const login = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"username":"net-admin","password":"correct horse battery"}' });
  assert.equal(login.status, 415);
  assert.equal(await count('SELECT count(*)::int AS n FROM staff'), before);
});

// ---- login throttling ----

/** POST /api/session from a given local address (127.0.0.x), outside fetch's connection pool. */
function loginFrom(localAddress, username, password) {
  const { hostname, port } = new URL(server.url);
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: '/api/session', method: 'POST', localAddress,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the 6th wrong password for one user within 15 minutes gets 429, even with the right password', async () => {
  await forgetFailures();
  await addStaff(db, { username: 'greta', role: 'manager' });
  const c = new Client(server.url);
  for (let i = 1; i <= 5; i++) {
    const r = await c.post('/api/session', { username: i % 2 ? 'greta' : 'GRETA', password: `wrong password ${i}` });
    assert.equal(r.status, 401, `attempt ${i}`);
  }
  const sixth = await c.post('/api/session', { username: 'greta', password: 'correct horse battery' });
  assert.equal(sixth.status, 429);
  assert.equal(sixth.json.code, 'login_throttled');
  const wait = Number(sixth.headers.get('retry-after'));
  assert.ok(Number.isInteger(wait) && wait > 0 && wait <= 15 * 60, `Retry-After: ${wait}`);
  assert.equal(c.cookie, null, 'a throttled login set a cookie');
  // The lock is on the name, from any address, in any case; other names are free.
  assert.equal((await loginFrom('127.0.0.2', 'Greta', 'correct horse battery')).status, 429);
  assert.equal((await new Client(server.url).post('/api/session', { username: 'net-manager', password: 'correct horse battery' })).status, 200);
  // The lockout is audited once, and the username is stored only as a hash.
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'login_locked'"), 1);
  assert.equal(await count("SELECT count(*)::int AS n FROM login_failures WHERE position('greta'::bytea IN key) > 0"), 0);
  const { rows } = await db.query("SELECT count(*)::int AS n FROM login_failures WHERE scope = 'username' AND key = sha256('greta'::bytea)");
  assert.equal(rows[0].n, 5);
  // When the lockout is over, the right password works again.
  await db.query("UPDATE login_lockouts SET locked_until = now() - interval '1 second'");
  assert.equal((await new Client(server.url).post('/api/session', { username: 'greta', password: 'correct horse battery' })).status, 200);
});

test('a username outside the safe set is refused (422): Unicode folding cannot escape a lockout', async () => {
  await forgetFailures();
  await addStaff(db, { username: 'kiki-admin', role: 'admin' });
  const c = new Client(server.url);
  for (let i = 1; i <= 5; i++)
    assert.equal((await c.post('/api/session', { username: 'kiki-admin', password: `wrong password ${i}` })).status, 401);
  // PostgreSQL's lower() folds the dotted capital I (U+0130) and the Kelvin sign (U+212A) onto
  // ASCII: neither spelling reaches the lookup, with the right password or without.
  for (const spelling of ['kiki-admİn', '\u212Aiki-admin', 'kiki-admin\u00a0', 'kiki admin', 'ｋiki-admin']) {
    const r = await loginFrom('127.0.0.5', spelling, 'correct horse battery');
    assert.equal(r.status, 422, `${JSON.stringify(spelling)}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.code, 'validation_failed');
    assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [['username', 'invalid']]);
    assert.ok(!r.headers['set-cookie'], 'a refused name set a cookie');
  }
  assert.equal((await loginFrom('127.0.0.5', 'KIKI-ADMIN', 'correct horse battery')).status, 429, 'the account stays locked');
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'login' AND staff_id = (SELECT id FROM staff WHERE username = 'kiki-admin')"), 0);
  await forgetFailures();
  assert.equal((await loginFrom('127.0.0.5', 'Kiki-Admin', 'correct horse battery')).status, 200);
});

test('invalid UTF-8 or a NUL in the path or a query argument is 400 invalid_query on every route', async () => {
  const logBefore = server.log().length;
  const cases = [
    ['/api/public/branches/%ff', null],
    ['/api/public/items?branch=%ff', null],
    ['/api/public/items?q=%C0%80', null], // an overlong NUL
    ['/api/public/stats?branch=%ED%A0%80', null], // a surrogate
    ['/api/public/categories?x%ff=1', null],
    ['/api/items?branch=%ff', 'volunteer'],
    ['/api/items/DEJ%ff', 'volunteer'],
    ['/api/items.csv?branch=%fe', 'manager'],
    ['/api/stats/loans?branch=%ff', 'manager'],
    ['/api/borrowers?q=%ff', 'volunteer'],
    ['/api/public/items?q=ski%00drop', null],
    ['/api/public/branches/deje%00x', null],
    ['/index.html%ff', null],
  ];
  for (const [path, role] of cases) {
    const r = role ? await clients[role].get(path) : await new Client(server.url).get(path);
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    assert.equal(r.json.code, 'invalid_query', path);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  }
  // Valid UTF-8 still passes: a Swedish search is a search.
  assert.equal((await new Client(server.url).get('/api/public/items?q=%C3%A5ka')).status, 200);
  assert.doesNotMatch(server.log().slice(logBefore), / 5\d\d [\d.]+ ms|ERROR|invalid byte sequence/);
});

test('a successful login forgets the username\'s failures', async () => {
  await forgetFailures();
  await addStaff(db, { username: 'hugo' });
  const c = new Client(server.url);
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 4; i++)
      assert.equal((await c.post('/api/session', { username: 'hugo', password: 'not it at all' })).status, 401);
    const ok = await loginFrom('127.0.0.1', 'hugo', 'correct horse battery');
    assert.equal(ok.status, 200, `round ${round}`);
  }
});

test('50 failed logins from one address lock that address, not others', async () => {
  await forgetFailures();
  const names = Array.from({ length: 50 }, (_, i) => `nobody-${i}`);
  for (const name of names) {
    const r = await loginFrom('127.0.0.3', name, 'wrong password!');
    assert.equal(r.status, 401, name);
  }
  const locked = await loginFrom('127.0.0.3', 'net-admin', 'correct horse battery');
  assert.equal(locked.status, 429);
  assert.equal(locked.json.code, 'login_throttled');
  assert.ok(Number(locked.headers['retry-after']) > 0);
  assert.equal((await loginFrom('127.0.0.4', 'net-admin', 'correct horse battery')).status, 200);
  await forgetFailures();
});

// ---- the password gate under a burst ----

function memoryKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
  return { hwm: field('VmHWM'), rss: field('VmRSS') };
}

test('200 parallel wrong-password logins: the server stays up, answers 401/429/503, memory stays bounded', async (t) => {
  const burstDb = await freshDb();
  const burst = await startHylla({ database: burstDb.conninfo, args: ['--no-access-log'] });
  try {
    await addStaff(burstDb, { username: 'target' });
    const cores = os.cpus().length;
    const limitKiB = (64 * cores + 100) * 1024;
    const requests = Array.from({ length: 200 }, (_, i) => fetch(`${burst.url}/api/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      // Half on one account, half on names that do not exist: both cost a hash until throttled.
      body: JSON.stringify({ username: i % 2 ? 'target' : `ghost-${i}`, password: `wrong password ${i}` }),
    }).then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.json() })));
    const answers = await Promise.all(requests);
    const tally = {};
    for (const a of answers) {
      tally[a.status] = (tally[a.status] || 0) + 1;
      assert.ok([401, 429, 503].includes(a.status), `unexpected ${a.status}: ${JSON.stringify(a.body)}`);
      if (a.status !== 401) assert.ok(Number(a.retry) > 0, `${a.status} without Retry-After`);
    }
    assert.ok(tally[401] > 0, JSON.stringify(tally));
    const mem = memoryKiB(burst.pid);
    t.diagnostic(`answers ${JSON.stringify(tally)}; peak ${mem.hwm} KiB, now ${mem.rss} KiB, limit ${limitKiB} KiB`);
    assert.ok(mem.hwm < limitKiB, `peak resident memory ${mem.hwm} KiB, limit ${limitKiB} KiB (${JSON.stringify(tally)})`);
    assert.ok(mem.rss < limitKiB);
    const health = await fetch(`${burst.url}/healthz`);
    assert.equal(health.status, 200);
  } finally {
    await burst.stop();
    await burstDb.drop();
  }
});

// ---- headers on every response ----

function assertSecurityHeaders(headers, what) {
  const get = (k) => (typeof headers.get === 'function' ? headers.get(k) : headers[k]);
  assert.equal(get('x-content-type-options'), 'nosniff', what);
  assert.equal(get('referrer-policy'), 'same-origin', what);
  const csp = get('content-security-policy') || '';
  for (const part of ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "script-src 'self'"])
    assert.ok(csp.includes(part), `${what}: CSP lacks ${part}: ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, what);
}

test('every response carries the security headers: pages, files, 304, errors of every kind', async () => {
  await forgetFailures();
  const anon = new Client(server.url);
  const page = await anon.get('/');
  const etag = page.headers.get('etag');
  const responses = {
    page,
    'login page': await anon.get('/login'),
    'static file': await anon.get('/style.css'),
    'HEAD of a page': await anon.request('HEAD', '/'),
    'not modified': await anon.get('/', { headers: { 'if-none-match': etag } }),
    'missing page': await anon.get('/no/such/page.html'),
    'missing API route': await anon.get('/api/no-such-thing'),
    health: await anon.get('/healthz'),
    'wrong method': await anon.request('PUT', '/api/session', { json: {} }),
    'wrong method on a file': await anon.request('POST', '/index.html', { body: 'x' }),
    'no session': await anon.get('/api/staff'),
    'wrong role': await clients.volunteer.get('/api/staff'),
    'no CSRF token': await clients.admin.post('/api/staff', {}, { csrf: false }),
    'wrong type': await anon.request('POST', '/api/session', { body: 'x', headers: { 'content-type': 'text/plain' } }),
    'bad JSON': await anon.request('POST', '/api/session', { body: '{', headers: { 'content-type': 'application/json' } }),
    'invalid input': await anon.post('/api/session', {}),
    'wrong password': await anon.post('/api/session', { username: 'net-admin', password: 'wrong password' }),
    'JSON answer': await clients.admin.get('/api/staff'),
  };
  for (let i = 0; i < 5; i++) await anon.post('/api/session', { username: 'headers-user', password: 'wrong password' });
  responses.throttled = await anon.post('/api/session', { username: 'headers-user', password: 'wrong password' });
  const c = new Client(server.url);
  responses.login = await c.post('/api/session', { username: 'net-volunteer', password: 'correct horse battery' });
  c.csrf = responses.login.json.csrf_token;
  responses.logout = await c.delete('/api/session');

  const expected = { page: 200, 'not modified': 304, 'missing page': 404, 'missing API route': 404, 'wrong method': 405,
    'wrong method on a file': 405, 'no session': 401, 'wrong role': 403, 'no CSRF token': 403, 'wrong type': 415,
    'bad JSON': 400, 'invalid input': 422, 'wrong password': 401, throttled: 429, login: 200, logout: 204 };
  for (const [what, res] of Object.entries(responses)) {
    if (what in expected) assert.equal(res.status, expected[what], `${what}: ${res.text.slice(0, 200)}`);
    assertSecurityHeaders(res.headers, what);
  }
  // Raw exchanges, to see the bytes on the wire and not what fetch makes of them.
  const raws = {
    404: 'GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    413: 'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n',
  };
  for (const [status, request] of Object.entries(raws)) {
    const raw = await rawRequest(server.url, request);
    assert.match(raw, new RegExp(`^HTTP/1\\.1 ${status}`));
    assert.match(raw, /\r\nContent-Security-Policy: [^\r]*frame-ancestors 'none'/i, raw);
    assert.match(raw, /\r\nX-Content-Type-Options: nosniff\r\n/i, raw);
    assert.match(raw, /\r\nReferrer-Policy: same-origin\r\n/i, raw);
  }
  await forgetFailures();
});

test('authenticated API answers are never cached', async () => {
  const { rows } = await db.query("SELECT id FROM staff WHERE username = 'net-manager'");
  const answers = [
    await clients.admin.get('/api/session'),
    await clients.admin.get('/api/staff'),
    await clients.admin.get(`/api/staff/${rows[0].id}`),
    await clients.admin.patch(`/api/staff/${rows[0].id}`, { display_name: 'Net Manager' }),
    await clients.volunteer.get('/api/staff'),
  ];
  for (const res of answers) {
    assert.ok(res.status < 500, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  }
});
