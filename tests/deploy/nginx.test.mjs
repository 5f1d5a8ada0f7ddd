// nginx in front of hylla: Debian's nginx runs contrib/nginx/hylla.conf (only addresses, ports
// and paths changed) on loopback with a self-signed certificate, before a hylla that trusts it
// as a proxy. Login over https sets a Secure cookie; the client address for login throttling is
// the one nginx saw, and a forged X-Forwarded-For changes nothing; the micro-cache answers a
// repeated public request without reaching hylla; HTTP/2 and gzip are on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, chmodSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshDb, startHylla, addStaff, addBranch, SOURCE_ROOT, sleep, freePort } from '../api/lib.mjs';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const CLIENT = '127.0.0.2'; // the browser, as nginx sees it: not the proxy's own address
let dir;
let db;
let server;
let nginx;
let base;
let cert;

/** An https request to nginx from CLIENT; resolves { status, headers, text }. */
function request(method, url, { headers = {}, body, localAddress = CLIENT } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca: cert, localAddress, servername: 'localhost' }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The key hylla's throttle keeps for an IPv4 address (core/throttle.c). */
function addressKey(ip) {
  return createHash('sha256').update(Buffer.from([4, ...ip.split('.').map(Number)])).digest();
}

async function lockAddress(ip) {
  await db.query(`INSERT INTO login_lockouts (scope, key, locked_until)
                  VALUES ('address', $1, now() + interval '15 minutes')`, [addressKey(ip)]);
}

const hyllaLines = (needle) => server.log().split('\n').filter((l) => l.includes(needle));

/** hylla logs a request once its answer is sent: wait (a little) for the line. */
async function logged(needle, suffix = '') {
  for (let i = 0; i < 50; i++) {
    if (hyllaLines(needle).some((l) => l.endsWith(suffix))) return true;
    await sleep(20);
  }
  return false;
}

before(async () => {
  if (!NGINX) return;
  dir = mkdtempSync(path.join(tmpdir(), 'hylla-nginx-'));
  chmodSync(dir, 0o755); // nginx's workers run as nobody when the test runs as root
  const tls = await freePort();
  const plain = await freePort();
  base = `https://localhost:${tls}`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  cert = readFileSync(`${dir}/cert.pem`);

  db = await freshDb();
  await addBranch(db, 'nyby', { prefix: 'NYB' });
  server = await startHylla({ database: db.conninfo,
    args: ['--public-url', base, '--trusted-proxy', '127.0.0.1', '--retention-months', '0'] });
  const upstream = new URL(server.url).host;

  // The shipped file, with this test's addresses, ports and paths.
  for (const d of ['cache', 'tmp']) {
    mkdirSync(`${dir}/${d}`);
    chmodSync(`${dir}/${d}`, 0o777);
  }
  let site = readFileSync(path.join(SOURCE_ROOT, 'contrib/nginx/hylla.conf'), 'utf8');
  const swaps = [
    [/server 127\.0\.0\.1:8080;/, `server ${upstream};`],
    [/\/var\/cache\/nginx\/hylla/, `${dir}/cache`],
    [/listen 80;/, `listen 127.0.0.1:${plain};`],
    [/listen 443 ssl http2;/, `listen 127.0.0.1:${tls} ssl http2;`],
    [/\/etc\/letsencrypt\/live\/hylla\.example\.org\/fullchain\.pem/, `${dir}/cert.pem`],
    [/\/etc\/letsencrypt\/live\/hylla\.example\.org\/privkey\.pem/, `${dir}/key.pem`],
  ];
  for (const [from, to] of swaps) {
    assert.match(site, from, `contrib/nginx/hylla.conf no longer has ${from}`);
    site = site.replace(from, to);
  }
  site = site.replace(/^\s*listen \[::\]:\d+.*$/gm, '').replaceAll('hylla.example.org', 'localhost');
  writeFileSync(`${dir}/site.conf`, site);
  writeFileSync(`${dir}/nginx.conf`, `
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  include ${dir}/site.conf;
}
`);
  execFileSync(NGINX, ['-t', '-q', '-e', `${dir}/error.log`, '-p', dir, '-c', `${dir}/nginx.conf`]);
  nginx = spawn(NGINX, ['-e', `${dir}/error.log`, '-p', dir, '-c', `${dir}/nginx.conf`, '-g', 'daemon off;'],
    { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await request('GET', `${base}/healthz`)).status === 200) return;
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  assert.fail(`nginx did not answer:\n${readFileSync(`${dir}/error.log`, 'utf8')}`);
});

