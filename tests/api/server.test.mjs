// The hylla command and the server around the handlers: settings, the listening line, body
// limits, graceful shutdown, migrations from the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshDb, startHylla, hylla, rawRequest, SOURCE_ROOT } from './lib.mjs';

test('every subcommand has --help', async () => {
  for (const cmd of [[], ['serve'], ['migrate'], ['user'], ['routes'], ['version']]) {
    const r = await hylla([...cmd, '--help']);
    assert.equal(r.code, 0, `${cmd.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /^usage: hylla/);
  }
});

test('bad settings give one clear line and exit status 2', async () => {
  const cases = [
    [['serve', '--workers', 'many'], /--workers must be a number from 1 to 256/],
    [['serve', '--listen', 'nowhere'], /--listen nowhere: expected HOST:PORT/],
    [['serve', '--listen', '127.0.0.1:99999'], /port must be a number/],
    [['serve', '--web-root', '/no/such/dir'], /--web-root \/no\/such\/dir is not a readable directory/],
    [['serve', '--body-limit', 'lots'], /--body-limit must be a size/],
    [['serve', '--session-idle', 'forever'], /--session-idle must be a duration/],
    [['serve', '--log-level', 'loud'], /--log-level must be debug, info, warning or error/],
    [['serve', '--public-url', 'https://hyllä.example.org'], /--public-url must be plain ASCII/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [args, message] of cases) {
    const r = await hylla(args, { env: { HYLLA_WORKERS: '', HYLLA_LISTEN: '' } });
    assert.equal(r.code, 2, `${args.join(' ')} exited ${r.code}`);
    assert.match(r.stderr, message);
    if (args[0] === 'serve') assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const env = await hylla(['serve'], { env: { HYLLA_WORKERS: '0' } });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /--workers must be/);
});

test('--log-level warning leaves out the lines below it (the access log is info)', async () => {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo, args: ['--log-level', 'warning'] });
  try {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/api/nothing`)).status, 404);
  } finally {
    await server.stop();
    await db.drop();
  }
  assert.doesNotMatch(server.log(), / info: /);
  assert.doesNotMatch(server.log(), /GET \/healthz/);
  assert.match(server.log(), /hylla listening on/);
});

