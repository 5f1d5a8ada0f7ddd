// The impact factors page, /admin/categories, in a real browser: the default factor names its
// source (RISE 2020), an admin changes a category's factors in a dialog (decimal comma accepted,
// bad numbers refused by the field before anything is sent), managers read without editing,
// volunteers are turned away; Swedish and English; axe at phone and desktop widths; and the top
// bar every admin page shares (page.js), with the sections each role may open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sv from '../../web/js/lang/sv.js';
import en from '../../web/js/lang/en.js';
import { startApp, addStaff, checkA11y, assertNoPageErrors, screenshot } from './lib.mjs';

let app;

before(async () => {
  app = await startApp();
  await addStaff(app.db, { username: 'ada', role: 'admin', displayName: 'Ada A' });
  await addStaff(app.db, { username: 'nina', role: 'manager', displayName: 'Nina N' });
  await addStaff(app.db, { username: 'vera', role: 'volunteer', displayName: 'Vera V' });
});
after(async () => {
  await app?.stop();
});

async function openAs(username, lang = 'sv') {
  await app.context.clearCookies();
  const r = await app.context.request.post(`${app.url}/api/session`, { data: { username, password: 'correct horse battery' } });
  assert.equal(r.status(), 200);
  const page = await app.newPage();
  await page.goto(`${app.url}/admin/categories`);
  await page.evaluate((l) => localStorage.setItem('hylla.lang', l), lang);
  await page.reload();
  return page;
}

const closed = (page) => page.waitForSelector('#factor-dialog[open]', { state: 'detached' });

const factorRow = async (id) => (await app.db.query(
  'SELECT co2e_kg::float8 AS co2e, sek::float8 AS sek, factor_source FROM categories WHERE id = $1', [id])).rows[0];

test('the default factor names its source, and an admin changes a category\'s factors', async () => {
  const page = await openAs('ada');
  await page.waitForSelector('#factors-table table');
  const skis = page.locator('tr[data-id="112"]');
  assert.match(await skis.textContent(), /29/);
  assert.match(await skis.textContent(), /RISE 2020/);
  // A category without factors of its own says what it inherits (none here: a dash).
  assert.equal(await page.locator('tr[data-id="111"] td.num').first().textContent(), '–');
  await checkA11y(page, 'categories-sv');

  const before = await factorRow(111);
  await page.click('[data-edit="111"]');
  await page.waitForSelector('#factor-dialog[open]');
  await page.fill('#factor-co2e', 'tjugo');
  await page.fill('#factor-sek', '12,345');
  await page.click('#factor-save');
  assert.equal(await page.textContent('#factor-co2e-error'), sv['admin.factors.not_number']);
  assert.equal(await page.textContent('#factor-sek-error'), sv['admin.factors.decimals']);
  assert.equal(await page.getAttribute('#factor-co2e', 'aria-invalid'), 'true');
  assert.deepEqual(await factorRow(111), before, 'a refused form changed the database');
  await checkA11y(page, 'categories-dialog-errors');

  // A number without a source is refused too.
  await page.fill('#factor-co2e', '17,5');
  await page.fill('#factor-sek', '1 250');
  await page.fill('#factor-source', '');
  await page.click('#factor-save');
  assert.equal(await page.textContent('#factor-source-error'), sv['admin.factors.source_missing']);

  await page.fill('#factor-source', 'Egen uppskattning 2026');
  await page.click('#factor-save');
  await closed(page);
  assert.deepEqual(await factorRow(111), { co2e: 17.5, sek: 1250, factor_source: 'Egen uppskattning 2026' });
  assert.match(await page.textContent('#factors-status'), /Längdskidor/);
  assert.match(await page.locator('tr[data-id="111"]').textContent(), /17,5/);
  // Focus returns to the button that opened the dialog.
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.edit), '111');

  // Emptying both numbers goes back to inheriting (null in the database).
  await page.click('[data-edit="111"]');
  await page.fill('#factor-co2e', '');
  await page.fill('#factor-sek', '');
  await page.fill('#factor-source', '');
  await page.click('#factor-save');
  await closed(page);
  assert.deepEqual(await factorRow(111), { co2e: null, sek: null, factor_source: null });
  await screenshot(page, 'categories-saved');
  assertNoPageErrors(page);
  await page.close();
});

