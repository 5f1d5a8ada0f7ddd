// Borrowers: registering with a normalised phone number, finding them again, changing and
// blocking them, and branch scoping (staff of one branch never see another branch's borrowers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, addBranch, staffClient, addItem, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let alby; // volunteer of branch alby
let bjor; // volunteer of branch bjor
let net; // network-wide manager
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'alby', { opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'bjor', { opening_hours: OPEN_EVERY_DAY });
  alby = await staffClient(server, db, { username: 'vol-alby', branch: 'alby' });
  bjor = await staffClient(server, db, { username: 'vol-bjor', branch: 'bjor' });
  net = await staffClient(server, db, { username: 'net-manager', role: 'manager' });
});
after(async () => {
  assert.doesNotMatch(server.log(), / 5\d\d [\d.]+ ms/, 'a request failed on the server');
  await server.stop();
  await db.drop();
});

async function auditCount(action, id) {
  const { rows } = await db.query(
    "SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND object_type = 'borrower' AND object_id = $2",
    [action, id]);
  return rows[0].n;
}

test('registering stores the phone in E.164 and answers 201 with the borrower', async () => {
  const r = await alby.post('/api/borrowers', {
    name: '  Astrid Lindqvist ', phone: '070-123 45 67', email: 'astrid@example.se',
    birth_year: 1986, gender: 'kvinna', card: 'K-1001',
    notes: 'Vill ha skridskor i storlek 38', accepted_terms: true,
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('location'), `/api/borrowers/${r.json.id}`);
  const b = r.json;
  assert.ok(Number.isInteger(b.id));
  assert.equal(b.branch, 'alby');
  assert.equal(b.name, 'Astrid Lindqvist');
  assert.equal(b.phone, '+46701234567');
  assert.equal(b.birth_year, 1986);
  assert.equal(b.gender, 'kvinna');
  assert.equal(b.guardian_id, null);
  assert.equal(b.guardian, null);
  assert.equal(b.guardian_consent, false);
  assert.deepEqual(b.children, []);
  assert.equal(b.card, 'K-1001');
  assert.equal(b.blocked, false);
  assert.equal(b.blocked_reason, null);
  assert.ok(b.accepted_terms_at);
  assert.deepEqual(b.open_loans, []);
  assert.deepEqual(b.history, []);
  const { rows } = await db.query('SELECT phone, name FROM borrowers WHERE id = $1', [b.id]);
  assert.deepEqual(rows[0], { phone: '+46701234567', name: 'Astrid Lindqvist' });
  assert.equal(await auditCount('borrower_created', b.id), 1);
  const audit = await db.query("SELECT details::text AS d FROM audit_log WHERE action = 'borrower_created'");
  for (const row of audit.rows) assert.doesNotMatch(row.d, /Astrid|4670|astrid/);
});

test('the same phone in another form is a 409 naming the existing borrower', async () => {
  const first = await alby.post('/api/borrowers', { name: 'Bo Ek', phone: '0702-22 33 44' });
  assert.equal(first.status, 201);
  for (const phone of ['+46 70 222 33 44', '0046702223344', '070 222 33 44']) {
    const r = await alby.post('/api/borrowers', { name: 'Someone Else', phone });
    assert.equal(r.status, 409, phone);
    assert.equal(r.json.code, 'phone_taken');
    assert.equal(r.json.borrower_id, first.json.id);
    assert.match(r.headers.get('content-type'), /problem\+json/);
  }
  // Another branch may have the same number: borrowers belong to a branch.
  const other = await bjor.post('/api/borrowers', { name: 'Bo Ek', phone: '070-222 33 44' });
  assert.equal(other.status, 201);
  const { rows } = await db.query("SELECT count(*)::int AS n FROM borrowers WHERE phone = '+46702223344'");
  assert.equal(rows[0].n, 2);
});

test('a card code the branch already has is a 409 too', async () => {
  const first = await alby.post('/api/borrowers', { name: 'Cilla', phone: '0703-000001', card: 'CARD-7' });
  assert.equal(first.status, 201);
  const r = await alby.post('/api/borrowers', { name: 'Dan', phone: '0703-000002', card: 'CARD-7' });
  assert.equal(r.status, 409);
  assert.equal(r.json.code, 'card_taken');
  assert.equal(r.json.borrower_id, first.json.id);
});

test('bad input is reported per field and nothing is written', async () => {
  const { rows: [{ n: before }] } = await db.query('SELECT count(*)::int AS n FROM borrowers');
  const r = await alby.post('/api/borrowers', {
    phone: '12345', email: 'not-an-address', gender: 'robot', birth_year: 1800, card: '', shoe: 38,
  });
  assert.equal(r.status, 422);
  const fields = Object.fromEntries(r.json.errors.map((e) => [e.field, e.code]));
  assert.deepEqual(fields, {
    shoe: 'unknown_field', name: 'required', phone: 'invalid', email: 'invalid',
    gender: 'invalid', birth_year: 'invalid', card: 'required',
  });
  const long = await alby.post('/api/borrowers', { name: 'x'.repeat(201), phone: '0701234599' });
  assert.equal(long.status, 422);
  assert.equal(long.json.errors[0].code, 'too_long');
  const { rows: [{ n: after }] } = await db.query('SELECT count(*)::int AS n FROM borrowers');
  assert.equal(after, before);
});

test('network-wide staff name the branch; branch staff may not name another', async () => {
  const none = await net.post('/api/borrowers', { name: 'Eva', phone: '0704-000001' });
  assert.equal(none.status, 422);
  assert.deepEqual(none.json.errors.map((e) => [e.field, e.code]), [['branch', 'required']]);
  const unknown = await net.post('/api/borrowers', { name: 'Eva', phone: '0704-000001', branch: 'nowhere' });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.json.errors[0].code, 'unknown');
  const ok = await net.post('/api/borrowers', { name: 'Eva', phone: '0704-000001', branch: 'bjor' });
  assert.equal(ok.status, 201);
  assert.equal(ok.json.branch, 'bjor');
  const own = await alby.post('/api/borrowers', { name: 'Finn', phone: '0704-000002', branch: 'alby' });
  assert.equal(own.status, 201);
  const other = await alby.post('/api/borrowers', { name: 'Finn', phone: '0704-000003', branch: 'bjor' });
  assert.equal(other.status, 403);
  assert.equal(other.json.code, 'branch_forbidden');
});

