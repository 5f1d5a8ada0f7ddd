// Checkout, return, renewal, undo and loan lists over real HTTP: all-or-nothing checkouts with
// a reason per item, due dates on open days, idempotent retries, returns of a mixed pile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshDb, startHylla, addBranch, staffClient, addItem, addBorrower, stockholmDate, OPEN_EVERY_DAY,
} from './lib.mjs';

let db;
let server;
let vera; // volunteer of branch dala
let viktor; // another volunteer of dala
let maja; // manager of dala
let ebba; // volunteer of branch edsb
let next = 0;

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'dala', { prefix: 'DAL', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'edsb', { prefix: 'EDS', opening_hours: OPEN_EVERY_DAY });
  vera = await staffClient(server, db, { username: 'vera', branch: 'dala' });
  viktor = await staffClient(server, db, { username: 'viktor', branch: 'dala' });
  maja = await staffClient(server, db, { username: 'maja', role: 'manager', branch: 'dala' });
  ebba = await staffClient(server, db, { username: 'ebba', branch: 'edsb' });
});
after(async () => {
  assert.doesNotMatch(server.log(), / 5\d\d [\d.]+ ms/, 'a request failed on the server');
  await server.stop();
  await db.drop();
});

/** n new available items of a branch; returns their codes. */
async function items(n, branch = 'dala', extra = {}) {
  const codes = [];
  for (let i = 0; i < n; i++) {
    const code = `${branch === 'dala' ? 'DAL' : branch.slice(0, 3).toUpperCase()}-${String(++next).padStart(5, '0')}`;
    await addItem(db, branch, { code, category: 121, name: 'Hockeyskridskor', ...extra });
    codes.push(code);
  }
  return codes;
}

let phones = 0;
async function borrower(branch = 'dala', name = `Låntagare ${phones + 1}`) {
  return addBorrower(db, { branch, name, phone: `+46701${String(++phones).padStart(6, '0')}` });
}

async function statusOf(codes) {
  const { rows } = await db.query('SELECT code, status FROM items WHERE code = ANY($1) ORDER BY code', [codes]);
  return Object.fromEntries(rows.map((r) => [r.code, r.status]));
}

async function count(sql, params) {
  const { rows } = await db.query(sql, params);
  return Number(rows[0].n);
}

test('a checkout lends every item, with the branch loan period, and answers 201', async () => {
  const b = await borrower();
  const codes = await items(3);
  const r = await vera.post('/api/checkouts', { borrower_id: b, items: codes.map((c) => c.toLowerCase()) });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['checkout_id', 'due_date', 'loans', 'undo_until']);
  const { rows: [made] } = await db.query('SELECT created_at FROM checkouts WHERE id = $1', [r.json.checkout_id]);
  assert.equal(Date.parse(r.json.undo_until) - made.created_at.getTime(), 15 * 60 * 1000, 'undo_until: 15 minutes after');
  assert.equal(r.json.due_date, await stockholmDate(db, 14));
  assert.deepEqual(r.json.loans.map((l) => l.item.code), codes, 'loans in the order scanned');
  for (const l of r.json.loans) {
    assert.deepEqual(Object.keys(l).sort(), ['due_date', 'id', 'item']);
    assert.equal(l.item.name, 'Hockeyskridskor');
    assert.equal(l.due_date, r.json.due_date);
  }
  assert.deepEqual(Object.values(await statusOf(codes)), ['on_loan', 'on_loan', 'on_loan']);
  const { rows } = await db.query(
    `SELECT l.borrower_id, l.borrower_ref, l.category_id, l.checked_out_by, l.checkout_id, l.due_date::text AS due,
            s.username, c.staff_id, c.borrower_id AS checkout_borrower
       FROM loans l JOIN staff s ON s.id = l.checked_out_by JOIN checkouts c ON c.id = l.checkout_id
      WHERE l.checkout_id = $1`, [r.json.checkout_id]);
  assert.equal(rows.length, 3);
  for (const row of rows) {
    assert.equal(Number(row.borrower_id), b);
    assert.equal(Number(row.borrower_ref), b);
    assert.equal(row.category_id, 121);
    assert.equal(row.username, 'vera');
    assert.equal(row.due, r.json.due_date);
    assert.equal(Number(row.checkout_borrower), b);
  }
  const { rows: audit } = await db.query(
    "SELECT details FROM audit_log WHERE action = 'checkout' AND object_id = $1", [r.json.checkout_id]);
  assert.equal(audit.length, 1);
  assert.equal(audit[0].details.borrower_id, b);
  assert.equal(audit[0].details.loans.length, 3);
  assert.doesNotMatch(JSON.stringify(audit[0].details), /Låntagare|\+46/);
});

