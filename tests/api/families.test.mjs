// Households over real HTTP: a guardian with two children who share the guardian's phone, both
// children borrowing, the guardian's page showing their loans, whom to contact about a child,
// erasing a guardian refused until the children are erased or moved, people told apart by birth
// year and the end of their phone, and the age rule of a category that needs the guardian's
// consent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, addBranch, staffClient, addItem, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let vera; // volunteer of branch dala
let maja; // manager of dala
let ebba; // volunteer of branch edsb
let admin; // network-wide admin (category rules)
let year; // this year
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'dala', { prefix: 'DAL', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'edsb', { prefix: 'EDS', opening_hours: OPEN_EVERY_DAY });
  vera = await staffClient(server, db, { username: 'vera', branch: 'dala' });
  maja = await staffClient(server, db, { username: 'maja', role: 'manager', branch: 'dala' });
  ebba = await staffClient(server, db, { username: 'ebba', branch: 'edsb' });
  admin = await staffClient(server, db, { username: 'adam', role: 'admin' });
  year = new Date().getUTCFullYear();
});
after(async () => {
  assert.doesNotMatch(server.log(), / 5\d\d [\d.]+ ms/, 'a request failed on the server');
  await server.stop();
  await db.drop();
});

const count = async (sql, params) => Number((await db.query(sql, params)).rows[0].n);

async function register(client, body, status = 201) {
  const r = await client.post('/api/borrowers', body);
  assert.equal(r.status, status, r.text);
  return r.json;
}

async function find(q, client = vera) {
  const r = await client.get(`/api/borrowers?q=${encodeURIComponent(q)}`);
  assert.equal(r.status, 200, r.text);
  return r.json.borrowers.map((b) => b.name).sort();
}

test('a guardian with two children who share the guardian\'s phone; both borrow', async () => {
  const anna = await register(vera, { name: 'Anna Andersson', phone: '070-311 22 33', birth_year: 1984, gender: 'kvinna' });
  // A child needs a name and a birth year only; the branch is the guardian's.
  const elsa = await register(vera, { name: 'Elsa Andersson', birth_year: year - 9, guardian_id: anna.id });
  assert.equal(elsa.phone, null);
  assert.equal(elsa.branch, 'dala');
  assert.equal(elsa.birth_year, year - 9);
  assert.deepEqual(elsa.guardian, { id: anna.id, name: 'Anna Andersson', phone: '+46703112233' });
  // A sibling registered with the guardian's number is not a duplicate.
  const olle = await register(vera, { name: 'Olle Andersson', phone: '0703112233', birth_year: year - 12,
    gender: 'man', guardian_id: anna.id });
  assert.equal(olle.phone, '+46703112233');
  // An adult with that number is.
  const twin = await vera.post('/api/borrowers', { name: 'Annan Vuxen', phone: '+46703112233' });
  assert.equal(twin.status, 409, twin.text);
  assert.equal(twin.json.code, 'phone_taken');
  assert.equal(twin.json.borrower_id, anna.id);

  for (const n of [1, 2, 3]) await addItem(db, 'dala', { code: `DAL-0000${n}`, category: 121, name: 'Hockeyskridskor' });
  for (const [child, code] of [[elsa, 'DAL-00001'], [olle, 'DAL-00002']]) {
    const r = await vera.post('/api/checkouts', { borrower_id: child.id, items: [code] });
    assert.equal(r.status, 201, r.text);
  }
  assert.equal(await count('SELECT count(*) AS n FROM loans WHERE borrower_id = ANY($1) AND returned_at IS NULL',
    [[elsa.id, olle.id]]), 2);

  // The guardian's page shows the children and what they have borrowed.
  const page = (await vera.get(`/api/borrowers/${anna.id}`)).json;
  assert.deepEqual(page.children.map((c) => [c.name, c.birth_year, c.open_loans.map((l) => l.item.code)]),
    [['Elsa Andersson', year - 9, ['DAL-00001']], ['Olle Andersson', year - 12, ['DAL-00002']]]);
  assert.deepEqual(page.open_loans, []);

  // Whom to contact about a child's loans: the guardian (the one rule, the view borrower_contact).
  const { rows: contact } = await db.query(
    'SELECT borrower_id, contact_id FROM borrower_contact WHERE borrower_id = ANY($1) ORDER BY borrower_id',
    [[anna.id, elsa.id, olle.id]]);
  assert.deepEqual(contact.map((r) => [Number(r.borrower_id), Number(r.contact_id)]),
    [[anna.id, anna.id], [elsa.id, anna.id], [olle.id, anna.id]]);
  // The overdue list names the guardian to call.
  await db.query("UPDATE loans SET due_date = current_date - 3 WHERE borrower_id = $1", [elsa.id]);
  const overdue = (await vera.get('/api/loans?status=overdue')).json.loans;
  assert.equal(overdue.length, 1);
  assert.deepEqual(overdue[0].borrower, { id: elsa.id, name: 'Elsa Andersson', phone: null,
    guardian: { id: anna.id, name: 'Anna Andersson', phone: '+46703112233' } });

  // The guardian's number finds the whole family.
  assert.deepEqual(await find('070-311 22 33'), ['Anna Andersson', 'Elsa Andersson', 'Olle Andersson']);
  assert.deepEqual(await find('3112233'), ['Anna Andersson', 'Elsa Andersson', 'Olle Andersson']);
});

