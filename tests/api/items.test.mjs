// Items: intake with a new code, the desk's lookup, Swedish search with sizes, editing, the status
// rules, branch scoping, and the status history (the life of an item: itemlife.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, staffClient, addBranch, addItem, addBorrower, Client, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let deje;   // a volunteer of Deje
let anna;   // network-wide manager
let fors;   // a volunteer of Forshaga
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'deje', { prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'forshaga', { prefix: 'FOR' });
  deje = await staffClient(server, db, { username: 'dora', role: 'volunteer', branch: 'deje' });
  fors = await staffClient(server, db, { username: 'frida', role: 'volunteer', branch: 'forshaga' });
  anna = await staffClient(server, db, { username: 'anna', role: 'manager' });
});
after(async () => {
  await server.stop();
  await db.drop();
});

const count = async (sql, params) => (await db.query(sql, params)).rows[0].n;
const skis = { category: 111, name: 'Längdskidor', brand: 'Fischer', size: { kind: 'length_cm', value: 160 }, condition: 'good' };

test('intake answers 201 with the whole item and its new code at once', async () => {
  const r = await anna.post('/api/items', { branch: 'deje', ...skis, notes: 'Nya bindningar' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.code, /^DEJ-\d{5}$/);
  assert.equal(r.headers.get('location'), `/api/items/${r.json.code}`);
  const { created_at: created, updated_at: updated, donated_on: donated, ...rest } = r.json;
  assert.deepEqual(rest, {
    code: r.json.code, branch: 'deje', category: { id: 111, name_sv: 'Längdskidor', name_en: 'Cross-country skis' },
    name: 'Längdskidor', brand: 'Fischer', size: { kind: 'length_cm', value: 160 }, condition: 'good',
    status: 'intake', retired_reason: null, notes: 'Nya bindningar', photo_url: null, due_date: null,
    label_printed_at: null,
  });
  assert.match(created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(created, updated);
  assert.match(donated, /^\d{4}-\d\d-\d\d$/);
  const { rows } = await db.query('SELECT size_kind, size_num::float AS n, status FROM items WHERE code = $1', [r.json.code]);
  assert.deepEqual(rows[0], { size_kind: 'length_cm', n: 160, status: 'intake' });
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'item_created' AND object_id = (SELECT id FROM items WHERE code = $1)", [r.json.code]), 1);
});

test('20 parallel intakes at one branch get 20 distinct codes', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    deje.post('/api/items', { ...skis, name: `Parallell ${i}`, status: 'available' })));
  for (const r of results) assert.equal(r.status, 201, r.text);
  const codes = new Set(results.map((r) => r.json.code));
  assert.equal(codes.size, 20);
  for (const c of codes) assert.match(c, /^DEJ-\d{5}$/);
  assert.equal(await count("SELECT count(DISTINCT code)::int AS n FROM items WHERE name LIKE 'Parallell %'"), 20);
});

test('staff bound to a branch take in there; network staff must name the branch', async () => {
  const own = await deje.post('/api/items', { ...skis, size: { kind: 'clothing', value: 'M' } });
  assert.equal(own.status, 201, own.text);
  assert.equal(own.json.branch, 'deje');
  assert.deepEqual(own.json.size, { kind: 'clothing', value: 'M' });
  const other = await deje.post('/api/items', { ...skis, branch: 'forshaga' });
  assert.equal(other.status, 403);
  const missing = await anna.post('/api/items', skis);
  assert.equal(missing.status, 422);
  assert.deepEqual(missing.json.errors.map((e) => [e.field, e.code]), [['branch', 'required']]);
  assert.equal(await count("SELECT count(*)::int AS n FROM items i JOIN branches b ON b.id = i.branch_id WHERE b.slug = 'forshaga'"), 0);
});

