// Branches and categories: admins create and change them, anyone reads them, bad input changes
// nothing, and new branches get a label code prefix of their own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshDb, startHylla, staffClient, addBranch, addItem, addBorrower, Client, OPEN_EVERY_DAY, stockholmDate,
} from './lib.mjs';

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
    label_format: 'a4-3x8', receipt_format: 'receipt-80', phone: null, email: null, latitude: null,
    longitude: null, has_items: false,
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

test('managers may not create branches, volunteers may not change them', async () => {
  const manager = await staffClient(server, db, { username: 'maja', role: 'manager' });
  assert.equal((await manager.post('/api/branches', { slug: 'm', name: 'M' })).status, 403);
  const volunteer = await staffClient(server, db, { username: 'vide', role: 'volunteer' });
  assert.equal((await volunteer.patch('/api/branches/deje', { notice: 'x' })).status, 403);
  const anyone = new Client(server.url);
  assert.equal((await anyone.post('/api/branches', { slug: 'm', name: 'M' })).status, 401);
  assert.equal(await count("SELECT count(*)::int AS n FROM branches WHERE slug = 'm' OR notice = 'x'"), 0);
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
    consent_age: null, sort: 10, hidden: false, shown: true,
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

// ---- what managers may change, and the calendar's effect on loans due ----

/** An open loan (or a returned one) of an item of the branch, due on the date; returns its id. */
async function addLoan(slug, due, { returned = false } = {}) {
  const code = await addItem(db, slug, { status: returned ? 'available' : 'on_loan' });
  const phone = `+4670${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const borrower = await addBorrower(db, { branch: slug, name: 'Låntagare', phone });
  const { rows } = await db.query(
    `WITH b AS (SELECT id FROM branches WHERE slug = $1),
          c AS (INSERT INTO checkouts (branch_id, borrower_id) SELECT b.id, $2 FROM b RETURNING id, branch_id)
     INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref,
                        checked_out_at, due_date, returned_at)
     SELECT c.id, i.id, c.branch_id, i.category_id, $2, $2, now() - interval '1 day', $3::date,
            CASE WHEN $4 THEN now() END
       FROM c, items i WHERE i.code = $5 RETURNING id`, [slug, borrower, due, returned, code]);
  return Number(rows[0].id);
}

const dueOf = async (id) => (await db.query('SELECT due_date::text AS d FROM loans WHERE id = $1', [id])).rows[0].d;
const branchRow = async (slug) => (await db.query(
  "SELECT to_jsonb(b) - 'created_at' AS row FROM branches b WHERE slug = $1", [slug])).rows[0].row;

test('a manager changes their own branch only; another branch answers 403 and nothing changes', async () => {
  await addBranch(db, 'hagfors', { prefix: 'HAG' });
  await addBranch(db, 'munkfors', { prefix: 'MUN' });
  const manager = await staffClient(server, db, { username: 'hanna', role: 'manager', branch: 'hagfors' });
  const own = await manager.patch('/api/branches/hagfors', {
    notice: 'Välkommen!', phone: '0563-123 45', email: 'hagfors@fritidsbanken.example', latitude: 60.0339, longitude: 13.6947,
    loan_days: 21, max_renewals: 2, item_limit: 5,
  });
  assert.equal(own.status, 200, own.text);
  assert.deepEqual([own.json.phone, own.json.email, own.json.latitude, own.json.longitude, own.json.loan_days],
    ['+4656312345', 'hagfors@fritidsbanken.example', 60.0339, 13.6947, 21]);
  const before = await branchRow('munkfors');
  const tries = [
    ['PATCH', '/api/branches/munkfors', { notice: 'Hacked', opening_hours: OPEN_EVERY_DAY }],
    ['POST', '/api/branches/munkfors/calendar/preview', { closed_periods: [] }],
    ['POST', '/api/branches/munkfors/due-dates/move', undefined],
    ['PATCH', '/api/branches/munkfors/printing', { label_format: 'roll-62' }],
  ];
  for (const [method, path, json] of tries) {
    const r = await manager.request(method, path, json === undefined ? {} : { json });
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.code, 'branch_forbidden');
  }
  assert.deepEqual(await branchRow('munkfors'), before);
  // New branches and the category tree are for admins of the whole network.
  const boss = await staffClient(server, db, { username: 'harald', role: 'admin', branch: 'hagfors' });
  for (const [method, path, json] of [['POST', '/api/branches', { slug: 'ny', name: 'Ny' }],
    ['POST', '/api/categories', { name_sv: 'Ny', name_en: 'New' }], ['PATCH', '/api/categories/111', { name_sv: 'Hack' }],
    ['DELETE', '/api/categories/74', undefined], ['POST', '/api/categories/74/merge', { into: 7 }]]) {
    const r = await boss.request(method, path, json === undefined ? {} : { json });
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.code, 'network_only');
  }
  assert.equal((await boss.patch('/api/branches/hagfors', { notice: 'Admin här' })).status, 200);
  assert.equal(await count("SELECT count(*)::int AS n FROM branches WHERE slug = 'ny'"), 0);
  assert.equal(await count("SELECT count(*)::int AS n FROM categories WHERE name_sv IN ('Ny', 'Hack') OR id = 74"), 1);
});

test('phone, e-mail and map position are checked, and null clears them', async () => {
  await addBranch(db, 'kil', { prefix: 'KIL' });
  const bad = await admin.patch('/api/branches/kil', { phone: '12', email: 'not an address', latitude: 91, longitude: 13 });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['email', 'latitude', 'phone']);
  const half = await admin.patch('/api/branches/kil', { latitude: 59.5 });
  assert.deepEqual(half.json.errors.map((e) => [e.field, e.code]), [['longitude', 'required']]);
  const set = await admin.patch('/api/branches/kil', { phone: '+46 554 100 00', email: 'kil@example.se', latitude: 59.503412, longitude: 13.318271 });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual([set.json.phone, set.json.latitude, set.json.longitude], ['+4655410000', 59.503412, 13.318271]);
  const cleared = await admin.patch('/api/branches/kil', { phone: null, email: null, latitude: null, longitude: null });
  assert.deepEqual([cleared.json.phone, cleared.json.email, cleared.json.latitude, cleared.json.longitude], [null, null, null, null]);
  const audit = (await db.query("SELECT details FROM audit_log a JOIN branches b ON b.id = a.object_id WHERE b.slug = 'kil' AND action = 'branch_updated' ORDER BY a.id")).rows;
  assert.deepEqual(audit.map((r) => r.details.fields), [['phone', 'email', 'position'], ['phone', 'email', 'position']]);
});

test('the code prefix is fixed once the branch has items (409 code_prefix_locked)', async () => {
  await addBranch(db, 'sunne', { prefix: 'SUN' });
  const early = await admin.patch('/api/branches/sunne', { code_prefix: 'SNE' });
  assert.equal(early.status, 200, early.text);
  assert.equal(early.json.has_items, false);
  await addItem(db, 'sunne');
  const got = await admin.get('/api/branches/sunne');
  assert.equal(got.json.has_items, true);
  const late = await admin.patch('/api/branches/sunne', { code_prefix: 'SUNN' });
  assert.equal(late.status, 409);
  assert.equal(late.json.code, 'code_prefix_locked');
  assert.equal((await admin.patch('/api/branches/sunne', { code_prefix: 'sne', notice: 'Samma' })).status, 200, 'the same prefix is no change');
  assert.equal((await db.query("SELECT code_prefix FROM branches WHERE slug = 'sunne'")).rows[0].code_prefix, 'SNE');
});

test('a preview says what unsaved hours would: the days ahead, the next opening, the loans due on days they close; nothing is saved', async () => {
  await addBranch(db, 'arvika', { prefix: 'ARV', opening_hours: OPEN_EVERY_DAY });
  const manager = await staffClient(server, db, { username: 'arvid', role: 'manager', branch: 'arvika' });
  const today = await stockholmDate(db);
  const d10 = await stockholmDate(db, 10);
  const d11 = await stockholmDate(db, 11);
  const d12 = await stockholmDate(db, 12);
  const onClosed = [await addLoan('arvika', d10), await addLoan('arvika', d10), await addLoan('arvika', d11)];
  const kept = [await addLoan('arvika', d12), await addLoan('arvika', d10, { returned: true }),
    await addLoan('arvika', await stockholmDate(db, -3))];
  const before = await branchRow('arvika');
  const closed = [{ from: d10, to: d11, reason: 'Inventering' }];
  const r = await manager.post('/api/branches/arvika/calendar/preview', { closed_periods: closed });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.today, today);
  assert.equal(r.json.days.length, 14);
  assert.deepEqual(r.json.days[10], { date: d10, spans: [] });
  assert.deepEqual(r.json.days[12], { date: d12, spans: [['10:00', '18:00']] });
  assert.deepEqual(r.json.next_open, { date: await stockholmDate(db, 1), spans: [['10:00', '18:00']] });
  assert.deepEqual(r.json.closed_due_dates, [{ date: d10, loans: 2, moves_to: d12 }, { date: d11, loans: 1, moves_to: d12 }]);
  // Any month of days, up to 62 of them, from any day.
  const month = await manager.post(`/api/branches/arvika/calendar/preview?from=${d10}&days=31`, { closed_periods: closed });
  assert.equal(month.json.days.length, 31);
  assert.deepEqual(month.json.days.slice(0, 3).map((d) => d.spans.length), [0, 0, 1]);
  assert.equal((await manager.post('/api/branches/arvika/calendar/preview?days=63', {})).status, 400);
  assert.equal((await manager.post('/api/branches/arvika/calendar/preview?from=2026-02-30', {})).status, 400);
  // Hours that close every day: no next opening, nowhere to move to.
  const never = await manager.post('/api/branches/arvika/calendar/preview', { opening_hours: {} });
  assert.equal(never.json.next_open, null);
  assert.ok(never.json.closed_due_dates.every((d) => d.moves_to === null));
  const bad = await manager.post('/api/branches/arvika/calendar/preview', { closed_periods: [{ from: d11, to: d10 }], colour: 1 });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['closed_periods', 'colour']);
  assert.deepEqual(await branchRow('arvika'), before);
  assert.deepEqual(await Promise.all([...onClosed, ...kept].map(dueOf)), [d10, d10, d11, d12, d10, await stockholmDate(db, -3)]);
});

test('saving hours moves no due date; moving them is one transaction, audit-logged, to the next open day', async () => {
  await addBranch(db, 'filipstad', { prefix: 'FIL', opening_hours: OPEN_EVERY_DAY });
  const manager = await staffClient(server, db, { username: 'filip', role: 'manager', branch: 'filipstad' });
  const d20 = await stockholmDate(db, 20);
  const d21 = await stockholmDate(db, 21);
  const d22 = await stockholmDate(db, 22);
  const onClosed = [await addLoan('filipstad', d20), await addLoan('filipstad', d21)];
  const returned = await addLoan('filipstad', d20, { returned: true });
  const overdue = await addLoan('filipstad', await stockholmDate(db, -2));
  const other = await addLoan('arvika', d20);
  const saved = await manager.patch('/api/branches/filipstad', { closed_periods: [{ from: d20, to: d21, reason: 'Flytt' }] });
  assert.equal(saved.status, 200, saved.text);
  assert.deepEqual(await Promise.all(onClosed.map(dueOf)), [d20, d21], 'saving moved nothing');
  const preview = await manager.post('/api/branches/filipstad/calendar/preview', {});
  assert.deepEqual(preview.json.closed_due_dates.map((d) => d.loans), [1, 1]);

  const moved = await manager.post('/api/branches/filipstad/due-dates/move');
  assert.equal(moved.status, 200, moved.text);
  assert.deepEqual(moved.json, { moved: 2, dates: [{ date: d20, loans: 1, moves_to: d22 }, { date: d21, loans: 1, moves_to: d22 }] });
  assert.deepEqual(await Promise.all(onClosed.map(dueOf)), [d22, d22]);
  assert.equal(await dueOf(returned), d20);
  assert.equal(await dueOf(overdue), await stockholmDate(db, -2));
  assert.equal(await dueOf(other), d20, 'another branch\'s loans stay');
  const audit = (await db.query("SELECT details FROM audit_log WHERE action = 'due_dates_moved' ORDER BY id DESC LIMIT 1")).rows[0].details;
  assert.deepEqual(audit, { loans: onClosed, dates: [{ from: d20, to: d22, loans: [onClosed[0]] }, { from: d21, to: d22, loans: [onClosed[1]] }] });
  // Nothing left to move: a second call moves nothing.
  assert.deepEqual((await manager.post('/api/branches/filipstad/due-dates/move')).json, { moved: 0, dates: [] });
  const volunteer = await staffClient(server, db, { username: 'filippa', role: 'volunteer', branch: 'filipstad' });
  assert.equal((await volunteer.post('/api/branches/filipstad/due-dates/move')).status, 403);
});
