// Reminders in a real browser: the borrower page shows what was sent when and sends a text from
// the desk, "Har ringt" notes a call there and on the overdue list, the borrower form keeps the
// language and the opt-out, and managers set their branch's reminders and read what was sent
// on /admin/messages; Swedish and English, axe at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sv from '../../web/js/lang/sv.js';
import en from '../../web/js/lang/en.js';
import { OPEN_EVERY_DAY, hylla, stockholmDate } from '../api/lib.mjs';
import { fakeSmsGateway, addLoans, waitFor } from '../api/messaging.mjs';
import { startApp, addBranch, addStaff, checkA11y, assertNoPageErrors, visibleText } from './lib.mjs';

let app;
let gw;
let args;
let late; // a borrower with an overdue loan, reminded by SMS

before(async () => {
  gw = await fakeSmsGateway();
  args = ['--sms-url', gw.url, '--reminder-window', '00:00-24:00'];
  app = await startApp({ args });
  await addBranch(app.db, 'deje', { name: 'Fritidsbanken Deje', prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  await addStaff(app.db, { username: 'vera', role: 'volunteer', branch: 'deje', displayName: 'Vera V' });
  await addStaff(app.db, { username: 'nina', role: 'manager', branch: 'deje', displayName: 'Nina N' });
  [late] = await addLoans(app.db, 'deje', 1, await stockholmDate(app.db, -2), { prefix: 'OVR', firstPhone: 10 });
  const r = await hylla(['remind', '--once', '--database', app.db.conninfo, ...args]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(async () => (await app.db.query("SELECT 1 FROM messages WHERE borrower_id = $1 AND status = 'sent'", [late])).rowCount);
});
after(async () => {
  await app?.stop();
  await gw?.close();
});

async function openAs(username, path, lang = 'sv') {
  await app.context.clearCookies();
  const r = await app.context.request.post(`${app.url}/api/session`, { data: { username, password: 'correct horse battery' } });
  assert.equal(r.status(), 200);
  const page = await app.newPage();
  await page.goto(app.url + path);
  await page.evaluate((l) => localStorage.setItem('hylla.lang', l), lang);
  await page.reload();
  return page;
}

const messageRows = (page, list) => page.$$eval(`${list} > li`, (li) => li.map((x) => x.textContent));

test('the borrower page shows what was sent when, sends a text and notes a call', async () => {
  const page = await openAs('vera', `/desk/borrowers/${late}`);
  await page.waitForFunction(() => document.querySelector('#borrower-messages li.desk-row'));
  const [reminder] = await messageRows(page, '#borrower-messages');
  assert.match(reminder, /^Sms om försenat lån \d+ [a-z]+\.? \d\d:\d\d, skickat$/, reminder);
  assert.equal(await page.textContent('#borrower-sms-count'), '0 av 480 tecken');
  await checkA11y(page, 'messages-borrower-sv');

  const before = gw.requests.length;
  await page.fill('#borrower-sms-text', 'Hej! Kanoten du frågade om är tillbaka.');
  assert.equal(await page.textContent('#borrower-sms-count'), '39 av 480 tecken');
  await page.click('#borrower-sms-send');
  await page.waitForFunction((t) => document.getElementById('borrower-message').textContent === t, sv['desk.messages.queued']);
  assert.equal(await page.inputValue('#borrower-sms-text'), '');
  const rows = await messageRows(page, '#borrower-messages');
  assert.match(rows[0], /^Sms från disken .*Hej! Kanoten du frågade om är tillbaka\.$/, rows[0]);
  await waitFor(() => gw.requests.length > before, { what: 'the text at the gateway' });
  assert.equal(gw.requests.at(-1).message, 'Hej! Kanoten du frågade om är tillbaka.');

  await page.click('#borrower-called');
  await page.waitForFunction((t) => document.getElementById('borrower-message').textContent === t, sv['desk.messages.call_noted']);
  assert.match((await messageRows(page, '#borrower-messages'))[0], /^Ringt \d+ [a-z]+\.? \d\d:\d\d \(Vera V\)$/);
  const { rows: calls } = await app.db.query(
    `SELECT ml.loan_id FROM messages m JOIN message_loans ml ON ml.message_id = m.id
      WHERE m.borrower_id = $1 AND m.kind = 'phone_call'`, [late]);
  assert.equal(calls.length, 1, 'the call is about the overdue loan');
  assertNoPageErrors(page);
  await page.close();
});

test('the borrower form keeps the language and the opt-out; an opted-out borrower gets no text', async () => {
  const page = await openAs('vera', `/desk/borrowers/${late}`);
  await page.waitForSelector('#borrower-edit:not([hidden])');
  await page.click('#borrower-edit');
  await page.selectOption('#edit-language', 'en');
  await page.check('#edit-messages_opt_out');
  await checkA11y(page, 'messages-borrower-form-sv');
  await page.click('#borrower-edit-slot [data-role="submit"]');
  await page.waitForFunction(() => !document.querySelector('#borrower-edit-slot form'));
  const { rows: [b] } = await app.db.query('SELECT language, messages_opt_out FROM borrowers WHERE id = $1', [late]);
  assert.deepEqual(b, { language: 'en', messages_opt_out: true });
  assert.match(await page.textContent('#borrower-details'), new RegExp(sv['desk.borrower.messages_none']));
  assert.equal(await page.textContent('#borrower-sms-count'), sv['desk.messages.opted_out']);
  assert.equal(await page.isDisabled('#borrower-sms-send'), true);
  await app.db.query('UPDATE borrowers SET messages_opt_out = false WHERE id = $1', [late]);
  assertNoPageErrors(page);
  await page.close();
});

test('the overdue list says what was sent about each loan, and notes a call with one click', async () => {
  const page = await openAs('vera', '/desk/overdue');
  await page.waitForFunction(() => /Sms om försenat lån/.test(document.querySelector('#overdue-list li')?.textContent));
  const text = await page.textContent('#overdue-list li');
  assert.match(text, /Sms om försenat lån \d+ [a-z]+\.? \d\d:\d\d, skickat/);
  await checkA11y(page, 'messages-overdue-sv');
  await page.click('#overdue-list li button');
  await page.waitForFunction(() => /Ringt .*\(Vera V\) · Ringt/.test(document.querySelector('#overdue-list li').textContent));
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), sv['desk.messages.called'], 'focus stays on the button');
  assertNoPageErrors(page);
  await page.close();

  const english = await openAs('vera', '/desk/overdue', 'en');
  await english.waitForFunction(() => /Phoned/.test(document.querySelector('#overdue-list li')?.textContent));
  assert.match(await english.textContent('#overdue-list li'), /Phoned .* \(Vera V\)/);
  assert.match(await english.textContent('#overdue-list li'), /Text about a late loan .*, sent/);
  assert.doesNotMatch(await visibleText(english), /Ringt|skickat|Sms om/);
  await checkA11y(english, 'messages-overdue-en');
  await english.close();
});

test('a manager sets the branch\'s reminders and reads what was sent', async () => {
  const page = await openAs('nina', '/admin/messages');
  await page.waitForSelector('#messages-body:not([hidden])');
  await page.waitForSelector('#messages-days table');
  assert.equal(await page.isChecked('#set-due-soon'), true);
  assert.equal(await page.inputValue('#set-overdue-days'), '1, 7');
  assert.equal(await page.isHidden('#messages-branch-field'), true, 'a branch manager has one branch');
  const days = await page.$$eval('#messages-days tbody tr', (tr) => tr.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.equal(days.length, 1);
  assert.equal(days[0][1], '2', 'the reminder and the text from the desk were sent today');
  assert.equal(days[0][4], '2', 'and two calls noted');
  const months = await page.$$eval('#messages-months tbody tr', (tr) => tr.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.deepEqual(months.map((m) => m.slice(1, 3)), [['Fritidsbanken Deje', '2']]);
  await checkA11y(page, 'messages-admin-sv');

  // Days out of order and a window outside the network's are refused by their fields.
  await page.fill('#set-overdue-days', '7, 1');
  await page.fill('#set-sender', 'Fritidsbanken');
  await page.click('#settings-save');
  await page.waitForSelector('#set-overdue-days-error:not([hidden])');
  assert.equal(await page.getAttribute('#set-overdue-days', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#set-sender'), 'Fritidsbank', 'at most 11 characters can be typed');
  await checkA11y(page, 'messages-admin-errors-sv');

  await page.fill('#set-overdue-days', '2, 9');
  await page.check('#set-receipt');
  await page.fill('#set-window-start', '09:00');
  await page.fill('#set-window-end', '18:30');
  await page.fill('#set-sender', 'Deje');
  await page.click('#settings-save');
  await page.waitForFunction(() => document.getElementById('settings-saved').textContent !== '');
  const { rows: [s] } = await app.db.query(
    `SELECT receipt, overdue_days, to_char(window_start, 'HH24:MI') AS ws, to_char(window_end, 'HH24:MI') AS we, sender_name
       FROM message_settings WHERE branch_id = (SELECT id FROM branches WHERE slug = 'deje')`);
  assert.deepEqual(s, { receipt: true, overdue_days: [2, 9], ws: '09:00', we: '18:30', sender_name: 'Deje' });
  assertNoPageErrors(page, [/status of 422/]);
  await page.close();

  const english = await openAs('nina', '/admin/messages', 'en');
  await english.waitForSelector('#messages-days table');
  assert.equal(await english.textContent('h1'), en['admin.messages.heading']);
  assert.doesNotMatch(await visibleText(english), /[åäöÅÄÖ]/);
  await checkA11y(english, 'messages-admin-en');
  await english.close();
});

test('volunteers are turned away from /admin/messages', async () => {
  const page = await openAs('vera', '/admin/messages');
  await page.waitForSelector('#messages-denied:not([hidden])');
  assert.equal(await page.textContent('#messages-denied-text'), sv['admin.messages.forbidden']);
  assert.equal(await page.isHidden('#messages-body'), true);
  await page.close();
});