test('erasing a guardian is refused until the children are erased or moved', async () => {
  const pia = await register(vera, { name: 'Pia Persson', phone: '070-322 00 01' });
  const per = await register(vera, { name: 'Per Persson', phone: '070-322 00 02' });
  const kid1 = await register(vera, { name: 'Ture Persson', birth_year: year - 6, guardian_id: pia.id });
  const kid2 = await register(vera, { name: 'Tuva Persson', birth_year: year - 4, guardian_id: pia.id });
  const people = await count('SELECT count(*) AS n FROM borrowers');
  const audits = await count('SELECT count(*) AS n FROM audit_log');

  const refused = await maja.delete(`/api/borrowers/${pia.id}`);
  assert.equal(refused.status, 409, refused.text);
  assert.equal(refused.json.code, 'borrower_has_children');
  assert.equal(await count('SELECT count(*) AS n FROM borrowers'), people);
  assert.equal(await count('SELECT count(*) AS n FROM audit_log'), audits);

  // One child moves to the other parent, the other is erased: then the guardian may go.
  const moved = await vera.patch(`/api/borrowers/${kid1.id}`, { guardian_id: per.id });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.guardian.name, 'Per Persson');
  assert.equal((await maja.delete(`/api/borrowers/${pia.id}`)).status, 409);
  assert.equal((await maja.delete(`/api/borrowers/${kid2.id}`)).status, 204);
  assert.equal((await maja.delete(`/api/borrowers/${pia.id}`)).status, 204);
  assert.equal(await count('SELECT count(*) AS n FROM borrowers WHERE id = ANY($1)', [[pia.id, kid2.id]]), 0);
  assert.deepEqual((await vera.get(`/api/borrowers/${per.id}`)).json.children.map((c) => c.name), ['Ture Persson']);
});

