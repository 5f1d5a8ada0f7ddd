// Erasure: on request (DELETE /api/borrowers/{id}) and automatically (hylla anonymize), a
// borrower's personal data leaves every table while every loan count stays exactly the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { freshDb, startHylla, addBranch, staffClient, addItem, BIN, OPEN_EVERY_DAY } from './lib.mjs';

/** Run the hylla command without writing to its standard input (it may exit before reading). */
function hylla(args) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return Promise.resolve({ code: r.status, stdout: r.stdout, stderr: r.stderr });
}

let db;
let server;
let vol;
let manager;

// The number PTS keeps for fiction, typed as a person would.
const PERSON = { name: 'Zacharias Ödmarksson', phone: '070-174 06 42', e164: '+46701740642',
  email: 'zacharias.odmarksson@example.se', birth_year: 1987, gender: 'man', card: 'ZX-ODMARK-1',
  notes: 'Zacharias vill låna kanot i juni' };

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'rade', { prefix: 'RAD', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'sund', { prefix: 'SUN', opening_hours: OPEN_EVERY_DAY });
  vol = await staffClient(server, db, { username: 'rade-vol', branch: 'rade' });
  manager = await staffClient(server, db, { username: 'rade-chef', role: 'manager', branch: 'rade' });
  let n = 0;
  for (const [category, name] of [[121, 'Hockeyskridskor'], [14, 'Hjälm'], [32, 'Kanot'], [121, 'Hockeyskridskor']]) {
    await addItem(db, 'rade', { code: `RAD-0000${++n}`, category, name });
  }
});
after(async () => {
  assert.doesNotMatch(server.log(), / 5\d\d [\d.]+ ms/, 'a request failed on the server');
  await server.stop();
  await db.drop();
});

/** Every loan count a report could show: per branch and category, loans and unique borrowers. */
async function totals() {
  const { rows } = await db.query(
    `SELECT branch_id, category_id, count(*)::int AS loans, count(DISTINCT borrower_ref)::int AS borrowers,
            count(returned_at)::int AS returned, sum(renewals)::int AS renewals
       FROM loans GROUP BY 1, 2 ORDER BY 1, 2`);
  return rows;
}

/** Rows of any table whose text (every column, whatever its type) contains needle. */
async function whereIs(needle) {
  const { rows: tables } = await db.query(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const found = [];
  for (const { table_name: t } of tables) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM public."${t}" x WHERE x::text ILIKE '%' || $1 || '%'`, [needle]);
    if (rows[0].n) found.push(`${t} (${rows[0].n})`);
  }
  // And column by column, as the issue asks, for text, varchar and jsonb columns.
  const { rows: columns } = await db.query(
    `SELECT table_name, column_name FROM information_schema.columns c
      WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json')
        AND EXISTS (SELECT 1 FROM information_schema.tables t WHERE t.table_schema = 'public'
                     AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE')`);
  for (const { table_name: t, column_name: col } of columns) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM public."${t}" WHERE "${col}"::text ILIKE '%' || $1 || '%'`, [needle]);
    if (rows[0].n) found.push(`${t}.${col} (${rows[0].n})`);
  }
  return found;
}

const NEEDLES = [PERSON.name, 'Zacharias', 'Ödmarksson', PERSON.phone, PERSON.e164, '701740642',
  PERSON.email, 'z.o@example.se', PERSON.card, 'glappar'];

test('erasure on request leaves no trace of the person and every count unchanged', async () => {
  const created = await vol.post('/api/borrowers', { ...PERSON, e164: undefined, accepted_terms: true });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  const other = await vol.post('/api/borrowers', { name: 'Kvarvarande Karl', phone: '070-174 06 50' });

  // A history: two checkouts (one with an idempotency key), a renewal, returns with notes
  // that name him, a block and an unblock.
  const one = await vol.post('/api/checkouts', { borrower_id: id, items: ['RAD-00001', 'RAD-00002'] },
    { headers: { 'idempotency-key': 'erase-me-1' } });
  assert.equal(one.status, 201);
  assert.equal((await vol.post(`/api/loans/${one.json.loans[0].id}/renew`)).status, 200);
  await vol.post('/api/returns', { items: ['RAD-00001'], condition_note: 'Zacharias sa att skenan glappar' });
  await vol.post('/api/checkouts', { borrower_id: other.json.id, items: ['RAD-00004'] });
  const two = await vol.post('/api/checkouts', { borrower_id: id, items: ['RAD-00003'] });
  assert.equal(two.status, 201);
  await vol.patch(`/api/borrowers/${id}`, { blocked: true, blocked_reason: 'Zacharias lämnade inte tillbaka kanoten' });
  await vol.patch(`/api/borrowers/${id}`, { blocked: false, email: 'z.o@example.se' });
  // The search must be able to find what it looks for (the typed forms are never stored).
  for (const needle of [PERSON.name, PERSON.e164, PERSON.card, 'z.o@example.se', 'glappar']) {
    assert.notDeepEqual(await whereIs(needle), [], `${needle} was never stored`);
  }

  const refused = await manager.delete(`/api/borrowers/${id}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.json.code, 'borrower_has_open_loans');
  assert.equal((await vol.get(`/api/borrowers/${id}`)).status, 200);

  await vol.post('/api/returns', { items: ['RAD-00002', { code: 'RAD-00003', condition_note: 'Ödmarksson: en spricka' }] });
  const before = await totals();
  assert.equal((await vol.delete(`/api/borrowers/${id}`)).status, 403, 'volunteers may not erase');

  const erased = await manager.delete(`/api/borrowers/${id}`);
  assert.equal(erased.status, 204);
  assert.equal((await manager.get(`/api/borrowers/${id}`)).status, 404);
  assert.equal((await manager.delete(`/api/borrowers/${id}`)).status, 404);

  for (const needle of NEEDLES) assert.deepEqual(await whereIs(needle), [], `${needle} is still stored`);
  assert.deepEqual(await totals(), before);
  const { rows: loans } = await db.query(
    'SELECT borrower_id, return_note FROM loans WHERE borrower_ref = $1', [id]);
  assert.equal(loans.length, 3);
  for (const l of loans) assert.deepEqual(l, { borrower_id: null, return_note: null });
  const { rows: audit } = await db.query(
    "SELECT s.username FROM audit_log a JOIN staff s ON s.id = a.staff_id WHERE action = 'borrower_erased' AND object_id = $1", [id]);
  assert.deepEqual(audit, [{ username: 'rade-chef' }]);
  // The rest of the branch is untouched.
  const kept = await vol.get(`/api/borrowers/${other.json.id}`);
  assert.equal(kept.json.name, 'Kvarvarande Karl');
  assert.equal(kept.json.open_loans.length, 1);
  const returned = await vol.get('/api/loans?status=returned');
  assert.ok(returned.json.loans.some((l) => l.borrower === null), 'erased loans still list, nameless');
});