test('bad intake input is refused field by field and stores nothing', async () => {
  const before = await count('SELECT count(*)::int AS n FROM items');
  const r = await anna.post('/api/items', {
    branch: 'nowhere', category: 'skis', name: '', size: { kind: 'length_cm', value: 4000 }, condition: 'broken',
    status: 'on_loan', code: 'X-1',
  });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => e.field).sort(),
    ['branch', 'category', 'code', 'condition', 'name', 'size', 'status']);
  const size = r.json.errors.find((e) => e.field === 'size');
  assert.equal(size.message, 'a length must be from 1 to 2000 cm');
  for (const bad of [{ kind: 'weight' , value: 3 }, { kind: 'shoe_eu', value: 'fyrtio' }, { kind: 'shoe_eu' }, 42]) {
    const s = await deje.post('/api/items', { ...skis, size: bad });
    assert.equal(s.status, 422, JSON.stringify(bad));
    assert.equal(s.json.errors[0].field, 'size');
  }
  const unknown = await deje.post('/api/items', { ...skis, category: 4242 });
  assert.equal(unknown.status, 422);
  assert.deepEqual(unknown.json.errors.map((e) => [e.field, e.code]), [['category', 'not_found']]);
  assert.equal(await count('SELECT count(*)::int AS n FROM items'), before);
});

test('the desk finds any branch\'s item by its code, whatever the case', async () => {
  const code = await addItem(db, 'forshaga', { name: 'Hockeyskridskor', category: 121, sizeKind: 'shoe_eu', sizeNum: 38.5 });
  const r = await deje.get(`/api/items/${code.toLowerCase()}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.code, code);
  assert.equal(r.json.branch, 'forshaga');
  assert.deepEqual(r.json.size, { kind: 'shoe_eu', value: 38.5 });
  assert.equal((await deje.get('/api/items/NOPE-1')).status, 404);
  assert.equal((await deje.get('/api/items/n%C3%A5got')).json.code, 'item_not_found');
});

test('an item on loan shows its due date and nothing about the borrower', async () => {
  const code = await addItem(db, 'deje', { name: 'Kanot', category: 32 });
  await db.query(`WITH br AS (INSERT INTO borrowers (branch_id, name, phone) SELECT id, 'Greta Svensson', '+46701740605' FROM branches WHERE slug = 'deje' RETURNING id, branch_id),
    co AS (INSERT INTO checkouts (branch_id, borrower_id) SELECT branch_id, id FROM br RETURNING id, branch_id, borrower_id)
    INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref, due_date)
    SELECT co.id, i.id, co.branch_id, i.category_id, co.borrower_id, co.borrower_id, DATE '2031-06-15' FROM co, items i WHERE i.code = $1`, [code]);
  await db.query("UPDATE items SET status = 'on_loan' WHERE code = $1", [code]);
  const r = await deje.get(`/api/items/${code}`);
  assert.equal(r.json.status, 'on_loan');
  assert.equal(r.json.due_date, '2031-06-15');
  assert.doesNotMatch(r.text, /Greta|borrower|46701740605/);
  const list = await deje.get('/api/items?q=kanot');
  assert.equal(list.json.items[0].due_date, '2031-06-15');
  assert.doesNotMatch(list.text, /Greta|borrower/);

  // Its status waits for the return; other fields may change meanwhile.
  const status = await deje.post(`/api/items/${code}/status`, { to: 'repair' });
  assert.equal(status.status, 409);
  assert.equal(status.json.code, 'item_on_loan');
  const notes = await deje.patch(`/api/items/${code}`, { notes: 'Repa i fören' });
  assert.equal(notes.status, 200);
  assert.equal(notes.json.status, 'on_loan');
});

test('search understands Swedish: skridsko finds Skridskor, längd and langd find Längdskidor', async () => {
  await addItem(db, 'deje', { name: 'Skridskor', category: 123, brand: 'Lundhags', sizeKind: 'shoe_eu', sizeNum: 42 });
  await addItem(db, 'forshaga', { name: 'Konståkningsskridskor', category: 122, sizeKind: 'shoe_eu', sizeNum: 36 });
  for (const q of ['skridsko', 'Skridskor', 'SKRIDSKO', 'lundhags skridsko']) {
    const r = await deje.get(`/api/items?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200);
    assert.ok(r.json.items.some((i) => i.name === 'Skridskor'), q);
  }
  const both = await deje.get('/api/items?q=skridsko');
  assert.deepEqual(both.json.items.map((i) => i.name), ['Hockeyskridskor', 'Konståkningsskridskor', 'Skridskor']);
  const only = await deje.get('/api/items?q=skridsko&branch=forshaga');
  assert.deepEqual(only.json.items.map((i) => i.name), ['Hockeyskridskor', 'Konståkningsskridskor']);
  for (const q of ['längd', 'langd', 'LÄNGDSKIDOR']) {
    const r = await deje.get(`/api/items?q=${encodeURIComponent(q)}&per_page=200`);
    assert.ok(r.json.total > 0, q);
    assert.ok(r.json.items.every((i) => /Längdskidor|Parallell/.test(i.name) || i.category.id === 111), q);
  }
  const none = await deje.get('/api/items?q=snowboard');
  assert.deepEqual(none.json, { items: [], total: 0, page: 1, per_page: 50 });
});

