// Statistics: random checkouts, returns, undos and erasures written straight into the tables (as
// the circulation code and imports do), then every figure of /api/stats/summary and
// /api/stats/loans checked against counts made directly over loans and items, for the network and
// each branch, over periods that cross DST changes, month ends and year ends. Plus who may ask,
// and what bad queries get.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, addStaff, addBranch, Client } from './lib.mjs';

let db;
let server;
const BRANCHES = ['alby', 'bjuv', 'cilla'];
const CATEGORIES = [111, 112, 113, 12, 21, 25, 31, 8];

// A small seeded generator, so a failure can be replayed (the seed is in the test name).
const SEED = 20240331;
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  for (const slug of BRANCHES) await addBranch(db, slug);
  await addStaff(db, { username: 'nina', role: 'manager' });
  await addStaff(db, { username: 'bo', role: 'manager', branch: 'alby' });
  await addStaff(db, { username: 'vera', role: 'volunteer' });
  await addStaff(db, { username: 'ada', role: 'admin' });
});
after(async () => {
  await server?.stop();
  await db?.drop();
});

async function client(username) {
  const c = new Client(server.url);
  await c.login(username);
  return c;
}

// --- the random history --------------------------------------------------------------------

// Moments that matter: both DST changes of 2024 (02:00-03:00 missing on 31 March, 02:00-03:00
// twice on 27 October) and the turns of the years, in Stockholm local time.
const SPECIAL = ['2023-12-31 23:30', '2024-01-01 00:15', '2024-03-30 23:45', '2024-03-31 00:30',
  '2024-03-31 03:10', '2024-10-26 23:50', '2024-10-27 00:20', '2024-10-27 02:30',
  '2024-10-27 03:30', '2024-12-31 23:55', '2025-01-01 00:05'];