test('an admin sets an age rule and an English source; children categories inherit the rule', async () => {
  const page = await openAs('ada');
  await page.waitForSelector('#factors-table table');
  await page.click('[data-edit="3"]');
  await page.waitForSelector('#factor-dialog[open]');
  await page.fill('#factor-consent-age', '40');
  await page.click('#factor-save');
  assert.equal(await page.textContent('#factor-consent-age-error'), sv['admin.factors.consent_invalid']);
  await page.fill('#factor-consent-age', '15');
  await page.click('#factor-save');
  await closed(page);
  const rules = await app.db.query('SELECT category_id, consent_age FROM category_rules WHERE category_id IN (3, 32) ORDER BY 1');
  assert.deepEqual(rules.rows, [{ category_id: 3, consent_age: 15 }, { category_id: 32, consent_age: 15 }]);
  assert.match(await page.locator('tr[data-id="32"] td.num').nth(2).textContent(), /ärvs: 15 \(Vatten\)/);

  // The source in English is shown on the English page; the Swedish one on the Swedish page.
  await page.click('[data-edit="112"]');
  await page.fill('#factor-source-en', 'Our own English source');
  await page.click('#factor-save');
  await closed(page);
  assert.equal((await app.db.query('SELECT factor_source_en FROM categories WHERE id = 112')).rows[0].factor_source_en,
    'Our own English source');
  assert.match(await page.locator('tr[data-id="112"]').textContent(), /RISE 2020, utvärdering/);
  const english = await openAs('ada', 'en');
  await english.waitForSelector('#factors-table table');
  assert.match(await english.locator('tr[data-id="112"]').textContent(), /Our own English source/);
  assert.match(await english.locator('tr[data-id="32"]').textContent(), /inherited: 15 \(Water\)/);
  await app.db.query('UPDATE categories SET consent_age = NULL WHERE id = 3');
  assertNoPageErrors(page);
  assertNoPageErrors(english);
  await page.close();
  await english.close();
});

test('in English, numbers have a decimal point and the texts are English', async () => {
  await app.db.query("UPDATE categories SET co2e_kg = 3.25, factor_source = 'test' WHERE id = 21");
  const page = await openAs('ada', 'en');
  await page.waitForSelector('#factors-table table');
  assert.equal(await page.textContent('h1'), en['admin.factors.heading']);
  assert.match(await page.locator('tr[data-id="21"]').textContent(), /3\.25/);
  await page.click('[data-edit="21"]');
  await page.fill('#factor-co2e', '4.5');
  await page.click('#factor-save');
  await closed(page);
  assert.equal((await factorRow(21)).co2e, 4.5);
  await checkA11y(page, 'categories-en');
  assertNoPageErrors(page);
  await page.close();
});

test('a manager reads the factors without editing; a volunteer is turned away', async () => {
  const page = await openAs('nina');
  await page.waitForSelector('#factors-table table');
  assert.equal(await page.isVisible('#factors-read-only'), true);
  assert.equal(await page.locator('[data-edit]').count(), 0);
  await checkA11y(page, 'categories-manager');
  assertNoPageErrors(page);
  await page.close();

  const denied = await openAs('vera');
  await denied.waitForSelector('#factors-denied:not([hidden])');
  assert.equal(await denied.textContent('#factors-denied-text'), sv['admin.factors.forbidden']);
  assert.equal(await denied.locator('#factors-table table').count(), 0);
  assertNoPageErrors(denied);
  await denied.close();
});

