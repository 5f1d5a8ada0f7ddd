// The Debian package: contrib/deb/build makes it and lintian finds no error in it. As root (CI,
// a test machine), it is installed for real: `hylla setup` against the test cluster, the binary
// started as hylla.service would start it (its user, its working directory, no environment but
// the configuration file, NOTIFY_SOCKET for Type=notify), /healthz 200 and a login with the
// printed password, the unit checked by systemd-analyze (verify, and an exposure under 2.0),
// then a purge that leaves no file behind. As a normal user the install part is skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshDb, pgConfig, SOURCE_ROOT, sleep } from '../api/lib.mjs';

const root = process.getuid() === 0;
const installed = spawnSync('dpkg-query', ['-W', '-f', '${Status}', 'hylla'], { encoding: 'utf8' }).stdout.includes('installed');
let dir;
let deb;

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', ...opts });

/** Every path on the system whose name says hylla, outside this test's own places. */
function hyllaPaths() {
  const r = run('find', ['/etc', '/usr', '/lib', '/var/lib', '/var/backups', '/run/systemd', '-xdev',
    '-iname', '*hylla*', '-not', '-path', '/var/lib/hylla-dev*', '-not', '-path', '/var/lib/postgresql/*']);
  return r.stdout.split('\n').filter(Boolean).sort();
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hylla-deb-'));
  chmodSync(dir, 0o755);
});
after(() => {
  if (root && !installed && existsSync('/usr/bin/hylla') && run('dpkg-query', ['-W', 'hylla']).status === 0)
    run('dpkg', ['--purge', 'hylla']);
  rmSync(dir, { recursive: true, force: true });
});

test('contrib/deb/build makes a package that lintian finds no error in', async () => {
  const built = run(path.join(SOURCE_ROOT, 'contrib/deb/build'), [path.join(dir, 'out')]);
  assert.equal(built.status, 0, built.stderr);
  deb = built.stdout.trim().split('\n').pop();
  assert.match(path.basename(deb), /^hylla_\d+\.\d+\.\d+_[a-z0-9]+\.deb$/);
  const files = run('dpkg-deb', ['-c', deb]).stdout;
  for (const f of ['./usr/bin/hylla', './usr/share/hylla/web/index.html', './etc/hylla/hylla.conf',
    './lib/systemd/system/hylla.service', './usr/share/man/man8/hylla.8.gz', './usr/share/doc/hylla/copyright'])
    assert.ok(files.includes(f), `${f} is not in the package`);
  const control = run('dpkg-deb', ['-f', deb, 'Depends']).stdout;
  for (const lib of ['libpq5', 'libmicrohttpd12', 'libjansson4', 'libsodium23', 'adduser'])
    assert.match(control, new RegExp(lib));
  const lint = run('lintian', ['--fail-on', 'error', deb]);
  assert.equal(lint.status, 0, `lintian:\n${lint.stdout}${lint.stderr}`);
  assert.doesNotMatch(lint.stdout, /^E: /m, lint.stdout);
  // Every setting of `hylla serve` is in the configuration file, commented.
  const conf = readFileSync(path.join(SOURCE_ROOT, 'contrib/deb/hylla.conf'), 'utf8');
  const help = run(process.env.HYLLA_BIN, ['serve', '--help']).stdout;
  for (const [, name] of help.matchAll(/ (HYLLA_[A-Z_]+)/g))
    assert.match(conf, new RegExp(`^#${name}=`, 'm'), `${name} is not in hylla.conf`);
});

const skip = !root ? 'installing a package needs root (contrib/test as root does it)'
  : installed ? 'a hylla package is installed on this machine already: left alone' : false;

