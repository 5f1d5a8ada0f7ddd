// Static files from web/: types, ETag and 304, gzip, and no way out of the web root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, rawRequest } from './lib.mjs';

let db;
let server;
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
});
after(async () => {
  await server.stop();
  await db.drop();
});

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

function assertSecurityHeaders(headers) {
  for (const [k, v] of Object.entries(SECURITY)) assert.equal(headers.get(k), v, k);
  const csp = headers.get('content-security-policy');
  for (const part of ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"])
    assert.ok(csp.includes(part), `CSP lacks ${part}: ${csp}`);
  assert.ok(!/unsafe-inline/.test(csp));
}

test('pages and assets are served with their type, ETag and 304', async () => {
  const res = await fetch(`${server.url}/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(await res.text(), /<html lang="sv"/);
  assertSecurityHeaders(res.headers);
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${server.url}/`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await again.arrayBuffer()).byteLength, 0);
  assertSecurityHeaders(again.headers);

  const css = await fetch(`${server.url}/style.css`);
  assert.equal(css.status, 200);
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
});

test('text is sent gzipped to clients that accept it', async () => {
  const raw = await rawRequest(server.url,
    'GET /style.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 200/);
  assert.match(raw, /\r\nContent-Encoding: gzip\r\n/i);
});

test('traversal never leaves the web root', async () => {
  for (const target of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd',
    '/%2E%2E/%2E%2E/%2E%2E/etc/passwd', '/static/../../../../etc/passwd', '/.%2e/.%2e/etc/passwd',
    '/..\\..\\etc\\passwd', '/%252e%252e/etc/passwd']) {
    const raw = await rawRequest(server.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.doesNotMatch(raw, /root:.*:0:0:/, `${target} returned /etc/passwd`);
    assert.match(raw, /^HTTP\/1\.1 (404|400)/, `${target}: ${raw.split('\r\n')[0]}`);
  }
});

test('unknown paths are 404 problems, with the security headers', async () => {
  for (const p of ['/no-such-page', '/no-such.js', '/api/no-such-thing']) {
    const res = await fetch(server.url + p);
    assert.equal(res.status, 404, p);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const body = await res.json();
    assert.equal(body.status, 404);
    assert.equal(body.code, 'not_found');
    assertSecurityHeaders(res.headers);
  }
});

test('a page path whose last part has a dot is the page; a missing file of a served type is 404', async () => {
  // An item's public page, as its label's QR code names it: item codes may hold a dot.
  for (const p of ['/i/AB.1234', '/i/X_Y.07']) {
    const res = await fetch(server.url + p);
    assert.equal(res.status, 200, p);
    assert.match(await res.text(), /<script type="module" src="\/js\/public\/itempage\.js">/, p);
  }
  for (const p of ['/js/no-such.js', '/no-such.css', '/i/no-such.png']) {
    assert.equal((await fetch(server.url + p)).status, 404, p);
  }
});
