// Impact factors as the factor page changes them (PATCH /api/categories/{id}) and as the report
// reads them: a change applies at once, to past periods too; a category without a factor uses its
// nearest ancestor's, and clearing its own goes back to that; only admins change factors, and a
// refused change changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, addStaff, addBranch, addItem, addBorrower, Client, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let ada; // admin
let nina; // manager
const PERIOD = 'from=2024-01-01&to=2024-12-31';

async function client(username) {
  const c = new Client(server.url);
  await c.login(username);
  return c;
}

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'alby', { opening_hours: OPEN_EVERY_DAY });
  await addStaff(db, { username: 'ada', role: 'admin' });
  await addStaff(db, { username: 'nina', role: 'manager' });
  ada = await client('ada');
  nina = await client('nina');
  // Loans in 2024: three downhill skis (112, with the RISE default of 29 kg), two cross-country
  // skis (111, no factor of its own), one tent (21).
  const who = await addBorrower(db, { branch: 'alby', name: 'Alva', phone: '+46705550001' });
  const lend = [[112, 3], [111, 2], [21, 1]];
  for (const [category, n] of lend) {
    for (let i = 0; i < n; i++) {
      const code = await addItem(db, 'alby', { category });
      await db.query(`WITH c AS (INSERT INTO checkouts (branch_id, borrower_id, created_at)
          VALUES (1, $2, timestamptz '2024-05-0${i + 1} 12:00 Europe/Stockholm') RETURNING id, created_at)
        INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref,
                           checked_out_at, due_date, returned_at)
        SELECT c.id, i.id, i.branch_id, i.category_id, $2, $2, c.created_at, date '2024-05-20', c.created_at + interval '5 days'
          FROM c, items i WHERE i.code = $1`, [code, who]);
    }
  }
});
after(async () => {
  await server?.stop();
  await db?.drop();
});

async function impact() {
  const s = await nina.get(`/api/stats/summary?${PERIOD}`);
  const c = await nina.get(`/api/stats/loans?${PERIOD}&group_by=category`);
  assert.equal(s.status, 200, s.text);
  assert.equal(c.status, 200, c.text);
  const byCategory = Object.fromEntries(c.json.rows.map((r) => [r.key, [r.co2e_kg, r.sek]]));
  return { co2e_kg: s.json.co2e_kg, sek: s.json.sek, byCategory };
}

test('the default names its source and counts: 29 kg CO2e per pair of downhill skis', async () => {
  const cats = (await nina.get('/api/categories')).json.categories;
  const skis = cats.find((c) => c.id === 112);
  assert.equal(skis.co2e_kg, 29);
  assert.match(skis.factor_source, /RISE 2020/);
  const now = await impact();
  assert.equal(now.co2e_kg, 3 * 29);
  assert.deepEqual(now.byCategory[112], [87, 0]);
  assert.deepEqual(now.byCategory[111], [0, 0]);
});

test('an admin sets a parent factor, a child inherits it, and clearing a child\'s own goes back to it', async () => {
  let r = await ada.patch('/api/categories/11', { co2e_kg: 10, sek: 500, factor_source: 'Egen uppskattning' });
  assert.equal(r.status, 200, r.text);
  let now = await impact();
  // 112 keeps its own kg (29) and inherits SEK from Skidor (11); 111 inherits both.
  assert.deepEqual(now.byCategory[112], [87, 1500]);
  assert.deepEqual(now.byCategory[111], [20, 1000]);
  assert.deepEqual(now.byCategory[21], [0, 0]);
  assert.equal(now.co2e_kg, 87 + 20);
  assert.equal(now.sek, 2500);

  r = await ada.patch('/api/categories/111', { co2e_kg: 2.5, sek: null, factor_source: 'Test' });
  assert.equal(r.status, 200, r.text);
  now = await impact();
  assert.deepEqual(now.byCategory[111], [5, 1000]);
  r = await ada.patch('/api/categories/111', { co2e_kg: null, sek: null, factor_source: null });
  assert.equal(r.status, 200, r.text);
  now = await impact();
  assert.deepEqual(now.byCategory[111], [20, 1000]);
});

test('managers may not change factors, and bad factors change nothing', async () => {
  const before = await impact();
  const r = await nina.patch('/api/categories/21', { co2e_kg: 50, factor_source: 'x' });
  assert.equal(r.status, 403);
  for (const body of [{ co2e_kg: -1 }, { sek: 100000000 }, { co2e_kg: 'tjugo' }, { factor_source: 'x'.repeat(301) }]) {
    const bad = await ada.patch('/api/categories/21', body);
    assert.equal(bad.status, 422, `${JSON.stringify(body)}: ${bad.text}`);
    assert.deepEqual(bad.json.errors.map((e) => e.field), Object.keys(body));
  }
  assert.deepEqual(await impact(), before);
  const { rows } = await db.query('SELECT co2e_kg, sek, factor_source FROM categories WHERE id = 21');
  assert.deepEqual(rows[0], { co2e_kg: null, sek: null, factor_source: null });
});
