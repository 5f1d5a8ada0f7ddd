// Labels, cards, receipts and the camera in a real browser. What the desk prints is printed by
// Chromium to PDF (page.pdf, the print media and @page sizes a printer gets), rendered at 300 dpi
// by pdftoppm and read back by zbarimg (Debian zbar-tools): every Code 128 and QR code of 50
// labels with random codes, in every format, must decode to its code and the item's public
// address. The A4 3 x 8 sheet is measured with pdftotext -bbox: 24 labels of 70 x 37 mm. The
// camera lends an item from a y4m video of its label, fed to Chromium as a fake camera.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { OPEN_EVERY_DAY, addBorrower, addItem, startHylla } from '../api/lib.mjs';
import {
  ARTIFACTS, startApp, addBranch, checkA11y, assertNoPageErrors, assertNoSwedish, visibleText, loginAs, launchBrowser,
} from './lib.mjs';

const run = promisify(execFile);
const PUBLIC = 'https://hylla.example.org';
const FORMATS = ['a4-3x8', 'a4-3x7', 'roll-62', 'roll-29x90'];
const MM = 72 / 25.4; // PDF points per mm
const EXPECTED = [/status of 401/, /status of 404/];

let app;
let tmp;
const codes = []; // the 50 random codes of branch deje, all taken in today, none printed

