// Households at the desk in a real browser, with the keyboard only: a child registered from the
// guardian's page with a name and a birth year, the children's loans on the guardian's page,
// lending to a child naming the guardian, an age rule said in words, two borrowers called Elsa
// told apart in the borrower list and in the lend screen's picker, and axe at 360 and 1280 px in
// Swedish and English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sv from '../../web/js/lang/sv.js';
import { OPEN_EVERY_DAY, addBorrower, addItem } from '../api/lib.mjs';
import {
  startApp, addBranch, checkA11y, assertNoPageErrors, assertNoSwedish, visibleText, loginAs, scan, activeId, openDesk,
} from './lib.mjs';

let app;
let anna; // a guardian
const year = new Date().getUTCFullYear();
const EXPECTED = [/status of 401/, /status of 404/, /status of 409/, /status of 422/];

before(async () => {
  app = await startApp();
  await addBranch(app.db, 'deje', { prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  await loginAs(app, { username: 'vera', role: 'volunteer', branch: 'deje' });
  anna = await addBorrower(app.db, { branch: 'deje', name: 'Anna Andersson', phone: '+46703112233', birthYear: 1984 });
});
after(async () => {
  await app?.stop();
});

const open = (page, path) => openDesk(page, app.url + path);

/** Press Tab until the element with id has focus (at most limit times). */
async function tabTo(page, id, limit = 40) {
  for (let i = 0; i < limit && (await activeId(page)) !== id; i++) await page.keyboard.press('Tab');
  assert.equal(await activeId(page), id, `Tab never reached #${id}`);
}

test('keyboard only: register a child from the guardian\'s page, see its loans there, lend to it', async () => {
  const page = await app.newPage();
  await open(page, `/desk/borrowers/${anna}`);
  await page.waitForFunction(() => document.getElementById('borrower-heading').textContent === 'Anna Andersson');
  assert.equal(await page.textContent('#borrower-children'), sv['desk.borrower.no_children']);

  await tabTo(page, 'borrower-add-child');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#child-name');
  assert.equal(await activeId(page), 'child-name');
  assert.equal(await page.textContent('#child-title'), 'Registrera barn till Anna Andersson');
  // Only what a child needs is asked; the note says what birth year and gender are for.
  for (const field of ['phone', 'card', 'email', 'notes']) assert.equal(await page.isVisible(`#child-${field}`), false, field);
  assert.equal(await page.textContent('#child-stats-note'), sv['desk.borrower.stats_note']);
  assert.match(await page.getAttribute('#child-birth_year', 'aria-describedby'), /child-stats-note/);
  // Enter without a birth year says so beside the field.
  await page.keyboard.type('Elsa Andersson');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#child-birth_year-error:not([hidden])');
  assert.equal(await page.textContent('#child-birth_year-error'), sv['desk.field.birth_year.required']);
  assert.equal(await activeId(page), 'child-birth_year');
  await checkA11y(page, 'families-child-form-sv');
  await page.keyboard.type(String(year - 9));
  await page.keyboard.press('Enter');
  await page.waitForSelector('#child-name', { state: 'detached' });
  await page.waitForFunction(() => document.querySelectorAll('#borrower-children a').length === 1);
  const { rows: [elsa] } = await app.db.query(
    "SELECT id, guardian_id, birth_year, phone, branch_id FROM borrowers WHERE name = 'Elsa Andersson'");
  assert.deepEqual([Number(elsa.guardian_id), elsa.birth_year, elsa.phone], [anna, year - 9, null]);
  assert.equal(await page.textContent('#borrower-message'),
    `Elsa Andersson är registrerad med Anna Andersson som målsman.`);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Elsa Andersson');

  // Lend to the child from her own page: the lend screen names the guardian.
  const [code] = [await addItem(app.db, 'deje', { code: 'DEJ-00501', category: 121, name: 'Hockeyskridskor' })];
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('borrower-heading').textContent === 'Elsa Andersson');
  assert.match(await page.textContent('#borrower-details'), /Målsman\s*Anna Andersson/);
  await page.focus('#borrower-lend');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${app.url}/desk/lend`);
  assert.equal(await page.textContent('#lend-borrower-details'),
    `målsman: Anna Andersson · tel. …2233 · Fritidsbanken deje · född ${year - 9} · 0 lån nu`);
  await scan(page, code);
  await page.waitForSelector('#lend-list li[data-state="ok"]');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#lend-receipt:not([hidden])');
  assert.equal((await app.db.query('SELECT count(*)::int AS n FROM loans WHERE borrower_id = $1', [elsa.id])).rows[0].n, 1);

  // The guardian's page shows the child's loan.
  await open(page, `/desk/borrowers/${anna}`);
  await page.waitForFunction(() => document.getElementById('borrower-children').textContent.includes('DEJ-00501'));
  assert.match(await page.textContent('#borrower-children'), new RegExp(`född ${year - 9}.*1 lån nu`));
  await checkA11y(page, 'families-guardian-sv');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('an age rule is said in words at the lend screen', async () => {
  await app.db.query('UPDATE categories SET consent_age = 15 WHERE id = 3');
  const kid = await addBorrower(app.db, { branch: 'deje', name: 'Sigge Sjö', phone: null, birthYear: year - 10, guardian: anna });
  const code = await addItem(app.db, 'deje', { code: 'DEJ-00601', category: 32, name: 'Kajak' });
  const page = await app.newPage();
  await open(page, `/desk/borrowers/${kid}`);
  await page.waitForFunction(() => document.getElementById('borrower-heading').textContent === 'Sigge Sjö');
  await page.focus('#borrower-lend');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${app.url}/desk/lend`);
  await scan(page, code);
  await page.waitForSelector('#lend-list li[data-state="ok"]');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#lend-list li[data-state="problem"]');
  assert.match(await page.textContent('#lend-list'), /Kräver målsmans medgivande under 15 år\./);
  assert.equal((await app.db.query('SELECT count(*)::int AS n FROM loans WHERE borrower_id = $1', [kid])).rows[0].n, 0);
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('two borrowers called Elsa are told apart in the list and the picker; axe and English on the family pages', async () => {
  const mother = await addBorrower(app.db, { branch: 'deje', name: 'Maria Berg', phone: '+46703441234' });
  const child = await addBorrower(app.db, { branch: 'deje', name: 'Elsa Berg', phone: null, birthYear: 2015, guardian: mother });
  await addBorrower(app.db, { branch: 'deje', name: 'Elsa Berg', phone: '+46703449876', birthYear: 1990, card: 'EB-1' });
  const page = await app.newPage();
  await open(page, '/desk/borrowers');
  await scan(page, 'Elsa Berg');
  await page.waitForFunction(() => document.querySelectorAll('#borrowers-list li').length === 2);
  const lines = await page.$$eval('#borrowers-list li', (li) => li.map((x) => x.textContent));
  assert.ok(lines.includes('Elsa Bergmålsman: Maria Berg · tel. …1234 · Fritidsbanken deje · född 2015 · 0 lån nu'), lines.join('\n'));
  assert.ok(lines.includes('Elsa Bergtel. …9876 · kort EB-1 · Fritidsbanken deje · född 1990 · 0 lån nu'), lines.join('\n'));
  // "Elsa 2015" finds the one.
  await page.fill('#borrowers-q', '');
  await scan(page, 'Elsa 2015');
  await page.waitForFunction(() => document.querySelectorAll('#borrowers-list li').length === 1);
  await checkA11y(page, 'families-elsas-sv');

  // At the lend screen the picker shows the same and waits for a choice: Enter takes nobody.
  await open(page, '/desk/lend');
  await scan(page, 'Elsa Berg');
  await page.waitForFunction(() => document.querySelectorAll('#lend-matches button').length === 2);
  const choices = await page.$$eval('#lend-matches button', (b) => b.map((x) => x.textContent));
  assert.ok(choices.some((c) => /målsman: Maria Berg · tel\. …1234 .*född 2015/.test(c)), choices.join('\n'));
  assert.ok(choices.some((c) => /tel\. …9876 · kort EB-1 .*född 1990/.test(c)), choices.join('\n'));
  assert.equal(await page.isVisible('#lend-borrower'), false);
  const grown = choices.findIndex((c) => /född 1990/.test(c));
  await page.focus('#lend-who');
  for (let i = 0; i <= grown; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  assert.match(await page.textContent('#lend-borrower-details'), /född 1990/);
  await checkA11y(page, 'families-lend-elsa-sv');

  const screens = [
    ['guardian', async () => {
      await open(page, `/desk/borrowers/${mother}`);
      await page.waitForSelector('#borrower-children a');
      await page.focus('#borrower-add-child');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#child-name');
    }],
    ['child', async () => {
      await open(page, `/desk/borrowers/${child}`);
      await page.waitForSelector('#borrower-details dd');
      await page.focus('#borrower-edit');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#edit-guardian_consent');
    }],
    ['elsas', async () => {
      await open(page, '/desk/borrowers');
      await scan(page, 'Elsa Berg');
      await page.waitForFunction(() => document.querySelectorAll('#borrowers-list li').length === 2);
    }],
  ];
  for (const [name, show] of screens) {
    await show();
    await checkA11y(page, `families-${name}-sv`);
  }
  await page.click('[data-lang-switch]');
  for (const [name, show] of screens) {
    await show();
    assertNoSwedish((await visibleText(page)).replace(/Elsa Berg|Maria Berg/g, ''), name);
    await checkA11y(page, `families-${name}-en`);
  }
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});
