// Statistics through the real endpoints: random checkouts, returns, undos and borrower erasures
// made over HTTP by the staff who would make them (a seeded generator picks them, so a failure
// can be replayed), with the clock moved back between rounds (the test shifts every timestamp of
// loans and checkouts by some days, through the same triggers any UPDATE fires), so the history
// spans more than a year, with late returns. Then every figure of /api/stats/summary and every
// group_by of /api/stats/loans, for the network and each branch over many periods, must equal a
// count made by SQL directly over loans, items and categories. Finally every remaining borrower
// is erased, and no figure of any period may change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, addStaff, addBranch, addItem, addBorrower, Client, OPEN_EVERY_DAY, stockholmDate } from './lib.mjs';

const SEED = Number(process.env.HYLLA_STATS_SEED || 8150427);
const BRANCHES = ['alby', 'bjuv'];
const CATEGORIES = [111, 112, 12, 21, 25, 31, 8];
const ROUNDS = 36;

let db;
let server;
const clerk = {}; // branch slug -> a logged-in volunteer of that branch
let nina; // a network-wide manager: reads statistics, erases borrowers

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

async function client(username) {
  const c = new Client(server.url);
  await c.login(username);
  return c;
}

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  for (const slug of BRANCHES) {
    await addBranch(db, slug, { opening_hours: OPEN_EVERY_DAY });
    await addStaff(db, { username: `vol-${slug}`, role: 'volunteer', branch: slug });
    clerk[slug] = await client(`vol-${slug}`);
  }
  await addStaff(db, { username: 'nina', role: 'manager' });
  nina = await client('nina');
});
after(async () => {
  await server?.stop();
  await db?.drop();
});

const rows = async (sql, params = []) => (await db.query(sql, params)).rows;

// ---- the history ---------------------------------------------------------------------------

