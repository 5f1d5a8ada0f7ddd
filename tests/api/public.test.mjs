// The open availability API over real HTTP: what each endpoint answers, search by text, size and
// category, availability with due dates only, totals from the statistics rollups, ETag and 304,
// open CORS, the OpenAPI document, and that no public answer ever names a borrower.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  freshDb, startHylla, addBranch, staffClient, addItem, addBorrower, stockholmDate, routeTable,
  samplePath, Client, OPEN_EVERY_DAY, WEB_ROOT, assertOpenApi,
} from './lib.mjs';

const SECRET_NAME = 'Zebulon Quxworthy-Ängström';
const SECRET_PHONE = '+46709876543';
// Every way the phone might be written out.
const PHONE_FORMS = [SECRET_PHONE, '0709876543', '709876543', '070-987 65 43', '9876543'];

let db;
let server;
let anon;
let vera;
const codes = {};
let borrowerId;
let SEASONS;
let CLOSED; // as saved: a run that passes midnight in Stockholm compares with the dates it saved

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  anon = new Client(server.url);
  const seasonOpen = new Date(`${await stockholmDate(db, 11)}T12:00:00Z`).getUTCDay();
  SEASONS = [{
    name: 'Vinter', from: (await stockholmDate(db, 9)).slice(5), to: (await stockholmDate(db, 60)).slice(5),
    opening_hours: { [['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][seasonOpen]]: [['16:00', '19:00']] },
  }];
  // Closed three days ago, and from day 5 to day 6 ahead (a period); a season from day 9 on, open
  // on one weekday only, that of day 11.
  await db.query(
    `INSERT INTO branches (slug, name, code_prefix, opening_hours, seasons, closed_periods, address, municipality, notice)
     VALUES ('deje', 'Fritidsbanken Deje', 'DEJ', $1, $2, $3, 'Storgatan 1, Deje', 'Forshaga', 'Välkomna!')`,
    [JSON.stringify(OPEN_EVERY_DAY), JSON.stringify(SEASONS), JSON.stringify(CLOSED = await closedPeriods())]);
  await addBranch(db, 'forshaga', { prefix: 'FOR', opening_hours: OPEN_EVERY_DAY });
  for (const [key, opts] of Object.entries({
    ski150: { name: 'Längdskidor Fischer', sizeKind: 'length_cm', sizeNum: 150 },
    ski155a: { name: 'Längdskidor Peltonen', sizeKind: 'length_cm', sizeNum: 155 },
    ski155b: { name: 'Längdskidor Peltonen', sizeKind: 'length_cm', sizeNum: 155 },
    ski170: { name: 'Längdskidor Madshus', sizeKind: 'length_cm', sizeNum: 170 },
    boots: { name: 'Längdpjäxor Alpina', category: 114, sizeKind: 'shoe_eu', sizeNum: 38 },
    skates: { name: 'Hockeyskridskor Bauer', category: 121, sizeKind: 'shoe_eu', sizeNum: 40 },
    repair: { name: 'Längdskidor Atomic', sizeKind: 'length_cm', sizeNum: 160, status: 'repair' },
    intake: { name: 'Längdskidor Intagen', sizeKind: 'length_cm', sizeNum: 160, status: 'intake' },
  })) codes[key] = await addItem(db, 'deje', opts);
  codes.retired = await addItem(db, 'deje', { name: 'Längdskidor Trasig', sizeKind: 'length_cm', sizeNum: 160 });
  await db.query("UPDATE items SET status = 'retired', retired_reason = 'trasig' WHERE code = $1", [codes.retired]);
  codes.other = await addItem(db, 'forshaga', { name: 'Längdskidor Forshaga', sizeKind: 'length_cm', sizeNum: 155 });

  vera = await staffClient(server, db, { username: 'vera', role: 'volunteer' });
  borrowerId = await addBorrower(db, { branch: 'deje', name: SECRET_NAME, phone: SECRET_PHONE });
  const r = await vera.post('/api/checkouts', { borrower_id: borrowerId, items: [codes.ski155b, codes.boots] });
  assert.equal(r.status, 201, r.text);
  // The same person at the other branch (borrowers belong to one branch).
  const there = await addBorrower(db, { branch: 'forshaga', name: SECRET_NAME, phone: SECRET_PHONE });
  const o = await vera.post('/api/checkouts', { borrower_id: there, items: [codes.other] });
  assert.equal(o.status, 201, o.text);
});

/** The closed periods of deje: one in the past, one ahead. */
async function closedPeriods() {
  return [
    { from: await stockholmDate(db, -3), to: await stockholmDate(db, -3), reason: null },
    { from: await stockholmDate(db, 5), to: await stockholmDate(db, 6), reason: 'Inventering' },
  ];
}

after(async () => {
  await server?.stop();
  await db?.drop();
});

test('branches: public facts, upcoming closed dates, today and totals from the rollups', async () => {
  const r = await anon.get('/api/public/branches');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.branches.map((b) => b.slug), ['deje', 'forshaga']);
  const deje = r.json.branches[0];
  assert.equal(deje.name, 'Fritidsbanken Deje');
  assert.equal(deje.address, 'Storgatan 1, Deje');
  assert.equal(deje.notice, 'Välkomna!');
  assert.deepEqual(deje.opening_hours, OPEN_EVERY_DAY);
  assert.deepEqual(deje.seasons, SEASONS);
  assert.deepEqual(deje.closed_periods, CLOSED.slice(1), 'past closed periods are left out');
  assert.equal(deje.today, await stockholmDate(db));
  // The days ahead as the calendar resolves them: open every day but the closed ones, then the
  // season's one weekday.
  const days = [];
  for (let i = 0; i < 14; i++) {
    const date = await stockholmDate(db, i);
    const closed = (i >= 5 && i <= 6) || (i >= 9 && (i - 11) % 7 !== 0);
    days.push({ date, spans: closed ? [] : i >= 9 ? [['16:00', '19:00']] : [['10:00', '18:00']] });
  }
  assert.deepEqual(deje.days, days);
  assert.deepEqual(deje.next_open, { date: await stockholmDate(db, 1), spans: [['10:00', '18:00']] });
  assert.equal(r.json.branches[1].next_open.date, await stockholmDate(db, 1));
  assert.equal(deje.total_loans, 2);
  assert.equal(deje.available_items, 4); // ski150, ski155a, ski170, skates
  for (const key of ['id', 'loan_days', 'item_limit', 'max_renewals', 'code_prefix', 'next_item_no'])
    assert.ok(!(key in deje), `${key} is internal`);

  const one = await anon.get('/api/public/branches/deje');
  assert.equal(one.status, 200);
  assert.deepEqual(one.json, deje);
  const none = await anon.get('/api/public/branches/nowhere');
  assert.equal(none.status, 404);
  assert.equal(none.json.code, 'branch_not_found');
  assert.equal(none.headers.get('access-control-allow-origin'), '*');
});

