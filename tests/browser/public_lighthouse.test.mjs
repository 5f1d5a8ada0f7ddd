// Lighthouse (the npm package, version pinned in package.json) on a branch page of the public
// site, with Debian's Chromium and Lighthouse's default mobile preset (a mid-range phone on a
// slow 4G line, simulated): performance at least 0.95, accessibility 1.0 and best practices at
// least 0.95, on the median of five runs. That run's whole report is kept in
// $HYLLA_TEST_ARTIFACTS/lighthouse-public.json.
//
// The phone's CPU is simulated: Lighthouse loads the page at the host's full speed and multiplies
// the main thread's time by cpuSlowdownMultiplier, 4 by default, chosen so that a high-end
// desktop (a benchmarkIndex of 1500-2000) stands for a mid-tier phone. Its docs/throttling.md
// says to calibrate the multiplier when the host is another kind of machine. Ours is not even one
// kind: the same 2-core machine measured 967 to 2360 within minutes, and with 4x the same page
// scored 0.78 to 0.99. So each run measures the host first, with Lighthouse's own benchmark, and
// sets the multiplier to benchmarkIndex / 437.5: 4 on a host of 1750, the middle of the bracket 4x
// is meant for, so that every run emulates the same phone. A faster host gets more than 4.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lighthouse from 'lighthouse';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';
import * as constants from 'lighthouse/core/config/constants.js';
import { pageFunctions } from 'lighthouse/core/lib/page-functions.js';
import * as chromeLauncher from 'chrome-launcher';
import { chromium } from 'playwright-core';
import { freshDb, startHylla, addItem, OPEN_EVERY_DAY } from '../api/lib.mjs';
import { ARTIFACTS, CHROMIUM } from './lib.mjs';

let db;
let server;

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await db.query(
    `INSERT INTO branches (slug, name, code_prefix, opening_hours, address, contact, notice, latitude, longitude)
     VALUES ('deje', 'Fritidsbanken Deje', 'DEJ', $1, 'Storgatan 12, 669 31 Deje', 'deje@example.org, 054-17 40 60',
             'Välkomna in!', 59.6043, 13.4723)`,
    [JSON.stringify(OPEN_EVERY_DAY)]);
  for (let i = 0; i < 30; i++)
    await addItem(db, 'deje', { name: `Längdskidor ${['Fischer', 'Madshus', 'Peltonen'][i % 3]}`, sizeKind: 'length_cm', sizeNum: 120 + 10 * (i % 8) });
});

// The phone every run emulates: what Lighthouse's default 4x makes of a host of benchmarkIndex 1750.
const PHONE_BENCHMARK_INDEX = 1750 / 4;

/** Lighthouse's benchmarkIndex of the host now, measured in a tab of the browser on port. */
async function benchmarkIndex(port) {
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  try {
    const page = await browser.contexts()[0].newPage();
    const index = await page.evaluate(`(${pageFunctions.computeBenchmarkIndex})()`);
    await page.close();
    return index;
  } finally {
    await browser.close(); // disconnects; the browser stays for Lighthouse
  }
}

after(async () => {
  await server?.stop();
  await db?.drop();
});

test('Lighthouse on a branch page: performance at least 0.95, accessibility 1.0, best practices at least 0.95', async () => {
  const flags = ['--headless=new', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];
  if (process.getuid?.() === 0) flags.push('--no-sandbox');
  // One Lighthouse run varies with the machine's load; its authors advise the median of five runs,
  // which halves the variation (docs/variability.md), and ship computeMedianRun, which picks the
  // run nearest the median first paint and time to interactive. Five runs; the median one is
  // asserted, all five are printed. A run in which Lighthouse could not measure at all (a runtime
  // error such as NO_NAVSTART on a loaded machine, which it says to run again) is made again,
  // twice at most.
  const RUNS = 5;
  const runs = [];
  for (let attempt = 1; runs.length < RUNS && attempt <= RUNS + 2; attempt++) {
    const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: flags, logLevel: 'silent' });
    let run;
    let index;
    let multiplier;
    try {
      index = await benchmarkIndex(chrome.port);
      multiplier = Math.max(1, index / PHONE_BENCHMARK_INDEX);
      run = await lighthouse(`${server.url}/?branch=deje`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
        throttling: { cpuSlowdownMultiplier: multiplier }, // the rest of the mobile preset stays
      });
    } finally {
      await chrome.kill();
    }
    const { categories: c, runtimeError } = run.lhr;
    console.log(`# run ${attempt}, host benchmarkIndex ${Math.round(index)}, CPU slowdown ${multiplier.toFixed(2)}: ` + (runtimeError ? `runtime error ${runtimeError.code}` :
      `performance ${c.performance.score}, accessibility ${c.accessibility.score}, best-practices ${c['best-practices'].score}`));
    if (!runtimeError) runs.push(run);
  }
  assert.equal(runs.length, RUNS, `Lighthouse could not measure the page in ${RUNS + 2} attempts`);
  const median = computeMedianRun(runs.map((r) => r.lhr));
  const result = runs.find((r) => r.lhr === median);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, 'lighthouse-public.json'), result.report);
  const { categories, audits, configSettings } = result.lhr;
  assert.equal(configSettings.formFactor, 'mobile');
  assert.equal(configSettings.throttlingMethod, 'simulate');
  assert.deepEqual({ ...configSettings.throttling, cpuSlowdownMultiplier: 4 }, constants.throttling.mobileSlow4G);
  console.log(`# lighthouse ${result.lhr.lighthouseVersion} mobile, the median run: performance ${categories.performance.score}, ` +
    `accessibility ${categories.accessibility.score}, best-practices ${categories['best-practices'].score}`);
  const failing = (cat) => categories[cat].auditRefs
    .filter((r) => r.weight > 0 && audits[r.id].score !== null && audits[r.id].score < 1)
    .map((r) => `${r.id}: ${audits[r.id].title}`);
  assert.ok(categories.performance.score >= 0.95, `performance ${categories.performance.score} ` +
    `(runs: ${runs.map((r) => r.lhr.categories.performance.score).join(', ')}):\n${failing('performance').join('\n')}`);
  assert.equal(categories.accessibility.score, 1, `accessibility:\n${failing('accessibility').join('\n')}`);
  assert.ok(categories['best-practices'].score >= 0.95, `best practices:\n${failing('best-practices').join('\n')}`);
});