test('search finds by name part, phone in any form, phone digits and card', async () => {
  const g = await alby.post('/api/borrowers', { name: 'Gunilla Åkesson', phone: '073-555 66 77', card: 'SCAN-99' });
  assert.equal(g.status, 201);
  const find = async (q) => {
    const r = await alby.get(`/api/borrowers?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, r.text);
    return r.json.borrowers.map((b) => b.id);
  };
  for (const q of ['gunilla', 'ÅKESS', 'nilla åk', '073-555 66 77', '+46735556677', '0046 73 555 66 77', '5566', '73555', 'SCAN-99']) {
    assert.ok((await find(q)).includes(g.json.id), `"${q}" did not find her`);
  }
  assert.deepEqual(await find('nobody by this name'), []);
  assert.deepEqual(await find('100%'), []); // % is literal, not a wildcard
  const list = await alby.get('/api/borrowers?q=gunilla');
  assert.deepEqual(Object.keys(list.json).sort(), ['borrowers', 'has_more', 'page', 'per_page']);
  assert.equal(list.json.borrowers[0].open_loans_count, 0);
  assert.equal(list.json.borrowers[0].phone, '+46735556677');
});

test('search pages through results by name', async () => {
  for (let i = 0; i < 55; i++) {
    const r = await bjor.post('/api/borrowers', { name: `Pager ${String(i).padStart(2, '0')}`, phone: `0761${String(i).padStart(6, '0')}` });
    assert.equal(r.status, 201);
  }
  const one = await bjor.get('/api/borrowers?q=pager');
  assert.equal(one.json.borrowers.length, 50);
  assert.equal(one.json.has_more, true);
  assert.equal(one.json.borrowers[0].name, 'Pager 00');
  const two = await bjor.get('/api/borrowers?q=pager&page=2');
  assert.equal(two.json.borrowers.length, 5);
  assert.equal(two.json.has_more, false);
  assert.equal(two.json.borrowers[4].name, 'Pager 54');
  assert.equal((await bjor.get('/api/borrowers?page=0')).status, 400);
});

test('borrower search can use an index for each way of finding', async () => {
  // The tables of a test are tiny, so the planner is told to avoid sequential scans: the plan
  // then shows whether an index can answer the search as hylla writes it.
  await db.query('SET enable_seqscan = off');
  try {
    // As src/store/borrower_store.c writes it: the children of a number's adult, a birth year,
    // and a name with four digits that are a birth year or the end of the phone.
    const { rows } = await db.query(`EXPLAIN SELECT b.id FROM borrowers b
        LEFT JOIN borrowers g ON g.id = b.guardian_id
      WHERE (b.name ILIKE '%illa åk%' OR b.phone = '+46735556677'
        OR b.phone LIKE '%' || '5566' || '%' OR b.card = 'SCAN-99'
        OR b.guardian_id = ANY (ARRAY(SELECT a.id FROM borrowers a
                                       WHERE a.phone = '+46735556677' OR a.phone LIKE '%5566%'))
        OR b.birth_year = ANY ('{2015}'::int[])
        OR (b.name ILIKE '%elsa%' AND NOT EXISTS (SELECT 1 FROM unnest('{2015}'::text[]) n
              WHERE b.birth_year IS DISTINCT FROM n::int AND right(coalesce(b.phone, g.phone), 4) <> n)))`);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.doesNotMatch(plan, /Seq Scan/, plan);
    for (const index of ['borrowers_name_trgm', 'borrowers_phone_trgm', 'borrowers_card',
      'borrowers_guardian_id', 'borrowers_birth_year']) {
      assert.match(plan, new RegExp(index), plan);
    }
  } finally {
    await db.query('RESET enable_seqscan');
  }
});

test('PATCH changes fields, blocks with a reason, and audits field names only', async () => {
  const c = await alby.post('/api/borrowers', { name: 'Hans', phone: '0705-000001', email: 'h@example.se' });
  const id = c.json.id;
  const r = await alby.patch(`/api/borrowers/${id}`, { phone: '+46 705 000 009', email: null, notes: 'ringer hellre' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.phone, '+46705000009');
  assert.equal(r.json.email, null);
  assert.equal(r.json.notes, 'ringer hellre');
  assert.equal(r.json.name, 'Hans');
  assert.equal(await auditCount('borrower_changed', id), 1);
  const { rows: [audit] } = await db.query(
    "SELECT details FROM audit_log WHERE action = 'borrower_changed' AND object_id = $1", [id]);
  assert.deepEqual(audit.details, { fields: ['email', 'notes', 'phone'] });

  const noReason = await alby.patch(`/api/borrowers/${id}`, { blocked: true });
  assert.equal(noReason.status, 422);
  assert.equal(noReason.json.errors[0].field, 'blocked_reason');
  const blocked = await alby.patch(`/api/borrowers/${id}`, { blocked: true, blocked_reason: 'Kanoten kom inte tillbaka' });
  assert.equal(blocked.status, 200);
  assert.equal(blocked.json.blocked, true);
  assert.equal(blocked.json.blocked_reason, 'Kanoten kom inte tillbaka');
  assert.equal(await auditCount('borrower_blocked', id), 1);
  const unblocked = await alby.patch(`/api/borrowers/${id}`, { blocked: false });
  assert.equal(unblocked.json.blocked, false);
  assert.equal(unblocked.json.blocked_reason, null);
  assert.equal(await auditCount('borrower_unblocked', id), 1);

  const clearName = await alby.patch(`/api/borrowers/${id}`, { name: null });
  assert.equal(clearName.status, 422);
  const taken = await alby.patch(`/api/borrowers/${id}`, { phone: '070-123 45 67' });
  assert.equal(taken.status, 409);
  assert.equal(taken.json.code, 'phone_taken');
  const { rows } = await db.query('SELECT phone FROM borrowers WHERE id = $1', [id]);
  assert.equal(rows[0].phone, '+46705000009');
});

test('GET shows open loans and returned history', async () => {
  const c = await alby.post('/api/borrowers', { name: 'Ida', phone: '0706-000001' });
  const id = c.json.id;
  await addItem(db, 'alby', { code: 'ALB-00001', name: 'Hockeyskridskor 38' });
  await addItem(db, 'alby', { code: 'ALB-00002', name: 'Hjälm' , category: 14});
  const out = await alby.post('/api/checkouts', { borrower_id: id, items: ['ALB-00001', 'ALB-00002'] });
  assert.equal(out.status, 201, out.text);
  const back = await alby.post('/api/returns', { items: ['ALB-00002'] });
  assert.equal(back.json.results[0].returned, true);
  const r = await alby.get(`/api/borrowers/${id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.open_loans.length, 1);
  const open = r.json.open_loans[0];
  assert.deepEqual(open.item, { code: 'ALB-00001', name: 'Hockeyskridskor 38' });
  assert.equal(open.due_date, out.json.due_date);
  assert.ok(open.checked_out_at);
  assert.equal(open.id, out.json.loans[0].id);
  assert.equal(r.json.history.length, 1);
  assert.deepEqual(r.json.history[0].item, { code: 'ALB-00002', name: 'Hjälm' });
  assert.ok(r.json.history[0].returned_at);
  assert.ok(r.json.last_activity_at >= c.json.last_activity_at);
});

test("a volunteer of branch A cannot see, change, lend to or erase branch B's borrower", async () => {
  const b = await bjor.post('/api/borrowers', { name: 'Jonna Björk', phone: '0707-000001' });
  const id = b.json.id;
  await addItem(db, 'alby', { code: 'ALB-00100' });
  const get = await alby.get(`/api/borrowers/${id}`);
  assert.equal(get.status, 404);
  assert.equal(get.json.code, 'borrower_not_found');
  const missing = await alby.get('/api/borrowers/99999999');
  assert.deepEqual(get.json, missing.json, 'the answer tells existence apart');
  assert.equal((await alby.patch(`/api/borrowers/${id}`, { notes: 'x' })).status, 404);
  const lend = await alby.post('/api/checkouts', { borrower_id: id, items: ['ALB-00100'] });
  assert.equal(lend.status, 404);
  assert.equal(lend.json.code, 'borrower_not_found');
  const search = await alby.get('/api/borrowers?q=Jonna');
  assert.deepEqual(search.json.borrowers, []);
  const byPhone = await alby.get('/api/borrowers?q=0707000001');
  assert.deepEqual(byPhone.json.borrowers, []);
  assert.equal((await alby.get('/api/borrowers?branch=bjor')).status, 403);
  assert.equal((await alby.delete(`/api/borrowers/${id}`)).status, 403, 'volunteers may not erase');
  const manager = await staffClient(server, db, { username: 'man-alby', role: 'manager', branch: 'alby' });
  assert.equal((await manager.delete(`/api/borrowers/${id}`)).status, 404);
  const { rows } = await db.query('SELECT name, notes FROM borrowers WHERE id = $1', [id]);
  assert.deepEqual(rows[0], { name: 'Jonna Björk', notes: null });
  assert.equal((await net.get(`/api/borrowers/${id}`)).status, 200, 'network staff see every branch');
  assert.equal((await bjor.get(`/api/borrowers/${id}`)).status, 200);
});

test('ids that are not ids are 404, bodies that are not JSON are refused', async () => {
  for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
    assert.equal((await alby.get(`/api/borrowers/${id}`)).status, 404, id);
  }
  const notJson = await alby.request('POST', '/api/borrowers', { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(notJson.status, 415);
  const anonymous = await fetch(`${server.url}/api/borrowers?q=a`);
  assert.equal(anonymous.status, 401);
});