test('stats: loans since the start from the rollups, network and per branch', async () => {
  const r = await anon.get('/api/public/stats');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { total_loans: 3, branches: [{ slug: 'deje', total_loans: 2 }, { slug: 'forshaga', total_loans: 1 }] });
  // The totals come from stats_month, not from counting loans: a rollup change shows.
  await db.query("UPDATE stats_month SET loans = loans + 40 WHERE branch_id = 0");
  const again = await anon.get('/api/public/stats');
  assert.equal(again.json.total_loans, 43);
  await db.query("UPDATE stats_month SET loans = loans - 40 WHERE branch_id = 0");
});

test('categories: the tree, depth first, without impact factors', async () => {
  const r = await anon.get('/api/public/categories');
  assert.equal(r.status, 200);
  const ski = r.json.categories.find((c) => c.id === 111);
  assert.deepEqual(ski, { id: 111, parent_id: 11, depth: 2, name_sv: 'Längdskidor', name_en: 'Cross-country skis', size_kind: 'length_cm' });
  const parent = r.json.categories.findIndex((c) => c.id === 11);
  assert.ok(parent >= 0 && parent < r.json.categories.indexOf(ski));
});

test('items: what the public sees, with the due date of items on loan only', async () => {
  const r = await anon.get('/api/public/items?branch=deje');
  assert.equal(r.status, 200);
  assert.equal(r.json.total, 7);
  assert.equal(r.json.page, 1);
  const got = new Map(r.json.items.map((i) => [i.code, i]));
  for (const hidden of ['intake', 'retired', 'other']) assert.ok(!got.has(codes[hidden]), `${hidden} is shown`);
  const due = (await db.query('SELECT due_date::text AS d FROM loans WHERE item_id = (SELECT id FROM items WHERE code = $1)', [codes.ski155b])).rows[0].d;
  assert.deepEqual(got.get(codes.ski155b), {
    code: codes.ski155b, name: 'Längdskidor Peltonen',
    category: { id: 111, name_sv: 'Längdskidor', name_en: 'Cross-country skis' },
    size: { kind: 'length_cm', value: 155 }, condition: 'good', status: 'on_loan', due_date: due, photo_url: null,
  });
  assert.equal(got.get(codes.ski155a).status, 'available');
  assert.equal(got.get(codes.ski155a).due_date, null);
  assert.equal(got.get(codes.repair).status, 'repair');
  // By name, then size: equal items come together.
  const names = r.json.items.map((i) => `${i.name} ${i.size?.value}`);
  assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b, 'sv')));
});

