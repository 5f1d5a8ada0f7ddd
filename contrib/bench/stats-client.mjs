// stats-client: the timing half of contrib/bench/stats.
//   node stats-client.mjs measure URL REQUESTS   time each statistics endpoint, print JSON
//   node stats-client.mjs compare SMALL.json LARGE.json SMALL_LOANS LARGE_LOANS   the table
// Requests go one at a time over one kept-alive connection, as the report page makes them; each
// endpoint is warmed up first, and the median and 90th percentile of the rest are reported.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

// The last whole calendar year, an unaligned year ending today, and the network or one branch.
const year = new Date().getUTCFullYear() - 1;
const from = `${year}-01-01`;
const to = `${year}-12-31`;
const today = new Date().toISOString().slice(0, 10);
const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
const ENDPOINTS = [
  ['summary, year, network', `/api/stats/summary?from=${from}&to=${to}`],
  ['summary, year, one branch', `/api/stats/summary?from=${from}&to=${to}&branch=b001`],
  ['summary, unaligned year', `/api/stats/summary?from=${yearAgo}&to=${today}`],
  ['summary, 10 years', `/api/stats/summary?from=${year - 9}-01-01&to=${to}`],
  ...['day', 'week', 'month', 'year', 'branch', 'category'].map((g) =>
    [`loans by ${g}, year`, `/api/stats/loans?from=${from}&to=${to}&group_by=${g}`]),
  ['loans by category, one branch', `/api/stats/loans?from=${from}&to=${to}&group_by=category&branch=b001`],
  ['loans by age_band, year', `/api/stats/loans?from=${from}&to=${to}&group_by=age_band`],
  ['loans by gender, year', `/api/stats/loans?from=${from}&to=${to}&group_by=gender`],
  ['loans by age_band, one branch', `/api/stats/loans?from=${from}&to=${to}&group_by=age_band&branch=b001`],
  ['loans by age_band, one category', `/api/stats/loans?from=${from}&to=${to}&group_by=age_band&category=111`],
  ['loans by age_band, unaligned year', `/api/stats/loans?from=${yearAgo}&to=${today}&group_by=age_band`],
  ['loans by gender, 10 years', `/api/stats/loans?from=${year - 9}-01-01&to=${to}&group_by=gender`],
  ['items (never lent)', '/api/stats/items'],
];

async function measure(base, requests) {
  const login = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: 'bench-password-0' }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const cookie = /hylla_session=[^;]+/.exec(login.headers.get('set-cookie'))[0];
  const results = [];
  for (const [name, path] of ENDPOINTS) {
    const times = [];
    let body = '';
    for (let i = 0; i < requests + 5; i++) {
      const t0 = performance.now();
      const res = await fetch(base + path, { headers: { cookie } });
      body = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body}`);
      if (i >= 5) times.push(ms);
    }
    times.sort((a, b) => a - b);
    results.push({ name, path, median: times[Math.floor(times.length / 2)],
      p90: times[Math.floor(times.length * 0.9)], sample: body.slice(0, 160) });
  }
  console.log(JSON.stringify(results, null, 1));
}

function compare(smallFile, largeFile, smallLoans, largeLoans) {
  const small = JSON.parse(readFileSync(smallFile, 'utf8'));
  const large = JSON.parse(readFileSync(largeFile, 'utf8'));
  const fmt = (n) => Number(n).toLocaleString('en');
  const head = ['endpoint', `${fmt(smallLoans)} loans`, `${fmt(largeLoans)} loans`, 'ratio'];
  const rows = small.map((s, i) => {
    const l = large[i];
    return [s.name, `${s.median.toFixed(2)} ms (p90 ${s.p90.toFixed(2)})`,
      `${l.median.toFixed(2)} ms (p90 ${l.p90.toFixed(2)})`, (l.median / s.median).toFixed(2)];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  for (const r of [head, ...rows]) console.log(r.map((v, c) => v.padEnd(widths[c])).join('  '));
  const worst = Math.max(...rows.map((r) => Number(r[3])));
  console.log(`worst ratio ${worst.toFixed(2)} (the bar is 2.00)`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'measure') await measure(args[0], Number(args[1]));
else if (mode === 'compare') compare(...args);
else {
  console.error('usage: stats-client.mjs measure URL REQUESTS | compare SMALL LARGE SMALL_LOANS LARGE_LOANS');
  process.exit(2);
}