test('both admin pages draw the same top bar, with the sections each role may open', async () => {
  const bar = async (username, path) => {
    await app.context.clearCookies();
    const r = await app.context.request.post(`${app.url}/api/session`, { data: { username, password: 'correct horse battery' } });
    assert.equal(r.status(), 200);
    const page = await app.newPage();
    await page.goto(app.url + path);
    await page.waitForFunction(() => document.getElementById('topbar-who')?.textContent);
    const seen = await page.evaluate(() => ({
      first: document.body.querySelector('a, button').outerHTML,
      nav: document.querySelector('header nav').getAttribute('aria-label'),
      links: [...document.querySelectorAll('header nav a')].filter((a) => a.checkVisibility())
        .map((a) => [a.textContent, a.getAttribute('href'), a.getAttribute('aria-current')]),
      who: document.getElementById('topbar-who').firstChild.textContent,
      buttons: [...document.querySelectorAll('header button')].map((b) => b.textContent),
    }));
    return { page, seen };
  };
  const desk = [sv['admin.nav.desk'], '/desk', null];
  const home = [sv['admin.nav.admin'], '/admin', null];
  const branches = [sv['admin.nav.branches'], '/admin/branches', null];
  const stats = (current) => [sv['admin.nav.stats'], '/admin/stats', current ? 'page' : null];
  const factors = (current) => [sv['admin.nav.categories'], '/admin/categories', current ? 'page' : null];
  const texts = [sv['admin.nav.texts'], '/admin/texts', null];
  const messages = [sv['admin.nav.messages'], '/admin/messages', null];
  for (const [username, path, who, links] of [
    ['nina', '/admin/stats', `Nina N, ${sv['admin.role.manager']}`, [desk, home, stats(true), branches, factors(false), texts, messages]],
    ['nina', '/admin/categories', `Nina N, ${sv['admin.role.manager']}`, [desk, home, stats(false), branches, factors(true), texts, messages]],
    ['vera', '/admin/stats', `Vera V, ${sv['admin.role.volunteer']}`, [desk, stats(true)]],
    ['vera', '/admin/categories', `Vera V, ${sv['admin.role.volunteer']}`, [desk, factors(true)]],
  ]) {
    const { page, seen } = await bar(username, path);
    assert.match(seen.first, /class="skip-link" href="#main"/, `${path}: the skip link comes first`);
    assert.equal(seen.nav, sv['admin.nav']);
    assert.deepEqual(seen.links, links, `${username} on ${path}`);
    assert.equal(seen.who, who);
    assert.deepEqual(seen.buttons, ['English', sv['common.logout']]);
    if (username === 'nina' && path === '/admin/categories') {
      await Promise.all([page.waitForURL(`${app.url}/login`), page.click('#topbar-logout')]);
      assert.equal((await app.context.request.get(`${app.url}/api/session`)).status(), 401);
    }
    await page.close();
  }
});

test('an admin adds a category, hides it, and merges it into another; a category in use is not deleted', async () => {
  const page = await openAs('ada');
  await page.waitForSelector('#factors-table table');
  await page.click('#category-new');
  await page.waitForSelector('#factor-dialog[open]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'cat-name-sv');
  assert.equal(await page.isVisible('#cat-other'), false, 'a new category has nothing to merge or delete');
  await page.click('#factor-save');
  assert.equal(await page.textContent('#cat-name-sv-error'), sv['field.required']);
  await page.fill('#cat-name-sv', 'Spark');
  await page.fill('#cat-name-en', 'Kicksleds');
  await page.selectOption('#cat-parent', '1');
  await page.selectOption('#cat-size-kind', 'other');
  await page.check('#cat-hidden');
  await page.click('#factor-save');
  await closed(page);
  const { rows: [made] } = await app.db.query("SELECT id, parent_id, size_kind, hidden FROM categories WHERE name_sv = 'Spark'");
  assert.deepEqual({ ...made, id: 0 }, { id: 0, parent_id: 1, size_kind: 'other', hidden: true });
  assert.match(await page.locator(`tr[data-id="${made.id}"]`).textContent(), new RegExp(sv['admin.categories.is_hidden'].replace(/[()]/g, '\\$&')));

  // Deleting skis, which hold the default factor's items: refused, with what refers to them.
  await app.db.query(`INSERT INTO items (code, branch_id, category_id, name)
    SELECT 'CAT-1', (SELECT id FROM branches LIMIT 1), 112, 'Slalomskidor' WHERE EXISTS (SELECT 1 FROM branches)`);
  await page.click('[data-edit="11"]');
  await page.waitForSelector('#factor-dialog[open]');
  await page.click('#cat-delete');
  await page.waitForSelector('#factor-form-error:not([hidden])');
  assert.match(await page.textContent('#factor-form-error'), /underkategorier/);
  await page.click('#factor-cancel');
  await closed(page);

  // Merged into Pulkor och stjärtlappar (15): gone from the tree, said in the status line.
  await page.click(`[data-edit="${made.id}"]`);
  await page.waitForSelector('#factor-dialog[open]');
  await page.click('#cat-merge');
  assert.equal(await page.textContent('#cat-merge-into-error'), sv['admin.categories.choose_into']);
  await page.selectOption('#cat-merge-into', '15');
  await page.click('#cat-merge');
  await closed(page);
  assert.match(await page.textContent('#factors-status'), /Spark är ihopslagen med Pulkor och stjärtlappar/);
  assert.equal(Number((await app.db.query('SELECT count(*) AS n FROM categories WHERE id = $1', [made.id])).rows[0].n), 0);
  assert.equal(await page.locator(`tr[data-id="${made.id}"]`).count(), 0);
  await checkA11y(page, 'categories-tree');
  assertNoPageErrors(page, [/409/]);
  await page.close();
});