test('items: search by words, size range, category subtree and availability', async () => {
  const search = async (qs) => {
    const r = await anon.get(`/api/public/items?${qs}`);
    assert.equal(r.status, 200, r.text);
    return r.json.items.map((i) => i.code).sort();
  };
  assert.deepEqual(await search('branch=deje&q=skidor&size_kind=length_cm&size_min=150&size_max=160'),
    [codes.ski150, codes.ski155a, codes.ski155b, codes.repair].sort());
  assert.deepEqual(await search('branch=deje&q=langdskidor&size_kind=length_cm&size_min=150&size_max=160&available=true'),
    [codes.ski150, codes.ski155a].sort());
  assert.deepEqual(await search('branch=deje&q=skridsko'), [codes.skates]);
  assert.deepEqual(await search('branch=deje&category=11'), // Skidor and below
    [codes.ski150, codes.ski155a, codes.ski155b, codes.ski170, codes.boots, codes.repair].sort());
  assert.deepEqual(await search('branch=deje&category=114'), [codes.boots]);
  assert.deepEqual(await search(`q=${codes.other.toLowerCase()}`), [codes.other]);
  assert.deepEqual(await search('q=peltonen&size_kind=length_cm&size_min=155&size_max=155'),
    [codes.ski155a, codes.ski155b].sort());
  const paged = await anon.get('/api/public/items?branch=deje&per_page=2&page=2');
  assert.equal(paged.json.items.length, 2);
  assert.equal(paged.json.total, 7);
  const past = await anon.get('/api/public/items?branch=deje&page=99');
  assert.deepEqual([past.json.items, past.json.total], [[], 7]);
});

test('items: bad arguments get 400, an unknown branch 404', async () => {
  for (const qs of ['size_kind=parsec', 'size_min=abc', 'available=yes', 'page=0', 'per_page=101',
    'category=x', `q=${'a'.repeat(201)}`, 'q=%FF%FE']) {
    const r = await anon.get(`/api/public/items?${qs}`);
    assert.equal(r.status, 400, `${qs}: ${r.text}`);
    assert.equal(r.json.code, 'invalid_query');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
  }
  const r = await anon.get('/api/public/items?branch=nowhere');
  assert.equal(r.status, 404);
  assert.equal(r.json.code, 'branch_not_found');
});