test('one unavailable item among three writes nothing and gives a reason per item', async () => {
  const b = await borrower();
  const [ok1, bad, ok2] = await items(3);
  await db.query("UPDATE items SET status = 'repair' WHERE code = $1", [bad]);
  const before = {
    loans: await count('SELECT count(*) AS n FROM loans'),
    checkouts: await count('SELECT count(*) AS n FROM checkouts'),
    audit: await count('SELECT count(*) AS n FROM audit_log'),
  };
  const r = await vera.post('/api/checkouts', { borrower_id: b, items: [ok1, bad, ok2] });
  assert.equal(r.status, 409);
  assert.equal(r.json.code, 'checkout_refused');
  assert.deepEqual(r.json.errors, [{ item: bad, code: 'item_not_available', message: 'item is not available for lending' }]);
  assert.deepEqual(await statusOf([ok1, bad, ok2]), { [ok1]: 'available', [bad]: 'repair', [ok2]: 'available' });
  assert.equal(await count('SELECT count(*) AS n FROM loans'), before.loans);
  assert.equal(await count('SELECT count(*) AS n FROM checkouts'), before.checkouts);
  assert.equal(await count('SELECT count(*) AS n FROM audit_log'), before.audit);
});

test('every kind of refusal is named: unknown, on loan, other branch, blocked, item limit', async () => {
  const b = await borrower();
  const [lent, free] = await items(2);
  const [foreign] = await items(1, 'edsb');
  const first = await vera.post('/api/checkouts', { borrower_id: await borrower(), items: [lent] });
  assert.equal(first.status, 201);
  const r = await vera.post('/api/checkouts', { borrower_id: b, items: ['NO-SUCH', lent, foreign, free] });
  assert.equal(r.status, 409);
  assert.deepEqual(r.json.errors.map((e) => [e.item, e.code]), [
    ['NO-SUCH', 'unknown_item'], [lent, 'item_on_loan'], [foreign, 'item_other_branch'],
  ]);

  await db.query("UPDATE borrowers SET blocked = true, blocked_reason = 'x' WHERE id = $1", [b]);
  const blocked = await vera.post('/api/checkouts', { borrower_id: b, items: [free] });
  assert.equal(blocked.status, 409);
  assert.deepEqual(blocked.json.errors.map((e) => [e.item, e.code]), [[null, 'borrower_blocked']]);
  await db.query('UPDATE borrowers SET blocked = false, blocked_reason = NULL WHERE id = $1', [b]);

  await db.query("UPDATE branches SET item_limit = 2 WHERE slug = 'dala'");
  try {
    const three = await items(3);
    const over = await vera.post('/api/checkouts', { borrower_id: b, items: three });
    assert.equal(over.status, 409);
    assert.equal(over.json.errors[0].code, 'item_limit');
    assert.match(over.json.errors[0].message, /3 items on loan; the branch allows 2/);
    assert.equal((await vera.post('/api/checkouts', { borrower_id: b, items: three.slice(0, 2) })).status, 201);
    const more = await vera.post('/api/checkouts', { borrower_id: b, items: [free] });
    assert.equal(more.status, 409, 'open loans count towards the limit');
    assert.equal(more.json.errors[0].code, 'item_limit');
  } finally {
    await db.query("UPDATE branches SET item_limit = 10 WHERE slug = 'dala'");
  }
});

