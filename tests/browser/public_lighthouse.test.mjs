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
// kind: the same 2-core machine measured 875 to 2560 within minutes, and with 4x the same page
// scored 0.78 to 0.99. So the runs are made in Lighthouse's two halves (its gather and audit
// modes, -G and -A). First the five page loads, which Lighthouse makes unthrottled whatever the
// multiplier, each after measuring the host's benchmarkIndex as every run does; then each load is
// audited with one multiplier: the median benchmarkIndex / 437.5, which is 4 on a host of 1750,
// the middle of the bracket 4x is meant for. Every run then emulates the same phone, and a faster
// host gets more than 4.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import lighthouse from 'lighthouse';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';
import * as constants from 'lighthouse/core/config/constants.js';
import * as chromeLauncher from 'chrome-launcher';
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
const SETTINGS = { output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility', 'best-practices'] };

/** Load url in Chromium launched with chromeFlags, as Lighthouse's gather mode: its folder. */
async function gather(url, chromeFlags) {
  const dir = mkdtempSync(path.join(tmpdir(), 'hylla-lighthouse-'));
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags, logLevel: 'silent' });
  try {
    await lighthouse(url, { ...SETTINGS, port: chrome.port, gatherMode: dir });
  } finally {
    await chrome.kill();
  }
  return dir;
}

/** What a gathered load says of itself (Lighthouse's artifacts.json). */
const artifactsOf = (dir) => JSON.parse(readFileSync(path.join(dir, 'artifacts.json'), 'utf8'));

/**
 * Audit a gathered load with a CPU slowdown of multiplier. The load keeps the settings it was
 * gathered with, and Lighthouse audits only with the same: both say the multiplier.
 */
async function audit(dir, multiplier) {
  const artifacts = artifactsOf(dir);
  artifacts.settings.throttling.cpuSlowdownMultiplier = multiplier;
  writeFileSync(path.join(dir, 'artifacts.json'), JSON.stringify(artifacts));
  try {
    return await lighthouse(undefined, { ...SETTINGS, auditMode: dir, throttling: { cpuSlowdownMultiplier: multiplier } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
  const url = `${server.url}/?branch=deje`;
  const loads = [];
  for (let i = 0; i < RUNS; i++) loads.push(await gather(url, flags));
  const indexes = loads.map((dir) => artifactsOf(dir).BenchmarkIndex).filter(Number.isFinite).sort((x, y) => x - y);
  assert.ok(indexes.length > 0, 'Lighthouse measured the host in none of the runs');
  const index = indexes[Math.floor(indexes.length / 2)];
  const multiplier = Math.max(1, index / PHONE_BENCHMARK_INDEX);
  console.log(`# host benchmarkIndex ${indexes.map(Math.round).join(', ')}: the median ${Math.round(index)}, ` +
    `CPU slowdown ${multiplier.toFixed(2)}`);
  const runs = [];
  for (let attempt = 1; runs.length < RUNS && attempt <= RUNS + 2; attempt++) {
    const run = await audit(loads[attempt - 1] ?? await gather(url, flags), multiplier);
    const { categories: c, runtimeError } = run.lhr;
    console.log(`# run ${attempt}: ` + (runtimeError ? `runtime error ${runtimeError.code}` :
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
