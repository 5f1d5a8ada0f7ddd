// Labels: an item's label and a borrower's card as SVG of the format's physical size, the record
// of printed labels (all or nothing, own branch only), the label screen's item filters, each
// branch's remembered printers, new card codes, and a scanned card finding its borrower first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, staffClient, addBranch, addItem, addBorrower, stockholmDate } from './lib.mjs';

let db;
let server;
let deje; // a volunteer of Deje
let fors; // a volunteer of Forshaga
let anna; // network-wide manager
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'deje', { prefix: 'DEJ', name: 'Fritidsbanken Deje' });
  await addBranch(db, 'forshaga', { prefix: 'FOR' });
  deje = await staffClient(server, db, { username: 'dora', role: 'volunteer', branch: 'deje' });
  fors = await staffClient(server, db, { username: 'frida', role: 'volunteer', branch: 'forshaga' });
  anna = await staffClient(server, db, { username: 'anna', role: 'manager' });
});
after(async () => {
  await server.stop();
  await db.drop();
});

const printedCodes = async () => (await db.query(
  'SELECT code FROM items WHERE label_printed_at IS NOT NULL ORDER BY code')).rows.map((r) => r.code);

/** The width and height attributes of an SVG answer, in mm. */
function sizeOf(svg) {
  const m = /<svg [^>]*width="([\d.]+)mm" height="([\d.]+)mm" viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  assert.ok(m, svg.slice(0, 300));
  assert.equal(m[1], m[3]);
  assert.equal(m[2], m[4]);
  return [Number(m[1]), Number(m[2])];
}

test('an item label is an SVG of its branch format, with the code, name, size and branch in text', async () => {
  const code = await addItem(db, 'deje', { name: 'Skor <Ö> & co', sizeKind: 'length_cm', sizeNum: 172.5 });
  const r = await fors.get(`/api/items/${code.toLowerCase()}/label.svg`); // any branch's staff, any case
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'image/svg+xml');
  assert.match(r.headers.get('cache-control'), /private/);
  assert.deepEqual(sizeOf(r.text), [70, 37]); // the default format, a4-3x8
  assert.match(r.text, new RegExp(`>${code}</text>`));
  assert.match(r.text, />Skor &lt;Ö&gt; &amp; co</);
  assert.match(r.text, />172,5 cm</);
  assert.match(r.text, />Fritidsbanken Deje</);
  assert.equal((r.text.match(/<path /g) || []).length, 2, 'a Code 128 and a QR code');

  const sizes = { 'a4-3x8': [70, 37], 'a4-3x7': [70, 42.3], 'roll-62': [62, 40], 'roll-29x90': [90, 29] };
  for (const [format, wh] of Object.entries(sizes)) {
    const f = await deje.get(`/api/items/${code}/label.svg?format=${format}`);
    assert.equal(f.status, 200, f.text);
    assert.deepEqual(sizeOf(f.text), wh, format);
  }
  const bad = await deje.get(`/api/items/${code}/label.svg?format=a5`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.code, 'invalid_query');
  const none = await deje.get('/api/items/NOPE-1/label.svg');
  assert.equal(none.status, 404);
  assert.equal(none.json.code, 'item_not_found');
});

test('a long name is cut with an ellipsis; sizes are said the Swedish way', async () => {
  const long = 'Längdskidor för klassisk stil med stighudar och bindningar av modell NNN';
  const code = await addItem(db, 'deje', { name: long, sizeKind: 'shoe_eu', sizeNum: 38 });
  const r = await deje.get(`/api/items/${code}/label.svg`);
  const name = />(Längdskidor[^<]*)</.exec(r.text)[1];
  assert.ok(name.length < long.length && name.endsWith('…'), name);
  assert.ok(long.startsWith(name.slice(0, -1)));
  assert.match(r.text, />stl 38</);
});

