// An item's whole life over real HTTP: every status change through POST /api/items/{code}/status
// with who, when and a note in the history and the audit log, every refused change a 409 that
// changes nothing, loans closed as lost by a manager (hidden from the public, counted in the
// statistics, never a return) and the item that turns up later, the repair queue, and what
// intake asks for (a size, a word about a twin).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  freshDb, startHylla, addBranch, staffClient, addItem, addBorrower, stockholmDate, Client, OPEN_EVERY_DAY,
  WEB_ROOT, assertOpenApi, routeTable,
} from './lib.mjs';

let db;
let server;
let vera; // volunteer of dala
let maja; // manager of dala
let ebba; // volunteer of edsb
let admin; // network-wide admin
let ids = {};
let next = 0;

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'dala', { prefix: 'DAL', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'edsb', { prefix: 'EDS', opening_hours: OPEN_EVERY_DAY });
  vera = await staffClient(server, db, { username: 'vera', branch: 'dala' });
  maja = await staffClient(server, db, { username: 'maja', role: 'manager', branch: 'dala' });
  ebba = await staffClient(server, db, { username: 'ebba', branch: 'edsb' });
  admin = await staffClient(server, db, { username: 'adam', role: 'admin' });
  const { rows } = await db.query('SELECT username, id FROM staff');
  ids = Object.fromEntries(rows.map((r) => [r.username, r.id]));
});
after(async () => {
  assert.doesNotMatch(server.log(), / 5\d\d [\d.]+ ms/, 'a request failed on the server');
  await server.stop();
  await db.drop();
});

/** A new item of a branch in a status (codes clear of those intake gives). */
async function item(status = 'available', branch = 'dala') {
  const code = `${branch === 'dala' ? 'DAL' : 'EDS'}-9${String(++next).padStart(4, '0')}`;
  await addItem(db, branch, { code, category: 121, name: 'Hockeyskridskor', sizeKind: 'shoe_eu', sizeNum: 40,
    status: status === 'retired' ? 'available' : status });
  if (status === 'retired')
    await db.query("UPDATE items SET status = 'retired', retired_reason = 'worn_out' WHERE code = $1", [code]);
  return code;
}

let phones = 0;
const borrower = (name = `Låntagare ${phones + 1}`) =>
  addBorrower(db, { branch: 'dala', name, phone: `+46702${String(++phones).padStart(6, '0')}` });

const one = async (sql, params) => (await db.query(sql, params)).rows[0];

/** The rows that a refused change must leave alone, as one comparable object. */
const snapshot = () => one(`SELECT (SELECT json_agg(i ORDER BY i.id) FROM items i) AS items,
  (SELECT count(*)::int FROM item_status_history) AS history, (SELECT count(*)::int FROM audit_log) AS audit,
  (SELECT json_agg(l ORDER BY l.id) FROM loans l) AS loans`);

const status = (client, code, body) => client.post(`/api/items/${code}/status`, body);

/** Lend codes to a new borrower through the API and move the loans' due date days back. */
async function lendOverdue(codes, days, name) {
  const b = await borrower(name);
  const r = await vera.post('/api/checkouts', { borrower_id: b, items: codes });
  assert.equal(r.status, 201, r.text);
  await db.query(`UPDATE loans SET checked_out_at = now() - make_interval(days => $2 + 14),
    due_date = $3::date WHERE checkout_id = $1`, [r.json.checkout_id, days, await stockholmDate(db, -days)]);
  return { borrower: b, loans: r.json.loans };
}

