// What the volunteer desk needs of the API beyond circulation's own tests: a return names the
// item it took back (the return screen shows it without a second request), and the overdue list
// carries each borrower's phone number, oldest due first, to staff of the branch only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshDb, startHylla, addBranch, staffClient, addItem, addBorrower, stockholmDate, OPEN_EVERY_DAY, Client,
} from './lib.mjs';

let db;
let server;
let vera; // volunteer of branch dala
let ebba; // volunteer of branch edsb

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'dala', { prefix: 'DAL', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'edsb', { prefix: 'EDS', opening_hours: OPEN_EVERY_DAY });
  vera = await staffClient(server, db, { username: 'vera', branch: 'dala' });
  ebba = await staffClient(server, db, { username: 'ebba', branch: 'edsb' });
});
after(async () => {
  assert.doesNotMatch(server.log(), / 5\d\d [\d.]+ ms/, 'a request failed on the server');
  await server.stop();
  await db.drop();
});

test('a return names the item it took back', async () => {
  await addItem(db, 'dala', { code: 'DAL-00001', category: 111, name: 'Längdskidor' });
  const b = await addBorrower(db, { branch: 'dala', name: 'Rut Retur', phone: '+46701000001' });
  assert.equal((await vera.post('/api/checkouts', { borrower_id: b, items: ['DAL-00001'] })).status, 201);
  const r = await vera.post('/api/returns', { items: ['dal-00001'] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.results[0].item, { code: 'DAL-00001', name: 'Längdskidor' });
  assert.deepEqual(r.json.results[0].borrower, { id: b, name: 'Rut Retur' });
});

test('the overdue list gives each borrower\'s phone, oldest due first, to the branch\'s staff only', async () => {
  const ids = [];
  for (const [i, late] of [[2, 3], [3, 10], [4, 1]]) {
    const code = `DAL-0000${i}`;
    await addItem(db, 'dala', { code, category: 111, name: 'Längdskidor' });
    const b = await addBorrower(db, { branch: 'dala', name: `Sen ${late}`, phone: `+4670100000${i}` });
    const out = await vera.post('/api/checkouts', { borrower_id: b, items: [code] });
    assert.equal(out.status, 201, out.text);
    await db.query("UPDATE loans SET checked_out_at = now() - interval '30 days', due_date = $2::date WHERE id = $1",
      [out.json.loans[0].id, await stockholmDate(db, -late)]);
    ids.push(b);
  }
  const r = await vera.get('/api/loans?status=overdue');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.loans.map((l) => [l.borrower.name, l.borrower.phone, l.overdue_days]),
    [['Sen 10', '+46701000003', 10], ['Sen 3', '+46701000002', 3], ['Sen 1', '+46701000004', 1]]);
  assert.deepEqual(r.json.loans.map((l) => l.borrower.id), [ids[1], ids[0], ids[2]]);

  // Another branch's volunteer sees none of them; without a session there is nothing at all.
  const other = await ebba.get('/api/loans?status=overdue');
  assert.equal(other.status, 200);
  assert.deepEqual(other.json.loans, []);
  const anonymous = await new Client(server.url).get('/api/loans?status=overdue');
  assert.equal(anonymous.status, 401);
  assert.doesNotMatch(anonymous.text, /\+4670/);
});
