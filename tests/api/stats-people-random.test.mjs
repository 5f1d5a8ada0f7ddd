// Loans and unique borrowers by age band and by gender through the real endpoints, as the
// stats-random test does for the other figures: random checkouts, returns, undos, corrections of
// birth years and genders, and erasures, made over HTTP by the staff who would make them (a
// seeded generator picks them), with the clock moved back between rounds so the history crosses
// year ends (where a child moves to the next band). Then, for many periods, the network and each
// branch, every category and one: every figure of group_by=age_band and group_by=gender, in JSON
// and in the CSV file, equals a count made by SQL over loans with the birth years and genders the
// test itself gave (an erased borrower's as they last were), or is hidden: every group under 5
// borrowers is "< 5", and no hidden group can be worked out from the total and the groups shown.
// Checked after the history, after correcting everyone, and after erasing everyone (when not one
// figure may change).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, addStaff, addBranch, addItem, addBorrower, Client, OPEN_EVERY_DAY, stockholmDate } from './lib.mjs';

const SEED = Number(process.env.HYLLA_STATS_SEED || 20251130);
const BRANCHES = ['alby', 'bjuv'];
const CATEGORIES = [111, 112, 12, 21];
const ROUNDS = 30;
const GENDERS = ['kvinna', 'man', 'annat', 'ej_angivet', null];
const BANDS = ['0-6', '7-12', '13-19', '20-64', '65+', 'unknown'];
const MIN = 5;

let db;
let server;
const clerk = {}; // branch slug -> a volunteer of that branch
let nina; // a network-wide manager
const known = new Map(); // borrower id -> { birth_year, gender } as the test last set them

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
  for (const slug of BRANCHES) {
    await addBranch(db, slug, { opening_hours: OPEN_EVERY_DAY });
    await addStaff(db, { username: `vol-${slug}`, role: 'volunteer', branch: slug });
    clerk[slug] = new Client(server.url);
    await clerk[slug].login(`vol-${slug}`);
  }
  await addStaff(db, { username: 'nina', role: 'manager' });
  nina = new Client(server.url);
  await nina.login('nina');
});
after(async () => {
  await server?.stop();
  await db?.drop();
});

const rows = async (sql, params = []) => (await db.query(sql, params)).rows;

// ---- the history ---------------------------------------------------------------------------