test('an item by its code, as the QR code of its label asks: the item and its branch, not the borrower', async () => {
  const lent = await anon.get(`/api/public/items/${codes.ski155b.toLowerCase()}`);
  assert.equal(lent.status, 200, lent.text);
  const { branch, ...item } = lent.json;
  assert.deepEqual(item, {
    code: codes.ski155b, name: 'Längdskidor Peltonen', category: { id: 111, name_sv: 'Längdskidor', name_en: 'Cross-country skis' },
    size: { kind: 'length_cm', value: 155 }, condition: 'good', status: 'on_loan',
    due_date: (await db.query('SELECT due_date::text AS d FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code = $1', [codes.ski155b])).rows[0].d,
    photo_url: null,
  });
  assert.deepEqual(branch, (await anon.get('/api/public/branches/deje')).json, 'its branch as the branch route answers it');
  assert.equal(lent.headers.get('access-control-allow-origin'), '*');
  assert.match(lent.headers.get('etag'), /^"[0-9a-f]{32}"$/);
  assert.equal((await anon.get(`/api/public/items/${codes.repair}`)).json.status, 'repair');
  for (const hidden of [codes.intake, codes.retired, 'DEJ-99999', 'not a code', '%FF']) {
    const r = await anon.get(`/api/public/items/${encodeURIComponent(hidden)}`);
    assert.equal(r.status, 404, hidden);
    assert.equal(r.json.code, 'item_not_found');
  }
});

test("a branch's phone, e-mail and map position, as its manager sets them, are on its public answer and its items", async () => {
  const before = (await anon.get('/api/public/branches/forshaga')).json;
  assert.deepEqual([before.phone, before.email, before.latitude, before.longitude], [null, null, null, null]);
  const manager = await staffClient(server, db, { username: 'maja', role: 'manager', branch: 'forshaga' });
  const r = await manager.patch('/api/branches/forshaga', {
    phone: '054-87 12 00', email: 'forshaga@example.org', latitude: 59.5284, longitude: 13.4797, address: 'Torget 1, Forshaga',
  });
  assert.equal(r.status, 200, r.text);
  const after = (await anon.get('/api/public/branches/forshaga')).json;
  assert.deepEqual([after.phone, after.email, after.latitude, after.longitude, after.address],
    ['+4654871200', 'forshaga@example.org', 59.5284, 13.4797, 'Torget 1, Forshaga']);
  assert.deepEqual((await anon.get('/api/public/branches')).json.branches.find((b) => b.slug === 'forshaga'), after);
  assert.deepEqual((await anon.get(`/api/public/items/${codes.other}`)).json.branch, after, 'an item page shows the same');
  await manager.patch('/api/branches/forshaga', { phone: null, email: null, latitude: null, longitude: null, address: null });
  const cleared = (await anon.get('/api/public/branches/forshaga')).json;
  assert.deepEqual([cleared.phone, cleared.email, cleared.latitude, cleared.longitude], [null, null, null, null]);
});