test('checkout input is validated field by field', async () => {
  const b = await borrower();
  const [code] = await items(1);
  const cases = [
    [{ items: [code] }, [['borrower_id', 'required']]],
    [{ borrower_id: b, items: [] }, [['items', 'invalid']]],
    [{ borrower_id: b, items: [code, ` ${code.toLowerCase()} `] }, [['items', 'duplicate']]],
    [{ borrower_id: b, items: [42] }, [['items', 'invalid']]],
    [{ borrower_id: 'seven', items: [code] }, [['borrower_id', 'invalid']]],
    [{ borrower_id: b, items: [code], due_date: '2026-02-30' }, [['due_date', 'invalid']]],
    [{ borrower_id: b, items: [code], due_date: await stockholmDate(db, -1) }, [['due_date', 'out_of_range']]],
    [{ borrower_id: b, items: [code], due_date: await stockholmDate(db, 400) }, [['due_date', 'out_of_range']]],
    [{ borrower_id: b, items: [code], pin: 1 }, [['pin', 'unknown_field']]],
  ];
  for (const [body, want] of cases) {
    const r = await vera.post('/api/checkouts', body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), want, JSON.stringify(body));
  }
  assert.equal((await vera.post('/api/checkouts', { borrower_id: 987654321, items: [code] })).status, 404);
  assert.deepEqual(await statusOf([code]), { [code]: 'available' });
});

test('a due date in a closed period moves to the next open day', async () => {
  // Closed from day 14 to day 15 from today (a period), and on day 17 (a single day).
  await addBranch(db, 'stang', { prefix: 'STA', opening_hours: OPEN_EVERY_DAY, closed_periods: [
    { from: await stockholmDate(db, 14), to: await stockholmDate(db, 15), reason: 'Inventering' },
    { from: await stockholmDate(db, 17), to: await stockholmDate(db, 17), reason: null }] });
  const manager = await staffClient(server, db, { username: 'stang-vol', branch: 'stang' });
  const b = await borrower('stang');
  const [one, two, three] = await items(3, 'stang');
  const r = await manager.post('/api/checkouts', { borrower_id: b, items: [one] });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.due_date, await stockholmDate(db, 16));
  assert.equal(r.json.loans[0].due_date, await stockholmDate(db, 16));
  // An asked-for due date in the period moves too, and past the single closed day.
  const asked = await manager.post('/api/checkouts', { borrower_id: b, items: [two], due_date: await stockholmDate(db, 15) });
  assert.equal(asked.status, 201);
  assert.equal(asked.json.due_date, await stockholmDate(db, 16));
  const single = await manager.post('/api/checkouts', { borrower_id: b, items: [three], due_date: await stockholmDate(db, 17) });
  assert.equal(single.json.due_date, await stockholmDate(db, 18));
  const { rows } = await db.query('SELECT due_date::text AS d FROM loans WHERE checkout_id = $1', [single.json.checkout_id]);
  assert.equal(rows[0].d, await stockholmDate(db, 18));

  // A renewal from day 16 would fall due on day 30: close days 29 to 31 and it moves to day 32.
  await db.query(
    `UPDATE branches SET closed_periods = closed_periods || jsonb_build_array(jsonb_build_object(
       'from', $1::text, 'to', $2::text, 'reason', 'Flytt')) WHERE slug = 'stang'`,
    [await stockholmDate(db, 29), await stockholmDate(db, 31)]);
  const renewed = await manager.post(`/api/loans/${r.json.loans[0].id}/renew`);
  assert.equal(renewed.status, 200, renewed.text);
  assert.equal(renewed.json.due_date, await stockholmDate(db, 32));
  const { rows: [loan] } = await db.query('SELECT due_date::text AS d FROM loans WHERE id = $1', [r.json.loans[0].id]);
  assert.equal(loan.d, await stockholmDate(db, 32));
});

/** The month-day ("12-24") and weekday key ("thu") of an ISO date. */
const monthDay = (iso) => iso.slice(5);
const weekdayOf = (iso) => ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(`${iso}T12:00:00Z`).getUTCDay()];

