// The public site in a real browser, with its clock set to noon of today in Stockholm: find the
// nearest branch at 360 px with a fake position and make it "min filial", read whether it is
// open now, the week's hours and the contact as links, search "skridskor 38" and see what the
// search understood and, when nothing is in, the nearest sizes; availability grouped with
// counts, a shareable address, an item's own page (the QR code's target), "Så lånar du" as an
// admin writes it, "Om tjänsten", English one click away, the widget, axe at 360 and 1280 px,
// no borrower on any page, and the first view of a branch page within 150 KB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sv from '../../web/js/lang/sv.js';
import en from '../../web/js/lang/en.js';
import { startApp, checkA11y, assertNoPageErrors, assertNoSwedish, visibleText, launchBrowser, loginAs } from './lib.mjs';
import { addBranch, addItem, addBorrower, staffClient, stockholmDate, stockholmInstant, OPEN_EVERY_DAY } from '../api/lib.mjs';

const SECRET_NAME = 'Zebulon Quxworthy';
const SECRET_PHONE = '+46709876543';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const DEJE = { lat: 59.6043, lon: 13.4723 };

let app;
const codes = {};
let due;
let today; // of the last freshPage
let molkomOpens;

before(async () => {
  app = await startApp();
  const { db } = app;
  await db.query(
    `INSERT INTO branches (slug, name, municipality, code_prefix, opening_hours, address, phone, email, contact, notice,
                           latitude, longitude)
     VALUES ('deje', 'Fritidsbanken Deje', 'Forshaga', 'DEJ', $1, 'Storgatan 12, Deje', '+4654174060', 'deje@example.org',
             'Kim: 070-111 22 33', 'Välkomna in!', $2, $3),
            ('forshaga', 'Fritidsbanken Forshaga', 'Forshaga', 'FOR', '{}', NULL, NULL, NULL, NULL, NULL, 59.5284, 13.4797)`,
    [JSON.stringify(OPEN_EVERY_DAY), DEJE.lat, DEJE.lon]);
  // Molkom: closed today and tomorrow, then a season that opens on one weekday only, 16–19.
  // Munkfors: in a season today that opens every day 16–19.
  today = await stockholmDate(db);
  const weekday = (iso) => ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(`${iso}T12:00:00Z`).getUTCDay()];
  const winterEnd = (await stockholmDate(db, 30)).slice(5);
  molkomOpens = await stockholmDate(db, 4);
  await addBranch(db, 'molkom', { name: 'Fritidsbanken Molkom', prefix: 'MOL', opening_hours: OPEN_EVERY_DAY,
    closed_periods: [{ from: today, to: await stockholmDate(db, 1), reason: 'Inventering' }],
    seasons: [{ name: 'Vinter', from: (await stockholmDate(db, 2)).slice(5), to: winterEnd,
      opening_hours: { [weekday(molkomOpens)]: [['16:00', '19:00']] } }] });
  await addBranch(db, 'munkfors', { name: 'Fritidsbanken Munkfors', prefix: 'MUN', seasons: [{
    name: 'Vinter', from: today.slice(5), to: winterEnd,
    opening_hours: Object.fromEntries(Object.keys(OPEN_EVERY_DAY).map((d) => [d, [['16:00', '19:00']]])) }] });
  await db.query("UPDATE branches SET municipality = 'Munkfors' WHERE slug = 'munkfors'");
  for (const [key, opts] of Object.entries({
    ski150: { name: 'Längdskidor Fischer', sizeKind: 'length_cm', sizeNum: 150 },
    ski155a: { name: 'Längdskidor Peltonen', sizeKind: 'length_cm', sizeNum: 155 },
    ski155b: { name: 'Längdskidor Peltonen', sizeKind: 'length_cm', sizeNum: 155 },
    ski180: { name: 'Längdskidor Madshus', sizeKind: 'length_cm', sizeNum: 180 },
    helmet: { name: 'Cykelhjälm', category: 53, sizeKind: 'head_cm', sizeNum: 54 },
  })) codes[key] = await addItem(db, 'deje', opts);
  const vera = await staffClient(app.server, db, { username: 'vera', role: 'volunteer' });
  const photo = await vera.put(`/api/items/${codes.ski150}/photo`, { body: PNG, headers: { 'content-type': 'image/png' } });
  assert.equal(photo.status, 200, photo.text);
  const borrower = await addBorrower(db, { branch: 'deje', name: SECRET_NAME, phone: SECRET_PHONE });
  const r = await vera.post('/api/checkouts', { borrower_id: borrower, items: [codes.ski155b] });
  assert.equal(r.status, 201, r.text);
  due = (await db.query("SELECT due_date::text AS d FROM loans WHERE returned_at IS NULL")).rows[0].d;
  // Many more items, so that a first page is full: hockey skates of sizes 30 to 44.
  await db.query(
    `INSERT INTO items (code, branch_id, category_id, name, size_kind, size_num, status)
     SELECT 'DEJ-9' || lpad(n::text, 4, '0'), (SELECT id FROM branches WHERE slug = 'deje'), 121,
            'Hockeyskridskor ' || (n % 7), 'shoe_eu', 30 + n % 15, 'available'
       FROM generate_series(1, 120) n`);
});

