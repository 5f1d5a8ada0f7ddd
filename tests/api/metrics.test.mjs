// GET /metrics: the Prometheus text format, checked by a strict parser of its own (every line a
// comment, a HELP or TYPE line, or a sample of a declared family with well-formed labels and a
// number), counters that move by exactly the requests made, by route pattern and status class,
// answered only to --metrics-allow; and --log-format json, one JSON object a line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, hylla, sleep } from './lib.mjs';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;

/**
 * Parse the text format (version 0.0.4) strictly. Returns Map of "name{labels}" -> number and
 * the families' types; throws on anything malformed.
 */
function parsePrometheus(text) {
  const samples = new Map();
  const types = new Map();
  assert.ok(text.endsWith('\n'), 'the text ends with a newline');
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!m) continue; // a plain comment
      assert.match(m[2], NAME, where);
      if (m[1] === 'TYPE') {
        assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]), where);
        assert.ok(!types.has(m[2]), `${where}: TYPE given twice`);
        types.set(m[2], m[3]);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `${where}: not a sample`);
    const [, name, , labelText = '', value] = m;
    assert.match(value, VALUE, where);
    const labels = [];
    let rest = labelText;
    while (rest.length) {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/.exec(rest);
      assert.ok(l, `${where}: bad labels at ${rest}`);
      labels.push(`${l[1]}="${l[2]}"`);
      rest = rest.slice(l[0].length);
    }
    const family = name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(name) || types.get(family) === 'histogram', `${where}: no TYPE for ${name}`);
    const key = labels.length ? `${name}{${labels.join(',')}}` : name;
    assert.ok(!samples.has(key), `${where}: sample given twice`);
    samples.set(key, Number(value));
  }
  return { samples, types };
}

const counter = (m, route, status, method = 'GET') =>
  m.samples.get(`hylla_http_requests_total{method="${method}",route="${route}",status="${status}"}`) ?? 0;

test('/metrics parses, and its counters move by exactly the requests made', async () => {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo });
  try {
    const scrape = async () => {
      const r = await fetch(`${server.url}/metrics`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
      return parsePrometheus(await r.text());
    };
    const before = await scrape();
    assert.equal(before.types.get('hylla_http_requests_total'), 'counter');
    assert.equal(before.types.get('hylla_http_request_duration_seconds'), 'histogram');
    const version = (await hylla(['version'])).stdout.trim().split(' ')[1];
    assert.equal(before.samples.get(`hylla_build_info{version="${version}"}`), 1);

    // Three items by code (route pattern, not path), two branch lookups that miss, a file, a
    // path that matches nothing, and a method the route does not have.
    for (const code of ['AAA-00001', 'BBB-00002', 'CCC-00003']) await fetch(`${server.url}/api/public/branches/${code}`);
    for (let i = 0; i < 2; i++) await fetch(`${server.url}/api/public/categories`);
    await fetch(`${server.url}/js/api.js`);
    await fetch(`${server.url}/no/such/file`);
    await fetch(`${server.url}/api/public/stats`, { method: 'DELETE' });
    await sleep(100); // a request is counted when its answer has gone

    const after = await scrape();
    const moved = (route, status, method) => counter(after, route, status, method) - counter(before, route, status, method);
    assert.equal(moved('/api/public/branches/{slug}', '4xx'), 3);
    assert.equal(moved('/api/public/categories', '2xx'), 2);
    assert.equal(moved('(file)', '2xx', ''), 1);
    assert.equal(moved('(unmatched)', '4xx', ''), 2); // the file that is not there, and the DELETE
    assert.equal(moved('/metrics', '2xx'), 1); // the first scrape; this one is still running
    for (const [key] of after.samples) assert.doesNotMatch(key, /AAA-00001|no\/such/, 'a raw path became a label');

    // The histogram of a route agrees with its counter, and its buckets only grow.
    const h = (suffix) => after.samples.get(`hylla_http_request_duration_seconds_${suffix}`);
    assert.equal(h('count{method="GET",route="/api/public/branches/{slug}"}'), 3);
    assert.equal(h('bucket{method="GET",route="/api/public/branches/{slug}",le="+Inf"}'), 3);
    let last = 0;
    for (const [key, v] of after.samples) {
      if (!key.startsWith('hylla_http_request_duration_seconds_bucket{method="GET",route="/api/public/categories"')) continue;
      assert.ok(v >= last, key);
      last = v;
    }
    assert.equal(last, 2);
    assert.ok(after.samples.get('hylla_http_connections') >= 1);
    assert.ok(after.samples.get('hylla_db_connections{state="idle"}') >= 1, 'the workers hold connections');
    assert.equal(after.samples.get('hylla_db_connections{state="busy"}'), 0);
    for (const name of ['hylla_db_reconnects_total', 'hylla_db_retried_transactions_total', 'hylla_db_connect_failures_total'])
      assert.equal(after.samples.get(name), 0, name);
  } finally {
    await server.stop();
    await db.drop();
  }
});

test('/metrics is answered only to --metrics-allow, the client as --trusted-proxy says', async () => {
  const db = await freshDb();
  const elsewhere = await startHylla({ database: db.conninfo, args: ['--metrics-allow', '10.0.0.0/8'] });
  const proxied = await startHylla({ database: db.conninfo, args: ['--trusted-proxy', '127.0.0.1'] });
  try {
    const refused = await fetch(`${elsewhere.url}/metrics`);
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).code, 'forbidden');
    // Behind a proxy on this machine, the world must not read metrics through it.
    const viaProxy = await fetch(`${proxied.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    assert.equal(viaProxy.status, 403);
    assert.equal((await fetch(`${proxied.url}/metrics`)).status, 200);
    const bad = await hylla(['serve', '--metrics-allow', '10.0.0.0/33', '--database', db.conninfo]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--metrics-allow 10\.0\.0\.0\/33: an IPv4 prefix length is 0 to 32/);
    const badProxy = await hylla(['serve', '--trusted-proxy', 'nginx', '--database', db.conninfo]);
    assert.equal(badProxy.code, 2);
    assert.match(badProxy.stderr, /--trusted-proxy nginx: expected an address or a block/);
  } finally {
    await elsewhere.stop();
    await proxied.stop();
    await db.drop();
  }
});

test('--log-format json writes every line as one JSON object, requests with their route and client', async () => {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo, args: ['--log-format', 'json'] });
  try {
    await fetch(`${server.url}/api/public/branches/%0Afake%20line`);
    await fetch(`${server.url}/healthz`);
    await sleep(100);
  } finally {
    await server.stop();
    await db.drop();
  }
  const lines = server.log().split('\n').filter((l) => l && !l.startsWith('hylla listening on'));
  const entries = lines.map((l) => JSON.parse(l));
  for (const e of entries) {
    assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(['debug', 'info', 'warning', 'error'].includes(e.level));
    assert.equal(typeof e.msg, 'string');
  }
  const health = entries.find((e) => e.path === '/healthz');
  assert.deepEqual({ ...health, time: undefined, ms: undefined },
    { time: undefined, ms: undefined, level: 'info', msg: 'request', method: 'GET', path: '/healthz', route: '/healthz',
      status: 200, client: '127.0.0.1', aborted: false });
  const odd = entries.find((e) => e.route === '/api/public/branches/{slug}');
  assert.equal(odd.path, '/api/public/branches/\nfake line'); // escaped, not a line of its own
  assert.ok(entries.some((e) => e.msg === 'stopped'));
  const bad = await hylla(['serve', '--log-format', 'xml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--log-format must be text or json/);
});