async function makeHistory() {
  const random = rng(SEED);
  const pick = (list) => list[Math.floor(random() * list.length)];
  // The writer's session is in UTC on purpose: the rollups must not depend on it.
  await db.query("SET TimeZone = 'UTC'");
  await db.query(`INSERT INTO items (code, branch_id, category_id, name, status, donated_on)
    SELECT b.code_prefix || '-' || g, b.id, ($1::int[])[1 + (g * 7 + b.id) % $2], 'thing ' || g,
           'available', date '2023-09-01' + (g * 37 + b.id * 11) % 600
      FROM branches b, generate_series(1, 14) g ORDER BY b.id, g`, [CATEGORIES, CATEGORIES.length]);
  await db.query(`INSERT INTO borrowers (branch_id, name, phone)
    SELECT 1 + g % 3, 'Person ' || g, '+46701740' || lpad(g::text, 3, '0') FROM generate_series(1, 14) g`);
  await db.query("UPDATE categories SET co2e_kg = 5.5, sek = 100.25 WHERE id = 11");
  await db.query("UPDATE categories SET sek = 80 WHERE id = 2");
  await db.query("UPDATE categories SET co2e_kg = 3.1 WHERE id = 31");

  const erased = new Set();
  const specials = SPECIAL.map((s) => ({ s, at: Date.parse(`${s}:00${localOffset(s)}`) }));
  let t = Date.parse('2023-10-02T08:00:00Z');
  const end = Date.parse('2025-04-28T12:00:00Z');
  let steps = 0;
  while (t < end) {
    steps++;
    const next = specials.find((x) => x.at > t && x.at <= t + 48 * 3600e3);
    t = next ? next.at : t + Math.floor(random() * 40 * 3600e3) + 60e3;
    const at = new Date(t).toISOString();
    const r = random();
    if (r < 0.5) {
      // A checkout of one to three items of one branch, in one statement.
      const branch = 1 + Math.floor(random() * 3);
      const { rows: free } = await db.query(
        "SELECT id, category_id FROM items WHERE branch_id = $1 AND status = 'available' ORDER BY id", [branch]);
      const { rows: people } = await db.query('SELECT id FROM borrowers ORDER BY id');
      if (!free.length || !people.length) continue;
      const borrower = pick(people).id;
      const n = 1 + Math.floor(random() * 3);
      const chosen = [...new Set(Array.from({ length: n }, () => pick(free).id))];
      await db.query(`WITH c AS (INSERT INTO checkouts (branch_id, borrower_id, created_at)
                                 VALUES ($1, $2, $3) RETURNING id)
        INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref,
                           checked_out_at, due_date)
        SELECT c.id, i.id, $1, i.category_id, $2, $2, $3,
               ($3::timestamptz AT TIME ZONE 'Europe/Stockholm')::date + 14
          FROM c, items i WHERE i.id = ANY($4)`, [branch, borrower, at, chosen]);
      await db.query("UPDATE items SET status = 'on_loan' WHERE id = ANY($1)", [chosen]);
    } else if (r < 0.85) {
      // A return of one open loan (some late).
      const { rows } = await db.query('SELECT id, item_id FROM loans WHERE returned_at IS NULL ORDER BY id');
      if (!rows.length) continue;
      const loan = pick(rows);
      await db.query('UPDATE loans SET returned_at = $2 WHERE id = $1', [loan.id, at]);
      await db.query("UPDATE items SET status = 'available' WHERE id = $1", [loan.item_id]);
    } else if (r < 0.92) {
      // Undo of one of the latest checkouts: its loans go as if they never happened.
      const { rows } = await db.query('SELECT id FROM checkouts ORDER BY id DESC LIMIT 4');
      if (!rows.length) continue;
      const checkout = pick(rows).id;
      await db.query(`UPDATE items SET status = 'available' WHERE id IN
        (SELECT item_id FROM loans WHERE checkout_id = $1 AND returned_at IS NULL)`, [checkout]);
      await db.query('DELETE FROM loans WHERE checkout_id = $1', [checkout]);
      await db.query('DELETE FROM checkouts WHERE id = $1', [checkout]);
    } else if (r < 0.96) {
      // Undo of a return: the newest loan of an item on the shelf is open again.
      const { rows } = await db.query(`SELECT DISTINCT ON (l.item_id) l.id, l.item_id
          FROM loans l JOIN items i ON i.id = l.item_id WHERE i.status = 'available'
         ORDER BY l.item_id, l.checked_out_at DESC`);
      if (!rows.length) continue;
      const loan = pick(rows);
      await db.query('UPDATE loans SET returned_at = NULL WHERE id = $1', [loan.id]);
      await db.query("UPDATE items SET status = 'on_loan' WHERE id = $1", [loan.item_id]);
    } else if (r < 0.985) {
      // Erasure: the borrower's personal data goes; loans keep borrower_ref.
      const { rows } = await db.query('SELECT id FROM borrowers ORDER BY id');
      if (rows.length <= 3) continue;
      const victim = pick(rows).id;
      erased.add(victim);
      await db.query('DELETE FROM borrowers WHERE id = $1', [victim]);
    } else {
      // Catalogue changes: a donation arrives, an item retires or changes category.
      const { rows } = await db.query("SELECT id FROM items WHERE status = 'available' ORDER BY id");
      if (!rows.length) continue;
      const item = pick(rows).id;
      if (random() < 0.5) {
        await db.query("UPDATE items SET status = 'retired', retired_reason = 'worn out' WHERE id = $1", [item]);
      } else {
        await db.query('UPDATE items SET category_id = $2 WHERE id = $1', [item, pick(CATEGORIES)]);
      }
      await db.query(`INSERT INTO items (code, branch_id, category_id, name, status, donated_on)
        VALUES ('NEW-' || $1::int, 1 + $1::int % 3, $2, 'gift', 'available', ($3::timestamptz AT TIME ZONE 'Europe/Stockholm')::date)`,
      [steps, pick(CATEGORIES), at]);
    }
  }
  await db.query('RESET TimeZone');
  return { erased };
}

// The UTC offset of Stockholm at a local time "YYYY-MM-DD HH:MM" (for the few special moments).
function localOffset(s) {
  const d = s.slice(0, 10);
  const hm = s.slice(11);
  const summer = (d > '2024-03-31' || (d === '2024-03-31' && hm >= '03:00'))
    && (d < '2024-10-27' || (d === '2024-10-27' && hm < '02:00'));
  return summer ? '+02:00' : '+01:00';
}

// --- the direct counts -----------------------------------------------------------------------

async function facts() {
  const loans = (await db.query(`SELECT l.id, b.slug, l.category_id, l.borrower_ref::text AS ref,
      to_char(l.checked_out_at AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM-DD') AS out_day,
      to_char(l.returned_at AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM-DD') AS ret_day,
      to_char(l.due_date, 'YYYY-MM-DD') AS due,
      extract(epoch FROM l.returned_at - l.checked_out_at)::float8 AS secs
    FROM loans l JOIN branches b ON b.id = l.branch_id`)).rows;
  const items = (await db.query(`SELECT i.id, b.slug, i.status, to_char(i.donated_on, 'YYYY-MM-DD') AS donated,
      EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.id) AS lent
    FROM items i JOIN branches b ON b.id = i.branch_id`)).rows;
  const cats = (await db.query('SELECT id, parent_id, co2e_kg::float8 AS co2e, sek::float8 AS sek FROM categories')).rows;
  const byId = new Map(cats.map((c) => [c.id, c]));
  const factor = (id, field) => {
    for (let c = byId.get(id); c; c = byId.get(c.parent_id)) if (c[field] !== null) return c[field];
    return 0;
  };
  const branches = (await db.query('SELECT slug, name FROM branches ORDER BY slug')).rows;
  return { loans, items, factor, branches };
}