test('the household rules: a child has a birth year and an adult guardian of the same branch', async () => {
  const lena = await register(vera, { name: 'Lena Lund', phone: '070-333 00 01' });
  const kid = await register(vera, { name: 'Lo Lund', birth_year: year - 8, guardian_id: lena.id });
  const other = await register(ebba, { name: 'Ebbas låntagare', phone: '070-333 00 02' });
  const people = await count('SELECT count(*) AS n FROM borrowers');
  const errors = (r) => r.json.errors.map((e) => [e.field, e.code]);

  let r = await vera.post('/api/borrowers', { name: 'Utan år', guardian_id: lena.id });
  assert.equal(r.status, 422);
  assert.deepEqual(errors(r), [['birth_year', 'required']]);
  r = await vera.post('/api/borrowers', { name: 'Barnbarn', birth_year: year - 1, guardian_id: kid.id });
  assert.equal(r.status, 422);
  assert.deepEqual(errors(r), [['guardian_id', 'is_child']]);
  // A guardian of another branch is nobody this volunteer can see.
  r = await vera.post('/api/borrowers', { name: 'Fel filial', birth_year: year - 5, guardian_id: other.id });
  assert.equal(r.status, 422);
  assert.deepEqual(errors(r), [['guardian_id', 'not_found']]);
  r = await vera.post('/api/borrowers', { name: 'Vuxen utan telefon' });
  assert.equal(r.status, 422);
  assert.deepEqual(errors(r), [['phone', 'required']]);
  for (const [birth_year, code] of [[1899, 'invalid'], [year + 1, 'invalid'], ['2010', 'invalid']]) {
    r = await vera.post('/api/borrowers', { name: 'Fel år', phone: '070-333 00 09', birth_year });
    assert.equal(r.status, 422, String(birth_year));
    assert.deepEqual(errors(r), [['birth_year', code]]);
  }
  r = await vera.post('/api/borrowers', { name: 'Fel kön', phone: '070-333 00 09', gender: 'female' });
  assert.deepEqual(errors(r), [['gender', 'invalid']]);
  assert.equal(await count('SELECT count(*) AS n FROM borrowers'), people);

  // Changes keep the rules too: a guardian does not become a child, a child without a phone
  // does not become an adult, a child keeps a birth year, nobody is their own guardian.
  const other2 = await register(vera, { name: 'Lasse Lund', phone: '070-333 00 03' });
  r = await vera.patch(`/api/borrowers/${lena.id}`, { guardian_id: other2.id });
  assert.deepEqual(errors(r), [['guardian_id', 'has_children']]);
  r = await vera.patch(`/api/borrowers/${kid.id}`, { guardian_id: null });
  assert.deepEqual(errors(r), [['phone', 'required']]);
  r = await vera.patch(`/api/borrowers/${kid.id}`, { birth_year: null });
  assert.deepEqual(errors(r), [['birth_year', 'required']]);
  r = await vera.patch(`/api/borrowers/${other2.id}`, { guardian_id: other2.id });
  assert.deepEqual(errors(r), [['guardian_id', 'not_found']]);
  r = await vera.patch(`/api/borrowers/${other2.id}`, { phone: null });
  assert.deepEqual(errors(r), [['phone', 'required']]);
  const { rows } = await db.query('SELECT id, guardian_id, phone, birth_year FROM borrowers WHERE id = ANY($1) ORDER BY id',
    [[lena.id, kid.id, other2.id]]);
  assert.deepEqual(rows.map((b) => [Number(b.id), b.guardian_id && Number(b.guardian_id), b.phone, b.birth_year]), [
    [lena.id, null, '+46703330001', null], [kid.id, lena.id, null, year - 8], [other2.id, null, '+46703330003', null]]);

  // Grown up: a child with a phone of their own becomes an adult; a number an adult has is taken.
  r = await vera.patch(`/api/borrowers/${kid.id}`, { guardian_id: null, phone: '070-333 00 01' });
  assert.equal(r.status, 409, r.text);
  assert.equal(r.json.code, 'phone_taken');
  r = await vera.patch(`/api/borrowers/${kid.id}`, { guardian_id: null, phone: '070-333 00 04', gender: 'annat' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.guardian, null);
  assert.equal(r.json.gender, 'annat');
  // Birth year and gender may be corrected and cleared.
  r = await vera.patch(`/api/borrowers/${kid.id}`, { birth_year: year - 19, gender: null });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.birth_year, r.json.gender], [year - 19, null]);
});

test('two borrowers called Elsa are told apart by birth year and the end of the phone', async () => {
  const mor = await register(vera, { name: 'Maria Berg', phone: '070-344 12 34' });
  await register(vera, { name: 'Elsa Berg', birth_year: 2015, guardian_id: mor.id });
  await register(vera, { name: 'Elsa Berg', phone: '070-344 98 76', birth_year: 1990 });
  const found = (await vera.get('/api/borrowers?q=Elsa%20Berg')).json.borrowers;
  assert.equal(found.length, 2);
  // What the desk shows to tell them apart is in every row: birth year, phone or guardian, card, branch.
  for (const b of found) for (const k of ['birth_year', 'phone', 'guardian', 'card', 'branch']) assert.ok(k in b, k);
  assert.deepEqual(await find('Elsa 2015'), ['Elsa Berg']);
  assert.deepEqual((await vera.get('/api/borrowers?q=Elsa%202015')).json.borrowers[0].guardian.name, 'Maria Berg');
  assert.deepEqual((await vera.get('/api/borrowers?q=elsa%201990')).json.borrowers.map((b) => b.birth_year), [1990]);
  // The last four digits: the child's are the guardian's.
  assert.deepEqual((await vera.get('/api/borrowers?q=Elsa%201234')).json.borrowers.map((b) => b.birth_year), [2015]);
  assert.deepEqual((await vera.get('/api/borrowers?q=Elsa%209876')).json.borrowers.map((b) => b.birth_year), [1990]);
  assert.deepEqual(await find('Elsa 4444'), []);
  // A birth year alone.
  assert.ok((await find('2015')).includes('Elsa Berg'));
  assert.ok(!(await find('1990 Maria')).length);
});