async function makeHistory(random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  for (const slug of BRANCHES) {
    for (let i = 0; i < 24; i++) await addItem(db, slug, { category: pick(CATEGORIES), name: `sak ${i}` });
    for (let i = 0; i < 9; i++)
      await addBorrower(db, { branch: slug, name: `Låntagare ${slug} ${i}`, phone: `+4670555${slug === 'alby' ? 1 : 2}${String(i).padStart(3, '0')}` });
  }
  // Donations spread over the last 400 days, one item retired (it leaves "items" and "never lent").
  await db.query("UPDATE items SET donated_on = current_date - ((id * 37) % 400)::int");
  await db.query("UPDATE items SET status = 'retired', retired_reason = 'worn out' WHERE id = (SELECT max(id) FROM items)");
  // Factors on a parent and a child, so inheritance and a child's own value both count.
  await db.query('UPDATE categories SET co2e_kg = 7.25, sek = 310.5 WHERE id = 11');
  await db.query('UPDATE categories SET co2e_kg = 1.5 WHERE id = 21');

  const tally = { checkouts: 0, refused: 0, returns: 0, undos: 0, late_undos: 0, erasures: 0, erase_refused: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const recent = []; // checkouts of this round: { slug, id, loans }
    const ops = 4 + Math.floor(random() * 8);
    for (let op = 0; op < ops; op++) {
      const r = random();
      const slug = pick(BRANCHES);
      if (r < 0.45) {
        const free = await rows(`SELECT i.code FROM items i JOIN branches b ON b.id = i.branch_id
          WHERE b.slug = $1 AND i.status = 'available' ORDER BY i.id`, [slug]);
        const people = await rows(`SELECT p.id FROM borrowers p JOIN branches b ON b.id = p.branch_id
          WHERE b.slug = $1 ORDER BY p.id`, [slug]);
        if (!free.length || !people.length) continue;
        const n = 1 + Math.floor(random() * 3);
        const codes = [...new Set(Array.from({ length: n }, () => pick(free).code))];
        const res = await clerk[slug].post('/api/checkouts', { borrower_id: Number(pick(people).id), items: codes });
        if (res.status === 201) {
          tally.checkouts++;
          recent.push({ slug, id: res.json.checkout_id, loans: res.json.loans.map((l) => l.id) });
        } else {
          assert.equal(res.status, 409, res.text); // the borrower's item limit, say
          tally.refused++;
        }
      } else if (r < 0.75) {
        const open = await rows(`SELECT i.code FROM loans l JOIN items i ON i.id = l.item_id
          JOIN branches b ON b.id = l.branch_id WHERE b.slug = $1 AND l.returned_at IS NULL ORDER BY l.id`, [slug]);
        if (!open.length) continue;
        const codes = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(open).code))];
        const res = await clerk[slug].post('/api/returns', { items: codes });
        assert.equal(res.status, 200, res.text);
        assert.ok(res.json.results.every((x) => x.returned), res.text);
        tally.returns += codes.length;
      } else if (r < 0.87) {
        if (recent.length) {
          // A checkout of this round, whole or one loan of it: undone as if it never happened.
          const c = recent.splice(Math.floor(random() * recent.length), 1)[0];
          const path = random() < 0.5 ? `/api/checkouts/${c.id}/undo` : `/api/loans/${pick(c.loans)}/undo`;
          const [{ changed }] = await rows(`SELECT count(*)::int AS changed FROM loans
            WHERE checkout_id = $1 AND returned_at IS NOT NULL`, [c.id]);
          const res = await clerk[c.slug].post(path);
          if (changed && path.startsWith('/api/checkouts')) {
            assert.equal(res.status, 409, `${path}: ${res.text}`); // a loan of it came back since
          } else if (res.status === 409) {
            assert.equal(res.json.code, 'loan_changed', res.text); // that very loan came back
          } else {
            assert.equal(res.status, 200, `${path}: ${res.text}`);
            tally.undos++;
          }
        } else {
          // An older checkout (the clock moved on): too late, and nothing changes.
          const old = await rows(`SELECT c.id, b.slug FROM checkouts c JOIN branches b ON b.id = c.branch_id
            WHERE c.created_at < now() - interval '1 day'
              AND EXISTS (SELECT 1 FROM loans l WHERE l.checkout_id = c.id AND l.returned_at IS NULL) ORDER BY c.id`);
          if (!old.length) continue;
          const c = pick(old);
          const res = await clerk[c.slug].post(`/api/checkouts/${c.id}/undo`);
          assert.equal(res.status, 409, res.text);
          tally.late_undos++;
        }
      } else {
        const people = await rows(`SELECT p.id, EXISTS (SELECT 1 FROM loans l WHERE l.borrower_id = p.id
            AND l.returned_at IS NULL) AS busy FROM borrowers p ORDER BY p.id`);
        if (people.length <= 4) continue; // keep some to lend to
        const p = pick(people);
        const res = await nina.delete(`/api/borrowers/${p.id}`);
        if (p.busy) {
          assert.equal(res.status, 409, res.text);
          tally.erase_refused++;
        } else {
          assert.equal(res.status, 204, res.text);
          tally.erasures++;
        }
      }
    }
    // Time passes: 1 to 25 days, so the history crosses weeks, months and a year end.
    const days = 1 + Math.floor(random() * 25);
    await db.query('UPDATE loans SET checked_out_at = checked_out_at - make_interval(days => $1), returned_at = returned_at - make_interval(days => $1), due_date = due_date - $1::int', [days]);
    await db.query('UPDATE checkouts SET created_at = created_at - make_interval(days => $1)', [days]);
  }
  return tally;
}

// ---- the direct counts ---------------------------------------------------------------------

// The loans of a scope (null: the network) with their Stockholm days, and each category's factors
// (its own, else its nearest ancestor's, else 0).
const BASE = `
  WITH RECURSIVE up (id, anc, depth) AS (
      SELECT id, id, 0 FROM categories
      UNION ALL
      SELECT up.id, c.parent_id, up.depth + 1 FROM up JOIN categories c ON c.id = up.anc
       WHERE c.parent_id IS NOT NULL),
    factor AS (
      SELECT c.id,
        coalesce((SELECT a.co2e_kg FROM up JOIN categories a ON a.id = up.anc
                   WHERE up.id = c.id AND a.co2e_kg IS NOT NULL ORDER BY up.depth LIMIT 1), 0)::float8 AS co2e,
        coalesce((SELECT a.sek FROM up JOIN categories a ON a.id = up.anc
                   WHERE up.id = c.id AND a.sek IS NOT NULL ORDER BY up.depth LIMIT 1), 0)::float8 AS sek
        FROM categories c),
    l AS (
      SELECT l.*, b.slug, (l.checked_out_at AT TIME ZONE 'Europe/Stockholm')::date AS out_day,
             (l.returned_at AT TIME ZONE 'Europe/Stockholm')::date AS ret_day
        FROM loans l JOIN branches b ON b.id = l.branch_id
       WHERE $3::text IS NULL OR b.slug = $3),
    p AS (SELECT * FROM l WHERE out_day BETWEEN $1::date AND $2::date),
    r AS (SELECT * FROM l WHERE ret_day BETWEEN $1::date AND $2::date),
    i AS (
      SELECT i.* FROM items i JOIN branches b ON b.id = i.branch_id WHERE $3::text IS NULL OR b.slug = $3)`;