const inScope = (slug) => (x) => slug === null || x.slug === slug;
const within = (day, from, to) => day !== null && day >= from && day <= to;

function expectedSummary(f, slug, from, to) {
  const mine = f.loans.filter(inScope(slug));
  const lent = mine.filter((l) => within(l.out_day, from, to));
  const back = mine.filter((l) => within(l.ret_day, from, to));
  const firstDay = new Map();
  for (const l of mine) if (!firstDay.has(l.ref) || l.out_day < firstDay.get(l.ref)) firstDay.set(l.ref, l.out_day);
  const refs = new Set(lent.map((l) => l.ref));
  const items = f.items.filter(inScope(slug));
  const active = items.filter((i) => i.status !== 'retired');
  const late = back.filter((l) => l.ret_day > l.due).length;
  return {
    loans: lent.length,
    returns: back.length,
    unique_borrowers: refs.size,
    new_borrowers: [...refs].filter((r) => within(firstDay.get(r), from, to)).length,
    items_donated: items.filter((i) => within(i.donated, from, to)).length,
    co2e_kg: lent.reduce((s, l) => s + f.factor(l.category_id, 'co2e'), 0),
    sek: lent.reduce((s, l) => s + f.factor(l.category_id, 'sek'), 0),
    total_loans_since_start: mine.length,
    returns_late: late,
    late_share: back.length ? late / back.length : null,
    average_loan_days: back.length ? back.reduce((s, l) => s + l.secs, 0) / back.length / 86400 : null,
    items: active.length,
    items_never_lent: active.filter((i) => !i.lent).length,
  };
}