/** A random item code as labels carry them: a prefix, a separator, digits; now and then . or _. */
function randomCode(i) {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const pick = (set, n) => Array.from({ length: n }, () => set[Math.floor(Math.random() * set.length)]).join('');
  const prefix = pick(`${letters}0123456789`, 2 + Math.floor(Math.random() * 5));
  const sep = ['-', '-', '-', '.', '_'][Math.floor(Math.random() * 5)];
  return `${pick(letters, 1)}${prefix}${sep}${pick('0123456789', 4 + Math.floor(Math.random() * 3))}${i % 10}`;
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'hylla-labels-'));
  app = await startApp({ args: ['--public-url', `${PUBLIC}/`] });
  await addBranch(app.db, 'deje', { prefix: 'DEJ', name: 'Fritidsbanken Deje', opening_hours: OPEN_EVERY_DAY });
  await app.db.query("UPDATE branches SET contact = '0552-123 45' WHERE slug = 'deje'");
  const names = ['Längdskidor', 'Hjälm', 'Skridskor', 'Flytväst', 'Pulka', 'Tält för två', 'Snowboard'];
  while (codes.length < 50) {
    const code = randomCode(codes.length);
    if (codes.includes(code)) continue;
    await addItem(app.db, 'deje', {
      code, name: names[codes.length % names.length], sizeKind: 'length_cm', sizeNum: 100 + codes.length,
    });
    codes.push(code);
  }
  await loginAs(app, { username: 'vera', role: 'volunteer', branch: 'deje', displayName: 'Vera V' });
});
after(async () => {
  await app?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/**
 * Open a desk page whose print dialog is page.pdf: headless Chromium's own dialog never closes,
 * so window.print only counts (in <html data-prints>), and the test prints what it would have.
 */
async function open(page, path, { base = app.url } = {}) {
  await page.addInitScript(() => {
    window.print = () => {
      document.documentElement.dataset.prints = String(Number(document.documentElement.dataset.prints || 0) + 1);
    };
  });
  await page.goto(base + path);
  await page.waitForSelector('body[data-ready="true"]');
}

const printedCodes = async () => (await app.db.query(
  'SELECT code FROM items WHERE label_printed_at IS NOT NULL ORDER BY code')).rows.map((r) => r.code);

/** Print what the page shows to printers as a PDF file (kept in the artifacts); returns its path. */
async function pdf(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.pdf`);
  await page.pdf({ path: file, preferCSSPageSize: true, printBackground: true });
  return file;
}

/** The label places of a format's page, in mm: [{ x, y, w, h }] (web/desk.css, src/core/label.c). */
function places(format) {
  const sheets = { 'a4-3x8': [8, 37, 0.5], 'a4-3x7': [7, 42.3, 0.45] };
  if (!sheets[format]) {
    const [w, h] = { 'roll-62': [62, 40], 'roll-29x90': [90, 29] }[format];
    return [{ x: 0, y: 0, w, h }];
  }
  const [rows, h, top] = sheets[format];
  return Array.from({ length: rows * 3 }, (_, i) => ({ x: (i % 3) * 70, y: top + Math.floor(i / 3) * h, w: 70, h }));
}

/** A binary PGM image (what pdftoppm -gray writes): { w, h, data }. */
function readPgm(file) {
  const buf = readFileSync(file);
  const m = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(buf.toString('latin1', 0, 64));
  return { w: Number(m[1]), h: Number(m[2]), data: buf.subarray(m[0].length) };
}

/**
 * Every symbol zbarimg reads in a PDF of labels of a format, rendered at 300 dpi and cut into
 * its label places (as a scanner sees one label at a time; zbar reading a whole sheet of QR
 * codes at once has been seen to miss one that it reads alone): [{ type, data }], and the page
 * count.
 */
async function decode(file, format) {
  const dir = mkdtempSync(path.join(tmp, 'pages-'));
  await run('pdftoppm', ['-r', '300', '-gray', file, path.join(dir, 'p')]);
  const pages = readdirSync(dir).filter((f) => f.endsWith('.pgm')).sort();
  const dpmm = 300 / 25.4;
  const cells = [];
  for (const page of pages) {
    const img = readPgm(path.join(dir, page));
    for (const c of places(format)) {
      const [x, y, w, h] = [c.x, c.y, c.w, c.h].map((v) => Math.round(v * dpmm));
      const cell = Buffer.alloc(w * h, 255);
      for (let r = 0; r < h && y + r < img.h; r++)
        img.data.copy(cell, r * w, (y + r) * img.w + x, (y + r) * img.w + Math.min(x + w, img.w));
      const out = path.join(dir, `cell-${cells.length}.pgm`);
      writeFileSync(out, Buffer.concat([Buffer.from(`P5\n${w} ${h}\n255\n`), cell]));
      cells.push(out);
    }
  }
  const { stdout } = await run('zbarimg', ['-q', '-Sdisable', '-Scode128.enable', '-Sqrcode.enable', ...cells],
    { maxBuffer: 1 << 24 }).catch((err) => err); // exit status 4: some places are empty
  const symbols = stdout.split('\n').filter(Boolean).map((line) => {
    const at = line.indexOf(':');
    return { type: line.slice(0, at), data: line.slice(at + 1) };
  });
  return { symbols, pages: pages.length };
}

/** The words of a PDF with their boxes in mm, by page: [[{ text, x, y, x2, y2 }]], and page sizes. */
async function words(file) {
  const { stdout } = await run('pdftotext', ['-bbox', file, '-'], { maxBuffer: 1 << 24 });
  const pages = [];
  for (const page of stdout.split('<page ').slice(1)) {
    const [, w, h] = /width="([\d.]+)" height="([\d.]+)"/.exec(page);
    const list = [...page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
      .map((m) => ({ x: m[1] / MM, y: m[2] / MM, x2: m[3] / MM, y2: m[4] / MM, text: m[5] }));
    pages.push({ width: w / MM, height: h / MM, words: list });
  }
  return pages;
}

/** Set the branch's label format in the database. */
async function chooseFormatByApi(format) {
  await app.db.query("UPDATE branches SET label_format = $1 WHERE slug = 'deje'", [format]);
}

/** Choose the label format on the label screen (remembered for the branch) and list the unprinted. */
async function chooseFormat(page, format) {
  await page.selectOption('#labels-format', format);
  await page.waitForFunction((f) => document.getElementById('labels-message').textContent.includes('Deje'), format);
  const { rows } = await app.db.query("SELECT label_format FROM branches WHERE slug = 'deje'");
  assert.equal(rows[0].label_format, format);
}

test('every label of 50 random codes decodes back to its code and its public page, in every format', async () => {
  const page = await app.newPage();
  await open(page, '/desk/labels');
  await page.waitForFunction(() => document.querySelectorAll('#labels-list > li').length === 50);
  const urls = codes.map((c) => `${PUBLIC}/i/${c}`);
  for (const format of FORMATS) {
    await chooseFormat(page, format);
    await page.click('#labels-print');
    await page.waitForSelector('#labels-confirm:not([hidden])');
    const file = await pdf(page, `labels-${format}`);
    await page.click('#labels-confirm-no'); // keep them unprinted for the next format
    const { symbols, pages } = await decode(file, format);
    const perPage = { 'a4-3x8': 24, 'a4-3x7': 21 }[format] ?? 1;
    assert.equal(pages, Math.ceil(50 / perPage), `${format}: pages`);
    // zbar now and then reads an empty Code 128 in a label's other marks (seen once on a 29 x 90
    // roll label): no label carries one, and every code must still be read from its own.
    const of = (type) => symbols.filter((s) => s.type === type && s.data !== '').map((s) => s.data).sort();
    assert.deepEqual(of('CODE-128'), [...codes].sort(), `${format}: Code 128`);
    assert.deepEqual(of('QR-Code'), [...urls].sort(), `${format}: QR`);
  }
  assert.deepEqual(await printedCodes(), [], 'nothing is recorded without a yes');
  assertNoPageErrors(page, EXPECTED);
});

test('an A4 3 x 8 sheet prints 24 labels of 70 x 37 mm, measured in the PDF', async () => {
  const page = await app.newPage();
  await open(page, '/desk/labels');
  await page.waitForFunction(() => document.querySelectorAll('#labels-list > li').length === 50);
  await chooseFormat(page, 'a4-3x8');
  await page.click('#labels-print');
  await page.waitForSelector('#labels-confirm:not([hidden])');
  const file = await pdf(page, 'sheet-a4-3x8');
  await page.click('#labels-confirm-no');
  const [first] = await words(file);
  assert.ok(Math.abs(first.width - 210) < 0.5 && Math.abs(first.height - 297) < 0.5, `${first.width} x ${first.height} mm`);
  // Each label ends with its branch's name, written 5 mm from its left edge at a fixed height
  // (src/core/label.c): where the 24 names lie says where the 24 labels lie.
  const placed = first.words.filter((w) => w.text === 'Fritidsbanken');
  assert.equal(placed.length, 24);
  const [x0, y0] = [Math.min(...placed.map((w) => w.x)), Math.min(...placed.map((w) => w.y))];
  assert.ok(Math.abs(x0 - 5) < 0.5, `the first column starts at ${(x0 - 5).toFixed(2)} mm`);
  const grid = new Set();
  for (const w of placed) {
    const [col, row] = [Math.round((w.x - x0) / 70), Math.round((w.y - y0) / 37)];
    grid.add(`${col},${row}`);
    assert.ok(Math.abs(w.x - x0 - col * 70) < 0.5, `label ${col},${row} is ${(w.x - x0 - col * 70).toFixed(2)} mm off sideways`);
    assert.ok(Math.abs(w.y - y0 - row * 37) < 0.5, `label ${col},${row} is ${(w.y - y0 - row * 37).toFixed(2)} mm off downwards`);
  }
  assert.equal(grid.size, 24, 'three columns of eight rows');
  assert.ok([...grid].every((g) => /^[0-2],[0-7]$/.test(g)), [...grid].join(' '));
  // And the codes of the first page are the first 24, in order, row by row.
  const first24 = [...codes].sort().slice(0, 24);
  const shown = first.words.filter((w) => codes.includes(w.text)).map((w) => w.text);
  assert.deepEqual([...shown].sort(), first24);
});

test('labels are recorded as printed only when the volunteer says yes; "not printed" lists the others', async () => {
  const page = await app.newPage();
  await open(page, '/desk/labels');
  await page.waitForFunction(() => document.querySelectorAll('#labels-list > li').length === 50);
  await chooseFormat(page, 'roll-62');
  const sorted = [...codes].sort();
  const chosen = sorted.slice(10, 15);
  await page.check('input[name="labels-which"][value="range"]');
  await page.fill('#labels-from', chosen[0].toLowerCase());
  await page.fill('#labels-to', chosen[4]);
  await page.click('#labels-form button[type="submit"]');
  await page.waitForFunction((n) => document.querySelectorAll('#labels-list > li').length === n, chosen.length);
  assert.deepEqual(await page.$$eval('#labels-list > li', (li) => li.map((x) => x.dataset.code)), chosen);

  // Printed, not yet confirmed: nothing recorded. "No": still nothing.
  await page.click('#labels-print');
  await page.waitForSelector('#labels-confirm:not([hidden])');
  assert.equal(await page.getAttribute('html', 'data-prints'), '1');
  assert.deepEqual(await printedCodes(), []);
  await page.click('#labels-confirm-no');
  assert.deepEqual(await printedCodes(), []);
  // Printed again and confirmed with Enter (the focus is on "yes"): exactly these five.
  await page.click('#labels-print');
  await page.waitForSelector('#labels-confirm:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'labels-confirm-yes');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#labels-confirm', { state: 'hidden' });
  assert.deepEqual(await printedCodes(), chosen);
  await page.waitForFunction(() => /5 etiketter är markerade som utskrivna/.test(document.getElementById('labels-message').textContent));

  // "Not printed yet" lists exactly the other 45.
  await page.check('input[name="labels-which"][value="unprinted"]');
  await page.click('#labels-form button[type="submit"]');
  await page.waitForFunction(() => document.querySelectorAll('#labels-list > li').length === 45);
  const listed = await page.$$eval('#labels-list > li', (li) => li.map((x) => x.dataset.code));
  assert.deepEqual(listed, sorted.filter((c) => !chosen.includes(c)));
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('used places of a sheet are skipped: the labels start at the first free place', async () => {
  const page = await app.newPage();
  await open(page, '/desk/labels');
  await chooseFormat(page, 'a4-3x8');
  const three = [...codes].sort().slice(20, 23);
  await page.check('input[name="labels-which"][value="range"]');
  await page.fill('#labels-from', three[0]);
  await page.fill('#labels-to', three[2]);
  await page.click('#labels-form button[type="submit"]');
  await page.waitForFunction(() => document.querySelectorAll('#labels-list > li').length === 3);
  await page.fill('#labels-skip', '5');
  await page.click('#labels-print');
  await page.waitForSelector('#labels-confirm:not([hidden])');
  const [sheet, ...more] = await words(await pdf(page, 'skip-5'));
  await page.click('#labels-confirm-no');
  assert.equal(more.length, 0);
  const at = three.map((c) => {
    const w = sheet.words.find((x) => x.text === c);
    return Math.floor(w.y / 37) * 3 + Math.round((w.x - 5) / 70) + 1; // the place, counted from 1
  });
  assert.deepEqual(at, [6, 7, 8]);
  await page.close();
});

test('the test page outlines and numbers every place of the sheet', async () => {
  const page = await app.newPage();
  await open(page, '/desk/labels');
  await chooseFormat(page, 'a4-3x7');
  await page.click('#labels-test');
  const [sheet, ...more] = await words(await pdf(page, 'test-page-a4-3x7'));
  assert.equal(more.length, 0);
  const numbers = sheet.words.filter((w) => /^\d+$/.test(w.text) && Number(w.text) <= 21).map((w) => Number(w.text));
  assert.deepEqual([...new Set(numbers)].sort((a, b) => a - b), Array.from({ length: 21 }, (_, i) => i + 1));
  await page.close();
});

test('intake: P prints the new label, and only "yes" records it', async () => {
  await chooseFormatByApi('a4-3x8');
  const page = await app.newPage();
  await open(page, '/desk/intake');
  await page.selectOption('#intake-category', '111');
  await page.fill('#intake-name', 'Längdskidor');
  await page.fill('#intake-size', '172');
  await page.click('#intake-save');
  await page.waitForSelector('#intake-done:not([hidden])');
  const code = (await page.textContent('#intake-code')).trim();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'intake-next');
  await page.keyboard.press('p');
  await page.waitForSelector('#intake-confirm:not([hidden])');
  assert.equal(await page.getAttribute('html', 'data-prints'), '1');
  assert.equal(await page.$eval('#print-area img', (img) => img.getAttribute('src')), `/api/items/${code}/label.svg?format=a4-3x8`);
  const row = async () => (await app.db.query('SELECT label_printed_at FROM items WHERE code = $1', [code])).rows[0].label_printed_at;
  assert.equal(await row(), null);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-confirm', { state: 'hidden' });
  assert.ok(await row() instanceof Date);
  assert.equal(await page.textContent('#intake-printed'), 'Etiketten är markerad som utskriven.');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'intake-next');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('a borrower card: a new code, printed as a Code 128 that reads back; scanned at the lend screen it picks the borrower', async () => {
  await chooseFormatByApi('a4-3x8');
  const id = await addBorrower(app.db, { branch: 'deje', name: 'Kim Kortsson', phone: '+46701112233' });
  const page = await app.newPage();
  await open(page, `/desk/borrowers/${id}`);
  await page.waitForFunction(() => document.getElementById('borrower-card').textContent === 'Ge lånekort och skriv ut');
  await page.click('#borrower-card');
  await page.waitForFunction(() => document.documentElement.dataset.prints === '1');
  const { rows } = await app.db.query('SELECT card FROM borrowers WHERE id = $1', [id]);
  assert.match(rows[0].card, /^K\d{8}$/);
  assert.equal(await page.textContent('#borrower-card'), 'Skriv ut lånekort');
  const { symbols } = await decode(await pdf(page, 'card'), 'a4-3x8');
  assert.deepEqual(symbols, [{ type: 'CODE-128', data: rows[0].card }]);
  const [sheet] = await words(await pdf(page, 'card'));
  assert.ok(!sheet.words.some((w) => /Kim|Kortsson|1112233/.test(w.text)), 'the card names nobody');

  await open(page, '/desk/lend');
  await page.keyboard.type(rows[0].card); // the scanner types the card and Enter
  await page.keyboard.press('Enter');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  assert.equal(await page.textContent('#lend-borrower-link'), 'Kim Kortsson');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'lend-code');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('the loan receipt: items, sizes, due date in words, opening hours and contact; no phone, no surname', async () => {
  const id = await addBorrower(app.db, { branch: 'deje', name: 'Elsa Maria Lindqvist', phone: '+46705556677' });
  const [a, b] = [await addItem(app.db, 'deje', { name: 'Hjälm', sizeKind: 'head_cm', sizeNum: 56 }),
    await addItem(app.db, 'deje', { name: 'Skridskor', sizeKind: 'shoe_eu', sizeNum: 38 })];
  const page = await app.newPage();
  await open(page, '/desk/lend');
  await page.fill('#lend-who', 'Elsa Maria');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#lend-borrower:not([hidden])');
  for (const code of [a, b]) {
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
  }
  await page.waitForFunction(() => document.querySelectorAll('#lend-list > li[data-state="ok"]').length === 2);
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#lend-receipt:not([hidden])');
  await page.click('#lend-print-receipt');
  await page.waitForFunction(() => document.documentElement.dataset.prints === '1');
  const text = await page.textContent('#print-area');
  const due = (await app.db.query('SELECT due_date::text AS d FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code = $1', [a])).rows[0].d;
  for (const part of ['Fritidsbanken Deje', 'Hej Elsa!', a, b, 'huvudomfång 56 cm', 'stl 38', 'Åter senast', 'Kontakt: 0552-123 45'])
    assert.ok(text.includes(part), `the receipt lacks "${part}": ${text}`);
  assert.match(text, /15–18|10–18/); // the opening hours of the week the items come back
  for (const secret of ['Lindqvist', 'Maria', '705556677', '070-555', '+4670'])
    assert.ok(!text.includes(secret), `the receipt shows "${secret}": ${text}`);
  const [receipt, ...more] = await words(await pdf(page, 'receipt-80'));
  assert.equal(more.length, 0, 'one receipt, one page');
  assert.ok(Math.abs(receipt.width - 80) < 0.5, `${receipt.width} mm wide`);
  assert.ok(receipt.words.some((w) => w.text === a));
  assert.ok(due);
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

test('the label screen passes axe at 360 and 1280 px, in Swedish and in English without a Swedish word', async () => {
  const page = await app.newPage();
  await open(page, '/desk/labels');
  await page.waitForSelector('#labels-list > li');
  await page.check('input[name="labels-which"][value="range"]');
  await checkA11y(page, 'desk-labels-sv');
  await page.click('[data-lang-switch]');
  await page.click('#labels-form button[type="submit"]'); // a range without codes: the message says so
  await page.waitForFunction(() => document.getElementById('labels-message').textContent !== '');
  assertNoSwedish(await visibleText(page, { except: '#labels-list, [lang]:not(html)' }), 'the label screen');
  await checkA11y(page, 'desk-labels-en');
  await page.click('[data-lang-switch]');
  assertNoPageErrors(page, EXPECTED);
  await page.close();
});

/**
 * A y4m video (YUV 4:2:0, the format Chromium's fake camera reads) of an item's label, drawn
 * by the browser from the label's SVG onto a white 640 x 480 frame, as a phone would hold it.
 */
async function labelVideo(page, code, file) {
  const [W, H] = [640, 480];
  const frame = Buffer.from(await page.evaluate(async ([src, w, h]) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, w, h);
    const lw = w - 40;
    const lh = Math.round((lw * img.naturalHeight) / img.naturalWidth);
    g.drawImage(img, 20, Math.round((h - lh) / 2), lw, lh);
    const { data } = g.getImageData(0, 0, w, h);
    // Y from the pixels (studio range, BT.601); the label is black on white, so U and V are grey.
    const out = new Uint8Array(w * h * 1.5).fill(128);
    for (let i = 0; i < w * h; i++)
      out[i] = 16 + Math.round((219 * (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2])) / 255);
    let s = '';
    for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
    return btoa(s);
  }, [`/api/items/${code}/label.svg?format=a4-3x8`, W, H]), 'base64');
  const frames = 15;
  const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F15:1 Ip A1:1 C420jpeg\n`);
  const parts = [header];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), frame);
  writeFileSync(file, Buffer.concat(parts));
}