async function makeHistory(random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const year = Number((await stockholmDate(db)).slice(0, 4));
  // Birth years around the bands' edges, so that a year end moves people between bands.
  const birthYear = () => pick([null, year - 3, year - 6, year - 7, year - 12, year - 13, year - 19,
    year - 20, year - 40, year - 64, year - 65, year - 80]);
  let phone = 0;
  for (const slug of BRANCHES) {
    for (let i = 0; i < 30; i++) await addItem(db, slug, { category: pick(CATEGORIES), name: `sak ${i}` });
    const adults = [];
    for (let i = 0; i < 22; i++) {
      const person = { birth_year: birthYear(), gender: pick(GENDERS) };
      const id = await addBorrower(db, { branch: slug, name: `Vuxen ${slug} ${i}`, phone: `+4670666${String(++phone).padStart(4, '0')}`,
        birthYear: person.birth_year, gender: person.gender });
      known.set(id, person);
      adults.push(id);
    }
    for (let i = 0; i < 10; i++) {
      const person = { birth_year: year - 1 - Math.floor(random() * 17), gender: pick(GENDERS) };
      const id = await addBorrower(db, { branch: slug, name: `Barn ${slug} ${i}`, phone: null, guardian: pick(adults),
        birthYear: person.birth_year, gender: person.gender });
      known.set(id, person);
    }
  }

  const tally = { checkouts: 0, returns: 0, undos: 0, corrections: 0, erasures: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const recent = [];
    const ops = 8 + Math.floor(random() * 10);
    for (let op = 0; op < ops; op++) {
      const r = random();
      const slug = pick(BRANCHES);
      if (r < 0.5) {
        const free = await rows(`SELECT i.code FROM items i JOIN branches b ON b.id = i.branch_id
          WHERE b.slug = $1 AND i.status = 'available' ORDER BY i.id`, [slug]);
        const people = await rows(`SELECT p.id FROM borrowers p JOIN branches b ON b.id = p.branch_id
          WHERE b.slug = $1 ORDER BY p.id`, [slug]);
        if (!free.length || !people.length) continue;
        const codes = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(free).code))];
        const res = await clerk[slug].post('/api/checkouts', { borrower_id: Number(pick(people).id), items: codes });
        if (res.status === 201) {
          tally.checkouts++;
          recent.push({ slug, id: res.json.checkout_id });
        } else {
          assert.equal(res.status, 409, res.text);
        }
      } else if (r < 0.78) {
        const open = await rows(`SELECT i.code FROM loans l JOIN items i ON i.id = l.item_id
          JOIN branches b ON b.id = l.branch_id WHERE b.slug = $1 AND l.returned_at IS NULL ORDER BY l.id`, [slug]);
        if (!open.length) continue;
        const codes = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(open).code))];
        assert.equal((await clerk[slug].post('/api/returns', { items: codes })).status, 200);
        tally.returns += codes.length;
      } else if (r < 0.84 && recent.length) {
        const c = recent.splice(Math.floor(random() * recent.length), 1)[0];
        const res = await clerk[c.slug].post(`/api/checkouts/${c.id}/undo`);
        if (res.status === 200) tally.undos++;
      } else if (r < 0.94) {
        // A correction of a birth year, a gender or both (a child keeps a birth year).
        const people = await rows('SELECT id, guardian_id FROM borrowers ORDER BY id');
        const p = pick(people);
        const person = { ...known.get(Number(p.id)) };
        const change = {};
        if (random() < 0.6) change.birth_year = p.guardian_id ? year - 1 - Math.floor(random() * 17) : birthYear();
        if (random() < 0.6 || !Object.keys(change).length) change.gender = pick(GENDERS);
        const res = await nina.patch(`/api/borrowers/${p.id}`, change);
        assert.equal(res.status, 200, res.text);
        known.set(Number(p.id), { ...person, ...change });
        tally.corrections++;
      } else {
        const people = await rows(`SELECT p.id FROM borrowers p WHERE NOT EXISTS (SELECT 1 FROM loans l
          WHERE l.borrower_id = p.id AND l.returned_at IS NULL) AND NOT EXISTS (SELECT 1 FROM borrowers c
          WHERE c.guardian_id = p.id) ORDER BY p.id`);
        if (people.length <= 20) continue;
        assert.equal((await nina.delete(`/api/borrowers/${pick(people).id}`)).status, 204);
        tally.erasures++;
      }
    }
    const days = 1 + Math.floor(random() * 25);
    await db.query('UPDATE loans SET checked_out_at = checked_out_at - make_interval(days => $1), returned_at = returned_at - make_interval(days => $1), due_date = due_date - $1::int', [days]);
    await db.query('UPDATE checkouts SET created_at = created_at - make_interval(days => $1)', [days]);
  }
  return tally;
}

// ---- the direct counts ---------------------------------------------------------------------

/** The groups of a dimension counted by SQL over loans, with the test's own birth years and genders. */
async function sqlPeople(from, to, slug, category, dimension) {
  const people = JSON.stringify([...known].map(([ref, p]) => ({ ref, ...p })));
  const found = await rows(`
    WITH m AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x (ref bigint, birth_year int, gender text)),
    l AS (
      SELECT l.borrower_ref, (l.checked_out_at AT TIME ZONE 'Europe/Stockholm')::date AS out_day, m.birth_year, m.gender
        FROM loans l JOIN branches b ON b.id = l.branch_id LEFT JOIN m ON m.ref = l.borrower_ref
       WHERE ($4::text IS NULL OR b.slug = $4) AND ($5::int = 0 OR l.category_id = $5)),
    g AS (
      SELECT borrower_ref,
             CASE WHEN birth_year IS NULL THEN 'unknown'
                  WHEN extract(year FROM out_day) - birth_year <= 6 THEN '0-6'
                  WHEN extract(year FROM out_day) - birth_year <= 12 THEN '7-12'
                  WHEN extract(year FROM out_day) - birth_year <= 19 THEN '13-19'
                  WHEN extract(year FROM out_day) - birth_year <= 64 THEN '20-64' ELSE '65+' END AS age_band,
             coalesce(gender, 'unknown') AS gender
        FROM l WHERE out_day BETWEEN $2::date AND $3::date)
    SELECT CASE WHEN $6 = 'gender' THEN gender ELSE age_band END AS key, count(*)::int AS loans,
           count(DISTINCT borrower_ref)::int AS borrowers
      FROM g GROUP BY ROLLUP (1)`, [people, from, to, slug, category, dimension]);
  const by = new Map(found.map((r) => [r.key, { loans: r.loans, borrowers: r.borrowers }]));
  const keys = dimension === 'gender' ? GENDERS.map((x) => x ?? 'unknown') : BANDS;
  return { rows: keys.map((key) => ({ key, ...(by.get(key) ?? { loans: 0, borrowers: 0 }) })),
    total: by.get(null) ?? { loans: 0, borrowers: 0 } };
}