test('an age rule needs the guardian\'s consent for a child under it; nothing is lent without', async () => {
  // Vatten (3) and so its kayaks (32, Kanoter och kajaker) need consent under 15.
  const rule = await admin.patch('/api/categories/3', { consent_age: 15 });
  assert.equal(rule.status, 200, rule.text);
  assert.equal(rule.json.consent_age, 15);
  const volunteerRule = await vera.patch('/api/categories/3', { consent_age: 12 });
  assert.equal(volunteerRule.status, 403);
  await addItem(db, 'dala', { code: 'DAL-00101', category: 32, name: 'Kajak' });
  await addItem(db, 'dala', { code: 'DAL-00102', category: 121, name: 'Hockeyskridskor' });
  const parent = await register(vera, { name: 'Stina Sjö', phone: '070-355 00 01' });
  const kid = await register(vera, { name: 'Sigge Sjö', birth_year: year - 10, guardian_id: parent.id });
  const loans = await count('SELECT count(*) AS n FROM loans');

  const refused = await vera.post('/api/checkouts', { borrower_id: kid.id, items: ['DAL-00101', 'DAL-00102'] });
  assert.equal(refused.status, 409, refused.text);
  assert.deepEqual(refused.json.errors.map((e) => [e.item, e.code, e.consent_age]),
    [['DAL-00101', 'guardian_consent_required', 15]]);
  assert.equal(await count('SELECT count(*) AS n FROM loans'), loans);
  assert.equal(await count("SELECT count(*) AS n FROM items WHERE code = 'DAL-00101' AND status = 'available'"), 1);

  const consent = await vera.patch(`/api/borrowers/${kid.id}`, { guardian_consent: true });
  assert.equal(consent.json.guardian_consent, true);
  assert.equal((await vera.post('/api/checkouts', { borrower_id: kid.id, items: ['DAL-00101', 'DAL-00102'] })).status, 201);

  // Age counts, not being a child: a 14-year-old without a guardian needs consent too; a
  // 15-year-old and an adult without a birth year do not.
  await addItem(db, 'dala', { code: 'DAL-00103', category: 32, name: 'Kajak' });
  const teen = await register(vera, { name: 'Tonåring', phone: '070-355 00 02', birth_year: year - 14 });
  const r = await vera.post('/api/checkouts', { borrower_id: teen.id, items: ['DAL-00103'] });
  assert.equal(r.json.errors[0].code, 'guardian_consent_required');
  const fifteen = await register(vera, { name: 'Femton', phone: '070-355 00 03', birth_year: year - 15 });
  assert.equal((await vera.post('/api/checkouts', { borrower_id: fifteen.id, items: ['DAL-00103'] })).status, 201);
  await vera.post('/api/returns', { items: ['DAL-00103'] });
  const adult = await register(vera, { name: 'Vuxen', phone: '070-355 00 04' });
  assert.equal((await vera.post('/api/checkouts', { borrower_id: adult.id, items: ['DAL-00103'] })).status, 201);

  // A rule of its own overrides the parent's; clearing it inherits again.
  assert.equal((await admin.patch('/api/categories/32', { consent_age: 18 })).json.consent_age, 18);
  const { rows } = await db.query('SELECT category_id, consent_age FROM category_rules WHERE category_id IN (3, 31, 32) ORDER BY 1');
  assert.deepEqual(rows, [{ category_id: 3, consent_age: 15 }, { category_id: 31, consent_age: 15 }, { category_id: 32, consent_age: 18 }]);
  // The desk reads the same: a 16-year-old needs consent for a kayak (its own 18), not for a
  // life jacket (Vatten's 15).
  await addItem(db, 'dala', { code: 'DAL-00104', category: 32, name: 'Kajak' });
  await addItem(db, 'dala', { code: 'DAL-00105', category: 31, name: 'Flytväst' });
  const sixteen = await register(vera, { name: 'Sexton', phone: '070-355 00 05', birth_year: year - 16 });
  const own = await vera.post('/api/checkouts', { borrower_id: sixteen.id, items: ['DAL-00105', 'DAL-00104'] });
  assert.deepEqual(own.json.errors.map((e) => [e.item, e.code, e.consent_age]),
    [['DAL-00104', 'guardian_consent_required', 18]]);
  assert.equal((await vera.post('/api/checkouts', { borrower_id: sixteen.id, items: ['DAL-00105'] })).status, 201);
  assert.equal((await admin.patch('/api/categories/32', { consent_age: null })).json.consent_age, null);
  const bad = await admin.patch('/api/categories/32', { consent_age: 40 });
  assert.equal(bad.status, 422);
});

test('birth year and gender are for staff: no public answer and no loan list carries them', async () => {
  const b = await register(vera, { name: 'Privat Person', phone: '070-366 00 01', birth_year: 1971, gender: 'man' });
  await addItem(db, 'dala', { code: 'DAL-00201' });
  await vera.post('/api/checkouts', { borrower_id: b.id, items: ['DAL-00201'] });
  for (const path of ['/api/loans?status=open', '/api/items.csv?branch=dala', '/api/public/items?branch=dala',
    '/api/public/branches/dala', '/api/items?branch=dala']) {
    const r = await maja.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    assert.doesNotMatch(r.text, /birth_year|gender|1971/, path);
  }
});
