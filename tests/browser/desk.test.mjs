// The volunteer desk in a real browser, driven the way a volunteer drives it: the keyboard only,
// with codes typed and Enter pressed as a USB scanner does. Lending to a new borrower and
// returning, problems in the scan list, returns with lateness and repair, intake with a photo
// downscaled in the browser, the borrower page, the overdue list, English without a Swedish word
// left, and axe at 360 and 1280 px on every screen (screenshots go to $HYLLA_TEST_ARTIFACTS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sv from '../../web/js/lang/sv.js';
import { OPEN_EVERY_DAY, addBorrower, addItem, stockholmDate } from '../api/lib.mjs';
import {
  startApp, addBranch, addStaff, checkA11y, checkScreens, assertNoPageErrors, assertNoSwedish, visibleText, loginAs,
  screenshot,
  scan, activeId, openDesk, rows,
} from './lib.mjs';

let app;
let csrf; // the API session of the context, for setting up loans
let next = 0;

// The browser logs every 401 (before the login) and 404 (an unknown code looked up) as errors.
const EXPECTED = [/status of 401/, /status of 404/];

before(async () => {
  app = await startApp();
  await addBranch(app.db, 'deje', { prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  await addBranch(app.db, 'forshaga', { prefix: 'FOR', opening_hours: OPEN_EVERY_DAY });
  await addStaff(app.db, { username: 'vera', role: 'volunteer', branch: 'deje', displayName: 'Vera V' });
});
after(async () => {
  await app?.stop();
});

/** n new available items of a branch (ASCII names, so that English pages stay free of å ä ö). */
async function items(n, { branch = 'deje', name = 'Skis', category = 111, ...extra } = {}) {
  const codes = [];
  for (let i = 0; i < n; i++) {
    const prefix = branch === 'deje' ? 'DEJ' : 'FOR';
    const code = `${prefix}-9${String(++next).padStart(4, '0')}`; // clear of the codes intake gives
    await addItem(app.db, branch, { code, name, category, sizeKind: 'length_cm', sizeNum: 150 + next, ...extra });
    codes.push(code);
  }
  return codes;
}

let phones = 0;
async function borrower(name, extra = {}) {
  return addBorrower(app.db, { branch: 'deje', name, phone: `+46709${String(++phones).padStart(6, '0')}`, ...extra });
}

/** Lend through the API (as the logged-in context), for loans a test starts from. */
async function lendByApi(borrowerId, codes) {
  const res = await app.context.request.post(`${app.url}/api/checkouts`, {
    headers: { 'x-csrf-token': csrf }, data: { borrower_id: borrowerId, items: codes },
  });
  assert.equal(res.status(), 201, await res.text());
  return res.json();
}

const open = (page, path) => openDesk(page, app.url + path);

/** The Swedish "fredag 12 december" of an ISO date, as the desk writes it. */
function swedishDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const opts = { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' };
  if (y !== new Date().getFullYear()) opts.year = 'numeric';
  return new Intl.DateTimeFormat('sv-SE', opts).format(new Date(Date.UTC(y, m - 1, d)));
}

async function count(sql, params) {
  const { rows: r } = await app.db.query(sql, params);
  return Number(r[0].n);
}

test('keyboard only: log in, register a borrower, lend three items, see the due date, return them', async () => {
  const codes = await items(3);
  const page = await app.newPage();
  await page.goto(`${app.url}/desk`);
  await page.waitForURL(/\/login\?next=%2Fdesk$/);
  await page.waitForFunction(() => document.title !== '');
  for (let i = 0; i < 5 && (await activeId(page)) !== 'username'; i++) await page.keyboard.press('Tab');
  await page.keyboard.type('vera');
  await page.keyboard.press('Tab');
  await page.keyboard.type('correct horse battery');
  await Promise.all([page.waitForURL(`${app.url}/desk`), page.keyboard.press('Enter')]);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.title(), sv['desk.title']);

  // The start screen: focus on the first big action, always visible, and every stop reachable.
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '/desk/lend');
  await page.keyboard.press('1');
  await page.waitForURL(`${app.url}/desk/lend`);
  assert.equal(await activeId(page), 'lend-who');

  // Nobody is called that: the register form opens on the spot with the name filled in.
  await scan(page, 'Nora Nilsson');
  await page.waitForSelector('#lend-reg-name');
  assert.equal(await page.inputValue('#lend-reg-name'), 'Nora Nilsson');
  assert.equal(await activeId(page), 'lend-reg-phone');
  await scan(page, '070-555 12 34');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  assert.equal(await page.textContent('#lend-borrower-link'), 'Nora Nilsson');
  assert.equal(await activeId(page), 'lend-code');

  for (const code of codes) await scan(page, code);
  const scanned = await rows(page, '#lend-list', 3);
  assert.deepEqual(scanned.map((r) => r.state), ['ok', 'ok', 'ok']);
  assert.ok(scanned[0].text.includes('Skis') && scanned[0].text.includes('cm'), scanned[0].text);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.deskSound), 'ok');

  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#lend-receipt:not([hidden])');
  const due = await stockholmDate(app.db, 14);
  assert.equal(await page.textContent('#lend-receipt-due'), `Åter senast ${swedishDate(due)}`);
  assert.match(await page.textContent('#lend-receipt-title'), /3 föremål utlånade till Nora Nilsson/);
  assert.equal(await count(`SELECT count(*) AS n FROM loans l JOIN borrowers b ON b.id = l.borrower_id
    WHERE b.name = 'Nora Nilsson' AND b.phone = '+46705551234' AND l.returned_at IS NULL AND l.due_date = $1`, [due]), 3);
  await screenshot(page, 'desk-lend-receipt');

  // Esc back to the start, 2 for returns; each scan returns at once and names the borrower.
  await page.keyboard.press('Escape');
  await page.waitForURL(`${app.url}/desk`);
  await page.keyboard.press('2');
  await page.waitForURL(`${app.url}/desk/return`);
  assert.equal(await activeId(page), 'return-code');
  for (const code of codes) await scan(page, code);
  const returned = await rows(page, '#return-list', 3);
  assert.deepEqual(returned.map((r) => r.state), ['ok', 'ok', 'ok']);
  for (const r of returned) {
    assert.ok(r.text.includes('Lånat av Nora Nilsson'), r.text);
    assert.ok(r.text.includes(sv['desk.return.on_time']), r.text);
  }
  assert.equal(await activeId(page), 'return-code');
  assert.equal(await count(`SELECT count(*) AS n FROM loans l JOIN borrowers b ON b.id = l.borrower_id
    WHERE b.name = 'Nora Nilsson' AND l.returned_at IS NOT NULL`), 3);
  assert.equal(await count(`SELECT count(*) AS n FROM items WHERE code = ANY($1) AND status = 'available'`, [codes]), 3);
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('focus is visible at every stop on the start screen, and Tab reaches every action', async () => {
  await app.context.clearCookies();
  csrf = (await loginAs(app, { username: 'vilma', role: 'volunteer', branch: 'deje' })).csrf_token;
  const page = await app.newPage();
  await open(page, '/desk');
  // From the first action round the whole page (past the end Tab leaves the page: body has focus).
  const seen = new Set();
  for (let i = 0; i < 14; i++) {
    const { tag, name, outline } = await page.evaluate(() => ({
      tag: document.activeElement.tagName,
      name: document.activeElement.getAttribute('href') ?? document.activeElement.id ?? document.activeElement.textContent,
      outline: getComputedStyle(document.activeElement).outlineStyle,
    }));
    if (tag !== 'BODY') {
      assert.notEqual(outline, 'none', `focus is not visible on ${tag} ${name}`);
      seen.add(name);
    }
    await page.keyboard.press('Tab');
  }
  for (const path of ['/desk/lend', '/desk/return', '/desk/intake', '/desk/borrowers', '/desk/overdue'])
    assert.ok(seen.has(path), `Tab never reached ${path}`);
  await page.close();
});

