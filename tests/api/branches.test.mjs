// Branches and categories: admins create and change them, anyone reads them, bad input changes
// nothing, and new branches get a label code prefix of their own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, staffClient, addBranch, Client } from './lib.mjs';

let db;
let server;
let admin;
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  admin = await staffClient(server, db, { username: 'astrid', role: 'admin' });
});
after(async () => {
  await server.stop();
  await db.drop();
});

const count = async (sql, params) => (await db.query(sql, params)).rows[0].n;

test('an admin creates a branch; anyone reads it', async () => {
  const body = {
    slug: 'deje', name: 'Fritidsbanken Deje', municipality: 'Forshaga', address: 'Storgatan 12, 669 31 Deje',
    loan_days: 14, opening_hours: { tue: [['15:00', '18:00']], sat: [['10:00', '12:00'], ['12:30', '14:00']] },
    closed_dates: ['2026-12-25', '2026-12-24', '2026-12-24'],
  };
  const r = await admin.post('/api/branches', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('location'), '/api/branches/deje');
  assert.deepEqual(r.json, {
    slug: 'deje', name: 'Fritidsbanken Deje', municipality: 'Forshaga', address: 'Storgatan 12, 669 31 Deje',
    contact: null, opening_hours: body.opening_hours, closed_dates: ['2026-12-24', '2026-12-25'],
    loan_days: 14, max_renewals: 1, item_limit: 10, notice: null, code_prefix: 'DEJ',
  });
  const { rows } = await db.query("SELECT closed_dates::text, code_prefix FROM branches WHERE slug = 'deje'");
  assert.deepEqual(rows[0], { closed_dates: '{2026-12-24,2026-12-25}', code_prefix: 'DEJ' });
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'branch_created'"), 1);

  const anyone = new Client(server.url);
  const one = await anyone.get('/api/branches/deje');
  assert.equal(one.status, 200);
  assert.deepEqual(one.json, r.json);
  const all = await anyone.get('/api/branches');
  assert.equal(all.status, 200);
  assert.deepEqual(all.json.branches.map((b) => b.slug), ['deje']);
  assert.equal((await anyone.get('/api/branches/nowhere')).json.code, 'branch_not_found');
});

test('only slug and name are required; prefixes step around taken ones', async () => {
  const a = await admin.post('/api/branches', { slug: 'dejefors', name: 'Dejefors' });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.code_prefix, 'DEJE');
  assert.deepEqual(a.json.opening_hours, {});
  assert.deepEqual(a.json.closed_dates, []);
  const b = await admin.post('/api/branches', { slug: 'molkom', name: 'Molkom', code_prefix: 'mk' });
  assert.equal(b.status, 201, b.text);
  assert.equal(b.json.code_prefix, 'MK');

  const clash = await admin.post('/api/branches', { slug: 'karlstad', name: 'Karlstad', code_prefix: 'DEJ' });
  assert.equal(clash.status, 409);
  assert.equal(clash.json.code, 'code_prefix_taken');
  const again = await admin.post('/api/branches', { slug: 'molkom', name: 'Molkom igen' });
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'slug_taken');
  assert.equal(await count("SELECT count(*)::int AS n FROM branches WHERE slug IN ('karlstad') OR name = 'Molkom igen'"), 0);
});

test('bad branch input is refused field by field and creates nothing', async () => {
  const before = await count('SELECT count(*)::int AS n FROM branches');
  const r = await admin.post('/api/branches', {
    slug: 'Bad Slug', name: '', loan_days: 0, colour: 'red', code_prefix: 'TOO-LONG-X',
    opening_hours: { mon: [['18:00', '15:00']] }, closed_dates: ['2026-02-30'],
  });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => e.field).sort(),
    ['closed_dates', 'code_prefix', 'colour', 'loan_days', 'name', 'opening_hours', 'slug']);
  for (const hours of [{ funday: [] }, { mon: [['15:00', '18:00'], ['17:00', '19:00']] }, { mon: [['25:00', '26:00']] },
    { mon: [['15:00']] }, { mon: 'all day' }, [], { mon: [['8:00', '9:00']] }]) {
    const h = await admin.post('/api/branches', { slug: 'x', name: 'X', opening_hours: hours });
    assert.equal(h.status, 422, JSON.stringify(hours));
    assert.deepEqual(h.json.errors.map((e) => e.field), ['opening_hours']);
  }
  assert.equal(await count('SELECT count(*)::int AS n FROM branches'), before);
});

