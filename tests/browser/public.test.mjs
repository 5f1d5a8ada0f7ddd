// The public site in a real browser: choose a branch, read its hours in words, search by size
// and see availability grouped with counts, share the address of a search, switch to English,
// the widget on the page that explains it, axe at phone and desktop widths, no borrower on any
// page, and the first view of a branch page within 150 KB (photos excluded, lazy-loaded).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sv from '../../web/js/lang/sv.js';
import en from '../../web/js/lang/en.js';
import { startApp, checkA11y, assertNoPageErrors, visibleText, screenshot, launchBrowser } from './lib.mjs';
import { addBranch, addItem, addBorrower, staffClient, stockholmDate, OPEN_EVERY_DAY } from '../api/lib.mjs';

const SECRET_NAME = 'Zebulon Quxworthy';
const SECRET_PHONE = '+46709876543';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let app;
const codes = {};
let due;
let molkomOpens;

before(async () => {
  app = await startApp();
  const { db } = app;
  await db.query(
    `INSERT INTO branches (slug, name, code_prefix, opening_hours, address, notice)
     VALUES ('deje', 'Fritidsbanken Deje', 'DEJ', $1, 'Storgatan 12, Deje', 'Välkomna in!'),
            ('forshaga', 'Fritidsbanken Forshaga', 'FOR', '{}', NULL, NULL)`,
    [JSON.stringify(OPEN_EVERY_DAY)]);
  // Molkom: closed today and tomorrow, then a season that opens on one weekday only, 16–19.
  // Munkfors: in a season today that opens every day 16–19.
  const today = await stockholmDate(db);
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
  // Many more items, so that a first page is full.
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

async function freshPage(path) {
  const page = await app.newPage();
  await page.goto(app.url + path);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  return page;
}

test('choose a branch: the list has today\'s hours, the branch page its facts and totals', async () => {
  const page = await freshPage('/');
  await page.getByRole('link', { name: 'Fritidsbanken Deje' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'sv');
  const list = await visibleText(page);
  assert.match(list, /Öppet idag 10–18/);
  assert.match(list, /Stängt idag/); // forshaga has no hours
  assert.match(list, /Inga öppettider angivna/);
  assert.match(list, /Lån sedan starten i hela nätverket: 1/);
  assert.match(list, /På hyllan nu: 124/);
  await checkA11y(page, 'public-branches');
  await Promise.all([page.waitForURL(`${app.url}/?branch=deje`), page.getByRole('link', { name: 'Fritidsbanken Deje' }).click()]);
  await page.locator('#results li').first().waitFor();
  assert.equal(await page.textContent('h1'), 'Fritidsbanken Deje');
  assert.equal(await page.title(), sv['public.title_branch'].replace('{branch}', 'Fritidsbanken Deje'));
  const text = await visibleText(page);
  assert.match(text, /Öppet idag 10–18/);
  assert.match(text, /Välkomna in!/);
  assert.match(text, /Lån sedan starten: 1 här, 1 i hela nätverket/);
  const map = page.locator('#address a');
  assert.match(await map.getAttribute('href'), /^https:\/\/www\.openstreetmap\.org\/search\?query=Storgatan/);
  // Photos are lazy, with their size given (no layout shift).
  await page.fill('#q', 'fischer');
  await page.press('#q', 'Enter');
  const img = page.locator('#results img').first();
  assert.equal(await img.getAttribute('loading'), 'lazy');
  assert.equal(await img.getAttribute('width'), '96');
  await checkA11y(page, 'public-branch');
  assertNoPageErrors(page);
});

test('the hours follow the branch calendar: a closed period today, a season', async () => {
  const list = await freshPage('/');
  await list.getByRole('link', { name: 'Fritidsbanken Munkfors' }).waitFor();
  const card = async (name) => list.locator('.branch-card', { has: list.getByRole('link', { name }) }).innerText();
  assert.match(await card('Fritidsbanken Munkfors'), /Öppet idag 16–19/);
  const molkom = await card('Fritidsbanken Molkom');
  assert.match(molkom, /Stängt idag/);
  const day = Number(molkomOpens.slice(8));
  assert.match(molkom, new RegExp(`Nästa gång öppet: \\S+ ${day} \\S+ 16–19`));

  const page = await freshPage('/?branch=molkom');
  await page.waitForFunction(() => document.querySelector('#hours-next').textContent !== '');
  assert.equal(await page.textContent('#hours-today'), 'Stängt idag');
  assert.match(await page.textContent('#hours-next'), new RegExp(`^Nästa gång öppet: \\S+ ${day} \\S+ 16–19$`));
  assertNoPageErrors(list);
  assertNoPageErrors(page);
});

test('search by size: grouped availability with counts and the due date only; the address is shareable', async () => {
  const page = await freshPage('/?branch=deje');
  await page.locator('#results li').first().waitFor();
  await page.fill('#q', 'längdskidor 150–160 cm');
  await page.press('#q', 'Enter');
  await page.waitForFunction(() => document.querySelector('#result-count').textContent === 'Hittade 3 saker');
  const groups = await page.locator('#results li').allInnerTexts();
  assert.equal(groups.length, 2, groups.join('\n---\n'));
  assert.match(groups[0], /Längdskidor Fischer\n+150 cm · Bra skick\n+Tillgänglig/);
  assert.match(groups[1], /Längdskidor Peltonen\n+155 cm · Bra skick\n+Tillgängliga: 1 av 2/);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('q'), 'längdskidor 150–160 cm');
  assert.equal(url.searchParams.get('branch'), 'deje');

  // Only what is in now: the Peltonen on loan goes.
  await page.check('#available');
  await page.click('#search button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#result-count').textContent === 'Hittade 2 saker');
  assert.equal(new URL(page.url()).searchParams.get('available'), '1');

  // The shared address shows the same search, form filled in.
  const shared = await freshPage(`/?branch=deje&q=${encodeURIComponent('peltonen')}`);
  await shared.waitForFunction(() => document.querySelector('#result-count').textContent === 'Hittade 2 saker');
  assert.equal(await shared.inputValue('#q'), 'peltonen');
  assert.match(await shared.locator('#results li').first().innerText(), /Tillgängliga: 1 av 2/);

  // One item on loan: its due date in words.
  await shared.fill('#size-min', '155');
  await shared.fill('#size-max', '155');
  await shared.uncheck('#available');
  await shared.fill('#q', 'peltonen');
  await shared.selectOption('#category', '111');
  await shared.click('#search button[type=submit]');
  await shared.waitForFunction(() => document.querySelector('#result-count').textContent === 'Hittade 2 saker');
  const all = await freshPage(`/?branch=deje&q=Peltonen&category=111`);
  await all.waitForFunction(() => document.querySelector('#result-count').textContent === 'Hittade 2 saker');
  assert.equal(await all.inputValue('#category'), '111');

  // A category with its own size kind: head sizes for helmets.
  const helmets = await freshPage('/?branch=deje&category=53&min=50&max=56');
  await helmets.waitForFunction(() => document.querySelector('#result-count').textContent === 'Hittade 1 sak');
  assert.match(await helmets.locator('#results li').first().innerText(), /Cykelhjälm\n+huvudomfång 54 cm/);

  // An unknown branch says so, and lists the branches there are.
  const unknown = await freshPage('/?branch=nowhere');
  await unknown.getByRole('link', { name: 'Fritidsbanken Deje' }).waitFor();
  assert.equal(await unknown.textContent('#load-error'), sv['public.branch_missing']);
  assertNoPageErrors(unknown, [/status of 404/]);

  // Nothing found says so.
  const none = await freshPage('/?branch=deje&q=kanot');
  await none.waitForFunction((s) => document.querySelector('#result-count').textContent === s, sv['public.no_results']);
  for (const p of [page, shared, all, helmets, none]) assertNoPageErrors(p);
});

test('a single item on loan shows "Utlånad, åter senast" with the date, and more pages load on demand', async () => {
  await app.db.query("UPDATE items SET name = 'Längdskidor Unik' WHERE code = $1", [codes.ski155b]);
  const page = await freshPage('/?branch=deje&q=unik');
  await page.waitForFunction(() => document.querySelector('#result-count').textContent === 'Hittade 1 sak');
  assert.match(await page.locator('#results li').innerText(), new RegExp(`Utlånad, åter senast ${shortDate(due, 'sv-SE')}`));
  await app.db.query("UPDATE items SET name = 'Längdskidor Peltonen' WHERE code = $1", [codes.ski155b]);

  const many = await freshPage('/?branch=deje&q=hockeyskridskor');
  await many.waitForFunction(() => document.querySelector('#result-count').textContent === 'Hittade 120 saker');
  const firstPage = await many.locator('#results li').count();
  await many.click('#more');
  await many.waitForFunction((n) => document.querySelectorAll('#results li').length > n, firstPage);
  assert.ok(await many.locator('#more').isVisible(), 'more pages remain');
  assertNoPageErrors(page);
  assertNoPageErrors(many);
});

test('English one click away, on the list and on a branch page', async () => {
  const page = await freshPage('/?branch=deje&q=peltonen');
  await page.waitForFunction(() => document.querySelector('#result-count').textContent === 'Hittade 2 saker');
  await page.getByRole('button', { name: 'English' }).click();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.waitForFunction(() => document.querySelector('#result-count').textContent === 'Found 2 items');
  const text = await visibleText(page);
  assert.match(text, /Open today 10–18/);
  assert.match(text, /Available: 1 of 2/);
  assert.match(text, /Search the items/);
  assert.equal(await page.locator('#category option[value="111"]').textContent(), '\u00a0\u00a0Cross-country skis');
  assert.doesNotMatch(text, /Sök bland|Tillgängliga|Öppet idag/);
  assert.equal(await page.title(), en['public.title_branch'].replace('{branch}', 'Fritidsbanken Deje'));
  await checkA11y(page, 'public-branch-en');
  // The choice stays for the next page.
  await page.goto(app.url + '/');
  await page.getByRole('link', { name: 'Fritidsbanken Deje' }).waitFor();
  assert.match(await visibleText(page), /Choose a branch/);
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
  assert.match(widget, /Lediga saker på Fritidsbanken Deje/);
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
  for (const p of ['/', '/?branch=deje', '/?branch=deje&q=Zebulon', `/?branch=deje&q=${encodeURIComponent(SECRET_PHONE)}`, '/embed.html?branch=deje']) {
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