test('hylla anonymize erases borrowers inactive for N months, and statistics stay the same', async () => {
  const make = async (name, phone) => (await vol.post('/api/borrowers', { name, phone })).json.id;
  const old = await make('Gammal Gustav', '070-174 06 60');
  const oldButLending = await make('Gammal Greta', '070-174 06 61');
  const recent = await make('Färsk Filip', '070-174 06 62');
  await addItem(db, 'rade', { code: 'RAD-00010' });
  await addItem(db, 'rade', { code: 'RAD-00011' });
  await vol.post('/api/checkouts', { borrower_id: old, items: ['RAD-00010'] });
  await vol.post('/api/returns', { items: ['RAD-00010'], condition_note: 'Gustav var nöjd' });
  await vol.post('/api/checkouts', { borrower_id: oldButLending, items: ['RAD-00011'] });
  await db.query("UPDATE borrowers SET last_activity_at = now() - interval '25 months' WHERE id = ANY($1)",
    [[old, oldButLending]]);
  await db.query("UPDATE borrowers SET last_activity_at = now() - interval '23 months' WHERE id = $1", [recent]);
  const before = await totals();
  const { rows: [{ n: people }] } = await db.query('SELECT count(*)::int AS n FROM borrowers');

  const dry = await hylla(['anonymize', '--dry-run', '--database', db.conninfo]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^1 borrower without activity for 24 months would be erased$/m);
  assert.equal((await db.query('SELECT count(*)::int AS n FROM borrowers')).rows[0].n, people);

  const longer = await hylla(['anonymize', '--months', '26', '--database', db.conninfo]);
  assert.match(longer.stdout, /erased 0 borrowers/);

  const run = await hylla(['anonymize', '--database', db.conninfo]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /erased 1 borrower without activity for 24 months/);
  const { rows } = await db.query('SELECT id FROM borrowers WHERE id = ANY($1) ORDER BY id', [[old, oldButLending, recent]]);
  assert.deepEqual(rows.map((r) => Number(r.id)), [oldButLending, recent]);
  for (const needle of ['Gustav', '+46701740660']) assert.deepEqual(await whereIs(needle), [], needle);
  assert.deepEqual(await totals(), before);
  const { rows: audit } = await db.query(
    "SELECT staff_id, details FROM audit_log WHERE action = 'borrower_erased' AND object_id = $1", [old]);
  assert.deepEqual(audit, [{ staff_id: null, details: { via: 'anonymize' } }]);

  const again = await hylla(['anonymize', '--database', db.conninfo]);
  assert.match(again.stdout, /erased 0 borrowers/);
  const bad = await hylla(['anonymize', '--months', '0', '--database', db.conninfo]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--months must be a number from 1 to 600/);
  const help = await hylla(['anonymize', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: hylla anonymize/);
});

test('hylla anonymize keeps a guardian while a child is active, then erases the household', async () => {
  const mother = (await vol.post('/api/borrowers', { name: 'Mamma Maj', phone: '070-174 06 70' })).json.id;
  const child = (await vol.post('/api/borrowers', { name: 'Barnet Bo', birth_year: 2016, guardian_id: mother })).json.id;
  assert.ok(mother && child);
  await db.query("UPDATE borrowers SET last_activity_at = now() - interval '30 months' WHERE id = $1", [mother]);
  await db.query("UPDATE borrowers SET last_activity_at = now() - interval '3 months' WHERE id = $1", [child]);
  const dry = await hylla(['anonymize', '--dry-run', '--database', db.conninfo]);
  assert.match(dry.stdout, /^0 borrowers without activity/m, 'the guardian stays while the child borrows');
  assert.match((await hylla(['anonymize', '--database', db.conninfo])).stdout, /erased 0 borrowers/);

  await db.query("UPDATE borrowers SET last_activity_at = now() - interval '25 months' WHERE id = $1", [child]);
  const run = await hylla(['anonymize', '--database', db.conninfo]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /erased 2 borrowers/);
  assert.equal((await db.query('SELECT count(*)::int AS n FROM borrowers WHERE id = ANY($1)', [[mother, child]])).rows[0].n, 0);
  const { rows } = await db.query(
    "SELECT object_id FROM audit_log WHERE action = 'borrower_erased' AND object_id = ANY($1) ORDER BY id", [[mother, child]]);
  assert.deepEqual(rows.map((r) => Number(r.object_id)), [child, mother], 'the child goes first');
});