test('an admin changes a branch; null clears; the slug stays', async () => {
  await addBranch(db, 'forshaga', { prefix: 'FOR' });
  const r = await admin.patch('/api/branches/forshaga', {
    notice: 'Stängt under sportlovet', loan_days: 21, opening_hours: { wed: [['14:00', '18:00']] },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.notice, 'Stängt under sportlovet');
  assert.equal(r.json.loan_days, 21);
  assert.deepEqual(r.json.opening_hours, { wed: [['14:00', '18:00']] });
  assert.equal(r.json.name, 'Fritidsbanken forshaga', 'an absent field is kept');

  const cleared = await admin.patch('/api/branches/forshaga', { notice: null, closed_dates: ['2027-01-06'] });
  assert.equal(cleared.json.notice, null);
  assert.deepEqual(cleared.json.closed_dates, ['2027-01-06']);
  assert.equal(cleared.json.loan_days, 21);

  const slug = await admin.patch('/api/branches/forshaga', { slug: 'other' });
  assert.equal(slug.status, 422);
  assert.equal(slug.json.errors[0].code, 'unknown_field');
  const name = await admin.patch('/api/branches/forshaga', { name: null });
  assert.equal(name.status, 422);
  assert.equal((await admin.patch('/api/branches/nowhere', { notice: 'x' })).status, 404);
  const taken = await admin.patch('/api/branches/forshaga', { code_prefix: 'DEJ' });
  assert.equal(taken.status, 409);
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'branch_updated'"), 2);
});

test('managers and volunteers may not create or change branches', async () => {
  const manager = await staffClient(server, db, { username: 'maja', role: 'manager' });
  assert.equal((await manager.post('/api/branches', { slug: 'm', name: 'M' })).status, 403);
  assert.equal((await manager.patch('/api/branches/deje', { notice: 'x' })).status, 403);
  const anyone = new Client(server.url);
  assert.equal((await anyone.post('/api/branches', { slug: 'm', name: 'M' })).status, 401);
  assert.equal(await count("SELECT count(*)::int AS n FROM branches WHERE slug = 'm'"), 0);
});

test('categories: the default tree is public, in Swedish and English, parents first', async () => {
  const r = await new Client(server.url).get('/api/categories');
  assert.equal(r.status, 200);
  const cats = r.json.categories;
  assert.ok(cats.length > 40);
  const seen = new Set();
  for (const c of cats) {
    assert.ok(c.parent_id === null || seen.has(c.parent_id), `${c.name_sv} before its parent`);
    seen.add(c.id);
  }
  const skis = cats.find((c) => c.id === 111);
  assert.deepEqual(skis, {
    id: 111, parent_id: 11, depth: 2, name_sv: 'Längdskidor', name_en: 'Cross-country skis',
    size_kind: 'length_cm', co2e_kg: null, sek: null, factor_source: null, factor_source_en: null,
    consent_age: null, sort: 10,
  });
  assert.equal(cats.find((c) => c.id === 112).co2e_kg, 29);
});

test('categories: admins add and change them, with impact factors; no cycles', async () => {
  const r = await admin.post('/api/categories', {
    parent_id: 11, name_sv: 'Telemarkskidor', name_en: 'Telemark skis', size_kind: 'length_cm', sort: 60,
  });
  assert.equal(r.status, 201, r.text);
  assert.ok(r.json.id >= 1000);
  assert.equal(r.json.depth, 2);
  const id = r.json.id;
  const p = await admin.patch(`/api/categories/${id}`, { co2e_kg: 12.5, sek: 300, factor_source: 'Egen uppskattning' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.co2e_kg, 12.5);
  assert.equal(p.json.sek, 300);
  assert.equal(p.json.name_sv, 'Telemarkskidor');

  const cycle = await admin.patch('/api/categories/1', { parent_id: 111 });
  assert.equal(cycle.status, 422);
  assert.equal(cycle.json.errors[0].code, 'cycle');
  const orphan = await admin.post('/api/categories', { parent_id: 99999, name_sv: 'X', name_en: 'X' });
  assert.equal(orphan.status, 422);
  assert.equal(orphan.json.errors[0].field, 'parent_id');
  const bad = await admin.post('/api/categories', { name_sv: '', size_kind: 'weight_kg', co2e_kg: -1 });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['co2e_kg', 'name_en', 'name_sv', 'size_kind']);
  assert.equal((await admin.patch('/api/categories/424242', { sort: 1 })).status, 404);
  assert.equal(await count("SELECT count(*)::int AS n FROM categories WHERE parent_id = 1 AND id = 111"), 0);

  const volunteer = await staffClient(server, db, { username: 'ville', role: 'volunteer' });
  assert.equal((await volunteer.post('/api/categories', { name_sv: 'X', name_en: 'X' })).status, 403);
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'category_%'"), 2);
});