async function sqlSummary(from, to, slug) {
  const [s] = await rows(`${BASE}
    SELECT (SELECT count(*) FROM p)::int AS loans,
           (SELECT count(*) FROM r)::int AS returns,
           (SELECT count(DISTINCT borrower_ref) FROM p)::int AS unique_borrowers,
           (SELECT count(*) FROM (SELECT borrower_ref FROM l GROUP BY borrower_ref
                                   HAVING min(out_day) BETWEEN $1::date AND $2::date) f)::int AS new_borrowers,
           (SELECT count(*) FROM i WHERE donated_on BETWEEN $1::date AND $2::date)::int AS items_donated,
           (SELECT coalesce(sum(f.co2e), 0) FROM p JOIN factor f ON f.id = p.category_id)::float8 AS co2e_kg,
           (SELECT coalesce(sum(f.sek), 0) FROM p JOIN factor f ON f.id = p.category_id)::float8 AS sek,
           (SELECT count(*) FROM l)::int AS total_loans_since_start,
           (SELECT count(*) FROM r WHERE ret_day > due_date)::int AS returns_late,
           (SELECT count(*) FILTER (WHERE ret_day > due_date)::float8 / nullif(count(*), 0) FROM r) AS late_share,
           (SELECT avg(extract(epoch FROM returned_at - checked_out_at) / 86400)::float8 FROM r) AS average_loan_days,
           (SELECT count(*) FROM i WHERE status <> 'retired')::int AS items,
           (SELECT count(*) FROM i WHERE status <> 'retired'
              AND NOT EXISTS (SELECT 1 FROM loans x WHERE x.item_id = i.id))::int AS items_never_lent`,
  [from, to, slug]);
  return s;
}

async function sqlRows(from, to, slug, groupBy) {
  if (groupBy === 'branch') {
    return rows(`${BASE}
      SELECT b.slug AS key, b.name, (SELECT count(*) FROM p WHERE p.branch_id = b.id)::int AS loans
        FROM branches b WHERE $3::text IS NULL OR b.slug = $3
       ORDER BY loans DESC, b.slug COLLATE "C"`, [from, to, slug]);
  }
  if (groupBy === 'category') {
    return rows(`${BASE}
      SELECT p.category_id AS key, count(*)::int AS loans, sum(f.co2e)::float8 AS co2e_kg, sum(f.sek)::float8 AS sek
        FROM p JOIN factor f ON f.id = p.category_id GROUP BY p.category_id ORDER BY loans DESC, key`, [from, to, slug]);
  }
  return rows(`${BASE}
    SELECT to_char(k, 'YYYY-MM-DD') AS key,
           (SELECT count(*) FROM p WHERE date_trunc($4, p.out_day::timestamp) = k)::int AS loans
      FROM generate_series(date_trunc($4, $1::date::timestamp), $2::date::timestamp, ('1 ' || $4)::interval) k
     ORDER BY k`, [from, to, slug, groupBy]);
}

