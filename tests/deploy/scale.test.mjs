// Scale out: two hylla processes on one database behind Debian's nginx (an upstream of both,
// round robin, on loopback). Nothing a request needs lives in one process: a session made on one
// server is good on the other, and the database alone decides which of 50 checkouts of one item,
// spread over both servers, lends it. nginx names the server that answered in X-Upstream, so
// each test shows that its requests really reached both. Then the bounded form of
// contrib/scale/run (a primary, a streaming replica, two servers, nginx, wrk) prints its table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, chmodSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  freshDb, startHylla, addStaff, addBranch, addItem, addBorrower, Client, SOURCE_ROOT, BIN, sleep,
  OPEN_EVERY_DAY, freePort,
} from '../api/lib.mjs';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const run = promisify(execFile);
let dir;
let db;
let servers = [];
let nginx;
let base;

/** Which hylla answered a request through nginx: the index in servers of its address. */
function answeredBy(r) {
  const upstream = r.headers.get('x-upstream');
  const i = servers.findIndex((s) => new URL(s.url).host === upstream);
  assert.ok(i >= 0, `X-Upstream ${upstream} is neither server`);
  return i;
}

before(async () => {
  if (!NGINX) return;
  dir = mkdtempSync(path.join(tmpdir(), 'hylla-scale-'));
  chmodSync(dir, 0o755); // nginx's workers run as nobody when the test runs as root
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  db = await freshDb();
  await addBranch(db, 'tvilling', { prefix: 'TVI', opening_hours: OPEN_EVERY_DAY });
  // 4 workers each: 50 checkouts at once queue in both, as at a busy desk.
  for (let i = 0; i < 2; i++) {
    servers.push(await startHylla({ database: db.conninfo,
      args: ['--trusted-proxy', '127.0.0.1', '--retention-months', '0', '--workers', '4'] }));
  }
  mkdirSync(`${dir}/tmp`);
  chmodSync(`${dir}/tmp`, 0o777);
  writeFileSync(`${dir}/nginx.conf`, `
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream hylla {
    ${servers.map((s) => `server ${new URL(s.url).host};`).join('\n    ')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://hylla;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream off;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`);
  execFileSync(NGINX, ['-t', '-q', '-e', `${dir}/error.log`, '-p', dir, '-c', `${dir}/nginx.conf`]);
  nginx = spawn(NGINX, ['-e', `${dir}/error.log`, '-p', dir, '-c', `${dir}/nginx.conf`, '-g', 'daemon off;'],
    { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return;
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
  for (const s of servers) await s.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const skip = NGINX ? false : 'nginx is not installed (contrib/test installs it as root)';

test('logged in on one server, the next request lands on the other and is still logged in', { skip }, async () => {
  await addStaff(db, { username: 'vaxel', branch: 'tvilling' });
  const desk = new Client(base);
  const r = await desk.post('/api/session', { username: 'vaxel', password: 'correct horse battery' });
  assert.equal(r.status, 200, r.text);
  desk.csrf = r.json.csrf_token;
  const loggedInOn = answeredBy(r);
  // Round robin: the next request goes to the other server.
  const next = await desk.get('/api/session');
  assert.notEqual(answeredBy(next), loggedInOn, 'nginx sent both requests to one server');
  assert.equal(next.status, 200, next.text);
  assert.equal(next.json.user.username, 'vaxel');
  // A write with the session's CSRF token is accepted on either server.
  const seen = new Set();
  for (let i = 0; i < 4; i++) {
    const w = await desk.post('/api/borrowers', { name: `Växla ${i}`, phone: `+4670300000${i}` });
    assert.equal(w.status, 201, w.text);
    seen.add(answeredBy(w));
  }
  assert.equal(seen.size, 2, 'the writes did not reach both servers');
  // Logged out on one, logged out on both: the session lives in the database only.
  const out = await desk.delete('/api/session');
  assert.equal(out.status, 204, out.text);
  const bare = new Client(base);
  bare.cookie = r.headers.get('set-cookie').split(';')[0];
  for (let i = 0; i < 2; i++) {
    const g = await bare.get('/api/session');
    assert.equal(g.status, 401, `server ${answeredBy(g)} still knows the session`);
  }
});

test('50 parallel checkouts of one item over both servers: exactly one lends it', { skip }, async () => {
  await addStaff(db, { username: 'rusning', branch: 'tvilling' });
  const desk = new Client(base);
  await desk.login('rusning');
  const code = await addItem(db, 'tvilling', { code: 'TVI-00001' });
  const ids = [];
  for (let i = 0; i < 50; i++) {
    ids.push(await addBorrower(db, { branch: 'tvilling', name: `Rusning ${i}`, phone: `+4670400${String(i).padStart(4, '0')}` }));
  }
  const answers = await Promise.all(ids.map((id) => desk.post('/api/checkouts', { borrower_id: id, items: [code] })));
  const statuses = answers.map((a) => a.status);
  assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(' '));
  assert.equal(statuses.filter((s) => s === 409).length, 49, statuses.join(' '));
  assert.equal(new Set(answers.map(answeredBy)).size, 2, 'the checkouts did not reach both servers');
  const { rows } = await db.query(
    `SELECT l.checkout_id FROM loans l JOIN items i ON i.id = l.item_id
      WHERE i.code = $1 AND l.returned_at IS NULL`, [code]);
  assert.equal(rows.length, 1);
  assert.equal(Number(rows[0].checkout_id), answers.find((a) => a.status === 201).json.checkout_id);
  const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM checkouts');
  assert.equal(n, 1, 'refused checkouts wrote a checkout row');
});

test('contrib/scale/run --quick: a primary, a streaming replica, two servers and nginx under wrk', {
  skip: skip || (!existsSync('/usr/bin/wrk') && 'wrk is not installed (contrib/scale/run installs it as root)'),
  timeout: 600000,
}, async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'hylla-scale-run-'));
  chmodSync(work, 0o755);
  try {
    const { stdout } = await run(path.join(SOURCE_ROOT, 'contrib/scale/run'),
      ['--quick', '--hylla', BIN, '--dir', work, '--seconds', '3'],
      { maxBuffer: 1 << 24, env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
    // The table: one row per server with its requests per second, then the replica's lines.
    const rows = [...stdout.matchAll(/^server (\d) +(\S+) +(\d+(?:\.\d+)?) req\/s/gm)];
    assert.equal(rows.length, 2, stdout);
    for (const [, , , rate] of rows) assert.ok(Number(rate) > 0, stdout);
    const lag = /^replica lag +max (\d+(?:\.\d+)?) s/m.exec(stdout);
    assert.ok(lag, stdout);
    assert.ok(Number(lag[1]) < 10, `the replica fell ${lag[1]} s behind:\n${stdout}`);
    assert.match(stdout, /^replica replayed +yes/m, stdout);
    assert.match(stdout, /^reads on replica +\d+(\.\d+)? %/m, stdout);
    assert.match(stdout, /^checkouts +\d+ lent, \d+ returned, 0 refused/m, stdout);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