test('a due date on a day the summer season closes moves to its next open day', async () => {
  // Open every day, but a season from day 10 to day 40 opens only on the weekday of day 20.
  const from = await stockholmDate(db, 10);
  const to = await stockholmDate(db, 40);
  const open = await stockholmDate(db, 20);
  await addBranch(db, 'somm', { prefix: 'SOM', opening_hours: OPEN_EVERY_DAY, seasons: [
    { name: 'Sommar', from: monthDay(from), to: monthDay(to), opening_hours: { [weekdayOf(open)]: [['16:00', '19:00']] } }] });
  const staff = await staffClient(server, db, { username: 'somm-vol', branch: 'somm' });
  const b = await borrower('somm');
  const [one, two, three] = await items(3, 'somm');
  // The natural due date, day 14, is a closed day of the season.
  const r = await staff.post('/api/checkouts', { borrower_id: b, items: [one] });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.due_date, open);
  // Due on day 5, before the season; renewed, it would fall due on day 19.
  const early = await staff.post('/api/checkouts', { borrower_id: b, items: [two], due_date: await stockholmDate(db, 5) });
  assert.equal(early.json.due_date, await stockholmDate(db, 5));
  const renewed = await staff.post(`/api/loans/${early.json.loans[0].id}/renew`);
  assert.equal(renewed.status, 200, renewed.text);
  assert.equal(renewed.json.due_date, open);
  // Days 39 and 40 are the season's last, closed; day 41 has the regular week again.
  const late = await staff.post('/api/checkouts', { borrower_id: b, items: [three], due_date: await stockholmDate(db, 39) });
  assert.equal(late.json.due_date, await stockholmDate(db, 41));
});

test('a due date on a weekday without opening hours moves to the open weekday', async () => {
  // Open on one weekday only: the weekday of today + 17, so days 14 to 16 are closed.
  const target = await stockholmDate(db, 17);
  const weekday = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(`${target}T12:00:00Z`).getUTCDay()];
  await addBranch(db, 'vecka', { prefix: 'VEC', opening_hours: { [weekday]: [['15:00', '18:00']] } });
  const staff = await staffClient(server, db, { username: 'vecka-vol', branch: 'vecka' });
  const [code] = await items(1, 'vecka');
  const r = await staff.post('/api/checkouts', { borrower_id: await borrower('vecka'), items: [code] });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.due_date, target);
});

test('a branch open on no weekday refuses to lend, and says why', async () => {
  await addBranch(db, 'aldrig', { prefix: 'ALD' }); // no opening hours at all
  const staff = await staffClient(server, db, { username: 'aldrig-vol', branch: 'aldrig' });
  const [code] = await items(1, 'aldrig');
  const r = await staff.post('/api/checkouts', { borrower_id: await borrower('aldrig'), items: [code] });
  assert.equal(r.status, 409);
  assert.equal(r.json.code, 'branch_never_open');
  assert.deepEqual(await statusOf([code]), { [code]: 'available' });
});

test('the same checkout sent twice with one Idempotency-Key lends once', async () => {
  const b = await borrower();
  const codes = await items(2);
  const headers = { 'idempotency-key': 'desk-7f3a-0001' };
  const first = await vera.post('/api/checkouts', { borrower_id: b, items: codes }, { headers });
  assert.equal(first.status, 201);
  const again = await vera.post('/api/checkouts', { borrower_id: b, items: codes }, { headers });
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(again.json, first.json);
  assert.equal(await count('SELECT count(*) AS n FROM loans WHERE borrower_id = $1', [b]), 2);
  assert.equal(await count('SELECT count(*) AS n FROM checkouts WHERE borrower_id = $1', [b]), 1);
  // The stored answer names nobody.
  const { rows } = await db.query('SELECT response::text AS r FROM checkouts WHERE id = $1', [first.json.checkout_id]);
  assert.doesNotMatch(rows[0].r, /Låntagare|\+46/);

  const other = await vera.post('/api/checkouts', { borrower_id: b, items: codes.slice(0, 1) }, { headers });
  assert.equal(other.status, 422);
  assert.equal(other.json.code, 'idempotency_key_reused');
  // Keys belong to a staff member: the same key from a colleague is a new request.
  const [free] = await items(1);
  const colleague = await viktor.post('/api/checkouts', { borrower_id: b, items: [free] }, { headers });
  assert.equal(colleague.status, 201);
  assert.notEqual(colleague.json.checkout_id, first.json.checkout_id);
  for (const key of ['', 'x'.repeat(201), 'två ord']) {
    const bad = await vera.post('/api/checkouts', { borrower_id: b, items: [free] }, { headers: { 'idempotency-key': key } });
    assert.equal(bad.status, 400, JSON.stringify(key));
    assert.equal(bad.json.code, 'invalid_idempotency_key');
  }
});

