// Administration in the browser, as people do it: an admin adds a volunteer, who logs in with the
// one-time password, must choose their own, and lends an item; a reset ends their open session at
// once. A manager gives their branch summer hours and a Christmas closure on the calendar (not
// another branch's), the public site then says the new hours, and a loan due on 24 December is
// offered a move and moved. Volunteers are turned away from every admin page. A borrower's copy
// of their data and their erasure from the desk. sv and en, keyboard, axe at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sv from '../../web/js/lang/sv.js';
import {
  startApp, launchBrowser, addStaff, addBranch, loginAs, checkA11y, assertNoPageErrors, assertNoSwedish, visibleText,
  screenshot, scan, rows,
} from './lib.mjs';
import { addItem, addBorrower, OPEN_EVERY_DAY, stockholmDate } from '../api/lib.mjs';

let app;
const count = async (sql, params) => Number((await app.db.query(sql, params)).rows[0].n);

before(async () => {
  app = await startApp();
  await addBranch(app.db, 'deje', { name: 'Fritidsbanken Deje', prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  await addBranch(app.db, 'molkom', { name: 'Fritidsbanken Molkom', prefix: 'MOL', opening_hours: OPEN_EVERY_DAY });
});
after(async () => {
  await app?.stop();
});

/** A page of its own browser profile, logged in as a new account. */
async function pageAs(account) {
  await app.context.clearCookies();
  await loginAs(app, account);
  const page = await app.newPage();
  // Swedish, whatever a test before this one chose.
  await page.goto(`${app.url}/om`);
  await page.evaluate(() => localStorage.setItem('hylla.lang', 'sv'));
  return page;
}

async function open(page, path) {
  await page.goto(app.url + path);
  await page.waitForSelector('body[data-ready="true"]');
}

test('an admin adds a volunteer, who chooses their own password and lends; a reset ends their session at once', async () => {
  const page = await pageAs({ username: 'ada', role: 'admin', displayName: 'Ada Admin' });
  // After login, admins land on /admin: the sections they may use, from the same list as the bar.
  await page.goto(`${app.url}/login`);
  await page.waitForURL(`${app.url}/admin`);
  await page.waitForSelector('#home-sections li');
  assert.deepEqual(await page.$$eval('#home-sections h2', (h) => h.map((x) => x.textContent)),
    [sv['admin.nav.stats'], sv['admin.nav.branches'], sv['admin.nav.staff'], sv['admin.nav.categories'], sv['admin.nav.texts'], sv['admin.nav.messages']]);
  await checkA11y(page, 'admin-home');

  await open(page, '/admin/staff');
  await page.fill('#add-name', 'Ville Volontär');
  await page.fill('#add-username', 'ville');
  await page.selectOption('#add-role', 'volunteer');
  await page.selectOption('#add-branch', 'deje');
  await page.click('#add-submit');
  await page.waitForSelector('#otp-box:not([hidden])');
  const otp = await page.textContent('#otp-code');
  assert.match(otp, /^[a-km-zA-HJ-NP-Z2-9]{12}$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'otp-box');
  assert.equal(await page.textContent('#welcome-password'), otp, 'the welcome sheet holds it');
  assert.equal(await page.textContent('#welcome-username'), 'ville');
  assert.ok(!(await page.isVisible('#welcome-sheet')), 'the welcome sheet is for paper only');
  await checkA11y(page, 'admin-staff-otp');
  // The same username again: refused, and what was typed stays, with the field named.
  await page.fill('#add-name', 'Ville Igen');
  await page.fill('#add-username', 'VILLE');
  await page.click('#add-submit');
  await page.waitForSelector('#add-error:not([hidden])');
  assert.equal(await page.textContent('#add-error'), sv['problem.username_taken']);
  assert.equal(await page.inputValue('#add-name'), 'Ville Igen');
  assert.equal(await page.inputValue('#add-username'), 'VILLE');
  await page.click('#otp-done');

  // The volunteer, in a browser of their own: one-time password, then a password of their own.
  const code = await addItem(app.db, 'deje', { name: 'Hockeyskridskor', category: 121 });
  await addBorrower(app.db, { branch: 'deje', name: 'Nora Nilsson', phone: '+46705551234' });
  const other = await launchBrowser();
  try {
    const vpage = await other.context.newPage();
    await vpage.goto(`${app.url}/login`);
    await vpage.fill('#username', 'ville');
    await vpage.fill('#password', otp);
    await Promise.all([vpage.waitForURL(/\/account\?next=%2Fdesk$/), vpage.click('#login-submit')]);
    await vpage.waitForSelector('#account-must:not([hidden])');
    await checkA11y(vpage, 'account-must-change');
    // Anything else sends them back here first.
    await vpage.goto(`${app.url}/desk/lend`);
    await vpage.waitForURL(/\/account\?next=%2Fdesk%2Flend$/);
    await vpage.fill('#current-password', otp);
    await vpage.fill('#new-password', 'qwertyuiop');
    await vpage.fill('#repeat-password', 'qwertyuiop');
    await vpage.click('#account-submit');
    await vpage.waitForSelector('#new-password-error:not([hidden])');
    assert.equal(await vpage.textContent('#new-password-error'), sv['field.common']);
    assert.equal(await vpage.getAttribute('#new-password', 'aria-invalid'), 'true');
    await vpage.fill('#new-password', 'ville väljer själv');
    await vpage.fill('#repeat-password', 'ville väljer själv');
    await Promise.all([vpage.waitForURL(`${app.url}/desk/lend`), vpage.click('#account-submit')]);
    await vpage.waitForSelector('body[data-ready="true"]');
    // Volunteers see the desk only: no way to the administration in the bar.
    assert.equal(await vpage.isVisible('header a[href="/admin"]'), false);
    await vpage.focus('#lend-who');
    await scan(vpage, '070-555 12 34');
    await vpage.waitForSelector('#lend-borrower:not([hidden])');
    await vpage.focus('#lend-code');
    await scan(vpage, code);
    await rows(vpage, '#lend-list', 1);
    await vpage.keyboard.press('Control+Enter');
    await vpage.waitForSelector('#lend-receipt:not([hidden])');
    assert.equal(await count(`SELECT count(*) AS n FROM loans l JOIN staff s ON s.id = l.checked_out_by
      WHERE s.username = 'ville' AND l.returned_at IS NULL`), 1);

    // The admin resets the password: the volunteer's open session ends at once.
    await page.click('[data-edit]:has-text("Ville Volontär")');
    await page.waitForSelector('#edit-panel:not([hidden])');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'edit-heading');
    await page.click('#edit-reset');
    await page.waitForSelector('#otp-box:not([hidden])');
    assert.notEqual(await page.textContent('#otp-code'), otp);
    assert.equal(await vpage.evaluate(async () => (await fetch('/api/session')).status), 401);
    await vpage.reload();
    await vpage.waitForURL(/\/login/);
  } finally {
    await other.close();
  }
  // The list says who has logged in and who waits for a password of their own.
  const row = page.locator('#staff-table tr', { hasText: 'Ville Volontär' });
  assert.match(await row.textContent(), new RegExp(sv['admin.staff.is_new']));
  await page.click('[data-lang-switch]');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assertNoSwedish(await visibleText(page, { except: '#staff-table tbody th, [data-edit], #otp-text, [lang]:not(html)' }), 'admin/staff (en)');
  await checkA11y(page, 'admin-staff-en');
  await page.click('[data-lang-switch]');
  assertNoPageErrors(page, [/409/]);
  await page.close();
});

/** The next 24 December from today on (a loan is due then). */
async function nextChristmasEve() {
  const today = await stockholmDate(app.db);
  const year = Number(today.slice(0, 4)) + (today.slice(5) > '12-23' ? 1 : 0);
  return year;
}

test('a manager sets summer hours and a Christmas closure on the calendar; the public site says them; a loan due on 24 December moves', async () => {
  const year = await nextChristmasEve();
  // A loan of Deje due on Christmas Eve.
  const code = await addItem(app.db, 'deje', { name: 'Pulka', category: 15, status: 'on_loan' });
  const borrower = await addBorrower(app.db, { branch: 'deje', name: 'Jul Jansson', phone: '+46705550000' });
  const { rows: [loan] } = await app.db.query(
    `WITH c AS (INSERT INTO checkouts (branch_id, borrower_id) SELECT id, $2 FROM branches WHERE slug = 'deje' RETURNING id, branch_id)
     INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref, due_date)
     SELECT c.id, i.id, c.branch_id, i.category_id, $2, $2, $3 FROM c, items i WHERE i.code = $1 RETURNING id`,
    [code, borrower, `${year}-12-24`]);

  const page = await pageAs({ username: 'maja', role: 'manager', branch: 'deje', displayName: 'Maja M' });
  await page.goto(`${app.url}/login`);
  await page.waitForURL(`${app.url}/admin`);
  await page.click('a[href="/admin/branches"] >> nth=0');
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.textContent('h1'), 'Fritidsbanken Deje');
  assert.equal(await page.inputValue('#hours-mon'), '10–18');

  // Summer: Tuesdays and Thursdays 16–19, 15 June to 15 August.
  await page.click('#season-add');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.part), 'name');
  await page.keyboard.type('Sommar');
  const season = page.locator('[data-season]').first();
  await season.locator('[data-part="from-day"]').fill('15');
  await season.locator('[data-part="from-month"]').selectOption('06');
  await season.locator('[data-part="to-day"]').fill('15');
  await season.locator('[data-part="to-month"]').selectOption('08');
  await season.locator('[data-day="tue"]').fill('16–19');
  await season.locator('[data-day="thu"]').fill('16-19');

  // Christmas on the calendar, with the keyboard: the month of December, 23 Dec, then 6 Jan.
  const heading = async () => page.textContent('#month-heading');
  for (let i = 0; i < 14 && !new RegExp(`december ${year}`, 'i').test(await heading()); i++) {
    const was = await heading();
    await page.click('#month-next');
    await page.waitForFunction((h) => document.getElementById('month-heading').textContent !== h, was);
  }
  await page.waitForSelector(`#month [data-day="${year}-12-23"]`);
  await page.focus(`#month [data-day="${year}-12-23"]`);
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#pick-status'), /23 december/);
  await page.click('#month-next');
  await page.waitForSelector(`#month [data-day="${year + 1}-01-06"]`);
  await page.click(`#month [data-day="${year + 1}-01-06"]`);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.part), 'reason');
  await page.keyboard.type('Julstängt');
  assert.equal(await page.inputValue('[data-closed] [data-part="from"]'), `${year}-12-23`);
  assert.equal(await page.inputValue('[data-closed] [data-part="to"]'), `${year + 1}-01-06`);

  // Before saving: the loan due on 24 December is named, with where it would move; no move yet.
  await page.waitForSelector('#due-box:not([hidden])');
  assert.match(await page.textContent('#due-list'), /24 dec: 1 lån, flyttas till [a-zåäö]+ 7 januari/);
  assert.equal(await page.isVisible('#due-move'), false);
  await page.waitForFunction(() => document.querySelector(`#month [data-day$="-01-06"]`)?.classList.contains('day-closed'));
  await checkA11y(page, 'admin-branch-calendar');

  await page.click('#branch-save');
  await page.waitForSelector('#due-move:not([hidden])');
  assert.equal(await page.textContent('#branches-status'), sv['admin.branches.saved'].replace('{name}', 'Fritidsbanken Deje'));
  assert.equal((await app.db.query('SELECT due_date::text AS d FROM loans WHERE id = $1', [loan.id])).rows[0].d, `${year}-12-24`,
    'saving moved no due date');
  await page.click('#due-move');
  await page.waitForFunction(() => document.getElementById('due-box').hidden);
  assert.equal((await app.db.query('SELECT due_date::text AS d FROM loans WHERE id = $1', [loan.id])).rows[0].d, `${year + 1}-01-07`);
  assert.equal(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'due_dates_moved'"), 1);
  const today = await page.textContent('#preview-today');
  const week = await page.textContent('#preview-week');
  assert.match(today, /^(Öppet nu, stänger|Stängt nu)/);

  // The public site: the saved season and closure, open now and the week as the preview said them.
  const pub = await (await page.request.get(`${app.url}/api/public/branches/deje`)).json();
  assert.deepEqual(pub.seasons, [{ name: 'Sommar', from: '06-15', to: '08-15', opening_hours: { tue: [['16:00', '19:00']], thu: [['16:00', '19:00']] } }]);
  assert.deepEqual(pub.closed_periods, [{ from: `${year}-12-23`, to: `${year + 1}-01-06`, reason: 'Julstängt' }]);
  const site = await app.newPage();
  await site.goto(`${app.url}/?branch=deje`);
  await site.waitForFunction(() => document.querySelector('#open-now .open-now')?.textContent);
  assert.equal(await site.textContent('#open-now .open-now'), today);
  assert.equal(await site.textContent('#week'), week);
  await site.close();

  // Another branch: the page may show it, but a change is refused and changes nothing.
  const before = (await app.db.query("SELECT to_jsonb(b) AS b FROM branches b WHERE slug = 'molkom'")).rows[0].b;
  await open(page, '/admin/branches?branch=molkom');
  await page.fill('#f-notice', 'Hackat');
  await page.fill('#hours-mon', '8–9');
  await page.click('#branch-save');
  await page.waitForSelector('#branch-error:not([hidden])');
  assert.equal(await page.textContent('#branch-error'), sv['problem.branch_forbidden']);
  assert.equal(await page.inputValue('#f-notice'), 'Hackat', 'what was typed stays');
  assert.equal(await page.inputValue('#hours-mon'), '8–9');
  assert.deepEqual((await app.db.query("SELECT to_jsonb(b) AS b FROM branches b WHERE slug = 'molkom'")).rows[0].b, before);
  const status = await page.evaluate(async () => {
    const s = await (await fetch('/api/session')).json();
    const r = await fetch('/api/branches/molkom', { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf_token }, body: '{"notice":"x"}' });
    return r.status;
  });
  assert.equal(status, 403);

  // Bad input is said by its field, and nothing is sent.
  await open(page, '/admin/branches?branch=deje');
  await page.fill('#hours-wed', '18–15');
  await page.fill('#f-loan-days', '0');
  await page.click('#branch-save');
  await page.waitForSelector('#hours-wed-error:not([hidden])');
  assert.equal(await page.textContent('#hours-wed-error'), sv['admin.branches.hours_order']);
  assert.equal(await page.textContent('#f-loan-days-error'), sv['admin.branches.between'].replace('{min}', '1').replace('{max}', '365'));
  assert.equal(await page.getAttribute('#hours-wed', 'aria-invalid'), 'true');
  await checkA11y(page, 'admin-branch-errors');
  await page.click('[data-lang-switch]');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assertNoSwedish(await visibleText(page, { except: 'input, textarea, h1, [data-closed], .season, #month td, [lang]:not(html)' }), 'admin/branches (en)');
  await checkA11y(page, 'admin-branch-en');
  await page.click('[data-lang-switch]');
  await screenshot(page, 'admin-branch');
  assertNoPageErrors(page, [/403/]);
  await page.close();
});

