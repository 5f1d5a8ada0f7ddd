// The category tree as admins keep it: rename, move, size kind, hide (and the public site then
// leaves it out), delete only what nothing refers to (409 with the counts), and merge, which
// keeps every statistic: totals before and after are compared, and so are the rollups with a
// recount.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, staffClient, addBranch, addItem, addBorrower, Client, stockholmDate } from './lib.mjs';

let db;
let server;
let admin;
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'north');
  await addBranch(db, 'south');
  admin = await staffClient(server, db, { username: 'astrid', role: 'admin' });
});
after(async () => {
  await server.stop();
  await db.drop();
});

const count = async (sql, params) => (await db.query(sql, params)).rows[0].n;

async function category(body) {
  const r = await admin.post('/api/categories', body);
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

/** A loan of the item lent on day `out` (YYYY-MM-DD) and returned `days` later (null: open), due after 14. */
async function lend(code, borrower, out, days) {
  await db.query(
    `WITH i AS (SELECT id, branch_id, category_id FROM items WHERE code = $1),
          c AS (INSERT INTO checkouts (branch_id, borrower_id) SELECT branch_id, $2 FROM i RETURNING id)
     INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref,
                        checked_out_at, due_date, returned_at)
     SELECT c.id, i.id, i.branch_id, i.category_id, $2, $2, ($3::date + time '12:00') AT TIME ZONE 'Europe/Stockholm',
            $3::date + 14,
            CASE WHEN $4::int IS NOT NULL THEN ($3::date + $4::int + time '15:00') AT TIME ZONE 'Europe/Stockholm' END
       FROM i, c`, [code, borrower, out, days]);
  if (days === null) await db.query("UPDATE items SET status = 'on_loan' WHERE code = $1", [code]);
}

test('admins rename, move and set the size kind of categories; managers read them', async () => {
  const id = await category({ parent_id: 2, name_sv: 'Klätterutrustning', name_en: 'Climbing gear' });
  const r = await admin.patch(`/api/categories/${id}`, { name_sv: 'Klättring', name_en: 'Climbing', parent_id: 7, size_kind: 'clothing' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.name_sv, r.json.name_en, r.json.parent_id, r.json.size_kind, r.json.depth], ['Klättring', 'Climbing', 7, 'clothing', 1]);
  const top = await admin.patch(`/api/categories/${id}`, { parent_id: null, size_kind: null });
  assert.deepEqual([top.json.parent_id, top.json.size_kind, top.json.depth], [null, null, 0]);
  const manager = await staffClient(server, db, { username: 'maja', role: 'manager', branch: 'north' });
  assert.equal((await manager.get('/api/categories')).status, 200);
  assert.equal((await manager.patch(`/api/categories/${id}`, { name_sv: 'X' })).status, 403);
  assert.equal((await db.query('SELECT name_sv FROM categories WHERE id = $1', [id])).rows[0].name_sv, 'Klättring');
});

test('a hidden category, and everything below it, leaves the public list; hiding one with items is refused', async () => {
  const parent = await category({ parent_id: 4, name_sv: 'Curling', name_en: 'Curling' });
  const child = await category({ parent_id: parent, name_sv: 'Curlingstenar', name_en: 'Curling stones' });
  const code = await addItem(db, 'north', { category: child, name: 'Curlingsten' });
  const refused = await admin.patch(`/api/categories/${parent}`, { hidden: true });
  assert.equal(refused.status, 409);
  assert.equal(refused.json.code, 'category_in_use');
  assert.deepEqual([refused.json.items, refused.json.loans, refused.json.children], [1, 0, 0]);
  assert.equal(await count('SELECT count(*)::int AS n FROM categories WHERE hidden'), 0);
  // A retired item is no use: the category may go out of sight.
  await db.query("UPDATE items SET status = 'retired', retired_reason = 'Trasig' WHERE code = $1", [code]);
  const hidden = await admin.patch(`/api/categories/${parent}`, { hidden: true });
  assert.equal(hidden.status, 200, hidden.text);
  assert.deepEqual([hidden.json.hidden, hidden.json.shown], [true, false]);
  const staff = (await admin.get('/api/categories')).json.categories;
  assert.deepEqual(staff.filter((c) => [parent, child].includes(c.id)).map((c) => [c.hidden, c.shown]), [[true, false], [false, false]]);
  const pub = (await new Client(server.url).get('/api/public/categories')).json.categories.map((c) => c.id);
  assert.ok(!pub.includes(parent) && !pub.includes(child) && pub.includes(4));
  const shown = await admin.patch(`/api/categories/${parent}`, { hidden: false });
  assert.equal(shown.json.shown, true);
  assert.ok((await new Client(server.url).get('/api/public/categories')).json.categories.some((c) => c.id === child));
});

test('deleting a category that anything refers to is refused with the counts; an unused one goes', async () => {
  const used = await category({ parent_id: 5, name_sv: 'Tandemcyklar', name_en: 'Tandem bikes' });
  const below = await category({ parent_id: used, name_sv: 'Barntandem', name_en: 'Child tandems' });
  const code = await addItem(db, 'north', { category: used, name: 'Tandem' });
  const borrower = await addBorrower(db, { branch: 'north', name: 'Bo', phone: '+46701110001' });
  await lend(code, borrower, await stockholmDate(db, -5), 2);
  await addItem(db, 'south', { category: used, name: 'Tandem', status: 'available' });
  const r = await admin.delete(`/api/categories/${used}`);
  assert.equal(r.status, 409);
  assert.equal(r.json.code, 'category_in_use');
  assert.deepEqual([r.json.items, r.json.loans, r.json.children], [2, 1, 1]);
  assert.equal(await count('SELECT count(*)::int AS n FROM categories WHERE id = $1', [used]), 1);
  assert.equal((await admin.delete(`/api/categories/${below}`)).status, 204);
  assert.equal((await admin.delete(`/api/categories/${below}`)).status, 404);
  assert.equal(await count('SELECT count(*)::int AS n FROM categories WHERE id = $1', [below]), 0);
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'category_deleted' AND object_id = $1", [below]), 1);
  assert.equal((await admin.delete('/api/categories/abc')).status, 404);
});

test('a merge is refused into itself, below itself, or into nothing; volunteers may not merge', async () => {
  const a = await category({ parent_id: 3, name_sv: 'Kajakpaddlar', name_en: 'Kayak paddles' });
  const b = await category({ parent_id: a, name_sv: 'Barnpaddlar', name_en: 'Child paddles' });
  for (const [into, code] of [[a, 'cycle'], [b, 'cycle'], [424242, 'not_found']]) {
    const r = await admin.post(`/api/categories/${a}/merge`, { into });
    assert.equal(r.status, 422, `${into}: ${r.text}`);
    assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [['into', code]]);
  }
  assert.equal((await admin.post('/api/categories/424242/merge', { into: a })).status, 404);
  const bad = await admin.post(`/api/categories/${a}/merge`, { into: 'paddlar', also: 1 });
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['also', 'into']);
  const volunteer = await staffClient(server, db, { username: 'ville', role: 'volunteer' });
  assert.equal((await volunteer.post(`/api/categories/${b}/merge`, { into: 3 })).status, 403);
  assert.equal(await count('SELECT count(*)::int AS n FROM categories WHERE id IN ($1, $2)', [a, b]), 2);
});

