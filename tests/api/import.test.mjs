// CSV import and export: all or nothing with every bad line named, comma or semicolon, with or
// without a byte order mark, by the API and by `hylla import items`; and an export imports back
// into an empty branch as the same items.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freshDb, startHylla, staffClient, addBranch, addItem, hylla, pgConfig } from './lib.mjs';

let db;
let server;
let manager;
let dir;
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'deje', { prefix: 'DEJ' });
  await addBranch(db, 'forshaga', { prefix: 'FOR' });
  manager = await staffClient(server, db, { username: 'maja', role: 'manager', branch: 'deje' });
  dir = mkdtempSync(path.join(tmpdir(), 'hylla-import-'));
});
after(async () => {
  await server.stop();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

const csv = (text) => ({ body: text, headers: { 'content-type': 'text/csv; charset=utf-8' } });
const importInto = (client, branch, text, extra = '') =>
  client.request('POST', `/api/items/import?branch=${branch}${extra}`, csv(text));
const itemsOf = async (slug) => (await db.query(
  `SELECT i.code, i.category_id, i.name, i.brand, i.size_kind, i.size_num::text, i.size_text, i.condition,
          i.status, i.retired_reason, i.donated_on::text, i.notes
     FROM items i JOIN branches b ON b.id = i.branch_id WHERE b.slug = $1 ORDER BY i.code`, [slug])).rows;

const BAD = [
  'category;name;brand;size_kind;size_value',
  'Längdskidor;Längdskidor;Fischer;length_cm;160',
  'Skidor av okänt slag;Telemarkskidor;;length_cm;180',
  '123;Skridskor;Bauer;shoe_eu;38,5',
  'Hjälmar;Skidhjälm;POC;head_cm;56',
].join('\r\n');

test('one bad row imports nothing and names its line', async () => {
  const r = await importInto(manager, 'deje', BAD);
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.code, 'import_failed');
  assert.deepEqual(r.json.errors, [{ line: 3, message: 'unknown category "Skidor av okänt slag"' }]);
  assert.deepEqual(await itemsOf('deje'), []);
  assert.equal((await db.query("SELECT next_item_no FROM branches WHERE slug = 'deje'")).rows[0].next_item_no, 1);
});

test('every bad line is listed, line 1 being the header', async () => {
  const r = await importInto(manager, 'deje', [
    'code,category,name,size_kind,size_value,status,donated_on',
    'X-1,111,Skidor,length_cm,160,available,2026-01-01',
    ',111,,length_cm,lång,,',
    ',Okänd,Pulka,,,,2026-13-01',
    'X-1,111,Dubblett,,,,',
    ',111,Pensionerad,,,retired,',
  ].join('\n'));
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors, [
    { line: 3, message: 'name is empty' },
    { line: 3, message: 'size_value "lång": the size must be a number' },
    { line: 4, message: 'donated_on "2026-13-01" is not a date written YYYY-MM-DD' },
    { line: 5, message: 'code X-1 is also on line 2' },
    { line: 6, message: 'a retired item needs a retired_reason' },
  ]);
  const header = await importInto(manager, 'deje', 'namn;kategori\nSkidor;111\n');
  assert.equal(header.status, 422);
  assert.equal(header.json.errors[0].line, 1);
  assert.deepEqual(await itemsOf('deje'), []);
});