test('a refused checkout with a key can be retried once the problem is fixed', async () => {
  const b = await borrower();
  const [code] = await items(1);
  await db.query("UPDATE items SET status = 'intake' WHERE code = $1", [code]);
  const headers = { 'idempotency-key': 'retry-after-fix' };
  assert.equal((await vera.post('/api/checkouts', { borrower_id: b, items: [code] }, { headers })).status, 409);
  await db.query("UPDATE items SET status = 'available' WHERE code = $1", [code]);
  assert.equal((await vera.post('/api/checkouts', { borrower_id: b, items: [code] }, { headers })).status, 201);
});

test('returning a pile does every good return and says what was wrong with the rest', async () => {
  const b = await borrower('dala', 'Returnerande Rut');
  const codes = await items(3);
  const out = await vera.post('/api/checkouts', { borrower_id: b, items: codes });
  assert.equal(out.status, 201);
  const [notLent] = await items(1);
  await db.query(`UPDATE loans SET due_date = $2::date, checked_out_at = now() - interval '20 days'
                   WHERE id = $1`, [out.json.loans[0].id, await stockholmDate(db, -3)]);
  const r = await vera.post('/api/returns', {
    items: [codes[0], 'DAL-99999', { code: codes[1].toLowerCase(), repair: true, condition_note: 'Skenan lös' }, notLent, codes[2]],
    condition_note: 'Smutsiga',
  });
  assert.equal(r.status, 200, r.text);
  const [a, unknown, rep, notOnLoan, c] = r.json.results;
  assert.equal(r.json.results.length, 5);
  assert.deepEqual(a, {
    code: codes[0], returned: true, found: false, loan_id: out.json.loans[0].id, item: { code: codes[0], name: 'Hockeyskridskor' },
    borrower: { id: b, name: 'Returnerande Rut' },
    due_date: await stockholmDate(db, -3), overdue_days: 3, item_status: 'available',
  });
  assert.deepEqual(unknown, { code: 'DAL-99999', returned: false, error: { code: 'unknown_item', title: 'no item has this code' } });
  assert.equal(rep.returned, true);
  assert.equal(rep.item_status, 'repair');
  assert.equal(rep.overdue_days, 0);
  assert.deepEqual(notOnLoan.error, { code: 'not_on_loan', title: 'item is not on loan' });
  assert.equal(c.returned, true);
  assert.deepEqual(await statusOf(codes), { [codes[0]]: 'available', [codes[1]]: 'repair', [codes[2]]: 'available' });
  const { rows } = await db.query(
    `SELECT i.code, l.return_note, s.username FROM loans l JOIN items i ON i.id = l.item_id
       JOIN staff s ON s.id = l.returned_by WHERE l.checkout_id = $1 ORDER BY i.code`, [out.json.checkout_id]);
  assert.deepEqual(rows.map((x) => [x.return_note, x.username]),
    [['Smutsiga', 'vera'], ['Skenan lös', 'vera'], ['Smutsiga', 'vera']]);
  assert.equal(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'loan_returned' AND object_id = $1", [out.json.loans[0].id]), 1);
  const again = await vera.post('/api/returns', { items: [codes[0]] });
  assert.equal(again.json.results[0].error.code, 'not_on_loan');
});

test('a return may be backdated, but never before its checkout nor into the future', async () => {
  const b = await borrower();
  const [early, late] = await items(2);
  const out = await vera.post('/api/checkouts', { borrower_id: b, items: [early, late] });
  await db.query("UPDATE loans SET checked_out_at = now() - interval '10 days', due_date = $2::date WHERE checkout_id = $1",
    [out.json.checkout_id, await stockholmDate(db, -5)]);
  const found = await vera.post('/api/returns', { items: [early], returned_on: await stockholmDate(db, -6) });
  assert.equal(found.json.results[0].returned, true);
  assert.equal(found.json.results[0].overdue_days, 0, 'it was back before it was due');
  const { rows } = await db.query(
    "SELECT (returned_at AT TIME ZONE 'Europe/Stockholm')::date::text AS d FROM loans WHERE id = $1", [out.json.loans[0].id]);
  assert.equal(rows[0].d, await stockholmDate(db, -6));
  const tooEarly = await vera.post('/api/returns', { items: [late], returned_on: await stockholmDate(db, -11) });
  assert.deepEqual(tooEarly.json.results[0].error, { code: 'return_before_checkout', title: 'the return date is before the checkout' });
  const future = await vera.post('/api/returns', { items: [late], returned_on: await stockholmDate(db, 1) });
  assert.equal(future.status, 422);
  assert.equal(future.json.errors[0].field, 'returned_on');
  assert.deepEqual(await statusOf([late]), { [late]: 'on_loan' });
  const bad = await vera.post('/api/returns', { items: [{ code: late, repair: 'yes' }, 7] });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.errors.map((e) => e.field), ['items[0]', 'items[1]']);
  assert.equal((await vera.post('/api/returns', { items: [] })).status, 422);
});