after(async () => {
  await app?.stop();
});

/** "8 dec" as the page writes a due date. */
function shortDate(iso, locale) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d)).replace('.', '');
}

/**
 * A page at path, at noon of today in Stockholm (today as the server sees it now, so that a run
 * over midnight agrees with the days it answers), with nothing remembered from an earlier test.
 */
async function freshPage(path, { width = 1280 } = {}) {
  const page = await app.newPage();
  today = await stockholmDate(app.db);
  await page.clock.setFixedTime(stockholmInstant(today, '12:00'));
  await page.setViewportSize({ width, height: 800 });
  await page.goto(app.url + path);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  return page;
}

const count = (page, text) => page.waitForFunction((s) => document.querySelector('#result-count').textContent === s, text);

test('at 360 px: the nearest branch by a fake position, made "min filial"; open now, the week, the contact; "skridskor 38"', async () => {
  await app.context.grantPermissions(['geolocation'], { origin: app.url });
  await app.context.setGeolocation({ latitude: DEJE.lat + 0.003, longitude: DEJE.lon });
  const page = await freshPage('/', { width: 360 });
  await page.getByRole('link', { name: 'Fritidsbanken Molkom' }).waitFor();
  await page.getByRole('button', { name: sv['public.near'] }).click();
  await page.waitForFunction((s) => document.querySelector('#near-status').textContent === s, sv['public.near_sorted']);
  const cards = await page.locator('#branch-list .branch-card').allInnerTexts();
  assert.match(cards[0], /^Fritidsbanken Deje\n+Öppet nu, stänger 18\n+Storgatan 12, Deje · 0,3 km bort\n/);
  assert.match(cards[1], /^Fritidsbanken Forshaga\n+Stängt nu\n+\d,\d km bort\n/);
  assert.deepEqual(cards.slice(2).map((c) => c.split('\n')[0]).sort(), ['Fritidsbanken Molkom', 'Fritidsbanken Munkfors'], 'without a location: last');
  // By town or municipality, å ä ö typed or not.
  await page.fill('#place', 'munkfors');
  assert.deepEqual(await page.locator('#branch-list h3').allInnerTexts(), ['Fritidsbanken Munkfors']);
  await page.fill('#place', 'Göteborg');
  assert.equal(await page.textContent('#place-none'), sv['public.place_none'].replace('{place}', 'Göteborg'));
  await page.fill('#place', '');
  await checkA11y(page, 'public-find');

  await Promise.all([page.waitForURL(/branch=deje/), page.getByRole('link', { name: 'Fritidsbanken Deje' }).click()]);
  await page.locator('#results li').first().waitFor();
  assert.equal(await page.textContent('#open-now'), 'Öppet nu, stänger 18');
  const week = await page.locator('#week tr').allInnerTexts();
  assert.equal(week.length, 7);
  assert.match(week[0], new RegExp(`^Idag ${shortDate(today, 'sv-SE')}\\s+10–18$`));
  assert.match(week[1], /^I morgon \d+ \S+\s+10–18$/);
  // The contact as the branch's settings give it: phone, e-mail and map position, and other words.
  assert.deepEqual(await page.locator('#contact dt').allInnerTexts(), ['Adress', 'Telefon', 'E-post', 'Kontakt']);
  assert.deepEqual(await page.locator('#contact a').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')])), [
    ['Karta', `https://www.openstreetmap.org/?mlat=${DEJE.lat}&mlon=${DEJE.lon}#map=17/${DEJE.lat}/${DEJE.lon}`],
    ['054174060', 'tel:+4654174060'],
    ['deje@example.org', 'mailto:deje@example.org'],
    ['070-111 22 33', 'tel:+46701112233'],
  ]);
  await page.getByRole('button', { name: sv['public.make_my_branch'] }).click();
  assert.equal(await page.getAttribute('#make-mine', 'aria-pressed'), 'true');

  await page.fill('#q', 'skridskor 38');
  await page.press('#q', 'Enter');
  await count(page, 'Hittade 8 prylar');
  assert.equal(await page.textContent('#understood'), 'Du söker: skridskor, stl 38.');
  assert.match(await page.locator('#results li').first().innerText(), /^Hockeyskridskor \d\n+stl 38 · Bra skick\n+Finns inne/);
  await checkA11y(page, 'public-branch-360');

  // The branch is remembered as "min filial" on the list.
  await page.goto(`${app.url}/`);
  await page.locator('#mine a').waitFor();
  assert.equal(await page.textContent('#mine a'), 'Fritidsbanken Deje');
  assertNoPageErrors(page);
});