// Calendar helpers on ISO date strings, in UTC so that no local clock interferes.
const toDate = (s) => new Date(`${s}T00:00:00Z`);
const iso = (d) => d.toISOString().slice(0, 10);
function periodStart(day, unit) {
  const d = toDate(day);
  if (unit === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  if (unit === 'month' || unit === 'year') d.setUTCDate(1);
  if (unit === 'year') d.setUTCMonth(0);
  return iso(d);
}
function nextStart(key, unit) {
  const d = toDate(key);
  if (unit === 'day') d.setUTCDate(d.getUTCDate() + 1);
  if (unit === 'week') d.setUTCDate(d.getUTCDate() + 7);
  if (unit === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
  if (unit === 'year') d.setUTCFullYear(d.getUTCFullYear() + 1);
  return iso(d);
}

function expectedRows(f, slug, from, to, groupBy) {
  const lent = f.loans.filter(inScope(slug)).filter((l) => within(l.out_day, from, to));
  if (groupBy === 'branch') {
    return f.branches.filter(inScope(slug))
      .map((b) => ({ key: b.slug, name: b.name, loans: lent.filter((l) => l.slug === b.slug).length }))
      .sort((a, b) => b.loans - a.loans || (a.key < b.key ? -1 : 1));
  }
  if (groupBy === 'category') {
    const counts = new Map();
    for (const l of lent) counts.set(l.category_id, (counts.get(l.category_id) ?? 0) + 1);
    return [...counts].map(([key, loans]) => ({
      key, loans, co2e_kg: loans * f.factor(key, 'co2e'), sek: loans * f.factor(key, 'sek'),
    })).sort((a, b) => b.loans - a.loans || a.key - b.key);
  }
  const rows = [];
  for (let k = periodStart(from, groupBy); k <= to; k = nextStart(k, groupBy)) {
    rows.push({ key: k, loans: lent.filter((l) => periodStart(l.out_day, groupBy) === k).length });
  }
  return rows;
}

function close(actual, expected, what) {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(Math.abs(actual - expected) < 1e-6 * Math.max(1, Math.abs(expected)),
    `${what}: got ${actual}, counted ${expected}`);
}

function assertSummary(got, want, what) {
  for (const [k, v] of Object.entries(want)) {
    if (['co2e_kg', 'sek', 'late_share', 'average_loan_days'].includes(k)) close(got[k], v, `${what} ${k}`);
    else assert.equal(got[k], v, `${what} ${k}`);
  }
}

const PERIODS = [
  ['2023-10-01', '2025-04-30'], // everything
  ['2024-01-01', '2024-12-31'], // a calendar year
  ['2024-03-31', '2024-03-31'], // the day summer time starts
  ['2024-03-25', '2024-04-02'], // across it
  ['2024-10-26', '2024-10-28'], // across the end of summer time
  ['2023-12-31', '2024-01-01'], // across a year end
  ['2024-02-15', '2024-05-10'], // partial months on both sides
  ['2023-12-15', '2025-01-15'], // two year ends
  ['2024-06-01', '2024-06-30'], // one whole month
  ['2024-11-03', '2024-11-03'], // a single day
];

test(`every figure equals a direct count over loans (seed ${SEED})`, async () => {
  const { erased } = await makeHistory();
  const counts = (await db.query(`SELECT count(*)::int AS loans,
      count(*) FILTER (WHERE returned_at IS NOT NULL)::int AS returned,
      count(*) FILTER (WHERE borrower_id IS NULL)::int AS anonymous FROM loans`)).rows[0];
  assert.ok(counts.loans > 150, `too few loans to mean much: ${counts.loans}`);
  assert.ok(counts.returned > 50 && counts.anonymous > 0 && erased.size > 0,
    JSON.stringify({ ...counts, erased: erased.size }));

  const f = await facts();
  const nina = await client('nina');
  for (const [from, to] of PERIODS) {
    for (const slug of [null, ...BRANCHES]) {
      const scope = slug ? `&branch=${slug}` : '';
      const what = `${slug ?? 'network'} ${from}..${to}`;
      const s = await nina.get(`/api/stats/summary?from=${from}&to=${to}${scope}`);
      assert.equal(s.status, 200, s.text);
      assert.equal(s.json.branch, slug);
      assertSummary(s.json, expectedSummary(f, slug, from, to), what);
      for (const groupBy of ['day', 'week', 'month', 'year', 'branch', 'category']) {
        const r = await nina.get(`/api/stats/loans?from=${from}&to=${to}&group_by=${groupBy}${scope}`);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.group_by, groupBy);
        const want = expectedRows(f, slug, from, to, groupBy);
        assert.equal(r.json.rows.length, want.length, `${what} by ${groupBy}: ${r.text}`);
        r.json.rows.forEach((row, i) => {
          for (const [k, v] of Object.entries(want[i])) {
            if (k === 'co2e_kg' || k === 'sek') close(row[k], v, `${what} by ${groupBy} row ${i} ${k}`);
            else assert.equal(row[k], v, `${what} by ${groupBy} row ${i} ${k}`);
          }
        });
      }
    }
  }

  // The catalogue figures per category.
  for (const slug of [null, ...BRANCHES]) {
    const r = await nina.get(`/api/stats/items${slug ? `?branch=${slug}` : ''}`);
    assert.equal(r.status, 200);
    const want = expectedSummary(f, slug, '2024-01-01', '2024-01-01');
    assert.equal(r.json.items, want.items);
    assert.equal(r.json.never_lent, want.items_never_lent);
    const { rows } = await db.query(`SELECT i.category_id AS key, count(*)::int AS items,
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.id))::int AS never_lent,
        count(*) FILTER (WHERE i.status = 'lost')::int AS lost
      FROM items i JOIN branches b ON b.id = i.branch_id
     WHERE i.status <> 'retired' AND ($1::text IS NULL OR b.slug = $1)
     GROUP BY 1 ORDER BY 3 DESC, 1`, [slug]);
    assert.deepEqual(r.json.categories, rows);
  }

  // The rollups the triggers kept are what stats_rebuild() computes from scratch.
  const tables = ['stats_day', 'stats_month', 'stats_day_category', 'stats_month_category',
    'stats_borrower_day', 'stats_borrower_gap', 'stats_borrower_gap_month', 'stats_item_loans', 'stats_donations', 'stats_items'];
  // Rows whose counters are all zero may stay behind in the kept rollups; they count nothing.
  const COUNTERS = ['loans', 'returns', 'returns_late', 'loan_seconds', 'new_borrowers', 'items', 'never_lent', 'borrowers'];
  const sorted = async (t) => (await db.query(`SELECT * FROM ${t}`)).rows
    .filter((row) => COUNTERS.some((k) => k in row && Number(row[k]) !== 0))
    .map((row) => JSON.stringify(row)).sort();
  const before = {};
  for (const t of tables) before[t] = await sorted(t);
  await db.query('SELECT stats_rebuild()');
  for (const t of tables) {
    assert.deepEqual(before[t], await sorted(t), `${t} differs from stats_rebuild()`);
  }

  // Erasing the remaining borrowers leaves every figure of the past as it was.
  const ask = () => Promise.all(PERIODS.map(([from, to]) => nina.get(`/api/stats/summary?from=${from}&to=${to}`)));
  const kept = (await ask()).map((r) => r.json);
  await db.query('DELETE FROM borrowers');
  assert.equal((await db.query('SELECT count(*)::int AS n FROM loans WHERE borrower_id IS NOT NULL')).rows[0].n, 0);
  assert.deepEqual((await ask()).map((r) => r.json), kept);
});

// --- who may ask -----------------------------------------------------------------------------

const PATHS = ['/api/stats/summary?from=2024-01-01&to=2024-12-31',
  '/api/stats/loans?from=2024-01-01&to=2024-12-31&group_by=month', '/api/stats/items'];

test('volunteers get 403 and strangers 401', async () => {
  const vera = await client('vera');
  for (const path of PATHS) {
    const r = await vera.get(path);
    assert.equal(r.status, 403, path);
    assert.equal(r.json.code, 'forbidden');
    assert.equal((await new Client(server.url).get(path)).status, 401, path);
  }
});

test('a manager bound to a branch sees that branch and gets 403 for any other', async () => {
  const bo = await client('bo');
  for (const path of PATHS) {
    const own = await bo.get(path);
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.branch, 'alby');
    const sep = path.includes('?') ? '&' : '?';
    assert.equal((await bo.get(`${path}${sep}branch=alby`)).status, 200);
    for (const other of ['bjuv', 'no-such-branch']) {
      const r = await bo.get(`${path}${sep}branch=${other}`);
      assert.equal(r.status, 403, `${path} ${other}`);
      assert.equal(r.json.code, 'branch_forbidden');
    }
  }
  const ranking = await bo.get('/api/stats/loans?from=2023-01-01&to=2025-12-31&group_by=branch');
  assert.deepEqual(ranking.json.rows.map((r) => r.key), ['alby']);
});

