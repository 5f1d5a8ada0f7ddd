// The restore drill: demo data, a nightly backup by contrib/systemd/hylla-backup (pg_dump -Fc,
// old dumps removed), pg_restore into a new database, and `hylla check` passes there with every
// count equal to the source's (items, loans, borrowers, every rollup row). Then `hylla check`
// fails, saying what is wrong, on a copy where an item's status was corrupted by hand, on one
// whose rollups drifted, and on one where an applied migration's text no longer matches.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freshDb, hylla, pgConfig, SOURCE_ROOT } from '../api/lib.mjs';

let dir;
let source;
let restored;

const run = (cmd, args, env = {}) => spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });

/** What a database holds: row counts, and every rollup table's rows, in order. */
async function contents(db) {
  const out = {};
  for (const t of ['branches', 'items', 'borrowers', 'loans', 'checkouts', 'staff', 'audit_log'])
    out[t] = (await db.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
  const { rows: rollups } = await db.query(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'stats\\_%' ORDER BY 1");
  assert.ok(rollups.length >= 5, 'no rollup tables found');
  for (const { tablename } of rollups) {
    const { rows } = await db.query(`SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h,
                                            count(*)::int AS n FROM ${tablename} x`);
    out[tablename] = `${rows[0].n} rows ${rows[0].h}`;
  }
  return out;
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hylla-backup-'));
  source = await freshDb();
  const demo = run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-d', source.conninfo,
    '-f', path.join(SOURCE_ROOT, 'contrib/demo.sql')]);
  assert.equal(demo.status, 0, demo.stderr);
});
after(async () => {
  await restored?.drop();
  await source?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('a nightly backup restores into a database that hylla check passes, with every count equal', async () => {
  // An old dump that retention removes, and one that it keeps.
  const old = path.join(dir, 'hylla-2000-01-01T000000.dump');
  const recent = path.join(dir, 'hylla-2000-01-02T000000.dump');
  writeFileSync(old, 'old');
  writeFileSync(recent, 'recent');
  utimesSync(old, new Date(Date.now() - 20 * 86400e3), new Date(Date.now() - 20 * 86400e3));
  utimesSync(recent, new Date(Date.now() - 3 * 86400e3), new Date(Date.now() - 3 * 86400e3));
  const backup = run(path.join(SOURCE_ROOT, 'contrib/systemd/hylla-backup'), [],
    { HYLLA_DATABASE_URL: source.conninfo, HYLLA_BACKUP_DIR: dir, HYLLA_BACKUP_KEEP_DAYS: '14' });
  assert.equal(backup.status, 0, backup.stderr);
  const dumps = readdirSync(dir).filter((f) => f.endsWith('.dump')).sort();
  assert.equal(dumps.length, 2, dumps.join(' '));
  assert.equal(dumps[0], path.basename(recent));
  assert.match(backup.stdout, /removed .*hylla-2000-01-01T000000\.dump/);
  const dump = path.join(dir, dumps[1]);

  restored = await freshDb({ template: 'template0' });
  const restore = run('pg_restore', ['--no-owner', '--exit-on-error', '-d', restored.conninfo, dump]);
  assert.equal(restore.status, 0, restore.stderr);

  const check = await hylla(['check', '--database', restored.conninfo]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^migrations: \d+ carried by this hylla, all applied and unchanged$/m);
  assert.match(check.stdout, /^invariants: (\d+) of \1 hold$/m);
  assert.match(check.stdout, /^rollups: (\d+) of \1 equal to a recount$/m);
  assert.match(check.stdout, /^the database is consistent$/m);
  assert.deepEqual(await contents(restored), await contents(source));
  const { rows: [{ n }] } = await restored.query('SELECT count(*)::int AS n FROM loans');
  assert.ok(n > 1000, `the demo data has ${n} loans`);
  assert.match(check.stdout, new RegExp(`\\b${n} loans\\b`));
  // The check changed nothing: the rollups it recounted are still the restored ones.
  assert.deepEqual(await contents(restored), await contents(source));
});

test('hylla check fails with a clear message on a corrupted item status, drifted rollups, or an edited migration', async () => {
  assert.ok(restored, 'the restore did not run');
  const { rows: [item] } = await restored.query(
    `SELECT i.code FROM items i JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL ORDER BY i.code LIMIT 1`);
  await restored.query("UPDATE items SET status = 'available' WHERE code = $1", [item.code]);
  let check = await hylla(['check', '--database', restored.conninfo]);
  assert.equal(check.code, 1);
  assert.match(check.stdout, new RegExp(`FAILED every item with an open loan is on loan: 1 found \\(${item.code}\\)`));
  assert.match(check.stderr, /^hylla check: 1 problem$/m);

  await restored.query("UPDATE items SET status = 'on_loan' WHERE code = $1", [item.code]);
  await restored.query('UPDATE stats_items SET items = items + 1 WHERE branch_id = 0 AND category_id = 0');
  check = await hylla(['check', '--database', restored.conninfo]);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /FAILED stats_items: 1 rows of the recount missing or different, 1 rows unexpected/);
  await restored.query('SELECT stats_rebuild()');
  assert.equal((await hylla(['check', '--database', restored.conninfo])).code, 0);

  await restored.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = '0003'");
  check = await hylla(['check', '--database', restored.conninfo]);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /migration 0003_auth\.sql was applied with other text than this hylla carries/);

  const empty = await freshDb({ template: 'template0' });
  try {
    check = await hylla(['check', '--database', empty.conninfo]);
    assert.equal(check.code, 1);
    assert.match(check.stderr, /cannot read schema_migrations .* is this a hylla database\?/);
  } finally {
    await empty.drop();
  }
});
