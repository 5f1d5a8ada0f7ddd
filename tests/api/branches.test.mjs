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
    seasons: [
      { name: 'Sommar', from: '06-15', to: '08-15', opening_hours: { tue: [['16:00', '19:00']], thu: [['16:00', '19:00']] } },
      { name: 'Jul och nyår', from: '12-20', to: '01-10', opening_hours: {} },
    ],
    closed_periods: [
      { from: '2026-12-31', to: '2026-12-31' },
      { from: '2026-12-23', to: '2027-01-06', reason: 'Julstängt' },
      { from: '2026-12-31', to: '2026-12-31', reason: null },
    ],
  };
  const r = await admin.post('/api/branches', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('location'), '/api/branches/deje');
  assert.deepEqual(r.json, {
    slug: 'deje', name: 'Fritidsbanken Deje', municipality: 'Forshaga', address: 'Storgatan 12, 669 31 Deje',
    contact: null, opening_hours: body.opening_hours, seasons: body.seasons,
    closed_periods: [ // in order, none twice, reason null when not given
      { from: '2026-12-23', to: '2027-01-06', reason: 'Julstängt' },
      { from: '2026-12-31', to: '2026-12-31', reason: null },
    ],
    loan_days: 14, max_renewals: 1, item_limit: 10, lost_after_days: 60, notice: null, code_prefix: 'DEJ',
    label_format: 'a4-3x8', receipt_format: 'receipt-80',
  });
  const { rows } = await db.query("SELECT seasons, closed_periods, code_prefix FROM branches WHERE slug = 'deje'");
  assert.deepEqual(rows[0], { seasons: body.seasons, closed_periods: r.json.closed_periods, code_prefix: 'DEJ' });
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
  assert.deepEqual(a.json.seasons, []);
  assert.deepEqual(a.json.closed_periods, []);
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
    opening_hours: { mon: [['18:00', '15:00']] }, closed_periods: [{ from: '2026-02-30', to: '2026-03-01' }],
    seasons: [{ name: 'Sommar', from: '06-31', to: '08-15', opening_hours: {} }], closed_dates: ['2026-12-24'],
  });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => e.field).sort(),
    ['closed_dates', 'closed_periods', 'code_prefix', 'colour', 'loan_days', 'name', 'opening_hours', 'seasons', 'slug']);
  for (const hours of [{ funday: [] }, { mon: [['15:00', '18:00'], ['17:00', '19:00']] }, { mon: [['25:00', '26:00']] },
    { mon: [['15:00']] }, { mon: 'all day' }, [], { mon: [['8:00', '9:00']] }]) {
    const h = await admin.post('/api/branches', { slug: 'x', name: 'X', opening_hours: hours });
    assert.equal(h.status, 422, JSON.stringify(hours));
    assert.deepEqual(h.json.errors.map((e) => e.field), ['opening_hours']);
  }
  assert.equal(await count('SELECT count(*)::int AS n FROM branches'), before);
});