test('the "Så lånar du" text: anyone reads it, network-wide admins write it in both languages', async () => {
  const first = await anon.get('/api/public/texts/how-to-borrow');
  assert.equal(first.status, 200);
  assert.match(first.json.sv, /14 dagar/);
  assert.match(first.json.en, /14 days/);
  assert.equal((await anon.get('/api/public/texts/nothing')).status, 404);

  const text = { sv: 'Gratis, 14 dagar.\n\n- Namn och mobilnummer\n- Lämna tillbaka rent', en: 'Free, 14 days.\n\n- Name and mobile number' };
  assert.equal((await vera.put('/api/texts/how-to-borrow', { json: text })).status, 403);
  assert.equal((await anon.put('/api/texts/how-to-borrow', { json: text })).status, 401);
  const local = await staffClient(server, db, { username: 'lokal', role: 'admin', branch: 'deje' });
  const bound = await local.put('/api/texts/how-to-borrow', { json: text });
  assert.equal(bound.status, 403);
  assert.equal(bound.json.code, 'network_only');
  const admin = await staffClient(server, db, { username: 'natalie', role: 'admin' });
  for (const [body, field] of [[{ sv: text.sv }, 'en'], [{ ...text, sv: '  ' }, 'sv'], [{ ...text, en: 'a\u0007b' }, 'en'],
    [{ ...text, sv: 'x'.repeat(8001) }, 'sv'], [{ ...text, html: '<b>' }, 'html']]) {
    const r = await admin.put('/api/texts/how-to-borrow', { json: body });
    assert.equal(r.status, 422, JSON.stringify(body).slice(0, 80));
    assert.deepEqual(r.json.errors.map((e) => e.field), [field]);
  }
  assert.equal((await anon.get('/api/public/texts/how-to-borrow')).json.sv, first.json.sv, 'nothing changed');
  const r = await admin.put('/api/texts/how-to-borrow', { json: text });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.key, r.json.sv, r.json.en], ['how-to-borrow', text.sv, text.en]);
  const now = await anon.get('/api/public/texts/how-to-borrow');
  assert.deepEqual([now.json.sv, now.json.en, now.json.updated_at], [text.sv, text.en, r.json.updated_at]);
  const audit = await db.query("SELECT details FROM audit_log WHERE action = 'site_text_updated'");
  assert.deepEqual(audit.rows.map((x) => x.details), [{ key: 'how-to-borrow' }]);
  assert.equal((await admin.put('/api/texts/nothing', { json: text })).status, 404);
});

