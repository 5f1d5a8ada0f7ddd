// Running hylla for real: the GDPR retention pass that `hylla serve` runs by itself, `hylla
// setup` on a new database (migrations, the first admin, the URL written into the configuration
// file), and the configuration file read by every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshDb, startHylla, hylla, addBranch, addBorrower, pgConfig, sleep } from './lib.mjs';

test('hylla serve erases borrowers past the retention period by itself, and only them', async () => {
  const db = await freshDb();
  await addBranch(db, 'arvika', { prefix: 'ARV' });
  const stale = await addBorrower(db, { branch: 'arvika', name: 'Gammal Gunnel', phone: '+46701740670' });
  const recent = await addBorrower(db, { branch: 'arvika', name: 'Färsk Frida', phone: '+46701740671' });
  await db.query("UPDATE borrowers SET last_activity_at = now() - interval '25 months' WHERE id = $1", [stale]);
  await db.query("UPDATE borrowers SET last_activity_at = now() - interval '23 months' WHERE id = $1", [recent]);
  const ids = async () => (await db.query('SELECT id FROM borrowers ORDER BY id')).rows.map((r) => Number(r.id));

  // Turned off, nobody goes.
  const off = await startHylla({ database: db.conninfo, args: ['--retention-months', '0'] });
  await sleep(500);
  await off.stop();
  assert.deepEqual(await ids(), [stale, recent]);

  const server = await startHylla({ database: db.conninfo });
  try {
    for (let i = 0; i < 100 && (await ids()).includes(stale); i++) await sleep(100);
    assert.deepEqual(await ids(), [recent]);
    const { rows } = await db.query(
      "SELECT details FROM audit_log WHERE action = 'borrower_erased' AND object_id = $1", [stale]);
    assert.deepEqual(rows, [{ details: { via: 'anonymize' } }]);
    for (let i = 0; i < 20 && !/retention: erased 1 borrower /.test(server.log()); i++) await sleep(50);
    assert.match(server.log(), /retention: erased 1 borrower without activity for 24 months/);
  } finally {
    await server.stop();
    await db.drop();
  }
  const bad = await hylla(['serve', '--retention-months', 'never']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--retention-months must be a number from 0 to 600/);
});

test('hylla setup migrates, creates the first admin once, and writes the URL into the configuration', async () => {
  const db = await freshDb({ template: 'template0' });
  const dir = mkdtempSync(path.join(tmpdir(), 'hylla-setup-'));
  const conf = path.join(dir, 'hylla.conf');
  writeFileSync(conf, '# The database\n#HYLLA_DATABASE_URL=postgresql:///hylla\n');
  // Over TCP, so that it connects the same whoever it runs as.
  const { port } = pgConfig(process.env.HYLLA_TEST_PG);
  const url = `host=127.0.0.1 port=${port} user=hylla dbname=${db.name}`;
  try {
    const first = await hylla(['setup', '--database', url, '--config', conf]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const password = /^password: (\S{20})$/m.exec(first.stdout)?.[1];
    assert.ok(password, first.stdout);
    assert.match(first.stdout, /applied 0001_foundation\.sql/);
    assert.equal(readFileSync(conf, 'utf8'), `# The database\nHYLLA_DATABASE_URL="${url}"\n`);
    const { rows } = await db.query("SELECT username, role FROM staff");
    assert.deepEqual(rows, [{ username: 'admin', role: 'admin' }]);

    // The configuration file gives every command its database; setup again changes nothing.
    const again = await hylla(['setup'], { env: { HYLLA_CONFIG: conf, HYLLA_DATABASE_URL: '' } });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /database is up to date \(nothing to apply\)/);
    assert.match(again.stdout, /the account admin exists already/);
    assert.doesNotMatch(again.stdout, /password: /);
    const check = await hylla(['check'], { env: { HYLLA_CONFIG: conf, HYLLA_DATABASE_URL: '' } });
    assert.equal(check.code, 0, check.stdout + check.stderr);

    // The server logs in the admin with the printed password.
    const server = await startHylla({ database: url });
    try {
      const login = await fetch(`${server.url}/api/session`, { method: 'POST',
        headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      assert.equal(login.status, 200);
    } finally {
      await server.stop();
    }

    const none = await hylla(['setup', '--config', conf], { env: { HYLLA_DATABASE_URL: '', HYLLA_CONFIG: '' } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /setup needs the database URL/);
    writeFileSync(path.join(dir, 'bad.conf'), 'listen 8080\n');
    const bad = await hylla(['version'], { env: { HYLLA_CONFIG: path.join(dir, 'bad.conf') } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.conf:1: expected a setting such as HYLLA_LISTEN=127\.0\.0\.1:8080/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});
