// Reminders from any number of servers: two `hylla serve` and a `hylla remind --once` over the
// same 1,000 due loans send each message exactly once, and a server killed in the middle of
// sending loses no message and sends none twice except the one it was handing over, which then
// carries the same idempotency key both times.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, hylla, addBranch, stockholmDate, OPEN_EVERY_DAY } from './lib.mjs';
import { fakeSmsGateway, addLoans, waitFor } from './messaging.mjs';

let db;
let gw;
let args;

before(async () => {
  db = await freshDb();
  gw = await fakeSmsGateway();
  await addBranch(db, 'deje', { name: 'Fritidsbanken Deje', prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  args = ['--sms-url', gw.url, '--reminder-window', '00:00-24:00'];
});

after(async () => {
  await gw.close();
  await db.drop();
});

const count = async (sql, params) => (await db.query(sql, params)).rows[0].n;

/** The gateway's requests for the messages of these borrowers, by idempotency key. */
async function requestsByKey(borrowers) {
  const { rows } = await db.query(
    'SELECT idempotency_key::text AS key, attempts FROM messages WHERE borrower_id = ANY($1)', [borrowers]);
  const keys = new Map(rows.map((r) => [r.key, { attempts: r.attempts, requests: 0 }]));
  for (const q of gw.requests) if (keys.has(q.key)) keys.get(q.key).requests++;
  return keys;
}

test('two servers and hylla remind --once send each of 1,000 reminders exactly once', async () => {
  const borrowers = await addLoans(db, 'deje', 1000, await stockholmDate(db, 2), { prefix: 'A' });
  const start = Date.now();
  const [a, b, once] = await Promise.all([
    startHylla({ database: db.conninfo, args }),
    startHylla({ database: db.conninfo, args }),
    hylla(['remind', '--once', '--database', db.conninfo, ...args]),
  ]);
  assert.equal(once.code, 0, once.stderr);
  await waitFor(async () => (await count(
    "SELECT count(*)::int AS n FROM messages WHERE borrower_id = ANY($1) AND status = 'sent'", [borrowers])) === 1000,
  { timeoutMs: 240000, what: '1,000 messages sent' });
  const seconds = (Date.now() - start) / 1000;
  await Promise.all([a.stop(), b.stop()]);

  assert.equal(await count('SELECT count(*)::int AS n FROM messages WHERE borrower_id = ANY($1)', [borrowers]), 1000,
    'one reminder planned per loan');
  const keys = await requestsByKey(borrowers);
  assert.equal(keys.size, 1000);
  for (const [key, k] of keys) assert.equal(k.requests, 1, `message ${key} was sent ${k.requests} times`);
  assert.equal(new Set(gw.requests.map((q) => q.to)).size, 1000, 'every borrower got one SMS');
  console.log(`# 1,000 reminders planned and sent by three processes in ${seconds.toFixed(1)} s`);
});

test('a server killed mid-send loses no message and sends none twice unless the key shows it', async () => {
  const borrowers = await addLoans(db, 'deje', 300, await stockholmDate(db, 2), { prefix: 'K', firstPhone: 5000 });
  gw.delayMs = 25; // every SMS takes a while, so the kill lands in the middle of one
  const before = gw.requests.length;
  const doomed = await startHylla({ database: db.conninfo, args });
  const survivor = await startHylla({ database: db.conninfo, args });
  await waitFor(() => gw.requests.length >= before + 60, { timeoutMs: 60000, what: 'sending under way' });
  process.kill(doomed.pid, 'SIGKILL');
  assert.equal((await doomed.exited).signal, 'SIGKILL');

  await waitFor(async () => (await count(
    "SELECT count(*)::int AS n FROM messages WHERE borrower_id = ANY($1) AND status = 'sent'", [borrowers])) === 300,
  { timeoutMs: 120000, what: 'the survivor to finish' });
  await survivor.stop();
  gw.delayMs = 0;

  const keys = await requestsByKey(borrowers);
  assert.equal(keys.size, 300, 'no message lost');
  const twice = [...keys.values()].filter((k) => k.requests > 1);
  assert.ok(twice.length <= 1, `${twice.length} messages were sent more than once`);
  for (const k of twice) {
    assert.equal(k.requests, 2);
    assert.equal(k.attempts, 2, 'the message sent twice was taken over after the kill');
  }
  for (const [key, k] of keys) assert.ok(k.requests >= 1, `message ${key} never reached the gateway`);
  assert.equal(await count("SELECT count(*)::int AS n FROM messages WHERE status IN ('pending', 'sending')"), 0);
  const takenOver = [...keys.values()].filter((k) => k.attempts > 1).length;
  console.log(`# killed mid-send: ${takenOver} message(s) taken over, ${twice.length} sent twice with one key`);
});
