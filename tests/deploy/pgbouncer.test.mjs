// hylla through Debian's pgbouncer (1.18) in session mode, the mode README's "Scaling out" says
// works: hylla's only database address is pgbouncer's, and a login, a checkout, a return and a
// public read do what they do on PostgreSQL itself. pgbouncer's admin console shows the
// statements passed through it, and every server process hylla uses is one of pgbouncer's
// server connections. Transaction mode is not exercised (README says why).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, chownSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  freshDb, startHylla, addStaff, addBranch, addItem, addBorrower, Client, sleep, OPEN_EVERY_DAY, freePort,
} from '../api/lib.mjs';

const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => existsSync(p));
const skip = PGBOUNCER ? false : 'pgbouncer is not installed (contrib/test installs it as root)';
let dir;
let db;
let bouncer;
let bouncerPort;
let server;
let log = '';

/** The rows of a command on pgbouncer's admin console (simple query protocol only). */
async function adminConsole(command) {
  const c = new pg.Client({ host: '127.0.0.1', port: bouncerPort, user: 'hylla', database: 'pgbouncer' });
  await c.connect();
  try {
    return (await c.query(command)).rows;
  } finally {
    await c.end();
  }
}

before(async () => {
  if (!PGBOUNCER) return;
  dir = mkdtempSync(path.join(tmpdir(), 'hylla-pgbouncer-'));
  // pgbouncer refuses to run as root: as root the test hands it the directory and -u nobody.
  const asRoot = process.getuid() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'nobody']).toString());
    chownSync(dir, uid, -1);
  }
  chmodSync(dir, 0o755);
  db = await freshDb();
  const cluster = Object.fromEntries(process.env.HYLLA_TEST_PG.trim().split(/\s+/).map((p) => p.split('=')));
  bouncerPort = await freePort();
  // The cluster listens on 127.0.0.1 too (contrib/test), with trust; so does pgbouncer, whose
  // auth_file must still name the user.
  writeFileSync(`${dir}/userlist.txt`, '"hylla" ""\n');
  writeFileSync(`${dir}/pgbouncer.ini`, `
[databases]
${db.name} = host=127.0.0.1 port=${cluster.port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${bouncerPort}
unix_socket_dir =
auth_type = trust
auth_file = ${dir}/userlist.txt
admin_users = hylla
pool_mode = session
default_pool_size = 40
max_client_conn = 80
logfile = ${dir}/pgbouncer.log
pidfile = ${dir}/pgbouncer.pid
`);
  bouncer = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'nobody'] : []), `${dir}/pgbouncer.ini`],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  bouncer.stdout.on('data', (d) => (log += d));
  bouncer.stderr.on('data', (d) => (log += d));
  for (let i = 0; ; i++) {
    try {
      await adminConsole('SHOW VERSION');
      break;
    } catch (e) {
      if (i === 100 || bouncer.exitCode !== null) assert.fail(`pgbouncer did not answer (${e.message}):\n${log}`);
      await sleep(100);
    }
  }
  await addBranch(db, 'studs', { prefix: 'STU', opening_hours: OPEN_EVERY_DAY });
  await addItem(db, 'studs', { code: 'STU-00001' });
  await addStaff(db, { username: 'studsdisk', branch: 'studs' });
  // hylla knows only pgbouncer's address; its connections (4 desk workers, the login threads,
  // 2 per core and one, a read worker per core, the folder and the retention pass) fit the pool
  // of 40 on up to 8 cores.
  server = await startHylla({
    database: `host=127.0.0.1 port=${bouncerPort} user=hylla dbname=${db.name}`,
    args: ['--workers', '4', '--retention-months', '0'],
  });
});

after(async () => {
  if (!PGBOUNCER) return;
  await server?.stop();
  if (bouncer && bouncer.exitCode === null) {
    const gone = new Promise((r) => bouncer.on('exit', r));
    bouncer.kill('SIGTERM');
    await gone;
  }
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('through pgbouncer in session mode: login, checkout, return and a public read', { skip }, async () => {
  const [{ total_query_count: before }] = (await adminConsole('SHOW STATS')).filter((s) => s.database === db.name);

  const desk = new Client(server.url);
  const user = await desk.login('studsdisk');
  assert.equal(user.username, 'studsdisk');
  const borrower = await addBorrower(db, { branch: 'studs', name: 'Studs Ett', phone: '+46705560001' });
  const out = await desk.post('/api/checkouts', { borrower_id: borrower, items: ['STU-00001'] });
  assert.equal(out.status, 201, out.text);
  const publicItem = async () => {
    const r = await new Client(server.url).get('/api/public/items/STU-00001');
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const lent = await publicItem();
  assert.equal(lent.code, 'STU-00001');
  assert.equal(lent.status, 'on_loan', JSON.stringify(lent));
  const back = await desk.post('/api/returns', { items: ['STU-00001'] });
  assert.equal(back.status, 200, back.text);
  assert.equal((await publicItem()).status, 'available');

  const { rows } = await db.query(
    `SELECT l.checked_out_at IS NOT NULL AS out, l.returned_at IS NOT NULL AS back, i.status
       FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code = 'STU-00001'`);
  assert.deepEqual(rows, [{ out: true, back: true, status: 'available' }]);

  // It all went through pgbouncer: its counters grew, and each of hylla's server processes
  // (application_name hylla, which pgbouncer passes on) is one of pgbouncer's connections.
  const [{ total_query_count: after }] = (await adminConsole('SHOW STATS')).filter((s) => s.database === db.name);
  assert.ok(Number(after) > Number(before), `pgbouncer saw ${before} then ${after} queries`);
  const pooled = new Set((await adminConsole('SHOW SERVERS')).filter((s) => s.database === db.name)
    .map((s) => Number(s.remote_pid)));
  const { rows: backends } = await db.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'hylla'`);
  assert.ok(backends.length > 0, 'no server process of hylla');
  for (const { pid } of backends) assert.ok(pooled.has(pid), `server process ${pid} is not pgbouncer's`);
  assert.doesNotMatch(readFileSync(`${dir}/pgbouncer.log`, 'utf8'), /ERROR|FATAL/);
});