test('the camera: a label held before a (fake) camera lends the item on the lend screen and opens its page from the start screen', async () => {
  const code = await addItem(app.db, 'deje', { code: 'DEJ-07777', name: 'Snowboard', sizeKind: 'length_cm', sizeNum: 150 });
  const id = await addBorrower(app.db, { branch: 'deje', name: 'Cam Kamerasson', phone: '+46708889900', card: 'K55554444' });
  const video = path.join(tmp, 'label.y4m');
  const page = await app.newPage();
  await open(page, '/desk');
  await labelVideo(page, code, video);
  await page.close();

  const browser = await launchBrowser({
    args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
  });
  try {
    const res = await browser.context.request.post(`${app.url}/api/session`, { data: { username: 'vera', password: 'correct horse battery' } });
    assert.equal(res.status(), 200);
    const cam = await browser.context.newPage();
    const problems = [];
    cam.on('console', (msg) => {
      if (msg.type() === 'error' || /Content.Security.Policy/i.test(msg.text())) problems.push(msg.text());
    });
    cam.on('pageerror', (err) => problems.push(err.message));
    await cam.goto(`${app.url}/desk/lend`);
    await cam.waitForSelector('body[data-ready="true"]');
    await cam.keyboard.type('K55554444');
    await cam.keyboard.press('Enter');
    await cam.waitForSelector('#lend-borrower:not([hidden])');
    assert.equal(await cam.isVisible('[data-camera-for="lend-code"]'), true);
    await cam.click('[data-camera-for="lend-code"]');
    await cam.waitForSelector('#camera-dialog[open]');
    await cam.waitForFunction((c) => document.querySelector(`#lend-list > li[data-code="${c}"]`)?.dataset.state === 'ok', code,
      { timeout: 60000 });
    assert.equal(await cam.textContent('#camera-status'), `Läst: ${code}`);
    assert.equal(await cam.getAttribute('html', 'data-desk-sound'), 'ok'); // the beep of a scan
    // The camera stays open for the next item; the same label seen again is no second scan.
    await cam.waitForTimeout(1000);
    assert.equal(await cam.$$eval('#lend-list > li', (li) => li.length), 1);
    await cam.keyboard.press('Escape');
    await cam.waitForFunction(() => !document.getElementById('camera-dialog').open);
    assert.equal(new URL(cam.url()).pathname, '/desk/lend', 'Esc closed the camera, not the screen');
    await cam.click('#lend-done');
    await cam.waitForSelector('#lend-receipt:not([hidden])');
    const { rows } = await app.db.query(
      'SELECT count(*)::int AS n FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code = $1 AND l.borrower_id = $2 AND l.returned_at IS NULL',
      [code, id]);
    assert.equal(rows[0].n, 1);
    const tracks = await cam.evaluate(() => document.getElementById('camera-video').srcObject);
    assert.equal(tracks, null, 'the camera is off');
    // The start screen's camera opens the item's page, the way to the item screen; one code closes it.
    await cam.goto(`${app.url}/desk`);
    await cam.waitForSelector('body[data-ready="true"]');
    await cam.click('[data-camera-for="home-code"]');
    await cam.waitForFunction((c) => location.pathname === `/desk/items/${c}`, code, { timeout: 60000 });
    await cam.waitForFunction(() => !document.getElementById('camera-dialog').open);
    assert.deepEqual(problems.filter((p) => !/status of 40[14]/.test(p)), []);
  } finally {
    await browser.close();
  }
});