test('public answers are gzip-compressed for a client that takes it, with the same ETag', async () => {
  const { request } = await import('node:http');
  const { gunzipSync } = await import('node:zlib');
  const raw = (p, headers) => new Promise((resolve, reject) => {
    request(server.url + p, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
  const p = '/api/public/branches';
  const plain = await raw(p, {});
  const gz = await raw(p, { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.vary, 'Accept-Encoding');
  assert.equal(gz.headers.etag, plain.headers.etag);
  assert.deepEqual(gunzipSync(gz.body), plain.body);
  assert.ok(gz.body.length * 3 < plain.body.length, `${gz.body.length} of ${plain.body.length} bytes`);
  const notModified = await raw(p, { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag });
  assert.equal(notModified.body.length, 0);
  // A short answer is not worth it.
  const short = await raw('/api/public/stats', { 'accept-encoding': 'gzip' });
  assert.equal(short.headers['content-encoding'], undefined);
  assert.ok(short.body.length < 1024);
});

test('ETag, 304 on If-None-Match, 30 s caching and open CORS on every public GET', async () => {
  for (const p of ['/api/public/items?branch=deje&q=skidor', '/api/public/branches', '/api/public/branches/deje',
    '/api/public/categories', '/api/public/stats', '/api/openapi.json']) {
    const r = await anon.get(p);
    assert.equal(r.status, 200, p);
    const etag = r.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{32}"$/, p);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=30', p);
    assert.equal(r.headers.get('access-control-allow-origin'), '*', p);
    const again = await anon.get(p, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304, p);
    assert.equal(again.text, '');
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(again.headers.get('access-control-allow-origin'), '*', p);
    const weak = await anon.get(p, { headers: { 'if-none-match': `"nope", W/${etag}` } });
    assert.equal(weak.status, 304, `${p} with a list`);
    const other = await anon.get(p, { headers: { 'if-none-match': '"0123"' } });
    assert.equal(other.status, 200, p);
  }
  // A change on the shelf is a new ETag.
  const earlier = await anon.get('/api/public/items?branch=deje');
  const r = await vera.post('/api/returns', { items: [codes.boots] });
  assert.equal(r.status, 200, r.text);
  const changed = await anon.get('/api/public/items?branch=deje', { headers: { 'if-none-match': earlier.headers.get('etag') } });
  assert.equal(changed.status, 200);
  assert.equal(changed.json.items.find((i) => i.code === codes.boots).status, 'available');
  const c = await vera.post('/api/checkouts', { borrower_id: borrowerId, items: [codes.boots] });
  assert.equal(c.status, 201, c.text);
});

test('OPTIONS answers a CORS preflight on the open routes only', async () => {
  const pre = await anon.request('OPTIONS', '/api/public/items?branch=deje', {
    headers: { origin: 'https://kommun.example', 'access-control-request-method': 'GET',
      'access-control-request-headers': 'if-none-match' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.text, '');
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, HEAD');
  assert.match(pre.headers.get('access-control-allow-headers'), /if-none-match/i);
  assert.equal(pre.headers.get('allow'), 'GET');
  // Staff routes stay closed to other origins: OPTIONS says what the path allows, nothing more.
  const staff = await anon.request('OPTIONS', '/api/items');
  assert.equal(staff.status, 204);
  assert.equal(staff.headers.get('access-control-allow-origin'), null);
  assert.match(staff.headers.get('allow'), /GET/);
  const unknown = await anon.request('OPTIONS', '/api/public/nothing');
  assert.equal(unknown.status, 404);
});


test('/api/openapi.json is a valid OpenAPI 3 document listing every public route', async () => {
  const r = await anon.get('/api/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const doc = r.json;
  assert.deepEqual(doc, JSON.parse(readFileSync(path.join(WEB_ROOT, 'openapi.json'), 'utf8')), 'the binary serves web/openapi.json');
  assertOpenApi(doc);
  // Every public route of the API is there, and nothing else.
  const routes = (await routeTable()).filter((x) => x.pattern.startsWith('/api/public/') || x.pattern === '/api/openapi.json');
  assert.equal(routes.length, 8);
  for (const x of routes) {
    assert.equal(x.access, 'public', x.pattern);
    assert.ok(doc.paths[x.pattern]?.[x.method.toLowerCase()], `${x.method} ${x.pattern} is not documented`);
  }
  assert.deepEqual(Object.keys(doc.paths).sort(), [...new Set(routes.map((x) => x.pattern))].sort());
});

/** Every public page and script of the public site and the widget. */
function publicFiles() {
  const files = ['/', '/widget.js', '/embed.html', '/public.css', '/openapi.json'];
  for (const f of readdirSync(path.join(WEB_ROOT, 'js', 'public'))) files.push(`/js/public/${f}`);
  return files;
}

test('no public answer or page names the borrower or their phone', async () => {
  const paths = new Set();
  for (const r of await routeTable()) {
    if (r.access !== 'public' || r.method !== 'GET') continue;
    for (const value of ['deje', codes.ski155b, codes.boots, String(borrowerId)]) paths.add(samplePath(r.pattern, value));
  }
  for (const qs of ['', 'branch=deje', 'branch=deje&available=false', `q=${encodeURIComponent(SECRET_NAME)}`,
    'q=Zebulon', `q=${encodeURIComponent(SECRET_PHONE)}`, 'branch=forshaga', 'per_page=100'])
    paths.add(`/api/public/items?${qs}`);
  for (const f of publicFiles()) paths.add(f);
  assert.ok(paths.size > 20);
  let seen = 0;
  for (const p of paths) {
    const r = await anon.get(p, { headers: { 'accept-encoding': 'identity' } });
    if (r.status === 200) seen++;
    const text = r.text + JSON.stringify([...r.headers]);
    for (const secret of [SECRET_NAME, 'Zebulon', 'Quxworthy', ...PHONE_FORMS])
      assert.ok(!text.includes(secret), `${p} shows ${secret}`);
  }
  assert.ok(seen >= 15, `only ${seen} answers were 200`);
  // The search for the name finds nothing (borrowers are not searched).
  const r = await anon.get(`/api/public/items?q=${encodeURIComponent('Quxworthy')}`);
  assert.equal(r.json.total, 0);
});
