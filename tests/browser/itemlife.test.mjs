// An item's whole life at the desk in a real browser, from the keyboard alone: intake "not ready",
// the item page opened by scanning its code on the start screen, released, lent, returned to
// repair with its fault, fixed from the repair queue; a loan closed as lost by a manager and the
// item found again; the lend screen with a blocked borrower, two borrowers of one name, an overdue
// item that is at the desk, and a half-finished lending cleared when the desk stands idle or the
// volunteer logs out; intake asking for a size and once about a twin; axe at 360 and 1280 px in
// Swedish and English on every new screen, and no Swedish left in English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sv from '../../web/js/lang/sv.js';
import { OPEN_EVERY_DAY, addBorrower, addItem, stockholmDate, Client } from '../api/lib.mjs';
import {
  startApp, addBranch, addStaff, checkA11y, checkScreens, assertNoPageErrors, scan, activeId, openDesk, rows,
} from './lib.mjs';

let app;
let staff = {}; // username -> id
let next = 0;
let phones = 0;

// The browser logs every 401 and 404 (an unknown code looked up) as errors.
const EXPECTED = [/status of 401/, /status of 404/];

before(async () => {
  app = await startApp();
  await addBranch(app.db, 'deje', { prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  await addBranch(app.db, 'forshaga', { prefix: 'FOR', opening_hours: OPEN_EVERY_DAY });
  for (const [username, role] of [['vera', 'volunteer'], ['maja', 'manager']])
    staff[username] = await addStaff(app.db, { username, role, branch: 'deje', displayName: username === 'vera' ? 'Vera V' : 'Maja M' });
});
after(async () => {
  await app?.stop();
});

/** Log the browser in as a staff member of deje (through the API: the keyboard starts at the desk). */
async function as(username) {
  await app.context.clearCookies();
  const res = await app.context.request.post(`${app.url}/api/session`, { data: { username, password: 'correct horse battery' } });
  assert.equal(res.status(), 200, await res.text());
  return (await res.json()).csrf_token;
}

/** n new available items of deje (ASCII names, so that English pages stay free of å ä ö). */
async function items(n, { name = 'Skis', ...extra } = {}) {
  const codes = [];
  for (let i = 0; i < n; i++) {
    const code = `DEJ-9${String(++next).padStart(4, '0')}`; // clear of the codes intake gives
    await addItem(app.db, 'deje', { code, name, category: 111, sizeKind: 'length_cm', sizeNum: 150 + next, ...extra });
    codes.push(code);
  }
  return codes;
}

const borrower = (name, extra = {}) =>
  addBorrower(app.db, { branch: 'deje', name, phone: `+46708${String(++phones).padStart(6, '0')}`, ...extra });

/** Lend through the API as the logged-in context, due `late` days ago. */
async function lendOverdue(csrf, borrowerId, codes, late) {
  const res = await app.context.request.post(`${app.url}/api/checkouts`, {
    headers: { 'x-csrf-token': csrf }, data: { borrower_id: borrowerId, items: codes },
  });
  assert.equal(res.status(), 201, await res.text());
  const out = await res.json();
  await app.db.query(`UPDATE loans SET checked_out_at = now() - make_interval(days => $2 + 14), due_date = $3::date
    WHERE checkout_id = $1`, [out.checkout_id, late, await stockholmDate(app.db, -late)]);
  return out;
}

const open = (page, path) => openDesk(page, app.url + path);

const one = async (sql, params) => (await app.db.query(sql, params)).rows[0];
const statusOf = async (code) => (await one('SELECT status FROM items WHERE code = $1', [code])).status;

/** Press Tab until the element with this id (or matching this selector) has the focus. */
async function tabTo(page, target, limit = 30) {
  const match = () => page.evaluate((t) => document.activeElement?.matches(t.startsWith('#') || t.startsWith('[') ? t : `#${t}`), target);
  for (let i = 0; i < limit && !(await match()); i++) await page.keyboard.press('Tab');
  assert.ok(await match(), `Tab never reached ${target}`);
}

/** Wait for the item page of code to show, and its actions in order. */
async function itemPage(page, code) {
  await page.waitForFunction((c) => document.getElementById('item-title').textContent.startsWith(c) &&
    !document.getElementById('item-view').hidden, code);
  return page.$$eval('#item-actions button', (b) => b.map((x) => x.textContent));
}

test('keyboard only: intake not ready, scan it on the start screen, release, lend, return to repair with the fault, fix it', async () => {
  await as('vera');
  await borrower('Lars Keyboard');
  const page = await app.newPage();
  await open(page, '/desk/intake');
  assert.equal(await activeId(page), 'intake-category');
  // Cross-country skis (111) from the keyboard: Down through the tree until it is chosen.
  for (let i = 0; i < 40 && (await page.inputValue('#intake-category')) !== '111'; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await page.inputValue('#intake-category'), '111');
  await page.keyboard.press('Tab');
  assert.equal(await activeId(page), 'intake-size');
  await page.keyboard.type('185');
  await tabTo(page, 'intake-ready');
  await page.keyboard.press('Space'); // not ready yet
  assert.equal(await page.isChecked('#intake-ready'), false);
  await tabTo(page, 'intake-save');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-done:not([hidden])');
  const code = (await page.textContent('#intake-code')).trim();
  assert.equal(await statusOf(code), 'intake');

  // On the start screen a scanned code opens its page, whatever has the focus.
  await page.keyboard.press('Escape');
  await page.waitForURL(`${app.url}/desk`);
  await scan(page, code.toLowerCase());
  await page.waitForURL(`${app.url}/desk/items/${code}`);
  assert.deepEqual(await itemPage(page, code), ['1Klar för utlån', '2Till reparation', '3Utrangera', '4Ändra uppgifter']);
  assert.equal(await page.textContent('#item-status'), sv['desk.item.status.intake']);
  await page.keyboard.press('1');
  await page.waitForFunction(() => document.getElementById('item-status').textContent === 'På hyllan');
  assert.equal(await statusOf(code), 'available');

  // Lend it: 1 on the start screen, the borrower, the code, Ctrl+Enter.
  await page.keyboard.press('Escape');
  await page.waitForURL(`${app.url}/desk`);
  await page.keyboard.press('1');
  await page.waitForURL(`${app.url}/desk/lend`);
  await scan(page, 'Lars Keyboard');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  await scan(page, code);
  assert.equal((await rows(page, '#lend-list', 1))[0].state, 'ok');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#lend-receipt:not([hidden])');
  assert.equal(await statusOf(code), 'on_loan');

  // Return it to repair, saying what is wrong.
  await page.keyboard.press('Escape');
  await page.keyboard.press('2');
  await page.waitForURL(`${app.url}/desk/return`);
  await page.keyboard.type(code);
  await tabTo(page, 'return-to-repair');
  await page.keyboard.press('Enter');
  assert.equal(await activeId(page), 'return-fault');
  assert.equal(await page.textContent('#return-fault-label'), `Vad är fel på ${code}?`);
  await scan(page, 'Bindningen glappar');
  const returned = await rows(page, '#return-list', 1);
  assert.ok(returned[0].text.includes('Till reparation.'), returned[0].text);
  assert.equal(await activeId(page), 'return-code');
  assert.equal(await statusOf(code), 'repair');

  // The repair queue (7) shows it with the fault; "Lagad" puts it back on the shelf.
  await page.keyboard.press('Escape');
  await page.keyboard.press('7');
  await page.waitForURL(`${app.url}/desk/repair`);
  await page.waitForSelector(`#repair-list li[data-code="${code}"]`);
  const row = await page.textContent(`#repair-list li[data-code="${code}"]`);
  assert.ok(row.includes('Fel: Bindningen glappar') && row.includes('skickat av Vera V'), row);
  await tabTo(page, `[aria-label="${code} är lagad: tillbaka på hyllan"]`);
  await page.keyboard.press('Enter');
  await page.waitForFunction((c) => !document.querySelector(`#repair-list li[data-code="${c}"]`), code);
  assert.equal(await statusOf(code), 'available');

  // Every step is in the status history, with the volunteer's id.
  const { rows: history } = await app.db.query(`SELECT from_status, to_status, staff_id, note FROM item_status_history
    WHERE item_id = (SELECT id FROM items WHERE code = $1) ORDER BY id`, [code]);
  assert.deepEqual(history.map((h) => [h.from_status, h.to_status, h.staff_id, h.note]), [
    [null, 'intake', staff.vera, null],
    ['intake', 'available', staff.vera, null],
    ['available', 'on_loan', staff.vera, null],
    ['on_loan', 'repair', staff.vera, 'Bindningen glappar'],
    ['repair', 'available', staff.vera, null],
  ]);
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('a manager closes a long overdue loan as lost from the item page; the item is hidden, counted, and found by a return', async () => {
  const csrf = await as('maja');
  const lisa = await borrower('Lisa Lost');
  const [code] = await items(1);
  const out = await lendOverdue(csrf, lisa, [code], 70);
  const page = await app.newPage();
  await open(page, `/desk/items/${code}`);
  const actions = await itemPage(page, code);
  assert.deepEqual(actions, ['1Återlämna här', '2Stäng lånet som förlorat', '3Ändra uppgifter']);
  const loan = await page.textContent('#item-loan');
  assert.ok(loan.includes('Lisa Lost') && loan.includes('70 dagar för sent'), loan);
  await page.keyboard.press('2');
  await page.waitForSelector('#item-form-close_lost-note');
  assert.equal(await activeId(page), 'item-form-close_lost-note');
  await checkA11y(page, 'desk-item-close-lost-sv');
  await scan(page, 'Ringt tre gånger');
  await page.waitForFunction(() => document.getElementById('item-status').textContent === 'Saknas');
  assert.deepEqual(await one('SELECT lost, returned_by FROM loans WHERE id = $1', [out.loans[0].id]),
    { lost: true, returned_by: staff.maja });
  assert.equal(await statusOf(code), 'lost');
  assert.ok((await page.textContent('#item-history')).includes('Ringt tre gånger'));

  // Not on the public site; counted in the statistics; on the borrower's page as lost.
  const anon = new Client(app.url);
  const pub = await anon.get('/api/public/items?branch=deje&per_page=100');
  assert.ok(!pub.json.items.some((i) => i.code === code));
  const stats = await app.context.request.get(`${app.url}/api/stats/items?branch=deje`);
  assert.equal((await stats.json()).lost, 1);
  await open(page, `/desk/borrowers/${lisa}`);
  await page.waitForFunction(() => document.getElementById('borrower-heading').textContent === 'Lisa Lost');
  assert.ok((await page.textContent('#borrower-history')).includes('förlorat'), await page.textContent('#borrower-history'));

  // It turns up: a return finds it, and the loan stays lost.
  await open(page, '/desk/return');
  await scan(page, code);
  const found = await rows(page, '#return-list', 1);
  assert.ok(found[0].text.includes(sv['desk.return.found']), found[0].text);
  assert.equal(await statusOf(code), 'available');
  assert.equal((await one('SELECT lost FROM loans WHERE id = $1', [out.loans[0].id])).lost, true);

  // A loan not long overdue is not offered for closing, nor is any to a volunteer.
  const [recent, old] = await items(2);
  await lendOverdue(csrf, lisa, [recent], 10);
  await lendOverdue(csrf, lisa, [old], 90);
  await open(page, `/desk/items/${recent}`);
  assert.deepEqual(await itemPage(page, recent), ['1Återlämna här', '2Ändra uppgifter']);
  await as('vera');
  await open(page, `/desk/items/${old}`);
  assert.deepEqual(await itemPage(page, old), ['1Återlämna här', '2Ändra uppgifter']);
  // Another branch's item: nothing to press, and the page says why.
  const theirs = await addItem(app.db, 'forshaga', { name: 'Skis', category: 111, sizeKind: 'length_cm', sizeNum: 170 });
  await open(page, `/desk/items/${theirs}`);
  assert.deepEqual(await itemPage(page, theirs), []);
  assert.equal(await page.textContent('#item-actions-hint'), 'Föremålet tillhör Fritidsbanken forshaga. Bara dess personal kan ändra det.');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('retire with a reason of the list, and edit the item in place', async () => {
  await as('vera');
  const [code] = await items(1, { status: 'repair' });
  const page = await app.newPage();
  await open(page, `/desk/items/${code}`);
  assert.deepEqual(await itemPage(page, code), ['1Lagad – tillbaka på hyllan', '2Utrangera', '3Ändra uppgifter']);

  // Edit: the name, and the size, which this category needs.
  await page.keyboard.press('3');
  await page.waitForSelector('#item-edit-name');
  assert.equal(await activeId(page), 'item-edit-name');
  await page.keyboard.press('Control+a');
  await page.keyboard.type('Skis Madshus');
  await tabTo(page, 'item-edit-size');
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#item-edit-size-error:not([hidden])');
  assert.equal(await page.textContent('#item-edit-size-error'), sv['desk.field.item.size_required']);
  await checkA11y(page, 'desk-item-edit-sv');
  await page.keyboard.type('172');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.getElementById('item-edit-name') && document.activeElement.id === 'item-title');
  assert.deepEqual(await one('SELECT name, size_num::int AS size FROM items WHERE code = $1', [code]), { name: 'Skis Madshus', size: 172 });

  // Retire: the reasons are radio buttons; "other" needs words.
  await page.keyboard.press('2');
  await page.waitForSelector('[name="item-form-retired-reason"]');
  await page.keyboard.press('ArrowDown'); // broken
  await page.keyboard.press('Tab');
  assert.equal(await activeId(page), 'item-form-retired-note');
  await page.keyboard.type('Kanten sprucken');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Utrangerat/.test(document.getElementById('item-status').textContent));
  assert.deepEqual(await one('SELECT status, retired_reason FROM items WHERE code = $1', [code]),
    { status: 'retired', retired_reason: 'broken' });
  assert.equal(await page.textContent('#item-status'), 'Utrangerat · Trasigt');
  assert.deepEqual(await page.$$eval('#item-actions button', (b) => b.map((x) => x.textContent)), ['1Ändra uppgifter']);
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('at lend: a blocked borrower holds every scan and Klar; two of one name need a choice; an overdue item at the desk goes back and out with Alt+A', async () => {
  const csrf = await as('vera');
  const blocked = await borrower('Bo Blocked');
  await app.db.query("UPDATE borrowers SET blocked = true, blocked_reason = 'owes a tent' WHERE id = $1", [blocked]);
  const [free, late] = await items(2);
  const page = await app.newPage();
  await open(page, '/desk/lend');
  await scan(page, 'Bo Blocked');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  await scan(page, free);
  const held = await rows(page, '#lend-list', 1);
  assert.equal(held[0].state, 'held');
  assert.ok(!held[0].text.includes(sv['desk.lend.ok']), held[0].text);
  assert.equal(await page.textContent('#lend-blocked'), 'Spärrad: owes a tent. Bo Blocked kan inte låna just nu.');
  assert.equal(await page.$eval('#lend-blocked', (p) => getComputedStyle(p).color), 'rgb(140, 0, 25)');
  assert.equal(await page.isDisabled('#lend-done'), true);
  assert.equal(await page.textContent('#lend-done-why'), sv['desk.lend.done_blocked']);
  await checkA11y(page, 'desk-lend-blocked-sv');
  await page.keyboard.press('Control+Enter');
  assert.equal(await page.textContent('#lend-message'), sv['desk.lend.done_blocked']);
  assert.equal(Number((await one('SELECT count(*) AS n FROM loans WHERE borrower_id = $1', [blocked])).n), 0);

  // Two Elsas: Enter lists them and picks neither, not even when pressed again.
  await page.focus('#lend-change');
  await page.keyboard.press('Enter');
  const elsaA = await borrower('Elsa Andersson', { card: 'EA-1' });
  const elsaB = await borrower('Elsa Berg', { card: 'EB-2' });
  assert.equal(await activeId(page), 'lend-who');
  await scan(page, 'Elsa');
  await page.waitForSelector('#lend-matches:not([hidden])');
  const listed = await page.$$eval('#lend-matches button', (b) => b.map((x) => x.textContent));
  const phoneA = (await one('SELECT phone FROM borrowers WHERE id = $1', [elsaA])).phone;
  const phoneB = (await one('SELECT phone FROM borrowers WHERE id = $1', [elsaB])).phone;
  assert.deepEqual(listed, [
    `Elsa Anderssontel. …${phoneA.slice(-4)} · kort EA-1 · Fritidsbanken deje · 0 lån nu`,
    `Elsa Bergtel. …${phoneB.slice(-4)} · kort EB-2 · Fritidsbanken deje · 0 lån nu`,
  ]);
  assert.equal(await activeId(page), 'lend-who');
  await page.keyboard.press('Enter');
  assert.equal(await page.textContent('#lend-message'), sv['desk.lend.choose']);
  assert.equal(await page.isHidden('#lend-borrower'), true);
  await checkA11y(page, 'desk-lend-two-elsas-sv');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  assert.equal(await page.textContent('#lend-borrower-link'), 'Elsa Berg');

  // An item another borrower has, five days late, is here: Alt+A returns it and adds it.
  await lendOverdue(csrf, await borrower('Olle Other'), [late], 5);
  await scan(page, late);
  let list = await rows(page, '#lend-list', 2);
  const lateRow = list.find((r) => r.code === late);
  assert.equal(lateRow.state, 'problem');
  assert.ok(lateRow.text.includes('Står som utlånat, försenat 5 dagar.'), lateRow.text);
  assert.equal(await activeId(page), 'lend-code');
  await page.keyboard.press('Alt+a');
  await page.waitForFunction((c) => document.querySelector(`#lend-list li[data-code="${c}"]`).dataset.state === 'ok', late);
  assert.equal(await page.textContent('#lend-message'), `${late} är återlämnat, försenat 5 dagar, och ligger nu i listan.`);
  list = await rows(page, '#lend-list', 2);
  assert.deepEqual(list.map((r) => r.state), ['ok', 'ok']);
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#lend-receipt:not([hidden])');
  const loans = (await app.db.query(`SELECT b.name, l.returned_at IS NULL AS open FROM loans l JOIN borrowers b ON b.id = l.borrower_id
    WHERE l.item_id = (SELECT id FROM items WHERE code = $1) ORDER BY l.id`, [late])).rows;
  assert.deepEqual(loans, [{ name: 'Olle Other', open: false }, { name: 'Elsa Berg', open: true }]);
  assertNoPageErrors(page, [...EXPECTED, /status of 409/]);
  await page.close();
});

test('a half-finished lending is gone after two idle minutes, and after logging out', async () => {
  await as('vera');
  await borrower('Ida Idle');
  const [code] = await items(1);
  const page = await app.newPage();
  await page.clock.install();
  await open(page, '/desk/lend');
  await scan(page, 'Ida Idle');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  await scan(page, code);
  await rows(page, '#lend-list', 1);
  // Esc asks nothing and keeps it while the volunteer works; a minute idle keeps it too.
  await page.keyboard.press('Escape');
  await page.waitForURL(`${app.url}/desk`);
  await page.keyboard.press('1');
  await page.clock.runFor(60_000);
  assert.equal(await page.textContent('#lend-borrower-link'), 'Ida Idle');
  await page.clock.runFor(61_000);
  await page.waitForSelector('#lend-borrower', { state: 'hidden' });
  assert.equal(await page.$$eval('#lend-list li', (l) => l.length), 0);
  assert.equal(await page.textContent('#lend-message'), sv['desk.lend.idle_cleared']);

  // Logging out forgets it at once, before the session is even gone (held back here to look).
  await scan(page, 'Ida Idle');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  await scan(page, code);
  await rows(page, '#lend-list', 1);
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route('**/api/session', async (route) => {
    if (route.request().method() === 'DELETE') await held;
    await route.continue();
  });
  await page.focus('#topbar-logout');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#lend-borrower', { state: 'hidden' });
  assert.equal(await page.$$eval('#lend-list li', (l) => l.length), 0);
  release();
  await page.waitForURL(/\/login$/);
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('intake: a size is needed, "Ta emot nästa" keeps the category, and a twin is asked about once', async () => {
  await as('vera');
  const count = async () => Number((await one('SELECT count(*) AS n FROM items')).n);
  const page = await app.newPage();
  await open(page, '/desk/intake');
  await page.selectOption('#intake-category', '14'); // helmets: a head size
  await page.focus('#intake-save');
  const before = await count();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-size-error:not([hidden])');
  assert.equal(await page.textContent('#intake-size-error'), sv['desk.field.item.size_required']);
  assert.equal(await activeId(page), 'intake-size');
  assert.equal(await count(), before);
  await page.keyboard.type('56');
  await page.focus('#intake-save');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-done:not([hidden])');
  const first = (await page.textContent('#intake-code')).trim();

  // The next: the category stays, name and size are empty.
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-form:not([hidden])');
  assert.equal(await page.inputValue('#intake-category'), '14');
  assert.equal(await page.inputValue('#intake-size'), '');
  assert.equal(await page.inputValue('#intake-name'), '');
  assert.equal(await activeId(page), 'intake-size');

  // The same helmet again: asked once; "the same" saves nothing, "another" saves it.
  await page.keyboard.type('56');
  await page.fill('#intake-name', 'Hjälmar');
  await page.focus('#intake-save');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-twin:not([hidden])');
  assert.equal(await page.textContent('#intake-twin-question'), `Samma som ${first}?`);
  assert.equal(await activeId(page), 'intake-twin-same');
  await checkA11y(page, 'desk-intake-twin-sv');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-done:not([hidden])');
  assert.equal((await page.textContent('#intake-code')).trim(), first);
  assert.equal(await count(), before + 1);
  await page.keyboard.press('Enter');
  await page.keyboard.type('56');
  await page.fill('#intake-name', 'Hjälmar');
  await page.focus('#intake-save');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-twin:not([hidden])');
  await page.keyboard.press('Tab');
  assert.equal(await activeId(page), 'intake-twin-another');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-done:not([hidden])');
  assert.notEqual((await page.textContent('#intake-code')).trim(), first);
  assert.equal(await count(), before + 2);
  assertNoPageErrors(page, [...EXPECTED, /status of 409/, /status of 422/]);
  await page.close();
});

test('the new screens pass axe at 360 and 1280 px in Swedish and English, and English leaves no Swedish', async () => {
  const csrf = await as('maja');
  const b = await borrower('Emma English', { card: 'EM-1' });
  await borrower('Emma Other', { card: 'EM-2' });
  const [lent, inRepair, fresh] = await items(3);
  await lendOverdue(csrf, b, [lent], 80);
  const req = (path, data) => app.context.request.post(`${app.url}${path}`, { headers: { 'x-csrf-token': csrf }, data });
  assert.equal((await req(`/api/items/${inRepair}/status`, { to: 'repair', note: 'Loose binding' })).status(), 200);
  const page = await app.newPage();
  const screens = [
    ['home', async () => open(page, '/desk')],
    ['item-on-loan', async () => {
      await open(page, `/desk/items/${lent}`);
      await itemPage(page, lent);
    }],
    ['item-retire-form', async () => {
      await open(page, `/desk/items/${fresh}`);
      await itemPage(page, fresh);
      await page.keyboard.press('3');
      await page.waitForSelector('[name="item-form-retired-reason"]');
    }],
    ['item-unknown', async () => {
      await open(page, '/desk/items/NOPE-77');
      await page.waitForFunction(() => document.getElementById('item-message').textContent !== '');
    }],
    ['repair', async () => {
      await open(page, '/desk/repair');
      await page.waitForSelector('#repair-list li');
    }],
    ['lend-picker', async () => {
      await open(page, '/desk/lend');
      await scan(page, 'Emma');
      await page.waitForSelector('#lend-matches:not([hidden])');
    }],
    ['lend-offer', async () => {
      await open(page, '/desk/lend');
      await scan(page, 'EM-1');
      await page.waitForSelector('#lend-borrower:not([hidden])');
      await scan(page, lent);
      await rows(page, '#lend-list', 1);
    }],
    ['return-fault', async () => {
      await open(page, '/desk/return');
      await page.keyboard.type(inRepair);
      await page.focus('#return-to-repair');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#return-fault-form:not([hidden])');
    }],
  ];
  await checkScreens(page, screens, () => open(page, '/desk'));
  assert.equal(await page.textContent('#return-fault-label'), `What is wrong with ${inRepair}?`);
  await page.click('[data-lang-switch]'); // back to Swedish for whoever comes next
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});