test('labels printed: recorded for exactly the confirmed items, all or none, own branch only', async () => {
  await db.query('UPDATE items SET label_printed_at = NULL');
  const codes = [];
  for (let i = 0; i < 5; i++) codes.push(await addItem(db, 'deje', { name: `Hjälm ${i}` }));
  const southern = await addItem(db, 'forshaga', { name: 'Pulka' });

  // Nothing is recorded before the volunteer confirms: only the confirmation marks.
  assert.deepEqual(await printedCodes(), []);
  const ok = await deje.post('/api/labels/printed', { items: [codes[1], codes[3].toLowerCase()] });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json, { printed: [codes[1], codes[3]] });
  assert.deepEqual(await printedCodes(), [codes[1], codes[3]]);
  const item = await deje.get(`/api/items/${codes[1]}`);
  assert.match(item.json.label_printed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal((await deje.get(`/api/items/${codes[0]}`)).json.label_printed_at, null);

  // "Not yet printed" lists exactly the others, in code order.
  const unprinted = await deje.get('/api/items?branch=deje&label=unprinted&sort=code&per_page=200');
  assert.equal(unprinted.status, 200, unprinted.text);
  const all = (await db.query(
    "SELECT code FROM items i JOIN branches b ON b.id = i.branch_id WHERE b.slug = 'deje' ORDER BY code COLLATE \"C\"")).rows
    .map((r) => r.code);
  assert.deepEqual(unprinted.json.items.map((i) => i.code), all.filter((c) => c !== codes[1] && c !== codes[3]));

  // A code nobody has: 422 naming it, and nothing changes.
  const unknown = await deje.post('/api/labels/printed', { items: [codes[0], 'DEJ-99999'] });
  assert.equal(unknown.status, 422, unknown.text);
  assert.deepEqual(unknown.json.errors.map((e) => [e.item, e.code]), [['DEJ-99999', 'unknown_item']]);
  // Another branch's item: 403, and nothing changes.
  const other = await deje.post('/api/labels/printed', { items: [codes[0], southern] });
  assert.equal(other.status, 403, other.text);
  assert.equal(other.json.code, 'other_branch');
  assert.deepEqual(other.json.errors.map((e) => e.item), [southern]);
  for (const body of [{ items: [] }, { items: [codes[0], codes[0]] }, { items: 'x' }, {}, { items: [codes[0]], x: 1 }]) {
    const bad = await deje.post('/api/labels/printed', body);
    assert.equal(bad.status, 422, JSON.stringify(body));
  }
  assert.deepEqual(await printedCodes(), [codes[1], codes[3]]);
  // Network-wide staff confirm any branch's labels.
  assert.equal((await anna.post('/api/labels/printed', { items: [southern] })).status, 200);
  assert.deepEqual(await printedCodes(), [codes[1], codes[3], southern].sort());
});

test('the label screen filters: taken in since a day, a range of codes, by code', async () => {
  const today = await stockholmDate(db);
  const tomorrow = await stockholmDate(db, 1);
  const old = await addItem(db, 'deje', { code: 'DEJ-00500', name: 'Gammal' });
  await db.query("UPDATE items SET created_at = now() - interval '3 days' WHERE code = $1", [old]);
  const fresh = await addItem(db, 'deje', { code: 'DEJ-00501', name: 'Ny' });
  const since = await deje.get(`/api/items?branch=deje&since=${today}&per_page=200`);
  assert.equal(since.status, 200, since.text);
  const got = since.json.items.map((i) => i.code);
  assert.ok(got.includes(fresh) && !got.includes(old), got.join());
  assert.equal((await deje.get(`/api/items?branch=deje&since=${tomorrow}`)).json.total, 0);

  await addItem(db, 'deje', { code: 'DEJ-00502', name: 'A' });
  await addItem(db, 'deje', { code: 'DEJ-00503', name: 'B' });
  const range = await deje.get('/api/items?branch=deje&code_from=dej-00501&code_to=DEJ-00503&sort=code');
  assert.deepEqual(range.json.items.map((i) => i.code), ['DEJ-00501', 'DEJ-00502', 'DEJ-00503']);
  const byName = await deje.get('/api/items?branch=deje&code_from=DEJ-00500&code_to=DEJ-00503');
  assert.deepEqual(byName.json.items.map((i) => i.name), ['A', 'B', 'Gammal', 'Ny']);

  for (const q of ['since=2025-02-30', 'since=igår', 'label=printed', 'sort=name', 'code_from=%20', 'code_to=Å']) {
    const bad = await deje.get(`/api/items?${q}`);
    assert.equal(bad.status, 400, `${q}: ${bad.text}`);
  }
});

