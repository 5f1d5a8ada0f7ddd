// lib: what the browser tests share. Debian's Chromium, headless, driven by playwright-core, with
// a fresh profile each time; hylla started as the API tests start it (tests/api/lib.mjs); axe-core
// checks a page at phone and desktop widths; screenshots go to $HYLLA_TEST_ARTIFACTS.
//
//   const app = await startApp();                  // database, hylla, browser
//   const page = await app.newPage();              // collects console errors and CSP reports
//   await page.goto(app.url + '/login');
//   await checkA11y(page, 'login');                // fails on any axe violation, 360 and 1280 px
//   assertNoPageErrors(page);
//   assertNoSwedish(await visibleText(page), 'login'); // on an English page
//   await app.stop();
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freshDb, startHylla, addStaff, SOURCE_ROOT } from '../api/lib.mjs';
import sv from '../../web/js/lang/sv.js';
import en from '../../web/js/lang/en.js';

export { addStaff, addBranch } from '../api/lib.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const CHROMIUM = process.env.HYLLA_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.HYLLA_TEST_ARTIFACTS || path.join(SOURCE_ROOT, 'test-artifacts');
export const WIDTHS = [360, 1280];

/**
 * Launch Chromium headless with a fresh profile, with extra command line switches (a fake camera,
 * say). Resolves { context, close() }; the context is Playwright's BrowserContext (one profile,
 * many pages).
 */
export async function launchBrowser({ locale = 'sv-SE', args: extra = [] } = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'hylla-chromium-'));
  const args = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', ...extra];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: process.getuid?.() !== 0,
    args,
    locale,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A database, hylla on a free port and a browser: { db, server, url, context, newPage(), stop() }.
 * newPage() records console errors, page errors and CSP violations for assertNoPageErrors.
 */
export async function startApp({ args = [] } = {}) {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo, args });
  const browser = await launchBrowser();
  return {
    db,
    server,
    url: server.url,
    context: browser.context,
    async newPage() {
      const page = await browser.context.newPage();
      page.problems = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error' || /Content.Security.Policy/i.test(msg.text()))
          page.problems.push(`console ${msg.type()}: ${msg.text()}`);
      });
      page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
      return page;
    },
    async stop() {
      await browser.close();
      await server.stop();
      await db.drop();
    },
  };
}

/**
 * Fail on console errors, uncaught exceptions or CSP violations of the page so far. Pass the
 * messages a test provokes on purpose (a 401 the browser logs, say) as regular expressions.
 */
export function assertNoPageErrors(page, allowed = []) {
  const left = page.problems.filter((p) => !allowed.some((re) => re.test(p)));
  assert.deepEqual(left, [], `the page reported:\n${left.join('\n')}`);
}

/** Save a full-page screenshot as $HYLLA_TEST_ARTIFACTS/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name.replace(/[^\w.-]+/g, '_')}.png`), fullPage: true });
}

/**
 * Run axe-core on the page as it is, at every width of WIDTHS (360 and 1280 px), and fail on any
 * violation. Screenshots of each width go to the artifacts. axe is injected through the DevTools
 * protocol (page.evaluate of its source), because the page's CSP rightly refuses inline scripts.
 */
export async function checkA11y(page, name) {
  const original = page.viewportSize();
  try {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
      const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      assert.ok(result.passes.length > 0, 'axe checked nothing');
      await screenshot(page, `${name}-${width}`);
      const report = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${
        v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n')}`);
      assert.deepEqual(report, [], `axe found problems on ${name} at ${width} px:\n${report.join('\n')}`);
      // Nothing may stick out sideways on a phone.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} is ${overflow} px wider than ${width} px`);
    }
  } finally {
    if (original) await page.setViewportSize(original);
  }
}

/** The visible text of the page (title included), for checking what language it speaks. */
export async function visibleText(page, { except = '[lang]:not(html)' } = {}) {
  return page.evaluate((skip) => {
    const parts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || el.closest(skip) || !el.checkVisibility()) continue;
      if (node.textContent.trim()) parts.push(node.textContent.trim());
    }
    for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]:not(title)'))
      if (!el.closest(skip)) parts.push(el.getAttribute('placeholder') || el.getAttribute('aria-label') || el.getAttribute('title'));
    return parts.join('\n');
  }, except);
}

/** Create an account and log the browser context in through the API (for pages behind a login). */
export async function loginAs(app, account) {
  await addStaff(app.db, account);
  const res = await app.context.request.post(`${app.url}/api/session`, {
    data: { username: account.username, password: account.password || 'correct horse battery' },
  });
  assert.equal(res.status(), 200, await res.text());
  return res.json();
}

/** Every string of a dictionary, plural forms included. */
const strings = (dict) => Object.values(dict).flatMap((v) => (typeof v === 'object' ? Object.values(v) : [v]));

/**
 * Fail when text holds a Swedish string of the dictionaries (its fixed parts, as whole words), or
 * any å ä ö: for English pages, which must leave no Swedish behind.
 */
export function assertNoSwedish(text, where) {
  const parts = (s) => s.split(/\{\w+\}/).map((p) => p.trim()).filter((p) => p.length >= 2);
  // Fixed parts the English strings share ("cm", "EU") are no Swedish.
  const english = new Set(strings(en).flatMap(parts));
  // The language switch names English in English on the Swedish page; that one is no Swedish word.
  const swedish = strings(Object.fromEntries(Object.entries(sv).filter(([k]) => k !== 'lang.other')));
  for (const s of swedish) {
    for (const part of parts(s).filter((p) => !english.has(p))) {
      const re = new RegExp(`(?<![\\p{L}])${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'u');
      assert.doesNotMatch(text, re, `Swedish left on ${where}: "${part}" (from "${s}")`);
    }
  }
  assert.doesNotMatch(text, /[åäöÅÄÖ]/, `Swedish letters on ${where}:\n${text}`);
}

// ---- The desk, driven as a volunteer drives it ----

/** Type text and press Enter, as a USB scanner does. */
export async function scan(page, text) {
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** The id (or else the tag) of the element that has the focus. */
export const activeId = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);

/** Open a desk address and wait until the desk has drawn its screen. */
export async function openDesk(page, url) {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
}

/** Wait until a scan list has n rows that are no longer being looked up; returns their states. */
export async function rows(page, list, n) {
  await page.waitForFunction(([sel, count]) => {
    const li = document.querySelectorAll(`${sel} > li`);
    return li.length === count && [...li].every((x) => x.dataset.state !== 'pending');
  }, [list, n]);
  return page.$$eval(`${list} > li`, (li) => li.map((x) => ({ code: x.dataset.code, state: x.dataset.state, text: x.textContent })));
}

/**
 * Show each screen of screens ([name, async show()]) and check it with axe at both widths in
 * Swedish; then open a page with the language switch (home()), switch to English, and check each
 * again, with no Swedish left. Screenshots are named desk-NAME-sv and desk-NAME-en.
 */
export async function checkScreens(page, screens, home) {
  for (const [name, show] of screens) {
    await show();
    await checkA11y(page, `desk-${name}-sv`);
  }
  await home();
  await page.click('[data-lang-switch]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  for (const [name, show] of screens) {
    await show();
    assertNoSwedish(await visibleText(page), name);
    await checkA11y(page, `desk-${name}-en`);
  }
}