test('the fixed file imports every row, with new codes', async () => {
  const fixed = BAD.replace('Skidor av okänt slag', '11').replace('123;', '12;');
  const r = await importInto(manager, 'deje', `\uFEFF${fixed}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { imported: 4, dry_run: false, notices: [] });
  const items = await itemsOf('deje');
  assert.deepEqual(items.map((i) => [i.code, i.category_id, i.name, i.size_kind, i.size_num]), [
    ['DEJ-00001', 111, 'Längdskidor', 'length_cm', '160.00'],
    ['DEJ-00002', 11, 'Telemarkskidor', 'length_cm', '180.00'],
    ['DEJ-00003', 12, 'Skridskor', 'shoe_eu', '38.50'],
    ['DEJ-00004', 14, 'Skidhjälm', 'head_cm', '56.00'],
  ]);
  assert.ok(items.every((i) => i.status === 'available' && i.condition === 'good'));
  const audit = await db.query("SELECT details FROM audit_log WHERE action = 'items_imported'");
  assert.deepEqual(audit.rows.map((a) => a.details), [{ count: 4 }]);
});

test('a dry run checks and adds nothing; the wrong content type is 415', async () => {
  const r = await importInto(manager, 'deje', 'name,category\nPulka,15\n', '&dry_run=true');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { imported: 1, dry_run: true, notices: [] });
  assert.equal((await itemsOf('deje')).length, 4);
  // A yes-or-no argument is true or false: anything else is refused, not taken for a real import.
  for (const word of ['yes', '1', 'TRUE', 'on']) {
    const odd = await importInto(manager, 'deje', 'name,category\nPulka,15\n', `&dry_run=${word}`);
    assert.equal(odd.status, 400, `dry_run=${word}: ${odd.text}`);
    assert.equal(odd.json.code, 'invalid_query');
    assert.match(odd.json.detail, /dry_run is true or false/);
  }
  assert.equal((await itemsOf('deje')).length, 4);
  const json = await manager.request('POST', '/api/items/import?branch=deje', { body: 'name,category\nPulka,15\n', headers: { 'content-type': 'application/json' } });
  assert.equal(json.status, 415);
});

test('only managers import, and branch-bound ones only into their branch', async () => {
  const volunteer = await staffClient(server, db, { username: 'vera', role: 'volunteer', branch: 'deje' });
  assert.equal((await importInto(volunteer, 'deje', 'name,category\nPulka,15\n')).status, 403);
  const other = await importInto(manager, 'forshaga', 'name,category\nPulka,15\n');
  assert.equal(other.status, 403);
  assert.equal((await importInto(manager, 'nowhere', 'name,category\nPulka,15\n')).status, 400);
  assert.deepEqual(await itemsOf('forshaga'), []);
});

test('export writes UTF-8 with a BOM, semicolons, and every column', async () => {
  await db.query("UPDATE items SET notes = E'Rad ett; \"citat\"\\nRad två', brand = '=HYPERLINK(\"x\")' WHERE code = 'DEJ-00001'");
  await db.query("UPDATE items SET status = 'retired', retired_reason = 'Sprucken' WHERE code = 'DEJ-00004'");
  const r = await manager.get('/api/items.csv?branch=deje');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(r.headers.get('content-disposition'), /attachment; filename="hylla-items-deje\.csv"/);
  assert.deepEqual([...r.bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF]);
  const lines = r.text.slice(1).split('\r\n');
  assert.equal(lines[0], 'code;category;name;brand;size_kind;size_value;condition;status;retired_reason;donated_on;notes');
  const skis = lines.find((l) => l.startsWith('DEJ-00001'));
  assert.match(skis, /^DEJ-00001;Längdskidor;Längdskidor;"'=HYPERLINK\(""x""\)";length_cm;160;good;available;;\d{4}-\d\d-\d\d;"Rad ett; ""citat""\nRad två"$/);
  assert.ok(lines.some((l) => /^DEJ-00003;Skridskor;Skridskor;Bauer;shoe_eu;38\.5;/.test(l)));
  assert.ok(lines.some((l) => /;retired;Sprucken;/.test(l)));
});

test('export then import into an empty branch gives the same items', async () => {
  await addItem(db, 'deje', { name: 'Tält', category: 21, sizeKind: 'other', sizeText: '2 personer', condition: 'worn' });
  await addItem(db, 'deje', { name: 'Flytväst', category: 31, sizeKind: 'clothing', sizeText: '10–20 kg', status: 'repair' });
  await addItem(db, 'deje', { name: 'Stormkök', category: 25, status: 'intake' });
  const exported = await manager.get('/api/items.csv?branch=deje');

  // Another installation: codes are unique in a network, so the same codes go to a new one.
  const db2 = await freshDb();
  const server2 = await startHylla({ database: db2.conninfo });
  try {
    await addBranch(db2, 'deje2', { prefix: 'DJ2' });
    const admin2 = await staffClient(server2, db2, { username: 'ada', role: 'admin' });
    const r = await importInto(admin2, 'deje2', exported.text);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, (await itemsOf('deje')).length);
    const again = await admin2.get('/api/items.csv?branch=deje2');
    assert.equal(again.text, exported.text, 'the export of the new branch is the same file');
    const rows = (await db2.query(
      `SELECT i.code, i.category_id, i.name, i.brand, i.size_kind, i.size_num::text, i.size_text, i.condition,
              i.status, i.retired_reason, i.donated_on::text, i.notes FROM items i ORDER BY i.code`)).rows;
    assert.deepEqual(rows, await itemsOf('deje'));
    // The branch's own numbering goes on after imported codes of its prefix, and skips others'.
    const next = await admin2.post('/api/items', { branch: 'deje2', category: 111, name: 'Ny', size: { kind: 'length_cm', value: 150 } });
    assert.equal(next.json.code, 'DJ2-00001');
  } finally {
    await server2.stop();
    await db2.drop();
  }
});

test('an item on loan is imported as available, with a notice', async () => {
  const r = await importInto(manager, 'deje', 'code;category;name;status\nLN-1;111;Utlånad;on_loan\n');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.notices, [{ line: 2, message: 'status on_loan was read as available: loans are not imported' }]);
  assert.equal((await db.query("SELECT status FROM items WHERE code = 'LN-1'")).rows[0].status, 'available');
});

test('hylla import items: the same rules from the command line', async () => {
  const file = path.join(dir, 'items.csv');
  writeFileSync(file, 'category,name,size_kind,size_value\n41,Fotboll,other,storlek 5\nNope,Boll,,\n');
  const bad = await hylla(['import', 'items', file, '--branch', 'forshaga', '--database', db.conninfo]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /items\.csv: line 3: unknown category "Nope"/);
  assert.match(bad.stderr, /nothing was imported/);
  assert.deepEqual(await itemsOf('forshaga'), []);

  writeFileSync(file, '\uFEFFcategory;name;size_kind;size_value\r\n41;Fotboll;other;storlek 5\r\nBollar;Boll;;\r\n');
  const dry = await hylla(['import', 'items', file, '--branch', 'forshaga', '--dry-run', '--database', db.conninfo]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /dry run: 2 items would be imported into forshaga/);
  assert.deepEqual(await itemsOf('forshaga'), []);
  const ok = await hylla(['import', 'items', file, '--branch', 'forshaga', '--database', db.conninfo]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /imported 2 items into forshaga/);
  assert.deepEqual((await itemsOf('forshaga')).map((i) => [i.code, i.name, i.size_text]),
    [['FOR-00001', 'Fotboll', 'storlek 5'], ['FOR-00002', 'Boll', null]]);
  const audit = await db.query("SELECT staff_id FROM audit_log WHERE action = 'items_imported' ORDER BY id DESC LIMIT 1");
  assert.equal(audit.rows[0].staff_id, null);

  const stdin = await hylla(['import', 'items', '-', '--branch', 'forshaga', '--database', db.conninfo], { input: 'name,category\nKlubba,43\n' });
  assert.equal(stdin.code, 0, stdin.stderr);
  const nobranch = await hylla(['import', 'items', file, '--branch', 'nowhere', '--database', db.conninfo]);
  assert.equal(nobranch.code, 1);
  assert.match(nobranch.stderr, /there is no branch "nowhere"/);
  assert.equal((await hylla(['import', 'items', file])).code, 2);
  assert.equal((await hylla(['import', 'items', path.join(dir, 'missing.csv'), '--branch', 'forshaga', '--database', db.conninfo])).code, 1);
});

// The largest file one import takes: 10,000 rows of two categories, one of them by name.
const BIG = ['category;name;size_kind;size_value',
  ...Array.from({ length: 10000 }, (_, i) => (i % 2 ? `Längdskidor;Skidor ${i};length_cm;${150 + (i % 50)}` : `25;Stormkök ${i};;`)),
].join('\n');
const nextNumber = async (slug) =>
  (await db.query('SELECT next_item_no FROM branches WHERE slug = $1', [slug])).rows[0].next_item_no;
const itemCount = async (slug) =>
  Number((await db.query('SELECT count(*) FROM items i JOIN branches b ON b.id = i.branch_id WHERE b.slug = $1', [slug])).rows[0].count);
// Only a guard against hanging: it fails a test that would otherwise wait forever.
const within = (promise, ms, what) => Promise.race([promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms).unref())]);

test('a dry run of 10,000 rows adds nothing and never waits for the branch\'s numbering', async () => {
  await addBranch(db, 'ransater', { prefix: 'RAN' });
  const rut = await staffClient(server, db, { username: 'rut', role: 'manager', branch: 'ransater' });
  const before = await nextNumber('ransater');
  // Another transaction holds the branch's row (as an intake or an import does while it takes
  // numbers): a dry run that took numbers would wait for it.
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query("SELECT next_item_no FROM branches WHERE slug = 'ransater' FOR UPDATE");
    const r = await within(importInto(rut, 'ransater', BIG, '&dry_run=true'), 60000, 'the dry run');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { imported: 10000, dry_run: true, notices: [] });
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
  assert.equal(await itemCount('ransater'), 0);
  assert.equal(await nextNumber('ransater'), before);

  // An intake at the branch while a dry run of the same size runs answers before it ends.
  const t0 = Date.now();
  let importEnded = 0;
  const dry = importInto(rut, 'ransater', BIG, '&dry_run=true').then((r) => { importEnded = Date.now(); return r; });
  const intake = await rut.post('/api/items', { branch: 'ransater', category: 111, name: 'Under importen', size: { kind: 'length_cm', value: 170 } });
  const intakeEnded = Date.now();
  assert.equal(intake.status, 201, intake.text);
  assert.equal(intake.json.code, 'RAN-00001');
  assert.equal((await dry).status, 200);
  assert.ok(!importEnded || importEnded >= intakeEnded || intakeEnded - t0 < 1000,
    `the intake took ${intakeEnded - t0} ms and ended after the import`);
  console.log(`# intake during a 10,000-row dry run: ${intakeEnded - t0} ms; the dry run: ${importEnded - t0} ms`);
  assert.equal(await itemCount('ransater'), 1);
});

test('a real import of 10,000 rows gets 10,000 consecutive codes, numbers taken in one step', async () => {
  const rut = await staffClient(server, db, { username: 'rut2', role: 'manager', branch: 'ransater' });
  const started = Date.now();
  const r = await importInto(rut, 'ransater', BIG);
  const ms = Date.now() - started;
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { imported: 10000, dry_run: false, notices: [] });
  console.log(`# a real import of 10,000 rows took ${ms} ms`);
  const codes = (await db.query(
    `SELECT i.code, i.name FROM items i JOIN branches b ON b.id = i.branch_id
      WHERE b.slug = 'ransater' AND i.name <> 'Under importen' ORDER BY i.id`)).rows;
  assert.equal(codes.length, 10000);
  // In the file's order, RAN-00002 (after the intake's RAN-00001) to RAN-10001.
  codes.forEach((row, i) => assert.equal(row.code, `RAN-${String(i + 2).padStart(5, '0')}`));
  assert.equal(codes[1].name, 'Skidor 1');
  assert.equal(await nextNumber('ransater'), 10002);
  const audit = await db.query("SELECT details FROM audit_log WHERE action = 'items_imported' ORDER BY id DESC LIMIT 1");
  assert.deepEqual(audit.rows[0].details, { count: 10000 });
});