test('without --public-url a label\'s QR code points where the browser asked, at the item\'s public page', async () => {
  const other = await startHylla({ database: app.db.conninfo }); // no --public-url; sessions are shared
  try {
    const code = codes[0];
    const page = await app.context.newPage();
    await open(page, `${other.url}/desk`, { base: '' });
    const png = path.join(tmp, 'host-label.png');
    await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      img.style.width = '900px';
      document.body.replaceChildren(img);
      await img.decode();
    }, `/api/items/${code}/label.svg?format=roll-29x90`);
    await page.locator('img').screenshot({ path: png });
    await page.close();
    const { stdout } = await run('zbarimg', ['-q', '-Sdisable', '-Sqrcode.enable', png]);
    assert.equal(stdout.trim(), `QR-Code:${other.url}/i/${code}`);
    // What the QR code holds answers the item's public page, as a phone that scans it opens it.
    const target = stdout.trim().slice('QR-Code:'.length);
    // (tests/browser/public.test.mjs drives that page itself.)
    const html = await fetch(target);
    assert.equal(html.status, 200);
    assert.match(await html.text(), /<script type="module" src="\/js\/public\/itempage\.js">/);
    const item = await fetch(`${other.url}/api/public/items/${target.split('/i/')[1]}`);
    assert.equal(item.status, 200);
    assert.equal((await item.json()).code, code);
  } finally {
    await other.stop();
  }
});