test('a bad calendar is refused field by field and changes nothing', async () => {
  await addBranch(db, 'kal', { prefix: 'KAL', opening_hours: { mon: [['10:00', '12:00']] },
    seasons: [{ name: 'Sommar', from: '06-15', to: '08-15', opening_hours: {} }],
    closed_periods: [{ from: '2026-12-24', to: '2026-12-26', reason: 'Jul' }] });
  const row = async () => (await db.query(
    "SELECT to_jsonb(b) - 'created_at' AS row FROM branches b WHERE slug = 'kal'")).rows[0].row;
  const before = await row();
  const season = { name: 'Sommar', from: '06-15', to: '08-15', opening_hours: { tue: [['16:00', '19:00']] } };
  const cases = [
    [{ seasons: {} }, 'seasons', /list of at most 20/],
    [{ seasons: Array(21).fill(season) }, 'seasons', /list of at most 20/],
    [{ seasons: ['Sommar'] }, 'seasons', /^season 1: a season is/],
    [{ seasons: [season, { ...season, colour: 'gul' }] }, 'seasons', /^season 2: a season is/],
    [{ seasons: [{ ...season, name: ' ' }] }, 'seasons', /^season 1: name/],
    [{ seasons: [{ ...season, name: 'x'.repeat(101) }] }, 'seasons', /^season 1: name/],
    [{ seasons: [{ ...season, from: '6-15' }] }, 'seasons', /^season 1: from and to are a month and day/],
    [{ seasons: [{ ...season, to: '02-30' }] }, 'seasons', /^season 1: from and to/],
    [{ seasons: [{ ...season, to: '13-01' }] }, 'seasons', /^season 1: from and to/],
    [{ seasons: [{ ...season, opening_hours: undefined }] }, 'seasons', /^season 1: opening hours must be an object/],
    [{ seasons: [{ ...season, opening_hours: { tue: [['19:00', '16:00']] } }] }, 'seasons', /^season 1: each day's hours must close after/],
    [{ seasons: [{ ...season, opening_hours: { tis: [] } }] }, 'seasons', /^season 1: weekdays are written/],
    [{ closed_periods: '2026-12-24' }, 'closed_periods', /list of at most 1000/],
    [{ closed_periods: [{ from: '2026-12-24' }] }, 'closed_periods', /^closed period 1: from and to are dates/],
    [{ closed_periods: [{ from: '2026-12-24', to: '24/12' }] }, 'closed_periods', /^closed period 1: from and to are dates/],
    [{ closed_periods: [{ from: '2027-01-06', to: '2026-12-23' }] }, 'closed_periods', /^closed period 1: to must not come before from/],
    [{ closed_periods: [{ from: '2026-12-24', to: '2026-12-24' }, { from: '2026-12-24', to: '2026-12-24', reason: '' }] },
      'closed_periods', /^closed period 2: reason/],
    [{ closed_periods: [{ from: '2026-12-24', to: '2026-12-24', why: 'jul' }] }, 'closed_periods', /^closed period 1: a closed period is/],
    [{ closed_dates: ['2026-12-24'] }, 'closed_dates', /not accepted/],
  ];
  for (const [body, field, message] of cases) {
    // Each bad field next to a good one: nothing of the request is written.
    const r = await admin.patch('/api/branches/kal', { notice: 'ändrad', opening_hours: {}, ...body });
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.deepEqual(r.json.errors.map((e) => e.field), [field], JSON.stringify(body));
    assert.match(r.json.errors[0].message, message, JSON.stringify(body));
  }
  const both = await admin.patch('/api/branches/kal', { seasons: [{ ...season, to: '' }], closed_periods: [{}] });
  assert.deepEqual(both.json.errors.map((e) => e.field).sort(), ['closed_periods', 'seasons']);
  assert.deepEqual(await row(), before);
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'branch_updated'"), 0);
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

  const cleared = await admin.patch('/api/branches/forshaga', {
    notice: null, closed_periods: [{ from: '2027-01-06', to: '2027-01-06', reason: 'Trettondagen' }],
  });
  assert.equal(cleared.json.notice, null);
  assert.deepEqual(cleared.json.closed_periods, [{ from: '2027-01-06', to: '2027-01-06', reason: 'Trettondagen' }]);
  assert.deepEqual(cleared.json.opening_hours, { wed: [['14:00', '18:00']] }, 'the week is kept');
  assert.equal(cleared.json.loan_days, 21);
  const summer = { name: 'Sommar', from: '06-15', to: '08-15', opening_hours: { wed: [['16:00', '19:00']] } };
  const seasons = await admin.patch('/api/branches/forshaga', { seasons: [summer] });
  assert.deepEqual(seasons.json.seasons, [summer]);
  assert.equal(seasons.json.closed_periods.length, 1, 'closed periods are kept');
  const none = await admin.patch('/api/branches/forshaga', { seasons: null, closed_periods: null });
  assert.deepEqual([none.json.seasons, none.json.closed_periods], [[], []]);

  const slug = await admin.patch('/api/branches/forshaga', { slug: 'other' });
  assert.equal(slug.status, 422);
  assert.equal(slug.json.errors[0].code, 'unknown_field');
  const name = await admin.patch('/api/branches/forshaga', { name: null });
  assert.equal(name.status, 422);
  assert.equal((await admin.patch('/api/branches/nowhere', { notice: 'x' })).status, 404);
  const taken = await admin.patch('/api/branches/forshaga', { code_prefix: 'DEJ' });
  assert.equal(taken.status, 409);
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'branch_updated'"), 4);
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