test('an item already on loan is named in the scan list, every problem in its own words, and the next scan works', async () => {
  const other = await borrower('Olle Olsson');
  const [lent] = await items(1);
  const [inRepair] = await items(1, { status: 'repair' });
  const [taken] = await items(1, { status: 'intake' });
  const [elsewhere] = await items(1, { branch: 'forshaga' });
  const [good] = await items(1, { name: 'Helmet', category: 14, sizeKind: 'head_cm', sizeNum: 56 });
  const first = await lendByApi(other, [lent]);
  const cardHolder = await borrower('Cecilia Card', { card: 'CARD-77' });

  const page = await app.newPage();
  // Hear the beeps: every tone the page starts, by its pitch.
  await page.addInitScript(() => {
    window.deskTones = [];
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args) {
      window.deskTones.push(this.frequency.value);
      return start.apply(this, args);
    };
  });
  const tones = () => page.evaluate(() => window.deskTones.splice(0));
  await open(page, '/desk/lend');
  // A scanned card picks its borrower at once.
  await scan(page, 'CARD-77');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  assert.equal(await page.textContent('#lend-borrower-link'), 'Cecilia Card');
  assert.equal(await activeId(page), 'lend-code');
  const okTones = await tones();
  assert.ok(okTones.length > 0, 'no beep for a good scan');

  await scan(page, lent);
  let list = await rows(page, '#lend-list', 1);
  assert.equal(list[0].state, 'problem');
  assert.ok(list[0].text.includes(`Redan utlånat (åter senast ${swedishDate(first.due_date)})`), list[0].text);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.deskSound), 'problem');
  // A problem sounds different: lower, and more than one tone.
  const problemTones = await tones();
  assert.ok(problemTones.length > okTones.length, `problem tones ${problemTones}`);
  assert.ok(Math.max(...problemTones) < Math.min(...okTones), `problem ${problemTones} vs ok ${okTones}`);
  assert.equal(await activeId(page), 'lend-code');

  await scan(page, 'NOPE-404');
  await scan(page, inRepair);
  await scan(page, taken);
  await scan(page, elsewhere);
  await scan(page, good.toLowerCase());
  list = await rows(page, '#lend-list', 6);
  const byCode = Object.fromEntries(list.map((r) => [r.code, r]));
  assert.ok(byCode['NOPE-404'].text.includes(sv['item_error.unknown_item']));
  assert.ok(byCode[inRepair].text.includes(sv['desk.problem.repair']));
  assert.ok(byCode[taken].text.includes(sv['desk.problem.intake']));
  assert.ok(byCode[elsewhere].text.includes('Tillhör en annan filial (Fritidsbanken forshaga)'), byCode[elsewhere].text);
  assert.equal(byCode[good].state, 'ok');
  assert.ok(byCode[good].text.includes('huvudomfång 56 cm'), byCode[good].text);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.deskSound), 'ok');
  assert.equal(list.filter((r) => r.state === 'problem').length, 5);
  await checkA11y(page, 'desk-lend-problems-sv');

  // Klar lends only what can go; the problems stay out.
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#lend-receipt:not([hidden])');
  assert.equal(await count(`SELECT count(*) AS n FROM loans l JOIN items i ON i.id = l.item_id
    WHERE l.borrower_id = $1 AND l.returned_at IS NULL AND i.code = $2`, [cardHolder, good]), 1);
  assert.equal(await count('SELECT count(*) AS n FROM loans WHERE borrower_id = $1', [cardHolder]), 1);

  // Ångra is one Shift+Tab away, and puts everything back as it was.
  assert.equal(await activeId(page), 'lend-who');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await activeId(page), 'lend-undo');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#lend-receipt', { state: 'hidden' });
  assert.equal(await count('SELECT count(*) AS n FROM loans WHERE borrower_id = $1', [cardHolder]), 0);
  assert.equal(await count("SELECT count(*) AS n FROM items WHERE code = $1 AND status = 'available'", [good]), 1);
  list = await rows(page, '#lend-list', 1);
  assert.equal(list[0].code, good);
  assert.equal(await page.textContent('#lend-borrower-link'), 'Cecilia Card');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('a checkout the server refuses says why per item, lends nothing, and keeps the list', async () => {
  const b = await borrower('Bo Busy');
  const [code] = await items(1);
  const page = await app.newPage();
  await open(page, '/desk/lend');
  await scan(page, 'Bo Busy');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  await scan(page, code);
  await rows(page, '#lend-list', 1);
  // Blocked while the volunteer scanned: the page still shows Klar, the server refuses.
  await app.db.query("UPDATE borrowers SET blocked = true, blocked_reason = 'lost a tent' WHERE id = $1", [b]);
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction(() => /Låntagaren är spärrad/.test(document.getElementById('lend-borrower-blocked').textContent));
  assert.equal(await page.textContent('#lend-message'), sv['desk.lend.refused']);
  assert.equal(await count('SELECT count(*) AS n FROM loans WHERE borrower_id = $1', [b]), 0);
  assert.equal((await rows(page, '#lend-list', 1))[0].code, code);
  assertNoPageErrors(page, [...EXPECTED, /status of 409/]);
  await page.close();
});

