// The statistics page in a real browser: figures, the chart and every table in Swedish and in
// English, each CSV file downloaded and read back (BOM, semicolons, decimal comma in Swedish)
// equal to what the API answers, axe at phone and desktop widths, what a branch-bound manager and
// a volunteer see, and the print style.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sv from '../../web/js/lang/sv.js';
import en from '../../web/js/lang/en.js';
import { startApp, addStaff, addBranch, checkA11y, assertNoPageErrors, visibleText, screenshot } from './lib.mjs';
import { Client, OPEN_EVERY_DAY } from '../api/lib.mjs';

// The admin pages' strings ("admin.*", "stats.*"), and the rest of the Swedish dictionary.
const ADMIN = /^(admin|stats)\./;
const part = (dict, admin) => Object.fromEntries(Object.entries(dict).filter(([key]) => ADMIN.test(key) === admin));
const strings = { sv: part(sv, true), en: part(en, true) };
const shared = part(sv, false);
const FROM = '2025-01-01';
const TO = '2025-12-31';
const PAGE = `/admin/stats?from=${FROM}&to=${TO}&by=month`;
let app;
let api; // the same numbers, straight from the API

before(async () => {
  app = await startApp();
  const { db } = app;
  await addBranch(db, 'deje', { name: 'Fritidsbanken Deje', prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'forshaga', { name: 'Fritidsbanken Forshaga', prefix: 'FOR', opening_hours: OPEN_EVERY_DAY });
  await db.query(`INSERT INTO items (code, branch_id, category_id, name, status, donated_on)
    SELECT b.code_prefix || '-' || g, b.id, (ARRAY[111, 112, 12, 21, 31])[1 + g % 5], 'sak ' || g, 'available',
           date '2024-06-01' + (g * 29 + b.id * 7) % 500
      FROM branches b, generate_series(1, 12) g ORDER BY b.id, g`);
  // Six adults, a child and one of unknown age; five women, two men and one unknown.
  await db.query(`INSERT INTO borrowers (branch_id, name, phone, birth_year, gender)
    SELECT 1 + g % 2, 'Person ' || g, '+46702220' || lpad(g::text, 3, '0'),
           CASE WHEN g <= 6 THEN 1980 WHEN g = 7 THEN 2015 END,
           CASE WHEN g <= 5 THEN 'kvinna' WHEN g <= 7 THEN 'man' END
      FROM generate_series(1, 8) g`);
  // 90 returned loans over 2025 (and a few in 2024), each with a checkout of its own.
  await db.query(`
    WITH plan AS (
      SELECT g, i.id AS item, i.branch_id, i.category_id, p.id AS borrower,
             timestamptz '2024-12-20 11:00 Europe/Stockholm' + make_interval(days => (g * 4) % 380, hours => g % 6) AS out_at
        FROM generate_series(1, 90) g
        JOIN LATERAL (SELECT * FROM items WHERE branch_id = 1 + g % 2 ORDER BY id OFFSET g % 12 LIMIT 1) i ON true
        JOIN LATERAL (SELECT * FROM borrowers WHERE branch_id = 1 + g % 2 ORDER BY id OFFSET (g / 2) % 4 LIMIT 1) p ON true),
    c AS (
      INSERT INTO checkouts (branch_id, borrower_id, created_at)
      SELECT branch_id, borrower, out_at FROM plan ORDER BY g RETURNING id, created_at, branch_id)
    INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref,
                       checked_out_at, due_date, returned_at)
    SELECT c.id, plan.item, plan.branch_id, plan.category_id, plan.borrower, plan.borrower, plan.out_at,
           (plan.out_at AT TIME ZONE 'Europe/Stockholm')::date + 14,
           plan.out_at + make_interval(days => 3 + plan.g % 17)
      FROM plan JOIN c ON c.created_at = plan.out_at AND c.branch_id = plan.branch_id`);
  await db.query("UPDATE categories SET co2e_kg = 12.5, sek = 450.75 WHERE id = 11");
  await db.query("UPDATE items SET status = 'lost' WHERE code IN ('DEJ-3', 'FOR-4', 'FOR-9')");
  await addStaff(db, { username: 'nina', role: 'manager', displayName: 'Nina N' });
  await addStaff(db, { username: 'bo', role: 'manager', branch: 'deje', displayName: 'Bo B' });
  await addStaff(db, { username: 'vera', role: 'volunteer', displayName: 'Vera V' });

  const c = new Client(app.url);
  await c.login('nina');
  const get = async (path) => {
    const r = await c.get(path);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const q = `from=${FROM}&to=${TO}`;
  api = {
    summary: await get(`/api/stats/summary?${q}`),
    before: await get('/api/stats/summary?from=2024-01-01&to=2024-12-31'),
    month: (await get(`/api/stats/loans?${q}&group_by=month`)).rows,
    category: (await get(`/api/stats/loans?${q}&group_by=category`)).rows,
    branch: (await get(`/api/stats/loans?${q}&group_by=branch`)).rows,
    items: await get('/api/stats/items'),
    age: await get(`/api/stats/loans?${q}&group_by=age_band`),
    gender: await get(`/api/stats/loans?${q}&group_by=gender`),
  };
  assert.ok(api.summary.loans > 60 && api.summary.loans < 90, JSON.stringify(api.summary));
});
after(async () => {
  await app?.stop();
});

test('the admin strings: the same keys in both languages, none empty, none shadowing a shared string', () => {
  assert.deepEqual(Object.keys(strings.en).sort(), Object.keys(strings.sv).sort());
  for (const [key, value] of [...Object.entries(strings.sv), ...Object.entries(strings.en)]) {
    assert.match(key, /^(admin|stats)\./, `${key} is outside the admin pages' namespaces`);
    const texts = typeof value === 'object' ? Object.values(value) : [value];
    for (const text of texts) assert.ok(typeof text === 'string' && text.trim(), `${key} is empty`);
    assert.ok(!(key in shared), `${key} would replace a shared string`);
  }
});

async function openAs(username, path = PAGE, lang = 'sv') {
  await app.context.clearCookies();
  const r = await app.context.request.post(`${app.url}/api/session`, { data: { username, password: 'correct horse battery' } });
  assert.equal(r.status(), 200);
  const page = await app.newPage();
  await page.goto(app.url + path);
  await page.evaluate((l) => localStorage.setItem('hylla.lang', l), lang);
  await page.reload();
  return page;
}

const ready = (page) => page.waitForSelector('#stats-report:not([hidden]):not([aria-busy])');

/** A CSV file the page offers, downloaded: its raw text and its rows split on ";" (no quoting in these). */
async function csv(page, id) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-csv="${id}"]`)]);
  const text = readFileSync(await download.path(), 'utf8');
  assert.ok(text.startsWith('\ufeff'), `${id}: no byte order mark`);
  assert.ok(text.endsWith('\r\n'), `${id}: lines end with CRLF`);
  assert.match(download.suggestedFilename(), new RegExp(`^hylla-${id}-.*\\.csv$`));
  return text.slice(1).trimEnd().split('\r\n').map((line) => line.split(';'));
}

/** A number from a CSV file: a decimal comma in Swedish, a point in English. */
const num = (text, lang) => Number(lang === 'sv' ? text.replace(',', '.') : text);

async function checkTablesAndFiles(page, lang) {
  const dict = lang === 'sv' ? sv : en;
  assert.equal(await page.getAttribute('html', 'lang'), lang);
  assert.equal(await page.textContent('#stats-heading'), dict['stats.heading']);
  // The chart: uPlot draws on a canvas, with a label saying what it shows.
  assert.equal(await page.locator('#stats-chart canvas').count() > 0, true, 'no chart');
  assert.ok((await page.getAttribute('#stats-chart', 'aria-label')).length > 10);

  // Figures: the summary file has each figure by its label, the same as the API.
  const figures = new Map((await csv(page, 'summary')).slice(1).map(([label, value]) => [label, value]));
  const fig = (key) => figures.get(dict[`stats.${key}`]);
  for (const key of ['loans', 'returns', 'unique_borrowers', 'new_borrowers', 'items_donated', 'items', 'items_never_lent'])
    assert.equal(num(fig(key), lang), api.summary[key], `${lang} ${key}`);
  assert.equal(num(fig('total_loans'), lang), api.summary.total_loans_since_start);
  assert.equal(num(fig('co2e_kg'), lang), Math.round(api.summary.co2e_kg * 10) / 10);
  assert.equal(num(fig('sek'), lang), Math.round(api.summary.sek));
  assert.equal(num(fig('late_share'), lang), Math.round(api.summary.late_share * 1000) / 10);
  assert.equal(num(fig('average_loan_days'), lang), Math.round(api.summary.average_loan_days * 10) / 10);
  if (lang === 'sv') assert.match(fig('co2e_kg'), /^\d+,\d$/, 'a decimal comma in Swedish');
  else assert.match(fig('co2e_kg'), /^\d+\.\d$/);
  // The page shows the same figure the file holds.
  const shownLoans = await page.locator('#stats-figures div', { hasText: dict['stats.loans'] }).first().locator('dd')
    .evaluate((dd) => dd.firstChild.textContent);
  assert.equal(Number(shownLoans.replace(/[\s\u00a0\u202f,]/g, '')), api.summary.loans);

  // Loans by month: every month of the period, as the API answers.
  const months = await csv(page, 'loans-by-month');
  assert.deepEqual(months.slice(1).map((r) => [r[1], num(r[2], lang)]), api.month.map((r) => [r.key, r.loans]));
  assert.equal(await page.locator('[data-table="loans-by-month"] tbody tr').count(), 12);

  // By category: the loans and the shares; the bars are drawn, the sum is in the foot.
  const cats = await csv(page, 'loans-by-category');
  assert.deepEqual(cats.slice(1, -1).map((r) => num(r[1], lang)), api.category.map((r) => r.loans));
  assert.equal(num(cats.at(-1)[1], lang), api.summary.loans);
  assert.ok(await page.locator('[data-table="loans-by-category"] .bar').count() >= api.category.length);

  // Ranking of branches, most loans first.
  const ranking = await csv(page, 'loans-by-branch');
  assert.deepEqual(ranking.slice(1).map((r) => [r[1], num(r[2], lang)]), api.branch.map((r) => [r.name, r.loans]));

  // Impact: the per-category figures and their source.
  const impact = await csv(page, 'impact-factors');
  const total = impact.at(-1);
  assert.ok(Math.abs(num(total[3], lang) - api.summary.co2e_kg) < 0.051, `${total[3]} vs ${api.summary.co2e_kg}`);
  assert.equal(num(total[5], lang), Math.round(api.summary.sek));
  // The source in the page's language.
  const rise = lang === 'sv' ? /RISE 2020, utvärdering av Fritidsbanken/ : /RISE 2020 evaluation of Fritidsbanken/;
  assert.ok(impact.slice(1, -1).some((r) => rise.test(r[6])), `no source in ${lang}: ${JSON.stringify(impact)}`);

  // The same period a year earlier, and the change in per cent.
  const summaryFile = await csv(page, 'summary');
  assert.equal(summaryFile[0].length, 4);
  const loansRow = summaryFile.find((r) => r[0] === dict['stats.loans']);
  assert.equal(num(loansRow[2], lang), api.before.loans);
  assert.equal(num(loansRow[3], lang), Math.round(((api.summary.loans - api.before.loans) / api.before.loans) * 1000) / 10);
  const loansCard = await page.locator('#stats-figures div', { hasText: dict['stats.loans'] }).first().textContent();
  assert.ok(loansCard.includes(lang === 'sv' ? 'året före' : 'a year earlier'), loansCard);
  // The impact cards say how many loans they are counted on: those of categories with a factor.
  const covered = api.category.filter((r) => [111, 112].includes(r.key)).reduce((n, r) => n + r.loans, 0);
  const impactCard = await page.locator('#stats-impact div', { hasText: dict['stats.co2e_kg'] }).textContent();
  const words = lang === 'sv' ? 'beräknat på' : 'counted on';
  assert.match(impactCard.replace(/[\s\u00a0\u202f]+/g, ' '), new RegExp(`${words} ${covered} (av|of) ${api.summary.loans} (lån|loans)`), impactCard);

  // By age and gender: the API's figures, and "< 5" where the API hides one, on screen and on file.
  for (const [id, answer] of [['loans-by-age-band', api.age], ['loans-by-gender', api.gender]]) {
    const shown = (r, field) => (r.suppressed ? (r.reason === 'under_5' ? '< 5' : '..') : r[field]);
    const file = await csv(page, id);
    assert.deepEqual(file.slice(1, -1).map((r) => [r[1], r[2]].map((v) => (/^\d/.test(v) ? num(v, lang) : v))),
      answer.rows.map((r) => [shown(r, 'loans'), shown(r, 'borrowers')]), id);
    assert.deepEqual(file.at(-1).slice(1).map((v) => num(v, lang)), [answer.total.loans, answer.total.borrowers], JSON.stringify([file, answer]));
    const cells = await page.$$eval(`[data-table="${id}"] tbody tr`, (trs) => trs.map((tr) => [...tr.cells].slice(1).map((c) => c.textContent)));
    assert.deepEqual(cells.map((c) => c.map((v) => (/^\d/.test(v) ? Number(v.replace(/[\s\u00a0\u202f,]/g, '')) : v))),
      answer.rows.map((r) => [shown(r, 'loans'), shown(r, 'borrowers')]), `${id} on screen`);
  }
  assert.ok(api.age.rows.some((r) => r.suppressed) && api.age.rows.some((r) => !r.suppressed && r.borrowers >= 5),
    JSON.stringify(api.age));

  // The catalogue now.
  const cat = await csv(page, 'catalogue');
  assert.deepEqual(cat.at(-1).slice(1).map((v) => num(v, lang)), [api.items.items, api.items.never_lent, api.items.lost]);
  assert.equal(api.items.lost, 3);
  assert.equal(cat[0][3], strings[lang]['stats.lost_col']);
}

test('the page shows the chart, figures and tables in Swedish, and every CSV holds the API numbers', async () => {
  const page = await openAs('nina');
  await ready(page);
  await checkTablesAndFiles(page, 'sv');
  // The branch chooser offers the whole network and each branch.
  const options = await page.locator('#stats-branch option').allTextContents();
  assert.deepEqual(options, [sv['admin.network'], 'Fritidsbanken Deje', 'Fritidsbanken Forshaga']);
  const text = await visibleText(page);
  for (const key of ['stats.figures', 'stats.over_time', 'stats.by_category', 'stats.ranking', 'stats.impact', 'stats.catalogue'])
    assert.ok(text.includes(sv[key]), `missing ${key}`);
  await checkA11y(page, 'stats-sv');
  assertNoPageErrors(page);
  await page.close();
});

test('the same in English, and the language switch redraws everything', async () => {
  const page = await openAs('nina');
  await ready(page);
  await page.click('[data-lang-switch]');
  await page.waitForFunction((h) => document.getElementById('stats-heading').textContent === h, en['stats.heading']);
  await checkTablesAndFiles(page, 'en');
  const text = await visibleText(page);
  for (const key of ['stats.figures', 'stats.over_time', 'stats.by_category', 'stats.ranking', 'stats.impact', 'stats.catalogue'])
    assert.ok(text.includes(en[key]), `missing ${key}`);
  for (const key of ['stats.figures', 'stats.by_category', 'stats.catalogue'])
    assert.ok(!text.includes(sv[key]), `Swedish left: ${sv[key]}`);
  await checkA11y(page, 'stats-en');
  assertNoPageErrors(page);
  await page.close();
});

test('a branch-bound manager sees their branch only, with no network choice', async () => {
  const page = await openAs('bo');
  await ready(page);
  assert.deepEqual(await page.locator('#stats-branch option').allTextContents(), ['Fritidsbanken Deje']);
  assert.equal(await page.isVisible('[data-section="branches"]'), false);
  const rows = await csv(page, 'loans-by-month');
  const c = new Client(app.url);
  await c.login('bo');
  const mine = (await c.get(`/api/stats/loans?from=${FROM}&to=${TO}&group_by=month`)).json.rows;
  assert.deepEqual(rows.slice(1).map((r) => Number(r[2])), mine.map((r) => r.loans));
  assert.ok(mine.reduce((s, r) => s + r.loans, 0) < api.summary.loans);
  await screenshot(page, 'stats-branch-manager');
  assertNoPageErrors(page);
  await page.close();
});

test('a volunteer is told the page is not for them', async () => {
  const page = await openAs('vera', '/admin/stats');
  await page.waitForSelector('#stats-denied:not([hidden])');
  assert.equal(await page.textContent('#stats-denied-text'), sv['stats.forbidden']);
  assert.equal(await page.isVisible('#stats-controls'), false);
  await checkA11y(page, 'stats-volunteer');
  assertNoPageErrors(page, [/status of 403/]);
  await page.close();
});

test('printed, every page carries the branch, the period and the day it was printed', async () => {
  const page = await openAs('nina', `${PAGE}&branch=deje`);
  await ready(page);
  const dir = mkdtempSync(path.join(tmpdir(), 'hylla-print-'));
  try {
    const file = path.join(dir, 'report.pdf');
    await page.pdf({ path: file, format: 'A4' });
    const pages = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).split('\f').filter((p) => p.trim());
    assert.ok(pages.length >= 2, `only ${pages.length} page`);
    const printed = new Intl.DateTimeFormat('sv-SE', { day: 'numeric', month: 'long', year: 'numeric' }).format(new Date());
    pages.forEach((text, i) => {
      const flat = text.replace(/\s+/g, ' ');
      assert.ok(flat.includes(`hylla – statistik: Fritidsbanken Deje, 2025. Utskriven ${printed}.`), `page ${i + 1}: ${flat.slice(0, 300)}`);
      assert.ok(flat.includes(`Sida ${i + 1} av ${pages.length}`), `page ${i + 1} number`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assertNoPageErrors(page);
  await page.close();
});

test('seasons and school holidays are presets with their dates, and the page says what they are', async () => {
  const page = await openAs('nina', '/admin/stats');
  await ready(page);
  const groups = await page.$$eval('#stats-period optgroup', (g) => g.map((x) => [x.label, x.querySelectorAll('option').length]));
  assert.deepEqual(groups, [[sv['stats.presets.periods'], 4], [sv['stats.presets.seasons'], 4], [sv['stats.presets.holidays'], 8]]);
  const labels = await page.$$eval('#stats-period option', (o) => Object.fromEntries(o.map((x) => [x.value, x.textContent])));
  // The latest winter that has begun, up to today: on 1 December that is today alone, later in
  // December a range within the month ("1–2 december"), after it a range across the year.
  const [y, m, d] = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm' }).format(new Date()).split('-').map(Number);
  if (m === 12) assert.equal(labels.winter, `Vinter: 1${d > 1 ? `–${d}` : ''} december ${y}`);
  else assert.match(labels.winter, new RegExp(`^Vinter: 1 december ${y - 1}–\\d+ (januari|februari) ${y}$`));
  assert.match(labels['autumn-holiday'], /^Höstlov: /);
  assert.equal(await page.isVisible('#stats-period-note'), false);

  await page.selectOption('#stats-period', 'sportlov-9');
  await page.waitForFunction(() => /period=sportlov-9/.test(location.search));
  await ready(page);
  // Week 9: Monday to Sunday, the latest that has begun.
  const scope = await page.textContent('#stats-scope');
  assert.ok(scope.includes('februari') || scope.includes('mars'), scope);
  assert.equal(await page.textContent('#stats-period-note'), sv['stats.holidays_note']);
  await page.selectOption('#stats-period', 'summer');
  await page.waitForFunction((n) => document.getElementById('stats-period-note').textContent === n, sv['stats.seasons_note']);
  await ready(page);
  await checkA11y(page, 'stats-season');
  assertNoPageErrors(page);
  await page.close();
});

test('printed, the report hides the controls and buttons and keeps every table', async () => {
  const page = await openAs('nina');
  await ready(page);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('#stats-controls'), false);
  assert.equal(await page.isVisible('[data-csv="summary"]'), false);
  assert.equal(await page.isVisible('.topbar'), false);
  for (const id of ['loans-by-month', 'loans-by-category', 'loans-by-branch', 'impact-factors', 'catalogue'])
    assert.equal(await page.isVisible(`[data-table="${id}"]`), true, id);
  await screenshot(page, 'stats-print');
  await page.emulateMedia({ media: 'screen' });
  assertNoPageErrors(page);
  await page.close();
});

test('every chart unit shows the API rows, and a wrong custom period is refused by its field', async () => {
  const page = await openAs('nina', `/admin/stats?from=2025-02-20&to=2025-04-10&by=day`);
  await ready(page);
  const c = new Client(app.url);
  await c.login('nina');
  for (const by of ['day', 'week', 'month', 'year']) {
    if (by !== 'day') {
      await page.selectOption('#stats-by', by);
      await page.waitForSelector(`[data-table="loans-by-${by}"]`);
      await ready(page);
    }
    const want = (await c.get(`/api/stats/loans?from=2025-02-20&to=2025-04-10&group_by=${by}`)).json.rows;
    const rows = await csv(page, `loans-by-${by}`);
    assert.deepEqual(rows.slice(1).map((r) => [r[1], Number(r[2])]), want.map((r) => [r.key, r.loans]), by);
    assert.equal(await page.locator(`[data-table="loans-by-${by}"] tbody tr`).count(), want.length);
    assert.ok(await page.locator('#stats-chart canvas').count() > 0);
    assert.match(page.url(), new RegExp(`by=${by}`), 'the choice is kept in the address');
  }
  // Weeks are named by their ISO number: 2025-02-17 starts week 8.
  assert.equal(await page.locator('[data-table="loans-by-week"]').count(), 0);
  await page.selectOption('#stats-by', 'week');
  await page.waitForSelector('[data-table="loans-by-week"]');
  assert.equal(await page.locator('[data-table="loans-by-week"] tbody tr th').first().textContent(), 'v. 8 2025');

  const shown = await page.textContent('#stats-scope');
  await page.fill('#stats-from', '2025-05-01');
  await page.fill('#stats-to', '2025-04-01');
  await page.click('#stats-controls button[type="submit"]');
  assert.equal(await page.textContent('#stats-to-error'), sv['stats.date_order']);
  assert.equal(await page.getAttribute('#stats-to', 'aria-invalid'), 'true');
  assert.equal(await page.textContent('#stats-scope'), shown, 'a refused period changed the report');
  await checkA11y(page, 'stats-date-error');
  assertNoPageErrors(page);
  await page.close();
});

test('CSV fields: quoted when they hold a separator or quote, formulas kept as text, numbers per language', async () => {
  const page = await openAs('nina');
  await ready(page);
  const files = await page.evaluate(async () => {
    const { toCsv } = await import('/js/admin/table.js');
    const { setLang } = await import('/js/i18n.js');
    const model = {
      columns: [{ label: 'Namn' }, { label: 'Lån', kind: 'int' }, { label: 'kg', kind: 'dec1' }, { label: '%', kind: 'pct' }],
      rows: [['a;b', 1234, 12.25, 0.5], ['say "hi"', 0, null, 1 / 3], ['=SUM(A1)', 7, 0.04, 0]],
    };
    setLang('sv');
    const sv = toCsv(model);
    setLang('en');
    const en = toCsv(model);
    setLang('sv');
    return { sv, en };
  });
  assert.equal(files.sv, 'Namn;Lån;kg;%\r\n"a;b";1234;12,3;50,0\r\n"say ""hi""";0;;33,3\r\n\'=SUM(A1);7;0,0;0,0\r\n');
  assert.equal(files.en, 'Namn;Lån;kg;%\r\n"a;b";1234;12.3;50.0\r\n"say ""hi""";0;;33.3\r\n\'=SUM(A1);7;0.0;0.0\r\n');
  await page.close();
});

test('a preset period and a branch: the figures of that branch, the whole ranking with the branch marked', async () => {
  const page = await openAs('nina', '/admin/stats');
  await ready(page);
  const year = Number((await app.db.query("SELECT to_char(now() AT TIME ZONE 'Europe/Stockholm', 'YYYY') AS y")).rows[0].y) - 1;
  await page.selectOption('#stats-period', 'last-year');
  await page.waitForFunction((y) => document.getElementById('stats-scope').textContent.endsWith(String(y)), year);
  await page.selectOption('#stats-branch', 'deje');
  await page.waitForFunction(() => document.getElementById('stats-scope').textContent.startsWith('Fritidsbanken Deje'));
  await ready(page);
  assert.match(page.url(), /period=last-year/);
  assert.match(page.url(), /branch=deje/);
  const c = new Client(app.url);
  await c.login('nina');
  const want = (await c.get(`/api/stats/summary?from=${year}-01-01&to=${year}-12-31&branch=deje`)).json;
  const figures = new Map((await csv(page, 'summary')).slice(1).map(([label, value]) => [label, value]));
  assert.equal(Number(figures.get(sv['stats.loans'])), want.loans);
  assert.equal(Number(figures.get(sv['stats.unique_borrowers'])), want.unique_borrowers);
  assert.equal(await page.locator('[data-table="loans-by-branch"] tbody tr').count(), 2);
  assert.match(await page.locator('[data-table="loans-by-branch"] tr.is-selected').textContent(), /Deje/);
  assertNoPageErrors(page);
  await page.close();
});