test('installed for real: setup, started as the unit would, healthy, then purged without a trace', { skip }, async () => {
  assert.ok(deb, 'the package was not built');
  const before = hyllaPaths();
  const inst = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', deb],
    { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  assert.equal(inst.status, 0, inst.stderr);
  let server;
  const db = await freshDb({ template: 'template0' });
  try {
    assert.ok(run('getent', ['passwd', 'hylla']).stdout.startsWith('hylla:'));
    assert.match(run('stat', ['-c', '%U:%G %a', '/etc/hylla/hylla.conf']).stdout, /^root:hylla 640/);

    // hylla setup, as an administrator runs it: over TCP, as the service will connect.
    const { port } = pgConfig(process.env.HYLLA_TEST_PG);
    const url = `host=127.0.0.1 port=${port} user=hylla dbname=${db.name}`;
    const setup = run('/usr/bin/hylla', ['setup', '--database', url]);
    assert.equal(setup.status, 0, setup.stdout + setup.stderr);
    const password = /^password: (\S+)$/m.exec(setup.stdout)?.[1];
    assert.ok(password, setup.stdout);
    assert.match(readFileSync('/etc/hylla/hylla.conf', 'utf8'), new RegExp(`^HYLLA_DATABASE_URL="${url}"$`, 'm'));
    const again = run('/usr/bin/hylla', ['setup']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /the account admin exists already/);

    // The unit, checked now that what it names is installed.
    const verify = run('systemd-analyze', ['verify', '/lib/systemd/system/hylla.service']);
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '');
    const security = run('systemd-analyze', ['security', '--offline=true', '/lib/systemd/system/hylla.service']);
    const exposure = Number(/Overall exposure level for hylla\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
    assert.ok(exposure < 2.0, `exposure ${exposure}:\n${security.stdout}`);

    // Started as hylla.service starts it: its User, Group, WorkingDirectory and ExecStart, with
    // no capabilities, no new privileges, and no environment but NOTIFY_SOCKET.
    const unit = readFileSync('/lib/systemd/system/hylla.service', 'utf8');
    const key = (k) => new RegExp(`^${k}=(.*)$`, 'm').exec(unit)?.[1];
    assert.equal(key('Type'), 'notify');
    const listen = `127.0.0.1:${await (async () => { const net = await import('node:net'); return new Promise((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); }); })()}`;
    writeFileSync('/etc/hylla/hylla.conf', `${readFileSync('/etc/hylla/hylla.conf', 'utf8')}HYLLA_LISTEN=${listen}\n`);
    const notify = spawn('python3', ['-c', `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
import os; os.chmod(sys.argv[1], 0o777)
print("bound", flush=True)
while True:
    print(s.recv(4096).decode(), flush=True)
`, `${dir}/notify`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let notes = '';
    notify.stdout.on('data', (d) => (notes += d));
    for (let i = 0; i < 50 && !notes.includes('bound'); i++) await sleep(50);
    const [exe, ...args] = key('ExecStart').split(' ');
    const cwd = key('WorkingDirectory');
    assert.ok(existsSync(cwd), `${cwd} does not exist`);
    server = spawn('setpriv', ['--reuid', key('User'), '--regid', key('Group'), '--init-groups', '--no-new-privs',
      '--inh-caps=-all', '--bounding-set=-all', exe, ...args],
    { cwd, env: { NOTIFY_SOCKET: `${dir}/notify` }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    server.stderr.on('data', (d) => (log += d));
    for (let i = 0; i < 100 && !notes.includes('READY=1'); i++) await sleep(100);
    assert.match(notes, /READY=1/, `no READY=1 from hylla:\n${log}`);
    const health = await fetch(`http://${listen}/healthz`);
    assert.equal(health.status, 200, log);
    assert.equal((await health.json()).database, 'ok');
    const login = await fetch(`http://${listen}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }) });
    assert.equal(login.status, 200, await login.text());
    assert.match(run('ps', ['-o', 'user=', '-p', String(server.pid)]).stdout.trim() || 'hylla', /hylla/);
    const { rows } = await db.query("SELECT count(*)::int AS n FROM staff WHERE role = 'admin'");
    assert.equal(rows[0].n, 1);

    const exited = new Promise((r) => server.on('exit', (code) => r(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0, log);
    server = null;
    for (let i = 0; i < 20 && !notes.includes('STOPPING=1'); i++) await sleep(50);
    assert.match(notes, /STOPPING=1/);
    notify.kill();
  } finally {
    if (server) server.kill('SIGKILL');
    await db.drop();
    const purge = run('dpkg', ['--purge', 'hylla']);
    assert.equal(purge.status, 0, purge.stderr);
  }
  assert.deepEqual(hyllaPaths(), before, 'the purge left files behind');
  assert.equal(existsSync('/usr/bin/hylla'), false);
});
