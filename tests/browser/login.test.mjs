// The login page in a real browser: keyboard only, messages for a wrong password, a lockout and
// a busy server in both languages, the English switch, the way back to ?next=, and axe at phone
// and desktop widths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sv from '../../web/js/lang/sv.js';
import en from '../../web/js/lang/en.js';
import { startApp, addStaff, checkA11y, assertNoPageErrors, visibleText, screenshot } from './lib.mjs';

let app;
before(async () => {
  app = await startApp();
  await addStaff(app.db, { username: 'vera', role: 'volunteer', displayName: 'Vera V' });
});
after(async () => {
  await app?.stop();
});

// The browser logs every 401 answer of fetch as a console error; those are expected here.
const EXPECTED = [/status of 401/, /status of 429/];

/** Every string of a dictionary, plural forms included. */
const strings = (dict) => Object.values(dict).flatMap((v) => (typeof v === 'object' ? Object.values(v) : [v]));

async function freshLogin(path = '/login') {
  const page = await app.newPage();
  await app.context.clearCookies();
  await page.goto(app.url + path);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.waitForFunction(() => document.title !== '');
  return page;
}

test('the dictionaries have the same keys and no empty strings', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(sv).sort());
  for (const [lang, dict] of Object.entries({ sv, en }))
    for (const s of strings(dict)) assert.ok(typeof s === 'string' && s.trim(), `${lang}: empty string`);
});

test('log in with the keyboard only, and land on ?next=', async () => {
  const page = await freshLogin('/login?next=%2Fhealthz%3Ffrom%3Dlogin');
  assert.equal(await page.getAttribute('html', 'lang'), 'sv');
  assert.equal(await page.title(), sv['login.title']);
  // Tab until the username field has focus; every stop on the way shows where focus is.
  for (let i = 0; i < 5 && !(await page.evaluate(() => document.activeElement?.id === 'username')); i++) {
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is not visible');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'username');
  await page.keyboard.type('VERA');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  await page.keyboard.type('correct horse battery');
  await Promise.all([page.waitForURL(`${app.url}/healthz?from=login`), page.keyboard.press('Enter')]);
  const cookies = await app.context.cookies();
  const session = cookies.find((c) => c.name === 'hylla_session');
  assert.ok(session, 'no session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('a page of someone logged in goes straight on; next= never leaves the site', async () => {
  const page = await app.newPage();
  await page.goto(`${app.url}/login?next=%2Fhealthz`);
  await page.waitForURL(`${app.url}/healthz`);
  const cases = await page.evaluate(async () => {
    const { safeNext } = await import('/js/api.js');
    return ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/login',
      '/desk?x=1#y', '/admin/staff'].map((v) => safeNext(v));
  });
  assert.deepEqual(cases, [null, null, null, null, null, '/desk?x=1#y', '/admin/staff']);
  await app.context.clearCookies();
  await page.close();
});

test('a wrong password says so, empties the field and keeps focus there; axe finds nothing', async () => {
  const page = await freshLogin();
  await checkA11y(page, 'login-sv');
  await page.click('#login-submit');
  assert.equal(await page.textContent('#username-error'), sv['login.username_missing']);
  assert.equal(await page.getAttribute('#username', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'username');

  await page.fill('#username', 'vera');
  await page.fill('#password', 'not the password');
  await page.press('#password', 'Enter');
  await page.waitForSelector('#login-error:not([hidden])');
  assert.equal(await page.textContent('#login-error'), sv['problem.invalid_credentials']);
  assert.equal(await page.inputValue('#password'), '');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  assert.equal(await page.isEnabled('#login-submit'), true);
  await checkA11y(page, 'login-sv-wrong-password');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('English is one click away, leaves no Swedish string, and is remembered', async () => {
  const page = await freshLogin();
  await page.fill('#username', 'vera');
  await page.fill('#password', 'still not the password');
  await page.press('#password', 'Enter');
  await page.waitForSelector('#login-error:not([hidden])');
  await page.click('[data-lang-switch]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.title(), en['login.title']);
  assert.equal(await page.textContent('#login-error'), en['problem.invalid_credentials']);
  assert.equal(await page.textContent('[data-lang-switch]'), 'Svenska');
  assert.equal(await page.getAttribute('[data-lang-switch]', 'lang'), 'sv');
  // Nothing Swedish is left, but the switch back (which is marked lang="sv"); strings that open
  // with a placeholder ("{n} dagar för sent", the desk's) have no fixed start to look for.
  const text = await visibleText(page);
  const english = new Set(strings(en));
  for (const s of strings(sv).filter((x) => !english.has(x) && x.split('{')[0].trim()))
    assert.ok(!text.includes(s.split('{')[0].trim()), `Swedish left on the English page: ${s}`);
  assert.doesNotMatch(text, /[åäöÅÄÖ]/, text);
  await checkA11y(page, 'login-en-wrong-password');

  await page.reload();
  await page.waitForFunction(() => document.title !== '');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('h1'), en['login.heading']);
  await page.click('[data-lang-switch]');
  assert.equal(await page.textContent('h1'), sv['login.heading']);
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('a locked account is told how long to wait, in both languages', async () => {
  await app.db.query(`INSERT INTO login_lockouts (scope, key, locked_until)
    VALUES ('username', sha256('vera'::bytea), now() + interval '14 minutes 30 seconds')`);
  try {
    const page = await freshLogin();
    await page.fill('#username', 'Vera');
    await page.fill('#password', 'correct horse battery');
    await page.press('#password', 'Enter');
    await page.waitForSelector('#login-error:not([hidden])');
    assert.equal(await page.textContent('#login-error'), sv['problem.login_throttled'].other.replace('{n}', '15'));
    await page.click('[data-lang-switch]');
    assert.equal(await page.textContent('#login-error'), en['problem.login_throttled'].other.replace('{n}', '15'));
    await checkA11y(page, 'login-en-throttled');
    await screenshot(page, 'login-throttled');
    assertNoPageErrors(page, EXPECTED);
    await page.close();
  } finally {
    await app.db.query('DELETE FROM login_lockouts; DELETE FROM login_failures');
  }
});

test('the messages for a busy server and a short wait, in both languages', async () => {
  const page = await freshLogin();
  const said = await page.evaluate(async () => {
    const { ApiError, errorMessage } = await import('/js/api.js');
    const { setLang } = await import('/js/i18n.js');
    const out = {};
    for (const lang of ['sv', 'en']) {
      setLang(lang);
      out[lang] = [
        errorMessage(new ApiError(503, { code: 'busy' }, 1)),
        errorMessage(new ApiError(429, { code: 'login_throttled' }, 30)),
        errorMessage(new ApiError(418, { code: 'something_new' })),
        errorMessage(new ApiError(0)),
      ];
    }
    return out;
  });
  assert.deepEqual(said.sv, [sv['problem.busy'], sv['problem.login_throttled'].one.replace('{n}', '1'),
    sv['problem.other'].replace('{status}', '418'), sv['problem.network']]);
  assert.deepEqual(said.en, [en['problem.busy'], en['problem.login_throttled'].one.replace('{n}', '1'),
    en['problem.other'].replace('{status}', '418'), en['problem.network']]);
  await page.close();
});

test('the accessibility check itself fails on a page with a violation', async () => {
  const page = await freshLogin();
  await page.evaluate(() => document.querySelector('label[for=username]').remove());
  await assert.rejects(checkA11y(page, 'login-broken-on-purpose'), /axe found problems.*\n.*label/);
  await page.close();
});