test("staff of another branch cannot return, renew or undo a branch's loans", async () => {
  const b = await borrower();
  const [code] = await items(1);
  const out = await vera.post('/api/checkouts', { borrower_id: b, items: [code] });
  const r = await ebba.post('/api/returns', { items: [code] });
  assert.deepEqual(r.json.results[0].error, { code: 'item_other_branch', title: 'item is on loan from another branch' });
  const loan = out.json.loans[0].id;
  assert.equal((await ebba.post(`/api/loans/${loan}/renew`)).status, 404);
  assert.equal((await ebba.post(`/api/loans/${loan}/undo`)).status, 404);
  assert.equal((await ebba.post(`/api/checkouts/${out.json.checkout_id}/undo`)).status, 404);
  assert.deepEqual(await statusOf([code]), { [code]: 'on_loan' });
  const list = await ebba.get('/api/loans?status=open');
  assert.ok(!list.json.loans.some((l) => l.id === loan));
  assert.equal((await ebba.get('/api/loans?branch=dala')).status, 403);
});

test('renewing adds a loan period from the due date, as often as the branch allows', async () => {
  const b = await borrower();
  const [code] = await items(1);
  const out = await vera.post('/api/checkouts', { borrower_id: b, items: [code] });
  const loan = out.json.loans[0].id;
  const r = await vera.post(`/api/loans/${loan}/renew`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { id: loan, item: { code, name: 'Hockeyskridskor' }, due_date: await stockholmDate(db, 28), renewals: 1 });
  const again = await vera.post(`/api/loans/${loan}/renew`);
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'renewal_limit');
  assert.equal(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'loan_renewed' AND object_id = $1", [loan]), 1);
  await db.query("UPDATE branches SET max_renewals = 2 WHERE slug = 'dala'");
  try {
    const third = await vera.post(`/api/loans/${loan}/renew`);
    assert.equal(third.status, 200);
    assert.equal(third.json.due_date, await stockholmDate(db, 42));
  } finally {
    await db.query("UPDATE branches SET max_renewals = 1 WHERE slug = 'dala'");
  }
  const { rows } = await db.query('SELECT renewals, due_date::text AS d FROM loans WHERE id = $1', [loan]);
  assert.deepEqual(rows[0], { renewals: 2, d: await stockholmDate(db, 42) });
});

test('an overdue loan is renewed only by a manager, from today', async () => {
  const b = await borrower();
  const [code] = await items(1);
  const out = await vera.post('/api/checkouts', { borrower_id: b, items: [code] });
  const loan = out.json.loans[0].id;
  await db.query("UPDATE loans SET due_date = $2::date, checked_out_at = now() - interval '20 days' WHERE id = $1", [loan, await stockholmDate(db, -2)]);
  const volunteer = await vera.post(`/api/loans/${loan}/renew`);
  assert.equal(volunteer.status, 403);
  assert.equal(volunteer.json.code, 'overdue_renewal_forbidden');
  const manager = await maja.post(`/api/loans/${loan}/renew`);
  assert.equal(manager.status, 200);
  assert.equal(manager.json.due_date, await stockholmDate(db, 14));
  await vera.post('/api/returns', { items: [code] });
  const returned = await maja.post(`/api/loans/${loan}/renew`);
  assert.equal(returned.status, 409);
  assert.equal(returned.json.code, 'loan_returned');
  assert.equal((await maja.post('/api/loans/99999999/renew')).status, 404);
});