test('a branch remembers its label and receipt printers; its own staff choose them', async () => {
  const before = (await deje.get('/api/branches/deje')).json;
  assert.equal(before.label_format, 'a4-3x8');
  assert.equal(before.receipt_format, 'receipt-80');
  const r = await deje.patch('/api/branches/deje/printing', { label_format: 'roll-29x90' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { branch: 'deje', label_format: 'roll-29x90', receipt_format: 'receipt-80' });
  const r2 = await deje.patch('/api/branches/deje/printing', { receipt_format: 'a6' });
  assert.deepEqual(r2.json, { branch: 'deje', label_format: 'roll-29x90', receipt_format: 'a6' });
  const { rows } = await db.query("SELECT label_format, receipt_format FROM branches WHERE slug = 'deje'");
  assert.deepEqual(rows[0], { label_format: 'roll-29x90', receipt_format: 'a6' });
  const listed = (await deje.get('/api/branches')).json.branches.find((b) => b.slug === 'deje');
  assert.equal(listed.label_format, 'roll-29x90');
  // A label without ?format= now comes in the branch's format.
  const code = await addItem(db, 'deje', { name: 'Rulle' });
  assert.deepEqual(sizeOf((await deje.get(`/api/items/${code}/label.svg`)).text), [90, 29]);
  const audit = await db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'branch_printing_changed'");
  assert.equal(audit.rows[0].n, 2);

  for (const body of [{ label_format: 'a5' }, { receipt_format: 'roll-62' }, { label_format: 3 }, { printer: 'x' }, {}]) {
    const bad = await deje.patch('/api/branches/deje/printing', body);
    assert.equal(bad.status, 422, JSON.stringify(body));
  }
  assert.equal((await fors.patch('/api/branches/deje/printing', { label_format: 'roll-62' })).status, 403);
  assert.equal((await anna.patch('/api/branches/nowhere/printing', { label_format: 'roll-62' })).status, 404);
  const after = await db.query("SELECT label_format, receipt_format FROM branches WHERE slug = 'deje'");
  assert.deepEqual(after.rows[0], { label_format: 'roll-29x90', receipt_format: 'a6' });
  await deje.patch('/api/branches/deje/printing', { label_format: 'a4-3x8', receipt_format: 'receipt-80' });
});

test('a borrower card: a new random code, printed with the branch; none without a card', async () => {
  const id = await addBorrower(db, { branch: 'deje', name: 'Kim Kortsson', phone: '+46701112233' });
  const none = await deje.get(`/api/borrowers/${id}/card.svg`);
  assert.equal(none.status, 409, none.text);
  assert.equal(none.json.code, 'borrower_has_no_card');

  const made = await deje.post(`/api/borrowers/${id}/card`);
  assert.equal(made.status, 200, made.text);
  assert.match(made.json.card, /^K\d{8}$/);
  const { rows } = await db.query('SELECT card FROM borrowers WHERE id = $1', [id]);
  assert.equal(rows[0].card, made.json.card);
  const again = await deje.post(`/api/borrowers/${id}/card`); // a lost card: a new code
  assert.notEqual(again.json.card, made.json.card);

  const card = await deje.get(`/api/borrowers/${id}/card.svg?format=roll-62`);
  assert.equal(card.status, 200, card.text);
  assert.deepEqual(sizeOf(card.text), [62, 40]);
  assert.match(card.text, new RegExp(`>${again.json.card}</text>`));
  assert.match(card.text, />Lånekort</);
  assert.match(card.text, />Fritidsbanken Deje</);
  assert.doesNotMatch(card.text, /Kim|Kortsson|701112233/, 'a card names nobody');

  await db.query("UPDATE borrowers SET card = 'KÖ-1' WHERE id = $1", [id]);
  const odd = await deje.get(`/api/borrowers/${id}/card.svg`);
  assert.equal(odd.status, 422, odd.text);
  assert.equal(odd.json.code, 'card_not_printable');
  assert.equal((await deje.get('/api/borrowers/999999/card.svg')).status, 404);
  assert.equal((await deje.post('/api/borrowers/999999/card')).status, 404);
});

test('a scanned card finds its borrower first, however many phone numbers hold its digits', async () => {
  // 60 borrowers whose phones contain 1234567 (more than a page), named before the card holder.
  for (let i = 0; i < 60; i++)
    await addBorrower(db, { branch: 'deje', name: `Anna ${String(i).padStart(2, '0')}`, phone: `+467${String(i).padStart(2, '0')}1234567` });
  await addBorrower(db, { branch: 'deje', name: 'Östen Kortägare', phone: '+46709999999', card: '1234567' });
  const r = await deje.get('/api/borrowers?q=1234567');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.borrowers[0].name, 'Östen Kortägare');
  assert.equal(r.json.has_more, true);
});