test('an item scanned before the borrower is kept while a new borrower is registered', async () => {
  const [code] = await items(1);
  const page = await app.newPage();
  await open(page, '/desk/lend');
  await scan(page, code);
  await rows(page, '#lend-list', 1);
  assert.equal(await page.textContent('#lend-message'), sv['desk.lend.item_first'].replace('{code}', code));
  await scan(page, '0701112233');
  await page.waitForSelector('#lend-reg-phone');
  assert.equal(await page.inputValue('#lend-reg-phone'), '0701112233');
  assert.equal(await activeId(page), 'lend-reg-name');
  await scan(page, 'Petra Phone');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  assert.equal((await rows(page, '#lend-list', 1))[0].state, 'ok');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#lend-receipt:not([hidden])');
  assert.equal(await count(`SELECT count(*) AS n FROM loans l JOIN borrowers b ON b.id = l.borrower_id
    WHERE b.phone = '+46701112233' AND b.name = 'Petra Phone'`), 1);

  // The same phone again is refused, with a way to the borrower who has it.
  await scan(page, 'Someone Else');
  await page.waitForSelector('#lend-reg-name');
  await page.keyboard.type('070-111 22 33');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#lend-reg-title ~ [data-role="taken"]:not([hidden])');
  assert.equal(await page.textContent('#lend-register-slot [data-role="error"]'), sv['problem.phone_taken']);
  assert.equal(await activeId(page), 'lend-reg-phone');
  await page.keyboard.press('Escape');
  assert.equal(await activeId(page), 'lend-who');
  assert.equal(await page.$('#lend-reg-name'), null);
  assertNoPageErrors(page, [...EXPECTED, /status of 409/]);
  await page.close();
});