test('a size search for 150-160 cm finds 155 cm skis and not 170 cm', async () => {
  const s155 = await addItem(db, 'forshaga', { name: 'Klassiska', brand: 'Madshus', sizeKind: 'length_cm', sizeNum: 155 });
  const s170 = await addItem(db, 'forshaga', { name: 'Klassiska', brand: 'Madshus', sizeKind: 'length_cm', sizeNum: 170 });
  const r = await deje.get('/api/items?size_kind=length_cm&size_min=150&size_max=160&q=madshus');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.map((i) => i.code), [s155]);
  const wide = await deje.get('/api/items?size_kind=length_cm&size_min=150,5&q=madshus');
  assert.deepEqual(wide.json.items.map((i) => i.code), [s155, s170]);
  const cat = await deje.get('/api/items?category=11&size_kind=length_cm&size_min=150&size_max=160&branch=forshaga');
  assert.deepEqual(cat.json.items.map((i) => i.code), [s155], 'category 11 includes the skis below it');
});

test('lists are paged and filters are checked', async () => {
  const p1 = await deje.get('/api/items?branch=deje&per_page=5&page=1');
  const p2 = await deje.get('/api/items?branch=deje&per_page=5&page=2');
  assert.equal(p1.json.per_page, 5);
  assert.equal(p2.json.page, 2);
  assert.equal(p1.json.items.length, 5);
  assert.equal(p1.json.total, p2.json.total);
  assert.equal(p1.json.total, await count("SELECT count(*)::int AS n FROM items i JOIN branches b ON b.id = i.branch_id WHERE b.slug = 'deje'"));
  const codes = new Set([...p1.json.items, ...p2.json.items].map((i) => i.code));
  assert.equal(codes.size, p1.json.items.length + p2.json.items.length, 'pages do not overlap');
  const status = await deje.get('/api/items?status=intake&branch=deje');
  assert.ok(status.json.items.length > 0 && status.json.items.every((i) => i.status === 'intake'));
  for (const q of ['per_page=500', 'page=0', 'status=gone', 'size_kind=weight', 'size_min=abc', 'branch=nowhere', 'category=x']) {
    const r = await deje.get(`/api/items?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.json.code, 'invalid_query');
  }
});

test('edits: a branch-bound volunteer cannot change another branch\'s item', async () => {
  const code = await addItem(db, 'forshaga', { name: 'Cykel', category: 51, sizeKind: 'wheel_in', sizeNum: 26 });
  const r = await deje.patch(`/api/items/${code}`, { name: 'Min cykel' });
  assert.equal(r.status, 403);
  assert.equal(r.json.code, 'other_branch');
  const moved = await fors.patch(`/api/items/${code}`, { branch: 'deje' });
  assert.equal(moved.status, 403, 'nor move their own item to another branch');
  const { rows } = await db.query('SELECT i.name, b.slug FROM items i JOIN branches b ON b.id = i.branch_id WHERE code = $1', [code]);
  assert.deepEqual(rows[0], { name: 'Cykel', slug: 'forshaga' });
  const own = await fors.patch(`/api/items/${code}`, { name: 'Cykel 26"', size: null, condition: 'worn', brand: 'Crescent' });
  assert.equal(own.status, 200, own.text);
  assert.equal(own.json.name, 'Cykel 26"');
  assert.equal(own.json.size, null);
  const net = await anna.patch(`/api/items/${code}`, { branch: 'deje' });
  assert.equal(net.status, 200);
  assert.equal(net.json.branch, 'deje');
});

test('edits: an item on loan stays at the branch that lent it until it is returned', async () => {
  const code = await addItem(db, 'deje', { name: 'Flytväst' });
  const borrower = await addBorrower(db, { branch: 'deje', name: 'Lena Lånare', phone: '+46701230001' });
  const shelf = async () => (await new Client(server.url).get('/api/public/branches/deje')).json.available_items;
  const before = await shelf();
  assert.equal((await deje.post('/api/checkouts', { borrower_id: borrower, items: [code] })).status, 201);
  assert.equal(await shelf(), before - 1, 'lent, it is not on the shelf');
  const moved = await anna.patch(`/api/items/${code}`, { branch: 'forshaga', name: 'Flytväst 40 kg' });
  assert.equal(moved.status, 409, moved.text);
  assert.equal(moved.json.code, 'item_on_loan');
  assert.deepEqual((await db.query(`SELECT i.name, b.slug, i.status FROM items i JOIN branches b ON b.id = i.branch_id
    WHERE code = $1`, [code])).rows[0], { name: 'Flytväst', slug: 'deje', status: 'on_loan' });
  assert.equal((await anna.patch(`/api/items/${code}`, { name: 'Flytväst 40 kg' })).status, 200, 'other edits are taken');
  assert.equal((await deje.post('/api/returns', { items: [code] })).status, 200);
  assert.equal(await shelf(), before, 'returned, it is on the shelf again');
  const now = await anna.patch(`/api/items/${code}`, { branch: 'forshaga' });
  assert.equal(now.status, 200, now.text);
  assert.equal(now.json.branch, 'forshaga');
  assert.equal(await shelf(), before - 1, 'moved, it is on the other branch\'s shelf');
});

test('status rules: never by an edit, on_loan only by circulation, retiring needs a reason, every change recorded', async () => {
  const r = await deje.post('/api/items', { ...skis, name: 'Längdskidor med historia' });
  const code = r.json.code;
  const edit = await deje.patch(`/api/items/${code}`, { status: 'available' });
  assert.equal(edit.status, 422);
  assert.equal(edit.json.errors[0].code, 'unknown_field');
  const loan = await deje.post(`/api/items/${code}/status`, { to: 'on_loan' });
  assert.equal(loan.status, 409);
  assert.equal(loan.json.code, 'status_change_refused');
  const noReason = await deje.post(`/api/items/${code}/status`, { to: 'retired' });
  assert.equal(noReason.status, 422);
  assert.equal(noReason.json.errors[0].field, 'reason');
  assert.equal((await db.query('SELECT status FROM items WHERE code = $1', [code])).rows[0].status, 'intake');

  assert.equal((await deje.post(`/api/items/${code}/status`, { to: 'available' })).status, 200);
  const retired = await deje.post(`/api/items/${code}/status`, { to: 'retired', reason: 'other', note: 'Trasig bindning' });
  assert.equal(retired.status, 200);
  assert.equal(retired.json.retired_reason, 'Trasig bindning');
  const back = await anna.post(`/api/items/${code}/status`, { to: 'repair' });
  assert.equal(back.status, 409, 'retired is the end');

  const h = await deje.get(`/api/items/${code}/history`);
  assert.equal(h.status, 200);
  const dora = (await db.query("SELECT id FROM staff WHERE username = 'dora'")).rows[0].id;
  assert.deepEqual(h.json.history.map((e) => [e.from, e.to, e.reason, e.staff?.id]), [
    [null, 'intake', null, dora], ['intake', 'available', null, dora],
    ['available', 'retired', 'Trasig bindning', dora],
  ]);
  for (const e of h.json.history) assert.match(e.at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(h.json.history[0].staff.display_name, 'dora');
  assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'item_status_changed' AND object_id = (SELECT id FROM items WHERE code = $1)", [code]), 2);
  assert.equal((await deje.get('/api/items/NOPE-1/history')).status, 404);
});

test('reading and changing items needs a login', async () => {
  const res = await fetch(`${server.url}/api/items`);
  assert.equal(res.status, 401);
  const post = await fetch(`${server.url}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(post.status, 401);
});