/**
 * Whether one who sees the total and the groups shown can work out a hidden group's borrowers:
 * the hidden groups hold the difference, each "under_5" 0 to 4 and each "complementary" 5 or more.
 */
function workedOut(got, i, truth) {
  const hidden = got.rows.filter((r) => r.suppressed);
  const left = got.total.borrowers - got.rows.filter((r) => !r.suppressed).reduce((s, r) => s + r.borrowers, 0);
  const low = (r) => (r.reason === 'under_5' ? 0 : MIN);
  const high = (r) => (r.reason === 'under_5' ? MIN - 1 : got.total.borrowers);
  const others = hidden.filter((r) => r !== got.rows[i]);
  const from = Math.max(low(got.rows[i]), left - others.reduce((s, r) => s + high(r), 0));
  const to = Math.min(high(got.rows[i]), left - others.reduce((s, r) => s + low(r), 0));
  return from === to && from === truth;
}

/** A figure as the CSV file says it: the number, "< 5" or "..". */
const csvCell = (row, value) => (!row.suppressed ? String(value) : row.reason === 'under_5' ? '< 5' : '..');

function checkGroups(got, want, csv, what) {
  assert.deepEqual(got.rows.map((r) => r.key), want.rows.map((r) => r.key), what);
  if (got.total.suppressed) {
    assert.ok(got.rows.every((r) => r.suppressed), `${what}: a hidden total with groups shown`);
  } else {
    assert.deepEqual({ loans: got.total.loans, borrowers: got.total.borrowers }, want.total, `${what} total`);
    const hidden = got.rows.filter((r) => r.suppressed).length;
    assert.notEqual(hidden, 1, `${what}: one hidden group is the total less the others`);
  }
  got.rows.forEach((r, i) => {
    const w = want.rows[i];
    const where = `${what} ${r.key}`;
    if (w.borrowers < MIN) {
      assert.deepEqual([r.suppressed, r.reason, r.loans, r.borrowers], [true, 'under_5', null, null], `${where}: ${w.borrowers} borrowers shown`);
    } else if (r.suppressed) {
      assert.equal(r.reason, 'complementary', where);
    } else {
      assert.deepEqual({ loans: r.loans, borrowers: r.borrowers }, { loans: w.loans, borrowers: w.borrowers }, where);
    }
    if (r.suppressed && !got.total.suppressed && w.borrowers > 0)
      assert.ok(!workedOut(got, i, w.borrowers), `${where}: ${w.borrowers} can be worked out from the total`);
    assert.deepEqual(csv[i + 1], [r.key, csvCell(r, r.loans), csvCell(r, r.borrowers)], `${where} in the CSV`);
  });
  const t = got.total;
  assert.deepEqual(csv.at(-1), ['total', csvCell(t, t.loans), csvCell(t, t.borrowers)], `${what} total in the CSV`);
}

async function periods() {
  const today = await stockholmDate(db);
  const back = async (n) => stockholmDate(db, -n);
  const y = Number(today.slice(0, 4));
  return [
    [await back(1000), today],
    [`${y - 1}-01-01`, `${y - 1}-12-31`],
    [`${y}-01-01`, today],
    [await back(400), await back(200)],
    [await back(60), await back(1)],
    [await back(9), await back(3)],
    [`${y - 1}-12-01`, `${y}-02-28`], // a winter, over a year end
  ];
}