test('choose a branch: the list says open now, the branch page its facts and totals', async () => {
  const page = await freshPage('/');
  await page.getByRole('link', { name: 'Fritidsbanken Deje' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'sv');
  const list = await visibleText(page);
  assert.match(list, /Låna sport- och fritidsprylar gratis/);
  assert.match(list, /Öppet nu, stänger 18/);
  assert.match(list, /Stängt nu\n/); // forshaga has no hours
  assert.match(list, /Lån sedan starten i hela nätverket: 1/);
  assert.match(list, /På hyllan nu: 124/);
  await checkA11y(page, 'public-branches');
  await Promise.all([page.waitForURL(`${app.url}/?branch=deje`), page.getByRole('link', { name: 'Fritidsbanken Deje' }).click()]);
  await page.locator('#results li').first().waitFor();
  assert.equal(await page.textContent('h1'), 'Fritidsbanken Deje');
  assert.equal(await page.title(), sv['public.title_branch'].replace('{branch}', 'Fritidsbanken Deje'));
  const text = await visibleText(page);
  assert.match(text, /Välkomna in!/);
  assert.match(text, /Lån sedan starten: 1 här, 1 i hela nätverket/);
  // Photos are lazy, with their size given (no layout shift); a group leads to its item's page.
  await page.fill('#q', 'fischer');
  await page.press('#q', 'Enter');
  await count(page, 'Hittade 1 pryl');
  const img = page.locator('#results img').first();
  assert.equal(await img.getAttribute('loading'), 'lazy');
  assert.equal(await img.getAttribute('width'), '96');
  assert.equal(await page.getAttribute('#results h3 a', 'href'), `/i/${codes.ski150}`);
  await checkA11y(page, 'public-branch');
  assertNoPageErrors(page);
});

test('a branch page shifts nothing while its answers fill it, at 360 and 1280 px', async () => {
  for (const width of [360, 1280]) {
    const page = await app.newPage();
    await page.setViewportSize({ width, height: 800 });
    await page.addInitScript(() => {
      window.shifts = [];
      new PerformanceObserver((list) => window.shifts.push(...list.getEntries().map((e) => e.value)))
        .observe({ type: 'layout-shift', buffered: true });
    });
    await page.goto(`${app.url}/?branch=deje`);
    await page.locator('#results li').first().waitFor();
    await page.waitForTimeout(500); // the photos and the rest of the answers
    const shifts = await page.evaluate(() => window.shifts);
    assert.deepEqual(shifts, [], `layout shifts at ${width} px: ${shifts.join(', ')}`);
    assertNoPageErrors(page);
    await page.close();
  }
});

test('the hours follow the branch calendar: a closed period today, a season', async () => {
  const list = await freshPage('/');
  await list.getByRole('link', { name: 'Fritidsbanken Munkfors' }).waitFor();
  const card = async (name) => list.locator('.branch-card', { has: list.getByRole('link', { name }) }).innerText();
  assert.match(await card('Fritidsbanken Munkfors'), /Stängt nu, öppnar 16\n/);
  const weekday = new Intl.DateTimeFormat('sv-SE', { weekday: 'long', timeZone: 'UTC' }).format(new Date(`${molkomOpens}T12:00:00Z`));
  assert.match(await card('Fritidsbanken Molkom'), new RegExp(`Stängt nu, öppnar ${weekday} 16\n`));

  const page = await freshPage('/?branch=molkom');
  await page.locator('#week tr').first().waitFor();
  assert.equal(await page.textContent('#open-now'), `Stängt nu, öppnar ${weekday} 16`);
  const week = await page.locator('#week td').allInnerTexts();
  assert.deepEqual(week.slice(0, 2), ['Stängt: Inventering', 'Stängt: Inventering']);
  assert.equal(week[4], '16–19');
  assert.match(await page.textContent('#hours-ahead'), /Vinter, \d+ \S+ – \d+ \S+: \S+ 16–19/);
  assertNoPageErrors(list);
  assertNoPageErrors(page);
});

test('search by size: grouped availability, the unit of the size fields, the nearest sizes; the address is shareable', async () => {
  const page = await freshPage('/?branch=deje');
  await page.locator('#results li').first().waitFor();
  assert.ok(await page.locator('#size-fields').isHidden(), 'no size fields without a category measured in numbers');
  await page.fill('#q', 'längdskidor 150–160 cm');
  await page.press('#q', 'Enter');
  await count(page, 'Hittade 3 prylar');
  const groups = await page.locator('#results li').allInnerTexts();
  assert.equal(groups.length, 2, groups.join('\n---\n'));
  assert.match(groups[0], /Längdskidor Fischer\n+150 cm · Bra skick\n+Finns inne/);
  assert.match(groups[1], /Längdskidor Peltonen\n+155 cm · Bra skick\n+Inne: 1 av 2/);
  assert.equal(await page.textContent('#understood'), 'Du söker: längdskidor, 150–160 cm.');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('q'), 'längdskidor 150–160 cm');
  assert.equal(url.searchParams.get('branch'), 'deje');

  // Only what is in now: the Peltonen on loan goes.
  await page.check('#available');
  await page.click('#search button[type=submit]');
  await count(page, 'Hittade 2 prylar');
  assert.equal(new URL(page.url()).searchParams.get('available'), '1');

  // The shared address shows the same search, form filled in.
  const shared = await freshPage(`/?branch=deje&q=${encodeURIComponent('peltonen')}&category=111`);
  await count(shared, 'Hittade 2 prylar');
  assert.equal(await shared.inputValue('#q'), 'peltonen');
  assert.equal(await shared.inputValue('#category'), '111');
  assert.match(await shared.locator('#results li').first().innerText(), /Inne: 1 av 2/);
  // A category measured in numbers shows its size fields with its unit.
  assert.equal(await shared.textContent('#size-legend'), 'Längd i cm');
  await shared.fill('#size-min', '155');
  await shared.fill('#size-max', '155');
  await shared.click('#search button[type=submit]');
  await count(shared, 'Hittade 2 prylar');
  assert.equal(new URL(shared.url()).searchParams.get('min'), '155');

  const helmets = await freshPage('/?branch=deje&category=53&min=50&max=56');
  await count(helmets, 'Hittade 1 pryl');
  assert.equal(await helmets.textContent('#size-legend'), 'Huvudomfång i cm');
  assert.match(await helmets.locator('#results li').first().innerText(), /Cykelhjälm\n+huvudomfång 54 cm/);

  // Nothing of the size asked for: the nearest sizes that are in, which search again.
  const none = await freshPage(`/?branch=deje&q=${encodeURIComponent('skridskor 46')}`);
  await none.locator('.nearest').waitFor();
  assert.equal(await none.textContent('.nearest'), 'Ingen i stl 46 inne nu – 44 finns.');
  await none.getByRole('link', { name: '44' }).click();
  await count(none, 'Hittade 8 prylar');
  assert.equal(new URL(none.url()).searchParams.get('q'), 'skridskor 44');
  assert.equal(await none.inputValue('#q'), 'skridskor 44');
  await checkA11y(none, 'public-nearest');

  // A typo is read as the word it is one letter from.
  const typo = await freshPage(`/?branch=deje&q=${encodeURIComponent('skridkor 38')}`);
  await count(typo, 'Hittade 8 prylar');
  assert.match(await typo.textContent('#understood'), /^Visar träffar för skridskor\./);

  // An unknown branch says so, and lists the branches there are.
  const unknown = await freshPage('/?branch=nowhere');
  await unknown.getByRole('link', { name: 'Fritidsbanken Deje' }).waitFor();
  assert.equal(await unknown.textContent('#load-error'), sv['public.branch_missing']);
  assertNoPageErrors(unknown, [/status of 404/]);

  const nothing = await freshPage('/?branch=deje&q=kanot');
  await count(nothing, sv['public.no_results']);
  for (const p of [page, shared, helmets, none, typo, nothing]) assertNoPageErrors(p);
});

