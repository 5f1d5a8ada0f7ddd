// A borrower's copy of their data (GDPR article 15): everything stored about them, checked against
// the database column by column, nothing about anyone else, and an audit entry without personal
// data. Tables added later that refer to borrowers are in it by themselves: the test adds one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, staffClient, addBranch, addItem, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let manager;
let volunteer;
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'north', { opening_hours: OPEN_EVERY_DAY });
  manager = await staffClient(server, db, { username: 'maja', role: 'manager', branch: 'north' });
  volunteer = await staffClient(server, db, { username: 'ville', role: 'volunteer', branch: 'north' });
});
after(async () => {
  await server.stop();
  await db.drop();
});

/** Register a borrower, lend them the items and return some, all through the API, as the desk does. */
async function borrowerWithLoans(body, lendCodes, returnCodes) {
  const b = await volunteer.post('/api/borrowers', body);
  assert.equal(b.status, 201, b.text);
  const out = await volunteer.post('/api/checkouts', { borrower_id: b.json.id, items: lendCodes });
  assert.equal(out.status, 201, out.text);
  if (returnCodes.length) {
    const back = await volunteer.post('/api/returns', { items: returnCodes.map((code) => ({ code, condition_note: `Noterat om ${body.name}` })) });
    assert.equal(back.status, 200, back.text);
  }
  return b.json.id;
}

test('the export holds every stored field about the borrower and nothing about anyone else', async () => {
  const codes = await Promise.all(['Längdskidor', 'Hjälm', 'Tält'].map((name) => addItem(db, 'north', { name })));
  const otherCodes = await Promise.all(['Skridskor', 'Kanot'].map((name) => addItem(db, 'north', { name })));
  const id = await borrowerWithLoans({ name: 'Signe Svensson', phone: '070-111 22 33', email: 'signe@example.se',
    birth_year: 1990, gender: 'kvinna', notes: 'Föredrar sms', accepted_terms: true },
  codes, codes.slice(0, 2));
  const other = await borrowerWithLoans({ name: 'Olof Olsson', phone: '070-444 55 66', email: 'olof@example.se' }, otherCodes, otherCodes.slice(0, 1));
  assert.equal((await volunteer.patch(`/api/borrowers/${id}`, { blocked: true, blocked_reason: 'Förlorad hjälm' })).status, 200);
  // A table that a later migration might add (messages, say): whatever refers to borrowers is exported.
  await db.query('CREATE TABLE messages_sent (id serial PRIMARY KEY, borrower_id bigint REFERENCES borrowers (id), body text, sent_at timestamptz DEFAULT now())');
  await db.query("INSERT INTO messages_sent (borrower_id, body) VALUES ($1, 'Påminnelse: lämna tillbaka tältet'), ($2, 'Olof, ditt lån')", [id, other]);

  const r = await manager.get(`/api/borrowers/${id}/export`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-disposition'), new RegExp(`attachment; filename="registerutdrag-${id}.json"`));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const doc = r.json;
  await db.query("SET TimeZone = 'Europe/Stockholm'"); // as hylla writes times

  // The borrower's row, every column of it.
  const row = (await db.query('SELECT to_jsonb(b) AS r FROM borrowers b WHERE id = $1', [id])).rows[0].r;
  assert.deepEqual(doc.borrower, row);
  assert.equal(doc.borrower.blocked, true);
  assert.equal(doc.borrower.blocked_reason, 'Förlorad hjälm');
  // Birth year and gender leave hylla in this export only: it is the borrower's own data.
  assert.deepEqual([doc.borrower.birth_year, doc.borrower.gender], [1990, 'kvinna']);
  assert.deepEqual(doc.branch, { slug: 'north', name: 'Fritidsbanken north' });
  // Every loan, every column, with its item.
  const loans = (await db.query('SELECT to_jsonb(l) AS r FROM loans l WHERE borrower_id = $1 ORDER BY checked_out_at, id', [id])).rows.map((x) => x.r);
  assert.equal(loans.length, 3);
  assert.deepEqual(doc.loans.map(({ item, ...l }) => l), loans);
  assert.deepEqual(doc.loans.map((l) => l.item.code).sort(), [...codes].sort());
  assert.ok(doc.loans.some((l) => l.return_note === 'Noterat om Signe Svensson'));
  // The checkout, the status changes of the items while they had them, what was done to the record.
  const checkouts = (await db.query('SELECT to_jsonb(c) AS r FROM checkouts c WHERE borrower_id = $1', [id])).rows.map((x) => x.r);
  assert.deepEqual(doc.checkouts, checkouts);
  assert.deepEqual(doc.item_status_changes.map((c) => `${c.item} ${c.from}>${c.to}`).sort(),
    [...codes.map((c) => `${c} available>on_loan`), ...codes.slice(0, 2).map((c) => `${c} on_loan>available`)].sort());
  assert.deepEqual(doc.record_events.map((e) => e.action), ['borrower_created', 'borrower_blocked']);
  assert.deepEqual(doc.messages_sent.map((m) => m.body), ['Påminnelse: lämna tillbaka tältet']);

  // Nothing about the other borrower: not their name, phone, e-mail, loans, items or messages.
  const text = JSON.stringify(doc);
  const otherLoans = (await db.query('SELECT id FROM loans WHERE borrower_id = $1', [other])).rows.map((x) => Number(x.id));
  for (const secret of ['Olof', '+46704445566', 'olof@example.se', ...otherCodes])
    assert.ok(!text.includes(secret), `the export names ${secret}`);
  assert.ok(doc.loans.every((l) => l.borrower_id === id && !otherLoans.includes(l.id)));
  assert.ok(doc.checkouts.every((c) => c.borrower_id === id));

  // Audit-logged: who asked and about whom, by id only.
  const audit = (await db.query("SELECT staff_id, object_type, object_id, details FROM audit_log WHERE action = 'borrower_exported'")).rows;
  assert.equal(audit.length, 1);
  assert.equal(audit[0].object_type, 'borrower');
  assert.equal(Number(audit[0].object_id), id);
  assert.deepEqual(audit[0].details, {});
  assert.equal((await db.query("SELECT count(*)::int AS n FROM audit_log WHERE details::text ~ 'Signe|Svensson|111 22|1112233'")).rows[0].n, 0);
});

test('volunteers may not export; an unknown borrower is 404 and nothing is logged', async () => {
  const { rows: [{ id }] } = await db.query('SELECT id FROM borrowers ORDER BY id LIMIT 1');
  const r = await volunteer.get(`/api/borrowers/${id}/export`);
  assert.equal(r.status, 403);
  assert.equal((await manager.get('/api/borrowers/99999999/export')).status, 404);
  assert.equal((await manager.get('/api/borrowers/abc/export')).status, 404);
  assert.equal((await db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'borrower_exported'")).rows[0].n, 1);
});