async function checkAll(label) {
  const seen = new Map();
  let shown = 0;
  let hidden = 0;
  let complements = 0;
  for (const [from, to] of await periods()) {
    for (const slug of [null, ...BRANCHES]) {
      for (const category of [0, 111]) {
        for (const dimension of ['age_band', 'gender']) {
          const q = `from=${from}&to=${to}&group_by=${dimension}${slug ? `&branch=${slug}` : ''}${category ? `&category=${category}` : ''}`;
          const what = `${label}: ${slug ?? 'network'} ${from}..${to} category ${category} ${dimension}`;
          const res = await nina.get(`/api/stats/loans?${q}`);
          assert.equal(res.status, 200, res.text);
          const file = await nina.get(`/api/stats/loans.csv?${q}`);
          assert.equal(file.status, 200, file.text);
          assert.ok(file.text.startsWith('\ufeff'), 'a byte order mark');
          const csv = file.text.slice(1).trimEnd().split('\r\n').map((line) => line.split(';'));
          assert.deepEqual(csv[0], [dimension, 'loans', 'borrowers']);
          checkGroups(res.json, await sqlPeople(from, to, slug, category, dimension), csv, what);
          shown += res.json.rows.filter((r) => !r.suppressed && r.borrowers > 0).length;
          hidden += res.json.rows.filter((r) => r.suppressed).length;
          complements += res.json.rows.filter((r) => r.reason === 'complementary').length;
          seen.set(what.slice(label.length), res.json);
        }
      }
    }
  }
  return { seen, shown, hidden, complements };
}

test(`age bands and genders equal direct SQL counts, hidden where they must be (seed ${SEED})`, async (t) => {
  const tally = await makeHistory(rng(SEED));
  const [c] = await rows(`SELECT count(*)::int AS loans, count(*) FILTER (WHERE borrower_id IS NULL)::int AS anonymous,
      count(DISTINCT extract(year FROM checked_out_at))::int AS years FROM loans`);
  const info = JSON.stringify({ ...tally, ...c });
  t.diagnostic(info);
  assert.ok(c.loans >= 150 && c.anonymous > 0 && c.years >= 2, info);
  assert.ok(tally.corrections > 0 && tally.erasures > 0 && tally.undos > 0, info);
  // Every loan carries its borrower's birth year and gender as the test last set them.
  for (const l of await rows('SELECT borrower_ref, borrower_birth_year, borrower_gender FROM loans'))
    assert.deepEqual([l.borrower_birth_year, l.borrower_gender],
      [known.get(Number(l.borrower_ref)).birth_year, known.get(Number(l.borrower_ref)).gender], `loan of ${l.borrower_ref}`);

  const first = await checkAll('after the history');
  const counts = JSON.stringify({ shown: first.shown, hidden: first.hidden, complements: first.complements });
  t.diagnostic(counts);
  assert.ok(first.shown > 60 && first.hidden > 50 && first.complements > 0, `the history must show, hide and complement: ${counts}`);

  // Everyone still registered is corrected (a child keeps a birth year), then checked again.
  const year = Number((await stockholmDate(db)).slice(0, 4));
  const random = rng(SEED + 1);
  for (const p of await rows('SELECT id, guardian_id FROM borrowers ORDER BY id')) {
    const change = { birth_year: p.guardian_id ? year - 2 - Math.floor(random() * 15) : year - 1 - Math.floor(random() * 90),
      gender: GENDERS[Math.floor(random() * GENDERS.length)] };
    assert.equal((await nina.patch(`/api/borrowers/${p.id}`, change)).status, 200);
    known.set(Number(p.id), change);
  }
  const corrected = await checkAll('after correcting everyone');

  // Everyone is erased (their items back first, children before guardians): nothing moves.
  for (const slug of BRANCHES) {
    const open = await rows(`SELECT i.code FROM loans l JOIN items i ON i.id = l.item_id JOIN branches b ON b.id = l.branch_id
      WHERE b.slug = $1 AND l.returned_at IS NULL`, [slug]);
    if (open.length) assert.equal((await clerk[slug].post('/api/returns', { items: open.map((o) => o.code) })).status, 200);
  }
  for (const { id } of await rows('SELECT id FROM borrowers ORDER BY guardian_id IS NULL, id'))
    assert.equal((await nina.delete(`/api/borrowers/${id}`)).status, 204);
  const erased = await checkAll('after erasing everyone');
  assert.deepEqual([...erased.seen], [...corrected.seen], 'an erasure changed a figure');
});