test('request bodies over the limit get 413 and nothing else happens', async () => {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo, args: ['--body-limit', '64K'] });
  try {
    const big = 'x'.repeat(65 * 1024);
    const res = await fetch(`${server.url}/api/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: big, password: big }),
    });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).code, 'body_too_large');
    // Without Content-Length (chunked), the limit holds as the body arrives.
    const chunked = await rawRequest(server.url,
      'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
      + `10000\r\n${'y'.repeat(0x10000)}\r\n10000\r\n${'y'.repeat(0x10000)}\r\n0\r\n\r\n`);
    assert.match(chunked, /^HTTP\/1\.1 413/);
    assert.equal((await db.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n, 0);
  } finally {
    await server.stop();
    await db.drop();
  }
});

test('one log line per request: method, path, status, time, and never the query string', async () => {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo });
  try {
    await fetch(`${server.url}/healthz?secret=Anna%20Andersson`);
    await fetch(`${server.url}/nothing`);
  } finally {
    await server.stop();
    await db.drop();
  }
  assert.match(server.log(), /GET \/healthz 200 \d+\.\d ms/);
  assert.match(server.log(), /GET \/nothing 404 \d+\.\d ms/);
  assert.doesNotMatch(server.log(), /Anna|secret/);
});

test('SIGTERM lets a request in progress finish', async () => {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo });
  try {
    // A request whose body is still arriving when the signal comes.
    const { hostname, port } = new URL(server.url);
    const net = await import('node:net');
    const answer = new Promise((resolve, reject) => {
      const sock = net.connect(Number(port), hostname, () => {
        sock.write('POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{"username":');
        setTimeout(() => {
          process.kill(server.pid, 'SIGTERM');
          setTimeout(() => sock.write('"x","password":"short-pw-x"}'.padEnd(27, ' ')), 300);
        }, 200);
      });
      let out = '';
      sock.on('data', (d) => (out += d));
      sock.on('end', () => resolve(out));
      sock.on('error', reject);
    });
    const out = await answer;
    assert.match(out, /^HTTP\/1\.1 (401|422)/, out);
  } finally {
    await server.stop();
    await db.drop();
  }
});

test('hylla migrate twice is a no-op, and an edited applied migration is refused', async () => {
  const db = await freshDb({ template: 'template0' });
  const dir = mkdtempSync(path.join(tmpdir(), 'hylla-migrations-'));
  try {
    cpSync(path.join(SOURCE_ROOT, 'migrations'), dir, { recursive: true });
    const first = await hylla(['migrate', '--database', db.conninfo, '--dir', dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied 0001_foundation\.sql/);
    const tables = (await db.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n;

    const second = await hylla(['migrate', '--database', db.conninfo, '--dir', dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'database is up to date (nothing to apply)\n');
    assert.equal((await db.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n, tables);

    // The built-in migrations are the same files.
    const builtin = await hylla(['migrate', '--database', db.conninfo]);
    assert.equal(builtin.code, 0, builtin.stderr);
    assert.match(builtin.stdout, /nothing to apply/);

    appendFileSync(path.join(dir, '0001_foundation.sql'), '\n-- tidied up later\n');
    const edited = await hylla(['migrate', '--database', db.conninfo, '--dir', dir]);
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, /^hylla: migration 0001_foundation\.sql was edited after it was applied/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});

test('hylla routes lists the route table with access levels', async () => {
  const r = await hylla(['routes']);
  assert.equal(r.code, 0);
  const routes = JSON.parse(r.stdout);
  assert.ok(routes.some((x) => x.method === 'GET' && x.pattern === '/healthz' && x.access === 'public'));
  assert.ok(routes.some((x) => x.method === 'DELETE' && x.pattern === '/api/session' && x.access === 'volunteer'));
});

/** Split a raw HTTP/1.1 answer into { status, headers (lower-case names), body }. */
function parseRaw(raw) {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(end + 4) };
}

test("libmicrohttpd's own refusals are problem+json with the security headers", async () => {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo });
  const manyHeaders = Array.from({ length: 40 }, (_, i) => `X-Filler-${i}: ${'b'.repeat(1000)}\r\n`).join('');
  const cases = [
    ['HTTP/3.0', 'GET / HTTP/3.0\r\nHost: x\r\n\r\n', 505, 'http_version_not_supported'],
    ['HTTP/0.9', 'GET / HTTP/0.9\r\nHost: x\r\n\r\n', 505, 'http_version_not_supported'],
    ['a 40 kB target', `GET /${'a'.repeat(40000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'uri_too_long'],
    ['40 kB of headers', `GET / HTTP/1.1\r\nHost: x\r\n${manyHeaders}\r\n`, 431, 'headers_too_large'],
    ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n', 400, 'bad_request'],
    ['a broken chunk', 'POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'bad_request'],
  ];
  try {
    for (const [what, text, status, code] of cases) {
      const r = parseRaw(await rawRequest(server.url, text));
      assert.equal(r.status, status, `${what}: ${r.body}`);
      assert.equal(r.headers['content-type'], 'application/problem+json', what);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
      assert.match(r.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, what);
      assert.equal(r.headers['referrer-policy'], 'same-origin', what);
      assert.equal(r.headers.connection, 'close', what);
      const body = JSON.parse(r.body);
      assert.equal(body.status, status, what);
      assert.equal(body.code, code, what);
      assert.doesNotMatch(r.body, /<html/i, what);
    }
    // A Content-Length that is no number: libmicrohttpd 0.9.75 writes the head of its refusal
    // twice (its own fault, the same without hylla's answer), so only the first head is ours to check.
    for (const [value, status] of [['abc', 400], ['99999999999999999999999', 413]]) {
      const raw = await rawRequest(server.url,
        `POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: ${value}\r\n\r\n`);
      const r = parseRaw(raw);
      assert.equal(r.status, status, raw);
      assert.equal(r.headers['content-type'], 'application/problem+json');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.doesNotMatch(raw, /<html/i);
    }
    // The server is still there for ordinary requests, and one with 12 kB of headers is one of
    // them: each connection's memory (16 KiB, src/http/server.c) holds more than browsers send.
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const someHeaders = Array.from({ length: 12 }, (_, i) => `X-Filler-${i}: ${'b'.repeat(1000)}\r\n`).join('');
    const big = parseRaw(await rawRequest(server.url,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${someHeaders}\r\n`));
    assert.equal(big.status, 200, big.body);
  } finally {
    await server.stop();
    await db.drop();
  }
});

test('a second server on an address in use says so and exits, though the first shares its port among its threads', async () => {
  const db = await freshDb();
  const server = await startHylla({ database: db.conninfo, args: ['--http-threads', '2'] });
  try {
    const { host } = new URL(server.url);
    const r = await hylla(['serve', '--listen', host, '--database', db.conninfo,
      '--web-root', path.join(SOURCE_ROOT, 'web')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot listen there \(address in use/);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.stop();
    await db.drop();
  }
});