test('a checkout is undone within 15 minutes by its maker, as if it never happened', async () => {
  const b = await borrower();
  const codes = await items(2);
  const before = await count('SELECT count(*) AS n FROM loans');
  const out = await vera.post('/api/checkouts', { borrower_id: b, items: codes });
  const other = await viktor.post(`/api/checkouts/${out.json.checkout_id}/undo`);
  assert.equal(other.status, 403);
  assert.equal(other.json.code, 'not_your_checkout');
  const r = await vera.post(`/api/checkouts/${out.json.checkout_id}/undo`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.checkout_id, out.json.checkout_id);
  assert.deepEqual(r.json.undone.map((u) => u.item.code), codes);
  assert.deepEqual(r.json.undone.map((u) => u.loan_id), out.json.loans.map((l) => l.id));
  assert.deepEqual(Object.values(await statusOf(codes)), ['available', 'available']);
  assert.equal(await count('SELECT count(*) AS n FROM loans'), before);
  assert.equal(await count('SELECT count(*) AS n FROM checkouts WHERE id = $1', [out.json.checkout_id]), 0);
  assert.equal(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'checkout_undone' AND object_id = $1", [out.json.checkout_id]), 1);
  assert.equal((await vera.post(`/api/checkouts/${out.json.checkout_id}/undo`)).status, 404);
});

test('one wrongly scanned item can be undone alone; late or changed loans cannot', async () => {
  const b = await borrower();
  const codes = await items(3);
  const headers = { 'idempotency-key': 'undo-one' };
  const out = await vera.post('/api/checkouts', { borrower_id: b, items: codes }, { headers });
  const [l0, l1, l2] = out.json.loans.map((l) => l.id);
  const one = await vera.post(`/api/loans/${l1}/undo`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.json.undone.map((u) => u.item.code), [codes[1]]);
  assert.deepEqual(await statusOf(codes), { [codes[0]]: 'on_loan', [codes[1]]: 'available', [codes[2]]: 'on_loan' });
  // A retry of the original request now shows what is left of it.
  const replay = await vera.post('/api/checkouts', { borrower_id: b, items: codes }, { headers });
  assert.deepEqual(replay.json.loans.map((l) => l.id), [l0, l2]);

  await vera.post('/api/returns', { items: [codes[0]] });
  const changed = await vera.post(`/api/loans/${l0}/undo`);
  assert.equal(changed.status, 409);
  assert.equal(changed.json.code, 'loan_changed');
  await db.query("UPDATE loans SET checked_out_at = now() - interval '16 minutes' WHERE id = $1", [l2]);
  const late = await vera.post(`/api/loans/${l2}/undo`);
  assert.equal(late.status, 409);
  assert.equal(late.json.code, 'undo_too_late');
  assert.deepEqual(await statusOf([codes[2]]), { [codes[2]]: 'on_loan' });
});

test('loan lists filter by status, borrower and branch, and page', async () => {
  const b = await borrower();
  const codes = await items(4);
  const out = await vera.post('/api/checkouts', { borrower_id: b, items: codes });
  const [l0, l1, l2, l3] = out.json.loans.map((l) => l.id);
  await db.query("UPDATE loans SET due_date = $2::date, checked_out_at = now() - interval '30 days' WHERE id = $1", [l0, await stockholmDate(db, -1)]);
  await vera.post('/api/returns', { items: [codes[1]] });
  const list = async (q) => {
    const r = await vera.get(`/api/loans?borrower_id=${b}${q}`);
    assert.equal(r.status, 200, r.text);
    return r.json.loans.map((l) => l.id);
  };
  assert.deepEqual(await list('&status=open'), [l0, l2, l3], 'soonest due first');
  assert.deepEqual(await list('&status=overdue'), [l0]);
  assert.deepEqual(await list('&status=returned'), [l1]);
  assert.deepEqual((await list('')).sort(), [l0, l1, l2, l3].sort());
  const overdue = await vera.get(`/api/loans?status=overdue&borrower_id=${b}`);
  const row = overdue.json.loans[0];
  assert.equal(row.overdue_days, 1);
  assert.equal(row.branch, 'dala');
  assert.deepEqual(row.borrower.id, b);
  assert.equal(row.item.code, codes[0]);
  assert.equal(row.returned_at, null);
  assert.equal((await vera.get('/api/loans?status=gone')).status, 400);
  assert.equal((await vera.get('/api/loans?branch=nowhere')).status, 400);
  assert.equal((await vera.get('/api/loans?branch=dala')).status, 200);
  const all = await vera.get('/api/loans?page=1');
  assert.equal(all.json.per_page, 50);
  assert.equal(all.json.page, 1);
  assert.equal(typeof all.json.has_more, 'boolean');
});