test('each change of the table is one request, in the history with who, when and note, and in the audit log', async () => {
  const code = await item('intake');
  const got = await vera.get(`/api/items/${code}`);
  assert.deepEqual(got.json.transitions, ['available', 'repair', 'retired']);

  const steps = [
    [vera, { to: 'available' }, ['repair', 'lost', 'retired']],
    [vera, { to: 'repair', note: 'Skenan lös' }, ['available', 'retired']],
    [vera, { to: 'available', note: 'Skenan fastskruvad' }, ['repair', 'lost', 'retired']],
    [maja, { to: 'lost' }, ['available', 'repair', 'retired']],
    [vera, { to: 'available', note: 'Låg i förrådet' }, ['repair', 'lost', 'retired']],
    [vera, { to: 'retired', reason: 'other', note: 'Skänkt till skolan' }, []],
  ];
  for (const [who, body, transitions] of steps) {
    const r = await status(who, code, body);
    assert.equal(r.status, 200, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.status, body.to);
    assert.deepEqual(r.json.transitions, transitions, JSON.stringify(body));
  }
  const after = await vera.get(`/api/items/${code}`);
  assert.equal(after.json.retired_reason, 'Skänkt till skolan');

  const { rows: history } = await db.query(`SELECT from_status, to_status, note, staff_id, reason FROM item_status_history
    WHERE item_id = (SELECT id FROM items WHERE code = $1) ORDER BY id`, [code]);
  assert.deepEqual(history.slice(1).map((h) => [h.from_status, h.to_status, h.note, h.staff_id]), [
    ['intake', 'available', null, ids.vera],
    ['available', 'repair', 'Skenan lös', ids.vera],
    ['repair', 'available', 'Skenan fastskruvad', ids.vera],
    ['available', 'lost', null, ids.maja],
    ['lost', 'available', 'Låg i förrådet', ids.vera],
    ['available', 'retired', 'Skänkt till skolan', ids.vera],
  ]);
  assert.equal(history.at(-1).reason, 'Skänkt till skolan');
  const h = await vera.get(`/api/items/${code}/history`);
  assert.deepEqual(h.json.history.map((e) => e.note), [null, null, 'Skenan lös', 'Skenan fastskruvad', null,
    'Låg i förrådet', 'Skänkt till skolan']);
  assert.equal(h.json.history[2].staff.display_name, 'vera');

  // The audit log names the change and its reason word, never the note's words.
  const { rows: audit } = await db.query(`SELECT staff_id, details FROM audit_log WHERE action = 'item_status_changed'
    AND object_id = (SELECT id FROM items WHERE code = $1) ORDER BY id`, [code]);
  assert.deepEqual(audit.map((a) => [a.staff_id, a.details]), [
    [ids.vera, { from: 'intake', to: 'available' }],
    [ids.vera, { from: 'available', to: 'repair', note: true }],
    [ids.vera, { from: 'repair', to: 'available', note: true }],
    [ids.maja, { from: 'available', to: 'lost' }],
    [ids.vera, { from: 'lost', to: 'available', note: true }],
    [ids.vera, { from: 'available', to: 'retired', reason: 'other', note: true }],
  ]);

  // The reasons of the short list are kept as their word.
  const worn = await item();
  const r = await status(vera, worn, { to: 'retired', reason: 'worn_out' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.retired_reason, 'worn_out');
});

test('every refused change is 409 (or 4xx for bad input) and changes nothing', async () => {
  const codes = {
    intake: await item('intake'), available: await item(), repair: await item('repair'),
    lost: await item('lost'), retired: await item('retired'), onLoan: await item(), other: await item('available', 'edsb'),
  };
  await lendOverdue([codes.onLoan], 100);
  const before = await snapshot();
  const refused = [
    [vera, codes.onLoan, { to: 'retired', reason: 'broken' }, 409, 'item_on_loan'],
    [maja, codes.onLoan, { to: 'repair' }, 409, 'item_on_loan'],
    [maja, codes.onLoan, { to: 'available' }, 409, 'item_on_loan'],
    [vera, codes.intake, { to: 'lost' }, 409, 'status_change_refused'],
    [vera, codes.repair, { to: 'lost' }, 409, 'status_change_refused'],
    [vera, codes.retired, { to: 'available' }, 409, 'status_change_refused'],
    [vera, codes.retired, { to: 'repair' }, 409, 'status_change_refused'],
    [vera, codes.available, { to: 'available' }, 409, 'status_change_refused'],
    [vera, codes.available, { to: 'intake' }, 409, 'status_change_refused'],
    [vera, codes.available, { to: 'on_loan' }, 409, 'status_change_refused'],
    [vera, codes.lost, { to: 'intake' }, 409, 'status_change_refused'],
    [vera, codes.onLoan, { to: 'lost' }, 403, 'lost_loan_forbidden'],
    [vera, codes.other, { to: 'repair' }, 403, 'other_branch'],
    [vera, 'NOPE-1', { to: 'repair' }, 404, 'item_not_found'],
    [vera, codes.available, {}, 422, 'validation_failed'],
    [vera, codes.available, { to: 'sold' }, 422, 'validation_failed'],
    [vera, codes.available, { to: 'retired' }, 422, 'validation_failed'],
    [vera, codes.available, { to: 'retired', reason: 'stolen' }, 422, 'validation_failed'],
    [vera, codes.available, { to: 'retired', reason: 'other' }, 422, 'validation_failed'],
    [vera, codes.available, { to: 'repair', reason: 'broken' }, 422, 'validation_failed'],
    [vera, codes.available, { to: 'repair', note: 'x'.repeat(1001) }, 422, 'validation_failed'],
    [vera, codes.available, { to: 'repair', by: 'me' }, 422, 'validation_failed'],
  ];
  for (const [who, code, body, want, problem] of refused) {
    const r = await status(who, code, body);
    assert.equal(r.status, want, `${code} ${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.code, problem, `${code} ${JSON.stringify(body)}`);
  }
  const intakeRefusal = await status(vera, codes.intake, { to: 'lost' });
  assert.equal(intakeRefusal.json.from, 'intake');
  assert.equal(intakeRefusal.json.detail, 'An item that is intake cannot become lost.');
  assert.deepEqual(await snapshot(), before, 'a refused change wrote something');

  // An edit no longer changes the status, whatever it says.
  const edit = await vera.patch(`/api/items/${codes.available}`, { status: 'repair' });
  assert.equal(edit.status, 422);
  assert.deepEqual(edit.json.errors.map((e) => [e.field, e.code]), [['status', 'unknown_field']]);
  assert.deepEqual(await snapshot(), before);
});

test('a manager closes a long overdue loan as lost: hidden from the public, counted, no return; the item turns up later', async () => {
  const [early, late] = [await item(), await item()];
  const { borrower: b, loans } = await lendOverdue([early, late], 61, 'Lisa Lost');
  await db.query('UPDATE loans SET due_date = $2::date WHERE id = $1', [loans[0].id, await stockholmDate(db, -30)]);
  const branchRow = await maja.get('/api/branches/dala');
  assert.equal(branchRow.json.lost_after_days, 60);
  const summary = async () => (await maja.get(`/api/stats/summary?from=${await stockholmDate(db, -400)}&to=${await stockholmDate(db, 0)}&branch=dala`)).json;
  const before = await summary();

  // 30 days overdue is not long enough at a branch that waits 60.
  const tooEarly = await status(maja, early, { to: 'lost' });
  assert.equal(tooEarly.status, 409);
  assert.equal(tooEarly.json.code, 'loan_not_lost_yet');
  assert.deepEqual([tooEarly.json.overdue_days, tooEarly.json.lost_after_days], [30, 60]);

  const closed = await status(maja, late, { to: 'lost', note: 'Ringt tre gånger' });
  assert.equal(closed.status, 200, closed.text);
  assert.equal(closed.json.status, 'lost');
  assert.equal(closed.json.due_date, null);
  const loan = await one('SELECT lost, returned_at IS NOT NULL AS closed, returned_by FROM loans WHERE id = $1', [loans[1].id]);
  assert.deepEqual(loan, { lost: true, closed: true, returned_by: ids.maja });
  assert.equal(Number((await one(`SELECT count(*) AS n FROM audit_log WHERE action = 'loan_lost' AND object_id = $1
    AND staff_id = $2`, [loans[1].id, ids.maja])).n), 1);
  const changed = await one(`SELECT details FROM audit_log WHERE action = 'item_status_changed'
    AND object_id = (SELECT id FROM items WHERE code = $1)`, [late]);
  assert.deepEqual(changed.details, { from: 'on_loan', to: 'lost', loan_id: loans[1].id, note: true });

  // It leaves the open and overdue lists; it is listed as lost, and on the borrower's page.
  const listed = async (which) => (await maja.get(`/api/loans?status=${which}`)).json.loans.map((l) => l.item.code);
  for (const which of ['open', 'overdue']) {
    assert.ok((await listed(which)).includes(early), which);
    assert.ok(!(await listed(which)).includes(late), which);
  }
  assert.ok(!(await listed('returned')).includes(late));
  const lostList = await maja.get('/api/loans?status=lost');
  assert.deepEqual(lostList.json.loans.map((l) => [l.item.code, l.lost]), [[late, true]]);
  const page = await maja.get(`/api/borrowers/${b}`);
  assert.deepEqual(page.json.open_loans.map((l) => l.item.code), [early]);
  assert.deepEqual(page.json.history.map((l) => [l.item.code, l.lost]), [[late, true]]);

  // Not on the public site; counted in the statistics as lost, and as no return.
  const anon = new Client(server.url);
  const pub = await anon.get('/api/public/items?branch=dala&q=hockeyskridskor&per_page=100');
  assert.ok(!pub.json.items.some((i) => i.code === late), 'a lost item is shown to the public');
  /** /api/stats/items tells what the items say, for dala and for the network (admin). */
  async function lostCounted() {
    for (const [who, path] of [[maja, '/api/stats/items?branch=dala'], [admin, '/api/stats/items']]) {
      const s = await who.get(path);
      assert.equal(s.status, 200, s.text);
      const want = Number((await one(`SELECT count(*) AS n FROM items i JOIN branches b ON b.id = i.branch_id
        WHERE i.status = 'lost' AND ($1 OR b.slug = 'dala')`, [who === admin])).n);
      assert.equal(s.json.lost, want, path);
      assert.equal(s.json.categories.find((c) => c.key === 121).lost, want, path);
    }
  }
  const lostBefore = Number((await one("SELECT count(*) AS n FROM items WHERE status = 'lost'")).n);
  await lostCounted();
  assert.ok(lostBefore >= 1);
  const during = await summary();
  assert.equal(during.loans, before.loans);
  assert.equal(during.returns, before.returns, 'a lost loan counted as a return');

  // The item turns up: a return of it is the end of the story, and the loan stays lost.
  const back = await vera.post('/api/returns', { items: [late] });
  assert.equal(back.status, 200);
  assert.deepEqual(
    (({ returned, found, loan_id: loanId, borrower: who, item_status: itemStatus }) => ({ returned, found, loanId, who, itemStatus }))(back.json.results[0]),
    { returned: true, found: true, loanId: loans[1].id, who: { id: b, name: 'Lisa Lost' }, itemStatus: 'available' });
  assert.deepEqual(await one('SELECT lost, returned_by FROM loans WHERE id = $1', [loans[1].id]),
    { lost: true, returned_by: ids.maja });
  assert.equal((await one('SELECT status FROM items WHERE code = $1', [late])).status, 'available');
  const { rows: trail } = await db.query(`SELECT from_status, to_status FROM item_status_history
    WHERE item_id = (SELECT id FROM items WHERE code = $1) ORDER BY id`, [late]);
  assert.deepEqual(trail.slice(-3).map((h) => `${h.from_status}>${h.to_status}`), ['available>on_loan', 'on_loan>lost', 'lost>available']);
  assert.equal(Number((await one(`SELECT count(*) AS n FROM audit_log WHERE action = 'item_found'
    AND object_id = (SELECT id FROM items WHERE code = $1)`, [late])).n), 1);
  const after = await summary();
  assert.equal(after.returns, before.returns, 'finding a lost item counted a return');
  await lostCounted();
  assert.equal(Number((await one("SELECT count(*) AS n FROM items WHERE status = 'lost'")).n), lostBefore - 1);
  // Scanned again, it is on the shelf and not on loan.
  assert.equal((await vera.post('/api/returns', { items: [late] })).json.results[0].error.code, 'not_on_loan');

  // The rollups the triggers kept are still what stats_rebuild() computes from the loans.
  // Rows whose counters are all zero may stay behind in the kept rollups; they count nothing.
  const counters = ['loans', 'returns', 'returns_late', 'loan_seconds', 'new_borrowers', 'items', 'never_lent'];
  const dump = async () => {
    const out = {};
    for (const t of ['stats_day', 'stats_month', 'stats_items'])
      out[t] = (await db.query(`SELECT * FROM ${t} ORDER BY 1, 2`)).rows
        .filter((row) => counters.some((k) => k in row && Number(row[k]) !== 0));
    return out;
  };
  const kept = await dump();
  await db.query('SELECT stats_rebuild()');
  assert.deepEqual(await dump(), kept);

  // The branch decides how long: at 20 days the first loan may go too.
  const setting = await admin.patch('/api/branches/dala', { lost_after_days: 20 });
  assert.equal(setting.status, 200, setting.text);
  assert.equal(setting.json.lost_after_days, 20);
  for (const bad of [0, 3651, 'many'])
    assert.equal((await admin.patch('/api/branches/dala', { lost_after_days: bad })).status, 422, String(bad));
  assert.equal((await status(maja, early, { to: 'lost' })).status, 200);
});

test('the repair queue: oldest first with the fault, who sent it and when; fixed goes back to the shelf', async () => {
  await db.query("UPDATE items SET status = 'retired', retired_reason = 'worn_out' WHERE status = 'repair'");
  const [first, second, third, elsewhere] = [await item(), await item(), await item(), await item('available', 'edsb')];
  assert.equal((await status(vera, first, { to: 'repair', note: 'Trasig snörning' })).status, 200);
  await db.query("UPDATE item_status_history SET at = at - interval '2 days' WHERE to_status = 'repair'");
  // A return to repair asks for the fault in one field, kept with the change.
  await lendOverdue([second], 0);
  const ret = await vera.post('/api/returns', { items: [{ code: second, repair: true, condition_note: 'Slö skena' }] });
  assert.equal(ret.json.results[0].item_status, 'repair');
  assert.equal((await status(maja, third, { to: 'repair' })).status, 200);
  assert.equal((await status(ebba, elsewhere, { to: 'repair', note: 'Edsbyns' })).status, 200);

  const queue = await vera.get('/api/repairs');
  assert.equal(queue.status, 200, queue.text);
  assert.deepEqual(queue.json.items.map((i) => [i.code, i.note, i.staff?.display_name]),
    [[first, 'Trasig snörning', 'vera'], [second, 'Slö skena', 'vera'], [third, null, 'maja']]);
  assert.deepEqual(queue.json.items[0].size, { kind: 'shoe_eu', value: 40 });
  assert.match(queue.json.items[0].since, /^\d{4}-\d\d-\d\dT/);
  assert.equal(queue.json.has_more, false);
  // Network staff see every branch unless they name one; others may look at another branch.
  assert.equal((await admin.get('/api/repairs')).json.items.length, 4);
  assert.deepEqual((await vera.get('/api/repairs?branch=edsb')).json.items.map((i) => i.code), [elsewhere]);
  assert.equal((await vera.get('/api/repairs?branch=nowhere')).status, 400);

  // Fixed: back on the shelf and out of the queue; scrapped: retired for good.
  assert.equal((await status(vera, first, { to: 'available', note: 'Ny snörning' })).status, 200);
  assert.equal((await status(vera, second, { to: 'retired', reason: 'broken' })).status, 200);
  assert.deepEqual((await vera.get('/api/repairs')).json.items.map((i) => i.code), [third]);
  assert.equal((await one('SELECT status FROM items WHERE code = $1', [first])).status, 'available');
});

test('erasing a borrower takes the fault note of their return along with the return note', async () => {
  const code = await item();
  const { borrower: b } = await lendOverdue([code], 0, 'Erik Erased');
  await vera.post('/api/returns', { items: [{ code, repair: true, condition_note: 'Erik tappade den' }] });
  const note = () => one(`SELECT note FROM item_status_history WHERE to_status = 'repair'
    AND item_id = (SELECT id FROM items WHERE code = $1)`, [code]);
  assert.equal((await note()).note, 'Erik tappade den');
  assert.equal((await maja.delete(`/api/borrowers/${b}`)).status, 204);
  assert.equal((await note()).note, null);
});

test('intake: a category with sizes needs one, and the same item twice in a minute is asked about once', async () => {
  const count = async () => Number((await one('SELECT count(*) AS n FROM items')).n);
  const before = await count();
  const noSize = await vera.post('/api/items', { category: 111, name: 'Längdskidor' });
  assert.equal(noSize.status, 422);
  assert.deepEqual(noSize.json.errors.map((e) => [e.field, e.code]), [['size', 'required']]);
  assert.equal(await count(), before);

  const helmet = { category: 14, name: 'Hjälm', size: { kind: 'head_cm', value: 54 } };
  const first = await vera.post('/api/items', helmet);
  assert.equal(first.status, 201, first.text);
  const twin = await vera.post('/api/items', helmet);
  assert.equal(twin.status, 409);
  assert.equal(twin.json.code, 'possible_duplicate');
  assert.equal(twin.json.item, first.json.code);
  assert.equal(await count(), before + 1);
  const another = await vera.post('/api/items', { ...helmet, allow_duplicate: true });
  assert.equal(another.status, 201);
  // Another size, another branch, or a category without sizes: no question.
  assert.equal((await vera.post('/api/items', { ...helmet, size: { kind: 'head_cm', value: 56 } })).status, 201);
  assert.equal((await ebba.post('/api/items', helmet)).status, 201);
  assert.equal((await vera.post('/api/items', { category: 25, name: 'Trangia' })).status, 201);
  assert.equal((await vera.post('/api/items', { category: 21, name: 'Tält' })).status, 201, 'size kind other: optional');
  assert.equal(await count(), before + 6);
});

test("an item's loans, latest first, for its page at the desk", async () => {
  const code = await item();
  await lendOverdue([code], 0, 'Första');
  await vera.post('/api/returns', { items: [code] });
  await db.query("UPDATE loans SET checked_out_at = checked_out_at - interval '1 day', returned_at = returned_at - interval '1 day'");
  await lendOverdue([code], 0, 'Andra');
  const r = await vera.get(`/api/loans?item=${code.toLowerCase()}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.loans.map((l) => [l.borrower.name, l.returned_at === null, l.lost]),
    [['Andra', true, false], ['Första', false, false]]);
  assert.equal((await vera.get(`/api/loans?item=${code}&status=open`)).status, 400);
  assert.equal((await vera.get('/api/loans?item=no%20code')).status, 400);
  assert.deepEqual((await ebba.get(`/api/loans?item=${code}`)).json.loans, [], 'another branch sees none of its loans');
});

test('web/openapi-staff.json documents these routes as they are, and the site serves it', async () => {
  const doc = JSON.parse(readFileSync(path.join(WEB_ROOT, 'openapi-staff.json'), 'utf8'));
  assertOpenApi(doc);
  const routes = await routeTable();
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const route = routes.find((r) => r.pattern === p && r.method === method.toUpperCase());
      assert.ok(route, `${method} ${p} is no route`);
      assert.equal(route.access, op['x-hylla-access'] ?? 'volunteer', `${method} ${p}`);
    }
  }
  assert.ok(doc.paths['/api/items/{code}/status'].post.requestBody);
  const served = await new Client(server.url).get('/openapi-staff.json');
  assert.equal(served.status, 200);
  assert.deepEqual(served.json, doc);
});