after(async () => {
  if (!NGINX) return;
  if (nginx && nginx.exitCode === null) {
    const gone = new Promise((r) => nginx.on('exit', r));
    nginx.kill('SIGQUIT');
    await gone;
  }
  await server?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const skip = NGINX ? false : 'nginx is not installed (contrib/test installs it as root)';

test('login over https sets a Secure cookie, and hylla sends HSTS, through nginx', { skip }, async () => {
  await addStaff(db, { username: 'tls-anna', password: 'correct horse battery' });
  const r = await request('POST', `${base}/api/session`, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'tls-anna', password: 'correct horse battery' }) });
  assert.equal(r.status, 200, r.body.toString());
  const cookie = [r.headers['set-cookie']].flat().find((c) => c.startsWith('hylla_session='));
  assert.ok(cookie, 'no session cookie');
  assert.match(cookie, /;\s*Secure/i);
  assert.match(cookie, /;\s*HttpOnly/i);
  assert.match(r.headers['strict-transport-security'], /max-age=\d+/);
  // The access log names the client nginx saw, not nginx.
  assert.ok(await logged('POST /api/session 200', `from ${CLIENT}`), server.log());

  // HTTP/2 is on (ALPN h2).
  const session = http2.connect(base, { ca: cert });
  const status = await new Promise((resolve, reject) => {
    const s = session.request({ ':path': '/healthz' });
    s.on('response', (h) => resolve(h[':status']));
    s.on('error', reject);
    s.resume();
  });
  session.close();
  assert.equal(status, 200);
});

test('login throttling counts the address nginx saw; a forged X-Forwarded-For changes nothing', { skip }, async () => {
  await addStaff(db, { username: 'tls-bo', password: 'correct horse battery' });
  const login = (opts = {}) => request('POST', `${base}/api/session`, {
    ...opts, headers: { 'content-type': 'application/json', ...(opts.headers ?? {}) },
    body: JSON.stringify({ username: 'tls-bo', password: 'correct horse battery' }) });

  // The client's own address is locked: refused, however it dresses up its header.
  await lockAddress(CLIENT);
  assert.equal((await login()).status, 429);
  assert.equal((await login({ headers: { 'x-forwarded-for': '198.51.100.77' } })).status, 429);
  await db.query('DELETE FROM login_lockouts');

  // Another address is locked: naming it in a forged header does not lock this client out...
  await lockAddress('198.51.100.77');
  assert.equal((await login({ headers: { 'x-forwarded-for': '198.51.100.77' } })).status, 200);
  // ...and straight to hylla from a peer it does not trust, the header is ignored altogether.
  const direct = await new Promise((resolve, reject) => {
    const req = http.request(`${server.url}/api/session`, { method: 'POST', localAddress: CLIENT,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.77' } },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(JSON.stringify({ username: 'tls-bo', password: 'correct horse battery' }));
  });
  assert.equal(direct, 200);
  assert.ok(await logged('POST /api/session 200', `from ${CLIENT}`));
  await db.query('DELETE FROM login_lockouts');
});

test('the micro-cache answers a repeated public request without reaching hylla', { skip }, async () => {
  const first = await request('GET', `${base}/api/public/branches`);
  const second = await request('GET', `${base}/api/public/branches`);
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.equal(first.headers['x-cache-status'], 'MISS');
  assert.equal(second.headers['x-cache-status'], 'HIT');
  assert.deepEqual(second.body, first.body);
  await logged('GET /api/public/branches ');
  await sleep(200); // time for a second line, were there one
  assert.equal(hyllaLines('GET /api/public/branches ').length, 1, server.log());

  // What hylla marks no-store goes through every time.
  await request('GET', `${base}/api/session`);
  await request('GET', `${base}/api/session`);
  for (let i = 0; i < 50 && hyllaLines('GET /api/session ').length < 2; i++) await sleep(20);
  assert.equal(hyllaLines('GET /api/session ').length, 2);

  // Static files come gzipped; /metrics is not for the world.
  const js = await request('GET', `${base}/js/api.js`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(js.status, 200);
  assert.equal(js.headers['content-encoding'], 'gzip');
  assert.equal((await request('GET', `${base}/metrics`)).status, 404);
  assert.equal(hyllaLines('GET /metrics').length, 0);
});