test('network-wide staff see the network by default, any branch, and 404 for no branch', async () => {
  for (const who of ['nina', 'ada']) {
    const c = await client(who);
    const all = await c.get(PATHS[0]);
    assert.equal(all.status, 200);
    assert.equal(all.json.branch, null);
    assert.equal(all.headers.get('cache-control'), 'no-store');
    const one = await c.get(`${PATHS[0]}&branch=bjuv`);
    assert.equal(one.json.branch, 'bjuv');
    const none = await c.get(`${PATHS[0]}&branch=nowhere`);
    assert.equal(none.status, 404);
    assert.equal(none.json.code, 'branch_not_found');
  }
});

// --- bad queries -----------------------------------------------------------------------------

test('bad periods and groupings get 400 naming each argument', async () => {
  const nina = await client('nina');
  const problems = async (path) => {
    const r = await nina.get(path);
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    assert.equal(r.json.code, 'invalid_query');
    return r.json.errors.map((e) => [e.field, e.code]);
  };
  assert.deepEqual(await problems('/api/stats/summary'), [['from', 'required'], ['to', 'required']]);
  assert.deepEqual(await problems('/api/stats/summary?from=2024-02-30&to=2024-13-01'),
    [['from', 'invalid'], ['to', 'invalid']]);
  assert.deepEqual(await problems('/api/stats/summary?from=2024-05-01&to=2024-04-30'),
    [['to', 'before_from']]);
  assert.deepEqual(await problems('/api/stats/summary?from=1950-01-01&to=2024-04-30'),
    [['to', 'too_long']]);
  assert.deepEqual(await problems('/api/stats/loans?from=2024-01-01&to=2024-01-31'),
    [['group_by', 'required']]);
  assert.deepEqual(await problems('/api/stats/loans?from=2024-01-01&to=2024-01-31&group_by=hour'),
    [['group_by', 'invalid']]);
  // By day at most 732 days; by week at most twenty years.
  assert.deepEqual(await problems('/api/stats/loans?from=2023-01-01&to=2025-01-02&group_by=day'),
    [['to', 'too_long']]);
  const ok = await nina.get('/api/stats/loans?from=2023-01-01&to=2025-01-01&group_by=day');
  assert.equal(ok.status, 200);
  assert.equal(ok.json.rows.length, 732);
  assert.deepEqual(await problems('/api/stats/loans?from=2000-01-01&to=2024-01-01&group_by=week'),
    [['to', 'too_long']]);
  const years = await nina.get('/api/stats/loans?from=2000-01-01&to=2024-01-01&group_by=year');
  assert.equal(years.json.rows.length, 25);
});