test('a single item on loan shows "Utlånad, åter senast" with the date, and more pages load on demand', async () => {
  await app.db.query("UPDATE items SET name = 'Längdskidor Unik' WHERE code = $1", [codes.ski155b]);
  const page = await freshPage('/?branch=deje&q=unik');
  await count(page, 'Hittade 1 pryl');
  assert.match(await page.locator('#results li').innerText(), new RegExp(`Utlånad, åter senast ${shortDate(due, 'sv-SE')}`));
  await app.db.query("UPDATE items SET name = 'Längdskidor Peltonen' WHERE code = $1", [codes.ski155b]);

  const many = await freshPage('/?branch=deje&q=hockeyskridskor');
  await count(many, 'Hittade 120 prylar');
  const firstPage = await many.locator('#results li').count();
  await many.click('#more');
  await many.waitForFunction((n) => document.querySelectorAll('#results li').length > n, firstPage);
  assert.ok(await many.locator('#more').isVisible(), 'more pages remain');
  assertNoPageErrors(page);
  assertNoPageErrors(many);
});

test('an item\'s own page, the target of its label\'s QR code: photo, facts, status, its branch\'s hours; shareable', async () => {
  await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
  const page = await freshPage(`/i/${codes.ski150.toLowerCase()}`, { width: 360 });
  await page.locator('#facts dd').first().waitFor();
  assert.equal(await page.textContent('h1'), 'Längdskidor Fischer');
  assert.equal(await page.title(), 'Längdskidor Fischer – Fritidsbanken Deje');
  assert.equal(await page.textContent('#item-status'), 'Finns inne – kom och låna');
  assert.deepEqual(await page.locator('#facts dd').allInnerTexts(), ['Längdskidor', '150 cm', 'Bra skick', codes.ski150]);
  assert.equal(await page.getAttribute('#photo img', 'alt'), 'Foto av Längdskidor Fischer');
  assert.equal(await page.getAttribute('#back a', 'href'), '/?branch=deje');
  assert.equal(await page.textContent('#branch-open'), 'Öppet nu, stänger 18');
  assert.equal(await page.locator('#branch-week tr').count(), 7);
  assert.equal(await page.getAttribute('#branch-contact a[href^="tel:"]', 'href'), 'tel:+4654174060');
  const shares = await page.evaluate(() => typeof navigator.share === 'function');
  if (!shares) {
    await page.getByRole('button', { name: 'Dela' }).click();
    await page.waitForFunction(() => document.querySelector('#share-status').textContent !== '');
    assert.equal(await page.textContent('#share-status'), 'Länken är kopierad.');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${app.url}/i/${codes.ski150}`);
  }
  await checkA11y(page, 'public-item');

  const lent = await freshPage(`/i/${codes.ski155b}`);
  await lent.locator('#facts dd').first().waitFor();
  assert.equal(await lent.textContent('#item-status'), `Utlånad, åter senast ${shortDate(due, 'sv-SE')}`);
  await lent.getByRole('button', { name: 'English' }).click();
  await lent.waitForFunction(() => document.querySelector('#branch-open').textContent === 'Open now, closes at 18');
  assertNoSwedish((await visibleText(lent)).replace(/Längdskidor Peltonen|Längdskidor|Fritidsbanken Deje|Storgatan 12, Deje/g, ''), 'an item page in English');
  await lent.getByRole('button', { name: 'Svenska' }).click();

  const missing = await freshPage('/i/DEJ-99999');
  await missing.waitForFunction(() => document.querySelector('#load-error').textContent !== '');
  assert.equal(await missing.textContent('h1'), sv['public.item.missing_title']);
  assert.match(await missing.textContent('#load-error'), /DEJ-99999/);
  await checkA11y(missing, 'public-item-missing');
  for (const p of [page, lent]) assertNoPageErrors(p);
  assertNoPageErrors(missing, [/status of 404/]);
});

test('"Så lånar du" as an admin writes it, with the branch\'s notice; "Om tjänsten" has the API and the widget', async () => {
  const admin = await app.newPage();
  await loginAs(app, { username: 'anna', role: 'admin' });
  await admin.goto(`${app.url}/admin/texts`);
  await admin.locator('#borrow-sv').waitFor();
  await admin.waitForFunction(() => document.querySelector('#borrow-sv').value !== '');
  assert.match(await admin.inputValue('#borrow-sv'), /14 dagar/);
  assert.equal(await admin.getAttribute('.topbar-nav a[aria-current=page]', 'href'), '/admin/texts');
  await admin.fill('#borrow-sv', 'Allt är gratis.\n\n- Lånetiden är 14 dagar.\n- Ta med mobilen.');
  await admin.click('#borrow-save');
  await admin.waitForFunction((saving) => !['', saving].includes(document.querySelector('#borrow-status').textContent), sv['admin.texts.saving']);
  assert.equal(await admin.textContent('#borrow-status'), sv['admin.texts.saved_borrow']);
  await admin.selectOption('#notice-branch', 'forshaga');
  await admin.fill('#notice-text', 'Stängt på lovet.');
  await admin.click('#notice-save');
  await admin.waitForFunction((s) => document.querySelector('#notice-status').textContent === s,
    sv['admin.texts.saved_notice'].replace('{branch}', 'Fritidsbanken Forshaga'));
  // An empty text is refused by its field, and nothing changes.
  await admin.fill('#borrow-en', '   ');
  await admin.click('#borrow-save');
  await admin.locator('#borrow-en-error').waitFor();
  assert.equal(await admin.getAttribute('#borrow-en', 'aria-invalid'), 'true');
  await checkA11y(admin, 'admin-texts');

  const page = await freshPage('/lana?branch=forshaga', { width: 360 });
  await page.locator('#rules li').first().waitFor();
  assert.deepEqual(await page.locator('#rules > *').evaluateAll((els) => els.map((e) => `${e.tagName}: ${e.textContent}`)),
    ['P: Allt är gratis.', 'UL: Lånetiden är 14 dagar.Ta med mobilen.']);
  assert.equal(await page.textContent('#branch-notice'), 'Stängt på lovet.');
  assert.equal(await page.textContent('#branch-heading'), 'Fritidsbanken Forshaga');
  await checkA11y(page, 'public-borrow');
  await page.getByRole('button', { name: 'English' }).click();
  await page.waitForFunction(() => document.title === 'How to borrow – Fritidsbanken');
  assert.match(await page.textContent('#rules'), /14 days/);

  const about = await freshPage('/om');
  await about.locator('h1').waitFor();
  assert.equal(await about.textContent('h1'), 'Om tjänsten');
  assert.equal(await about.getAttribute('main a[href="/embed.html"]', 'href'), '/embed.html');
  assert.ok(await about.locator('main a[href="/api/openapi.json"]').count());
  assert.deepEqual(await about.locator('footer a').allInnerTexts(), ['Så lånar du', 'Om tjänsten'], 'the footer no longer holds the API');
  await checkA11y(about, 'public-about');
  assertNoPageErrors(admin, [/status of 422/]);
  for (const p of [page, about]) assertNoPageErrors(p);
});

test('English one click away, on the list and on a branch page', async () => {
  const page = await freshPage('/?branch=deje&q=peltonen');
  await count(page, 'Hittade 2 prylar');
  await page.getByRole('button', { name: 'English' }).click();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await count(page, 'Found 2 things');
  const text = await visibleText(page);
  assert.match(text, /Open now, closes at 18/);
  assert.match(text, /In: 1 of 2/);
  assert.match(text, /Search the gear/);
  assert.equal(await page.locator('#category option[value="111"]').textContent(), '\u00a0\u00a0Cross-country skis');
  assertNoSwedish(text.replace(/Längdskidor Peltonen|Fritidsbanken Deje|Storgatan 12, Deje|Välkomna in!/g, ''), 'a branch page in English');
  assert.equal(await page.title(), en['public.title_branch'].replace('{branch}', 'Fritidsbanken Deje'));
  await checkA11y(page, 'public-branch-en');
  // The choice stays for the next page.
  await page.goto(app.url + '/');
  await page.getByRole('link', { name: 'Fritidsbanken Deje' }).waitFor();
  assert.match(await visibleText(page), /Find a branch/);
  await page.getByRole('button', { name: 'Svenska' }).click();
  assert.equal(await page.getAttribute('html', 'lang'), 'sv');
  assertNoPageErrors(page);
});

test('the widget page: the one-line snippet and a live widget with available items only', async () => {
  const page = await freshPage('/embed.html?branch=deje');
  await page.locator('.hylla-widget li').first().waitFor();
  assert.equal((await page.textContent('#snippet')).trim(),
    `<script src="${app.url}/widget.js" data-branch="deje" async></script>`);
  const widget = await page.locator('.hylla-widget').innerText();
  assert.match(widget, /Lediga prylar på Fritidsbanken Deje/);
  assert.match(widget, /Cykelhjälm, 54 cm – 1 st/);
  assert.match(widget, /Hockeyskridskor 0, stl 30 – 1 st/);
  assert.equal(await page.locator('.hylla-widget li').count(), 8, 'eight groups unless told');
  assert.equal(await page.locator('.hylla-widget a').getAttribute('href'), `${app.url}/?branch=deje`);
  await checkA11y(page, 'public-embed');
  assertNoPageErrors(page);

  // Text that names no branch never reaches the snippet: the first real branch is shown instead.
  const hostile = '"></script><script src="https://evil.example/x.js"></script>';
  const other = await freshPage(`/embed.html?branch=${encodeURIComponent(hostile)}`);
  await other.locator('.hylla-widget').first().waitFor();
  const snippet = (await other.textContent('#snippet')).trim();
  const slugs = (await (await fetch(`${app.url}/api/public/branches`)).json()).branches.map((b) => b.slug);
  assert.match(snippet, /^<script src="[^"]+\/widget\.js" data-branch="([a-z0-9-]+)" async><\/script>$/);
  assert.ok(slugs.includes(snippet.match(/data-branch="([^"]+)"/)[1]), snippet);
  assert.ok(!snippet.includes('evil'), snippet);
  assertNoPageErrors(other);
});

test('the widget on another site: a foreign origin reads the open API', async () => {
  // A page of another origin, served from loopback too (browsers keep pages of public
  // addresses from reaching loopback ones, which a real deployment does not meet).
  const { createServer } = await import('node:http');
  const html = `<!doctype html><html lang="sv"><meta charset="utf-8"><title>Kommunen</title><h1>Kommunen</h1>
    <script src="${app.url}/widget.js" data-branch="deje" data-q="längdskidor" data-limit="1" data-lang="en"></script>`;
  const site = createServer((req, res) => res.end(html)).listen(0, '127.0.0.1');
  await new Promise((r) => site.once('listening', r));
  try {
    const foreign = `http://127.0.0.1:${site.address().port}/`;
    assert.notEqual(new URL(foreign).origin, new URL(app.url).origin);
    const page = await app.newPage();
    await page.goto(foreign);
    await page.locator('.hylla-widget li').first().waitFor();
    const widget = await page.locator('.hylla-widget').innerText();
    assert.match(widget, /Available at Fritidsbanken Deje/);
    assert.match(widget, /Längdskidor Fischer, 150 cm – 1 available/);
    assert.equal(await page.locator('.hylla-widget li').count(), 1);
    assertNoPageErrors(page);
  } finally {
    site.close();
  }
});