/** Every statistic the API gives, for the network and each branch, from the start until today. */
async function statistics(to) {
  const all = {};
  for (const branch of ['', 'north', 'south']) {
    const q = `from=2024-01-01&to=${to}${branch ? `&branch=${branch}` : ''}`;
    const get = async (path) => {
      const r = await admin.get(path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      return r.json;
    };
    all[branch || 'network'] = {
      summary: await get(`/api/stats/summary?${q}`),
      months: await get(`/api/stats/loans?${q}&group_by=month`),
      days: await get(`/api/stats/loans?from=${to.slice(0, 4)}-01-01&to=${to}&group_by=day${branch ? `&branch=${branch}` : ''}`),
      branches: branch ? null : await get(`/api/stats/loans?${q}&group_by=branch`),
      categories: await get(`/api/stats/loans?${q}&group_by=category`),
      items: await get(`/api/stats/items${branch ? `?branch=${branch}` : ''}`),
    };
  }
  return all;
}

/** The rows of a by-category answer, by category id. */
const byCategory = (rows) => Object.fromEntries(rows.map((r) => [r.key, r]));

test('merging two categories keeps every statistic equal; the target counts both', async () => {
  const factors = { co2e_kg: 7.5, sek: 120, factor_source: 'Test' };
  const source = await category({ parent_id: 1, name_sv: 'Sparkstöttingar', name_en: 'Kick sleds', ...factors });
  const target = await category({ parent_id: 1, name_sv: 'Sparkar', name_en: 'Kicksleds', ...factors });
  const child = await category({ parent_id: source, name_sv: 'Barnsparkar', name_en: 'Child kick sleds' });
  const today = await stockholmDate(db);
  const day = (n) => stockholmDate(db, -n);
  const b1 = await addBorrower(db, { branch: 'north', name: 'Anna', phone: '+46701110002' });
  const b2 = await addBorrower(db, { branch: 'south', name: 'Bert', phone: '+46701110003' });
  const b3 = await addBorrower(db, { branch: 'north', name: 'Cissi', phone: '+46701110004' });
  const plan = [
    // [branch, category, borrower, [[days ago lent, days until returned or null], ...]]
    ['north', source, b1, [[400, 10], [200, 20], [30, null]]],
    ['north', source, b3, [[300, 5], [100, 30]]],
    ['south', source, b2, [[250, 14], [60, 3]]],
    ['north', target, b1, [[200, 7], [45, 16], [2, null]]],
    ['south', target, b2, [[120, 40]]],
    ['north', child, b3, [[90, 9]]],
    ['south', 112, b2, [[80, 6]]],
  ];
  for (const [branch, cat, borrower, loans] of plan) {
    const code = await addItem(db, branch, { category: cat, name: 'Spark' });
    for (const [ago, days] of loans) await lend(code, borrower, await day(ago), days);
  }
  await addItem(db, 'south', { category: source, name: 'Aldrig lånad' });
  const retired = await addItem(db, 'north', { category: source, name: 'Utrangerad' });
  await db.query("UPDATE items SET status = 'retired', retired_reason = 'Sönder' WHERE code = $1", [retired]);

  const before = await statistics(today);
  const r = await admin.post(`/api/categories/${source}/merge`, { into: target });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.category.id, target);
  assert.deepEqual({ children: r.json.moved.children, items: r.json.moved.items, loans: r.json.moved.loans }, { children: 1, items: 5, loans: 7 });
  const after = await statistics(today);

  for (const scope of Object.keys(before)) {
    const [was, now] = [before[scope], after[scope]];
    assert.deepEqual(now.summary, was.summary, `${scope}: summary`);
    assert.deepEqual(now.months, was.months, `${scope}: months`);
    assert.deepEqual(now.days, was.days, `${scope}: days`);
    assert.deepEqual(now.branches, was.branches, `${scope}: branches`);
    assert.deepEqual(now.items.items, was.items.items, `${scope}: items`);
    assert.deepEqual(now.items.never_lent, was.items.never_lent, `${scope}: never lent`);
    const [c0, c1] = [byCategory(was.categories.rows), byCategory(now.categories.rows)];
    assert.equal(c1[source], undefined, `${scope}: the source category is gone`);
    const sum = (field) => (c0[source]?.[field] ?? 0) + (c0[target]?.[field] ?? 0);
    if (c0[source] || c0[target]) assert.equal(c1[target].loans, sum('loans'), `${scope}: the target has both`);
    for (const [key, row] of Object.entries(c0))
      if (![String(source), String(target)].includes(key)) assert.deepEqual(c1[key], row, `${scope}: category ${key}`);
    assert.equal(now.categories.rows.reduce((s, x) => s + x.loans, 0), was.categories.rows.reduce((s, x) => s + x.loans, 0));
  }
  // The rollups equal a recount, and the tree and the rows moved.
  const verify = (await db.query('SELECT rollup, missing, unexpected FROM stats_verify() WHERE missing <> 0 OR unexpected <> 0')).rows;
  assert.deepEqual(verify, []);
  assert.equal(await count('SELECT count(*)::int AS n FROM categories WHERE id = $1', [source]), 0);
  assert.equal(await count('SELECT count(*)::int AS n FROM items WHERE category_id = $1', [source]) + await count('SELECT count(*)::int AS n FROM loans WHERE category_id = $1', [source]), 0);
  assert.equal((await db.query('SELECT parent_id FROM categories WHERE id = $1', [child])).rows[0].parent_id, target);
  const audit = (await db.query("SELECT details FROM audit_log WHERE action = 'category_merged' AND object_id = $1", [source])).rows;
  assert.equal(audit.length, 1);
  assert.equal(audit[0].details.into, target);
});