test('new codes step around codes used elsewhere and the numbers the file gives', async () => {
  // RAN-10003 is another branch's item already (codes are unique in the network).
  await addItem(db, 'forshaga', { code: 'RAN-10003', name: 'Lånad kod' });
  const rut = await staffClient(server, db, { username: 'rut3', role: 'manager', branch: 'ransater' });
  const codeOf = async (name) => (await db.query('SELECT code FROM items WHERE name = $1', [name])).rows[0]?.code;
  const r = await importInto(rut, 'ransater', 'category;name\n25;A\n25;C\n');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([await codeOf('A'), await codeOf('C')], ['RAN-10002', 'RAN-10004']);
  assert.equal(await nextNumber('ransater'), 10005);
  // A code of the branch's own prefix in the file: new codes continue after it.
  const given = await importInto(rut, 'ransater', 'code;category;name\n;25;D\nRAN-10009;25;B\n');
  assert.equal(given.status, 200, given.text);
  assert.deepEqual([await codeOf('B'), await codeOf('D')], ['RAN-10009', 'RAN-10010']);
  // A given code that is taken is a problem of its line, and nothing is added.
  const taken = await importInto(rut, 'ransater', 'code;category;name\n;25;E\nRAN-10003;25;F\n');
  assert.equal(taken.status, 422);
  assert.deepEqual(taken.json.errors, [{ line: 3, message: 'code RAN-10003 is already used by another item' }]);
  assert.equal(await codeOf('E'), undefined);
  assert.equal(await nextNumber('ransater'), 10011);
});