test('no public page shows the borrower', async () => {
  for (const p of ['/', '/?branch=deje', '/?branch=deje&q=Zebulon', `/?branch=deje&q=${encodeURIComponent(SECRET_PHONE)}`,
    '/embed.html?branch=deje', `/i/${codes.ski155b}`, '/lana?branch=deje', '/om']) {
    const page = await freshPage(p);
    await page.waitForLoadState('networkidle');
    const html = await page.content();
    for (const s of [SECRET_NAME, 'Zebulon', 'Quxworthy', SECRET_PHONE, '0709876543'])
      assert.ok(!html.includes(s), `${p} shows ${s}`);
    assertNoPageErrors(page);
  }
});

test('the first view of a branch page transfers at most 150 KB, photos excluded', async () => {
  // A fresh profile: nothing cached. Sizes as the network saw them (headers and bodies).
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 360, height: 800 });
    const done = [];
    page.on('requestfinished', (req) => done.push(req));
    await page.goto(`${app.url}/?branch=deje`, { waitUntil: 'networkidle' });
    await page.locator('#results li').first().waitFor();
    let total = 0;
    let photos = 0;
    const lines = [];
    for (const req of done) {
      const sizes = await req.sizes();
      const bytes = sizes.responseBodySize + sizes.responseHeadersSize;
      if (req.resourceType() === 'image' && /\/photo/.test(req.url())) {
        photos++;
        continue;
      }
      total += bytes;
      lines.push(`${bytes}\t${req.url().replace(app.url, '')}`);
    }
    console.log(`# first view of /?branch=deje: ${total} bytes in ${lines.length} requests (${photos} photos excluded)`);
    for (const l of lines) console.log(`#   ${l}`);
    assert.ok(lines.length >= 8, 'the page and its API answers were counted');
    assert.ok(total <= 150 * 1024, `${total} bytes`);
  } finally {
    await browser.close();
  }
});