function close(actual, expected, what) {
  if (expected === null) return assert.equal(actual, null, what);
  assert.equal(typeof actual, 'number', what);
  assert.ok(Math.abs(actual - expected) < 1e-6 * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, counted ${expected}`);
}

const REALS = ['co2e_kg', 'sek', 'late_share', 'average_loan_days'];

function sameFigures(got, want, what) {
  for (const [k, v] of Object.entries(want)) {
    if (REALS.includes(k)) close(got[k], v, `${what} ${k}`);
    else assert.equal(got[k], v, `${what} ${k}`);
  }
}

function sameRows(got, want, what) {
  assert.equal(got.length, want.length, `${what}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
  want.forEach((w, i) => {
    for (const [k, v] of Object.entries(w)) {
      if (REALS.includes(k)) close(got[i][k], v, `${what} row ${i} ${k}`);
      else assert.equal(got[i][k], v, `${what} row ${i} ${k}`);
    }
  });
}

const GROUPS = ['day', 'week', 'month', 'year', 'branch', 'category'];

/** The periods to check, relative to today in Stockholm (the history lies in the last ~500 days). */
async function periods() {
  const today = await stockholmDate(db);
  const back = async (n) => stockholmDate(db, -n);
  const y = Number(today.slice(0, 4));
  return [
    [await back(1000), today],              // everything
    [`${y - 1}-01-01`, `${y - 1}-12-31`],   // last calendar year
    [`${y}-01-01`, today],                  // this year so far
    [`${today.slice(0, 7)}-01`, today],     // this month so far
    [await back(400), await back(200)],     // partial months on both sides
    [await back(60), await back(1)],        // two months up to yesterday
    [await back(9), await back(3)],         // part of two weeks
    [today, today],                         // today
    [await back(45), await back(45)],       // one past day
  ];
}

async function apiFigures(from, to, slug) {
  const scope = slug ? `&branch=${slug}` : '';
  const s = await nina.get(`/api/stats/summary?from=${from}&to=${to}${scope}`);
  assert.equal(s.status, 200, s.text);
  const loans = {};
  for (const g of GROUPS) {
    if (g === 'day' && (Date.parse(to) - Date.parse(from)) / 86400000 + 1 > 732) continue;
    const r = await nina.get(`/api/stats/loans?from=${from}&to=${to}&group_by=${g}${scope}`);
    assert.equal(r.status, 200, r.text);
    loans[g] = r.json.rows;
  }
  return { summary: s.json, loans };
}

async function checkAll(label) {
  const seen = new Map();
  for (const [from, to] of await periods()) {
    for (const slug of [null, ...BRANCHES]) {
      const what = `${label}: ${slug ?? 'network'} ${from}..${to}`;
      const got = await apiFigures(from, to, slug);
      sameFigures(got.summary, await sqlSummary(from, to, slug), what);
      for (const [g, list] of Object.entries(got.loans)) sameRows(list, await sqlRows(from, to, slug, g), `${what} by ${g}`);
      seen.set(`${slug}:${from}:${to}`, got);
    }
  }
  return seen;
}

test(`every figure equals a direct SQL count after random work over HTTP (seed ${SEED})`, async (t) => {
  const tally = await makeHistory(rng(SEED));
  // The history must hold what the test is about, or it proves little.
  const [c] = await rows(`SELECT count(*)::int AS loans, count(returned_at)::int AS returned,
      count(*) FILTER (WHERE borrower_id IS NULL)::int AS anonymous,
      count(*) FILTER (WHERE (returned_at AT TIME ZONE 'Europe/Stockholm')::date > due_date)::int AS late,
      count(DISTINCT date_trunc('month', checked_out_at))::int AS months FROM loans`);
  const info = JSON.stringify({ ...tally, ...c });
  t.diagnostic(info);
  assert.ok(c.loans >= 100 && c.returned >= 40 && c.anonymous > 0 && c.late > 0 && c.months >= 10, info);
  assert.ok(tally.undos > 0 && tally.erasures > 0 && tally.late_undos > 0, info);
  const [{ n: undone }] = await rows('SELECT count(*)::int AS n FROM audit_log WHERE action = $1', ['checkout_undone']);
  assert.ok(undone > 0, 'no undo reached the audit log');

  const before = await checkAll('after the history');

  // Erase everyone who can be erased (return all first): the loans stay, without a link to anyone.
  for (const slug of BRANCHES) {
    const open = await rows(`SELECT i.code FROM loans l JOIN items i ON i.id = l.item_id JOIN branches b ON b.id = l.branch_id
      WHERE b.slug = $1 AND l.returned_at IS NULL`, [slug]);
    if (open.length) assert.equal((await clerk[slug].post('/api/returns', { items: open.map((o) => o.code) })).status, 200);
  }
  for (const { id } of await rows('SELECT id FROM borrowers ORDER BY id'))
    assert.equal((await nina.delete(`/api/borrowers/${id}`)).status, 204);
  assert.equal((await rows('SELECT count(*)::int AS n FROM loans WHERE borrower_id IS NOT NULL'))[0].n, 0);

  const afterwards = await checkAll('after erasing everyone');
  const today = await stockholmDate(db);
  for (const [key, was] of before) {
    const now = afterwards.get(key);
    // Borrowers never change with erasure; today's returns (and what depends on them) just did.
    assert.equal(now.summary.unique_borrowers, was.summary.unique_borrowers, `${key} unique_borrowers`);
    assert.equal(now.summary.new_borrowers, was.summary.new_borrowers, `${key} new_borrowers`);
    assert.equal(now.summary.loans, was.summary.loans, `${key} loans`);
    assert.deepEqual(now.loans, was.loans, `${key} loan rows`);
    if (key.split(':')[2] < today) assert.deepEqual(now.summary, was.summary, `${key}: a past period changed`);
  }
});