test('a volunteer is turned away from every admin page', async () => {
  const page = await pageAs({ username: 'vera', role: 'volunteer', branch: 'deje', displayName: 'Vera V' });
  for (const [path, key] of [['/admin', 'admin.home.forbidden'], ['/admin/staff', 'admin.staff.forbidden'],
    ['/admin/branches', 'admin.branches.forbidden'], ['/admin/categories', 'admin.factors.forbidden'], ['/admin/stats', 'stats.forbidden']]) {
    await page.goto(app.url + path);
    await page.waitForFunction((text) => [...document.querySelectorAll('[role="alert"]')].some((a) => a.checkVisibility() && a.textContent === text), sv[key]);
    assert.equal(await page.locator('main table, main form:visible').count(), 0, `${path} shows data or forms`);
  }
  assertNoPageErrors(page, [/403/]);
  await page.close();
});

test('a manager gives a borrower a copy of their data, and erases them', async () => {
  const id = await addBorrower(app.db, { branch: 'deje', name: 'Greta Gustafsson', phone: '+46705557777' });
  const page = await pageAs({ username: 'mats', role: 'manager', branch: 'deje', displayName: 'Mats M' });
  await open(page, `/desk/borrowers/${id}`);
  await page.waitForSelector('#rights:not([hidden])');
  await page.click('#rights-export');
  await page.waitForSelector('#rights-export-box:not([hidden])');
  assert.equal(await page.getAttribute('#rights-json', 'download'), `registerutdrag-${id}.json`);
  assert.match(await page.getAttribute('#rights-json', 'href'), /^blob:/);
  assert.equal(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'borrower_exported' AND object_id = $1", [id]), 1);
  // The printable page, in Swedish (made from a second export, which is logged too).
  const printed = await page.evaluate(async (borrower) => {
    const { exportPage } = await import('/js/desk/rights.js');
    const res = await fetch(`/api/borrowers/${borrower}/export`);
    return exportPage(await res.json()).textContent;
  }, id);
  assert.match(printed, /Registerutdrag för Greta Gustafsson/);
  assert.match(printed, /070-555 77 77/);
  assert.match(printed, /Varför uppgifterna sparas/);
  await checkA11y(page, 'desk-borrower-rights');

  await page.click('#rights-erase');
  await page.waitForSelector('#rights-erase-box:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'rights-erase-confirm');
  assert.match(await page.textContent('#rights-erase-box'), /anonyma|statistiken/);
  await page.click('#rights-erase-confirm');
  await page.waitForFunction((h) => document.getElementById('borrower-heading').textContent === h, sv['desk.rights.erased_heading']);
  assert.equal(await count('SELECT count(*) AS n FROM borrowers WHERE id = $1', [id]), 0);
  assert.equal(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'borrower_erased' AND object_id = $1", [id]), 1);
  assertNoPageErrors(page);
  await page.close();

  // Volunteers have no such buttons.
  const volunteer = await pageAs({ username: 'vilma', role: 'volunteer', branch: 'deje' });
  const other = await addBorrower(app.db, { branch: 'deje', name: 'Hugo H', phone: '+46705558888' });
  await open(volunteer, `/desk/borrowers/${other}`);
  await volunteer.waitForFunction(() => document.getElementById('borrower-heading').textContent === 'Hugo H');
  assert.equal(await volunteer.isVisible('#rights'), false);
  await volunteer.close();
});