test('returns say lateness and problems in words; Alt+R sends the last item to repair', async () => {
  const b = await borrower('Lena Late');
  const codes = await items(3);
  const out = await lendByApi(b, codes);
  await app.db.query('UPDATE loans SET due_date = $2::date, checked_out_at = now() - interval \'20 days\' WHERE id = $1',
    [out.loans[0].id, await stockholmDate(app.db, -3)]);
  const page = await app.newPage();
  await open(page, '/desk/return');
  await scan(page, codes[0]);
  let list = await rows(page, '#return-list', 1);
  assert.equal(list[0].state, 'late');
  assert.ok(list[0].text.includes('Försenat 3 dagar.'), list[0].text);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.deskSound), 'notice');

  await scan(page, 'NOPE-1');
  await scan(page, codes[0]);
  await scan(page, codes[1]);
  list = await rows(page, '#return-list', 4);
  assert.ok(list[0].text.includes(sv['desk.return.on_time']));
  assert.ok(list[1].text.includes(sv['item_error.not_on_loan']), list[1].text);
  assert.equal(list[2].state, 'problem');
  assert.ok(list[2].text.includes(sv['item_error.unknown_item']));
  assert.equal(await activeId(page), 'return-code');

  await page.keyboard.press('Alt+r');
  assert.equal(await activeId(page), 'return-fault'); // what is wrong? Enter skips
  await page.keyboard.press('Enter');
  await page.waitForFunction((c) => document.querySelector(`#return-list li[data-code="${c}"]`).textContent.includes('Till reparation.'), codes[1]);
  assert.equal(await count("SELECT count(*) AS n FROM items WHERE code = $1 AND status = 'repair'", [codes[1]]), 1);
  assert.equal(await activeId(page), 'return-code');

  // A typed code can go straight to repair with the second button.
  await page.keyboard.type(codes[2]);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await activeId(page), 'return-to-repair');
  await page.keyboard.press('Enter');
  assert.equal(await activeId(page), 'return-fault');
  await page.keyboard.type('Fästet lossnar');
  await page.keyboard.press('Enter');
  list = await rows(page, '#return-list', 5);
  assert.ok(list[0].text.includes('Till reparation.'), list[0].text);
  assert.equal(await count("SELECT count(*) AS n FROM items WHERE code = $1 AND status = 'repair'", [codes[2]]), 1);
  assert.equal(await count(`SELECT count(*) AS n FROM item_status_history h JOIN items i ON i.id = h.item_id
    WHERE i.code = $1 AND h.to_status = 'repair' AND h.note = 'Fästet lossnar'`, [codes[2]]), 1);
  assert.equal(await count('SELECT count(*) AS n FROM loans WHERE borrower_id = $1 AND returned_at IS NOT NULL', [b]), 3);
  await checkA11y(page, 'desk-return-sv');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('intake: the category picks the size input, the photo is downscaled to 1600 px, and the code is shown large', async () => {
  const page = await app.newPage();
  await open(page, '/desk/intake');
  assert.equal(await activeId(page), 'intake-category');
  await checkA11y(page, 'desk-intake-sv');
  assert.equal(await page.isVisible('#intake-size'), false);

  // The kinds of size: a boot asks for an EU size, a wetsuit for a clothing size.
  await page.selectOption('#intake-category', '113');
  assert.equal(await page.textContent('#intake-size-label'), sv['desk.size_label.shoe_eu']);
  await page.selectOption('#intake-category', '35');
  assert.equal(await page.textContent('#intake-size-label'), sv['desk.size_label.clothing']);
  assert.equal(await page.getAttribute('#intake-size', 'list'), 'intake-clothing-sizes');
  await page.selectOption('#intake-category', '111');
  assert.equal(await page.textContent('#intake-size-label'), sv['desk.size_label.length_cm']);
  assert.equal(await page.inputValue('#intake-name'), 'Längdskidor');

  // The photo's button speaks Swedish, and Tab shows where the focus is on it.
  assert.equal(await page.textContent('label.desk-file-button'), sv['desk.intake.photo_choose']);
  await page.focus('#intake-ready');
  await page.keyboard.press('Tab');
  assert.equal(await activeId(page), 'intake-photo');
  assert.notEqual(await page.$eval('label.desk-file-button', (l) => getComputedStyle(l).outlineStyle), 'none');

  // A 2400 x 1800 photo from "the camera".
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 2400;
    canvas.height = 1800;
    const g = canvas.getContext('2d');
    g.fillStyle = '#3a7';
    g.fillRect(0, 0, 2400, 1800);
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/png'));
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'camera.png', { type: 'image/png' }));
    const input = document.getElementById('intake-photo');
    input.files = dt.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForSelector('#intake-preview:not([hidden])');
  await page.focus('#intake-size');
  await page.keyboard.type('180');
  await page.focus('#intake-brand');
  await page.keyboard.type('Madshus');
  await page.check('#intake-conditions input[value="worn"]');
  await page.focus('#intake-save');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-done:not([hidden])');
  const code = (await page.textContent('#intake-code')).trim();
  assert.match(code, /^DEJ-\d{5}$/);
  assert.equal(await activeId(page), 'intake-next');
  const { rows: [item] } = await app.db.query(
    `SELECT i.category_id, i.name, i.brand, i.size_kind, i.size_num::float AS size, i.condition, i.status,
            p.content_type FROM items i LEFT JOIN item_photos p ON p.item_id = i.id WHERE i.code = $1`, [code]);
  assert.deepEqual(item, { category_id: 111, name: 'Längdskidor', brand: 'Madshus', size_kind: 'length_cm', size: 180,
    condition: 'worn', status: 'available', content_type: 'image/jpeg' });
  const photo = await page.evaluate(async (c) => {
    const bitmap = await createImageBitmap(await (await fetch(`/api/items/${c}/photo`)).blob());
    return [bitmap.width, bitmap.height];
  }, code);
  assert.deepEqual(photo, [1600, 1200]);
  await checkA11y(page, 'desk-intake-done-sv');

  // The next donation: the category is remembered among the recently used.
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-form:not([hidden])');
  assert.equal(await activeId(page), 'intake-size');
  assert.deepEqual(await page.$$eval('#intake-recent button', (b) => b.map((x) => x.textContent)), ['Längdskidor']);
  assert.equal(await page.inputValue('#intake-size'), '');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('the borrower page: details, open loans, renewal, history, block and unblock with a reason, edit', async () => {
  const b = await borrower('Hanna Hansson', { card: 'HH-1' });
  const codes = await items(2);
  await lendByApi(b, codes);
  const ret = await app.context.request.post(`${app.url}/api/returns`, { headers: { 'x-csrf-token': csrf }, data: { items: [codes[1]] } });
  assert.equal(ret.status(), 200);

  const page = await app.newPage();
  await open(page, '/desk/borrowers');
  assert.equal(await activeId(page), 'borrowers-q');
  await scan(page, 'hanna');
  await page.waitForSelector(`#borrowers-list a[href="/desk/borrowers/${b}"]`);
  await checkA11y(page, 'desk-borrowers-sv');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), `/desk/borrowers/${b}`);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${app.url}/desk/borrowers/${b}`);
  await page.waitForFunction(() => document.getElementById('borrower-heading').textContent === 'Hanna Hansson');
  assert.match(await page.textContent('#borrower-details'), /070-9\d\d \d\d \d\d/);
  assert.ok((await page.textContent('#borrower-open')).includes(codes[0]));
  assert.ok((await page.textContent('#borrower-history')).includes(codes[1]));
  await checkA11y(page, 'desk-borrower-sv');

  // Renew the open loan.
  const before = (await app.db.query('SELECT due_date::text AS d FROM loans WHERE borrower_id = $1 AND returned_at IS NULL', [b])).rows[0].d;
  await page.focus('#borrower-open button');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /förlängt/.test(document.getElementById('borrower-message').textContent));
  const after = (await app.db.query('SELECT due_date::text AS d, renewals FROM loans WHERE borrower_id = $1 AND returned_at IS NULL', [b])).rows[0];
  assert.ok(after.d > before && after.renewals === 1, JSON.stringify(after));

  // Blocking needs a reason.
  await page.focus('#borrower-block-reason');
  await page.keyboard.press('Enter');
  assert.equal(await page.textContent('#borrower-block-error'), sv['desk.field.borrower.blocked_reason']);
  await page.keyboard.type('owes a tent');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#borrower-blocked:not([hidden])');
  assert.equal(await page.textContent('#borrower-blocked'), 'Spärrad: owes a tent');
  assert.deepEqual((await app.db.query('SELECT blocked, blocked_reason FROM borrowers WHERE id = $1', [b])).rows[0],
    { blocked: true, blocked_reason: 'owes a tent' });
  assert.equal(await activeId(page), 'borrower-unblock');
  await checkA11y(page, 'desk-borrower-blocked-sv');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#borrower-blocked', { state: 'hidden' });
  assert.equal((await app.db.query('SELECT blocked FROM borrowers WHERE id = $1', [b])).rows[0].blocked, false);

  // Edit: a bad phone is said beside the field; a good one is saved.
  await page.focus('#borrower-edit');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#edit-phone');
  assert.equal(await activeId(page), 'edit-name');
  await page.fill('#edit-phone', '12');
  await page.focus('#edit-phone');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#edit-phone-error:not([hidden])');
  assert.equal(await page.textContent('#edit-phone-error'), sv['desk.field.phone.invalid']);
  await checkA11y(page, 'desk-borrower-edit-sv');
  await page.fill('#edit-phone', '070-777 88 99');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#edit-phone', { state: 'detached' });
  assert.equal((await app.db.query('SELECT phone FROM borrowers WHERE id = $1', [b])).rows[0].phone, '+46707778899');
  assert.match(await page.textContent('#borrower-details'), /070-777 88 99/);

  // Esc goes back to the list.
  await page.keyboard.press('Escape');
  await page.waitForURL(`${app.url}/desk/borrowers`);
  assertNoPageErrors(page, [...EXPECTED, /status of 422/]);
  await page.close();
});

test('on the borrower page a slow answer never undoes a newer change, nor moves the focus', async () => {
  const b = await borrower('Sara Slow');
  await lendByApi(b, await items(1));
  const page = await app.newPage();
  await open(page, `/desk/borrowers/${b}`);
  await page.waitForFunction(() => document.getElementById('borrower-heading').textContent === 'Sara Slow');
  // The read of the borrower that follows a renewal is answered at once (not blocked yet), but
  // the answer reaches the page only after the borrower is blocked.
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route(`**/api/borrowers/${b}`, async (route) => {
    if (route.request().method() !== 'GET') return route.continue();
    const response = await route.fetch();
    await held;
    return route.fulfill({ response });
  });
  await page.focus('#borrower-open button');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /förlängt/.test(document.getElementById('borrower-message').textContent));
  await page.focus('#borrower-block-reason');
  await page.keyboard.type('owes skis');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#borrower-blocked:not([hidden])');
  release();
  await page.waitForFunction(() => document.querySelector('#borrower-open button')?.disabled === false);
  assert.equal(await page.isVisible('#borrower-blocked'), true, 'the older answer unblocked the page');
  assert.equal(await page.textContent('#borrower-blocked'), 'Spärrad: owes skis');
  // The renewal ending late does not pull the focus back to the loans from where the volunteer is.
  assert.equal(await activeId(page), 'borrower-unblock');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('the overdue list shows phone numbers, the oldest first', async () => {
  const older = await borrower('Oskar Old');
  const newer = await borrower('Nils New');
  const [a] = await items(1);
  const [c] = await items(1);
  const la = await lendByApi(older, [a]);
  const lc = await lendByApi(newer, [c]);
  await app.db.query('UPDATE loans SET checked_out_at = now() - interval \'30 days\', due_date = $2::date WHERE id = $1',
    [la.loans[0].id, await stockholmDate(app.db, -9)]);
  await app.db.query('UPDATE loans SET checked_out_at = now() - interval \'30 days\', due_date = $2::date WHERE id = $1',
    [lc.loans[0].id, await stockholmDate(app.db, -2)]);
  const page = await app.newPage();
  await open(page, '/desk/overdue');
  await page.waitForSelector('#overdue-list li');
  const list = await page.$$eval('#overdue-list li', (li) => li.map((x) => x.textContent));
  assert.equal(list.length, 2);
  assert.ok(list[0].includes('Oskar Old') && list[0].includes('9 dagar för sent') && list[0].includes(a), list[0]);
  assert.ok(list[1].includes('Nils New') && list[1].includes('2 dagar för sent'), list[1]);
  const tel = await page.$$eval('#overdue-list a[href^="tel:"]', (x) => x.map((y) => y.getAttribute('href')));
  const phones = (await app.db.query('SELECT phone FROM borrowers WHERE id = ANY($1) ORDER BY id', [[older, newer]])).rows;
  assert.deepEqual(tel, phones.map((p) => `tel:${p.phone}`));
  await checkA11y(page, 'desk-overdue-sv');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('every desk screen passes axe at 360 and 1280 px, and English leaves no Swedish string', async () => {
  const b = await borrower('Emma English', { card: 'EE-1' });
  const [lent] = await items(1);
  await lendByApi(b, [lent]);
  const [fresh, other] = await items(2);
  await app.db.query("UPDATE loans SET checked_out_at = now() - interval '30 days', due_date = current_date - 4 WHERE borrower_id = $1", [b]);
  const page = await app.newPage();

  // Each screen in a state that shows what it can show.
  const screens = [
    ['home', async () => open(page, '/desk')],
    ['lend', async () => {
      await open(page, '/desk/lend');
      await scan(page, 'Nobody Known');
      await page.waitForSelector('#lend-reg-name');
      await page.keyboard.press('Escape');
      await scan(page, 'EE-1');
      await page.waitForSelector('#lend-borrower:not([hidden])');
      await scan(page, fresh);
      await scan(page, lent);
      await scan(page, 'NOPE-2');
      await rows(page, '#lend-list', 3);
    }],
    ['lend-register', async () => {
      await open(page, '/desk/lend');
      await page.focus('#lend-new');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#lend-reg-name');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#lend-reg-name-error:not([hidden])');
    }],
    ['lend-receipt', async () => {
      await open(page, '/desk/lend');
      await scan(page, 'EE-1');
      await page.waitForSelector('#lend-borrower:not([hidden])');
      await scan(page, other);
      await rows(page, '#lend-list', 1);
      await page.keyboard.press('Control+Enter');
      await page.waitForSelector('#lend-receipt:not([hidden])');
    }],
    ['return', async () => {
      await open(page, '/desk/return');
      await scan(page, other);
      await scan(page, 'NOPE-3');
      await rows(page, '#return-list', 2);
    }],
    ['intake', async () => {
      await open(page, '/desk/intake');
      await page.selectOption('#intake-category', '35');
      await page.focus('#intake-save');
      await page.fill('#intake-name', '');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#intake-name-error:not([hidden])');
    }],
    ['borrowers', async () => {
      await open(page, '/desk/borrowers');
      await page.waitForSelector('#borrowers-list li');
    }],
    ['borrower', async () => {
      await open(page, `/desk/borrowers/${b}`);
      await page.waitForFunction(() => document.getElementById('borrower-heading').textContent === 'Emma English');
    }],
    ['overdue', async () => {
      await open(page, '/desk/overdue');
      await page.waitForSelector('#overdue-list li');
    }],
  ];
  await checkScreens(page, screens, () => open(page, '/desk'));
  // The due date in English words.
  await screens.find(([n]) => n === 'lend-receipt')[1]();
  assert.match(await page.textContent('#lend-receipt-due'), /^Due back [A-Z][a-z]+day,? \d{1,2} [A-Z][a-z]+( \d{4})?$/);

  // A switch in the middle of a screen redraws what JS wrote, too.
  await screens.find(([n]) => n === 'lend')[1]();
  await page.click('[data-lang-switch]');
  assert.ok((await page.textContent('#lend-list')).includes('Okänd kod'));
  await page.click('[data-lang-switch]');
  assertNoSwedish(await visibleText(page), 'lend after switching back');
  assertNoPageErrors(page, [...EXPECTED, /status of 422/]);
  await page.close();
});

test('the login page passes axe at 360 and 1280 px', async () => {
  const page = await app.newPage();
  await app.context.clearCookies();
  await page.goto(`${app.url}/login`);
  await page.waitForFunction(() => document.title !== '');
  await checkA11y(page, 'desk-login');
  await page.close();
});

test('staff of the whole network pick the branch: intake and registering ask for it', async () => {
  await app.context.clearCookies();
  await loginAs(app, { username: 'nina', role: 'manager' }); // no branch: the whole network
  const page = await app.newPage();
  await page.addInitScript(() => localStorage.setItem('hylla.lang', 'sv')); // earlier tests chose English
  await open(page, '/desk/intake');
  assert.equal(await page.isVisible('#intake-branch'), true);
  await page.selectOption('#intake-category', '111');
  await page.fill('#intake-size', '175');
  await page.focus('#intake-save');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-branch-error:not([hidden])');
  assert.equal(await page.textContent('#intake-branch-error'), sv['desk.field.item.branch']);
  assert.equal(await activeId(page), 'intake-branch');
  await checkA11y(page, 'desk-intake-network-sv');
  await page.selectOption('#intake-branch', 'forshaga');
  await page.focus('#intake-save');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-done:not([hidden])');
  const code = (await page.textContent('#intake-code')).trim();
  assert.match(code, /^FOR-\d{5}$/);
  assert.equal(await count(`SELECT count(*) AS n FROM items i JOIN branches b ON b.id = i.branch_id
    WHERE i.code = $1 AND b.slug = 'forshaga'`, [code]), 1);

  // Registering at the lend screen asks for the branch too, and lends from it.
  await open(page, '/desk/lend');
  await scan(page, 'Greta Global');
  await page.waitForSelector('#lend-reg-branch');
  assert.equal(await page.isVisible('#lend-reg-branch'), true);
  await page.selectOption('#lend-reg-branch', 'forshaga');
  await page.focus('#lend-reg-phone');
  await scan(page, '070-222 33 44');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  await scan(page, code);
  assert.equal((await rows(page, '#lend-list', 1))[0].state, 'ok');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#lend-receipt:not([hidden])');
  assert.equal(await count(`SELECT count(*) AS n FROM loans l JOIN borrowers b ON b.id = l.borrower_id
    JOIN branches br ON br.id = b.branch_id WHERE b.name = 'Greta Global' AND br.slug = 'forshaga'`), 1);
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});
