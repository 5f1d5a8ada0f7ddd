// The desk's lookups queued together are read in one statement (items_get_batch): each of many
// lookups at once, over separate connections, answers byte for byte what it answers alone, and
// /metrics shows that they were batched; while --batch-threads batches run, the lookups that come
// wait and go together in the next, and the desk's other requests pass them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDb, startHylla, addBranch, staffClient, addItem, addBorrower, Client, pgConfig, rawRequest, sleep, waitingOnLocks, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let desk;
let other;
let manager;
let gone;
const codes = {};
const held = [[], []]; // items whose checkouts hold the desk's threads, a pair for each test
let borrower;

before(async () => {
  db = await freshDb();
  // Two desk threads: both are held below, so that the lookups queue behind them. One of them
  // at a time runs a batch of lookups.
  server = await startHylla({ database: db.conninfo,
    args: ['--http-threads', '1', '--workers', '2', '--read-workers', '1', '--batch-threads', '1'] });
  await addBranch(db, 'lund', { prefix: 'LUN', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'malmo', { prefix: 'MAL', opening_hours: OPEN_EVERY_DAY });
  codes.plain = await addItem(db, 'lund', { name: 'Tält' });
  codes.odd = await addItem(db, 'lund', { name: 'Skor "snabba" \\ med\nrad och\ttab \u0001 och ✓ ünïcode </script>',
    brand: 'Åre/"Brand"', sizeKind: 'shoe_eu', sizeNum: 42.5 });
  codes.sized = await addItem(db, 'malmo', { name: 'Skidor', sizeKind: 'length_cm', sizeNum: 180 });
  codes.clothing = await addItem(db, 'malmo', { name: 'Jacka', sizeKind: 'clothing', sizeText: 'M' });
  codes.lent = await addItem(db, 'lund', { name: 'Kajak' });
  codes.retired = await addItem(db, 'lund', { name: 'Trasig hjälm' });
  codes.photo = await addItem(db, 'lund', { name: 'Cykel' });
  for (const name of ['Hålls A', 'Hålls B']) held[0].push(await addItem(db, 'lund', { name }));
  for (const name of ['Hålls C', 'Hålls D']) held[1].push(await addItem(db, 'lund', { name }));
  await db.query(`UPDATE items SET status = 'retired', retired_reason = 'sönder, "helt"', notes = 'ej lagningsbar'
                   WHERE code = $1`, [codes.retired]);
  await db.query(`INSERT INTO item_photos (item_id, content_type, etag, data)
                  SELECT id, 'image/png', '0123456789abcdef0123456789abcdef', '\\x89504e47' FROM items WHERE code = $1`,
  [codes.photo]);
  borrower = await addBorrower(db, { branch: 'lund', name: 'Åsa', phone: '+46705550001' });
  desk = await staffClient(server, db, { username: 'desk', branch: 'lund' });
  other = await staffClient(server, db, { username: 'malmodesk', branch: 'malmo' });
  manager = await staffClient(server, db, { username: 'boss', role: 'manager' });
  gone = await staffClient(server, db, { username: 'leaving', branch: 'lund' });
  assert.equal((await desk.post('/api/checkouts', { borrower_id: borrower, items: [codes.lent] })).status, 201);
});
after(async () => {
  await server.stop();
  await db.drop();
});

/** The raw request of a lookup, on a connection of its own that closes after the answer. */
function lookup(path, client, method = 'GET') {
  const cookie = client?.cookie ? `Cookie: ${client.cookie}\r\n` : '';
  return `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${cookie}Connection: close\r\n\r\n`;
}

/** The answer without its Date header, the one line that may differ between two sendings. */
const undated = (raw) => raw.replace(/\r\nDate: [^\r]*/i, '');

/** The lookups: every kind of answer the route gives, from staff of every scope. */
function requests() {
  const list = [];
  const clients = [desk, other, manager];
  for (const c of clients) {
    for (const code of Object.values(codes)) list.push(lookup(`/api/items/${code}`, c));
    list.push(lookup(`/api/items/${codes.plain.toLowerCase()}`, c)); // normalised
    list.push(lookup('/api/items/LUN-99999', c)); // no such item
    list.push(lookup('/api/items/not%20a%20code', c)); // cannot be a code
    list.push(lookup('/api/items/%FF', c)); // not UTF-8
    list.push(lookup(`/api/items/${codes.odd}`, c, 'HEAD'));
    list.push(lookup(`/api/items/${codes.plain}?x=1`, c));
  }
  list.push(lookup(`/api/items/${codes.plain}`, null)); // no session
  list.push(lookup(`/api/items/${codes.plain}`, { cookie: 'hylla_session=forged' }));
  list.push(lookup(`/api/items/${codes.sized}`, gone));
  // As many again of the plain ones: more than one batch's 64.
  while (list.length < 110) list.push(list[list.length % 40]);
  return list;
}

async function metric(name) {
  const r = await new Client(server.url).get('/metrics');
  assert.equal(r.status, 200, r.text);
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text)[1]);
}

/**
 * Run fn while both desk threads wait on a lock (checkouts of these two items, whose rows a
 * transaction of the test holds), so that the lookups fn sends queue; then let them go. Resolves
 * what fn resolved.
 */
async function whileDeskWaits(items, fn) {
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  let slow = [];
  let result;
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM items WHERE code = ANY($1) FOR UPDATE', [items]);
    slow = items.map((code) => {
      const c = new Client(server.url);
      c.cookie = desk.cookie;
      c.csrf = desk.csrf;
      return c.post('/api/checkouts', { borrower_id: borrower, items: [code] });
    });
    await waitingOnLocks(db, items.length);
    result = await fn();
    await sleep(300); // the server's thread reads every request meanwhile
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
  for (const r of await Promise.all(slow)) assert.equal(r.status, 201, r.text);
  return result;
}

/** Send every request on a socket of its own at once; resolves once all are written. */
async function sendAll(url, texts) {
  const { hostname, port } = new URL(url);
  const net = await import('node:net');
  const written = [];
  const answers = texts.map((text) => new Promise((resolve, reject) => {
    let wrote;
    written.push(new Promise((w) => { wrote = w; }));
    const sock = net.connect(Number(port), hostname, () => sock.write(text, wrote));
    let out = '';
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  }));
  await Promise.all(written);
  return answers;
}

test('lookups queued together answer byte for byte what each answers alone, and are batched', async () => {
  const list = requests();
  const alone = [];
  for (const text of list) alone.push(undated(await rawRequest(server.url, text)));
  assert.match(alone[0], /^HTTP\/1\.1 200 /);
  for (const status of [401, 404, 400]) {
    assert.ok(alone.some((a) => a.startsWith(`HTTP/1.1 ${status} `)), `no ${status} among the answers`);
  }
  for (const part of ['"photo_url":"/api/items/', '"due_date":"2', '"value":42.5', '"value":180',
    '"retired_reason":"sönder, \\"helt\\""', '\\u0001', '\\n']) {
    assert.ok(alone.some((a) => Buffer.from(a, 'latin1').toString('utf8').includes(part)), `no answer has ${part}`);
  }

  const batches = await metric('hylla_http_batches_total');
  const batched = await metric('hylla_http_batched_requests_total');
  const together = await whileDeskWaits(held[0], () => sendAll(server.url, list));
  const answers = (await Promise.all(together)).map(undated);
  for (let i = 0; i < list.length; i++) {
    assert.equal(answers[i], alone[i], `request ${i}: ${list[i].split('\r\n')[0]}`);
  }
  const runs = (await metric('hylla_http_batches_total')) - batches;
  const handed = (await metric('hylla_http_batched_requests_total')) - batched;
  assert.ok(runs >= 1, 'no lookups were batched');
  assert.ok(handed >= 60, `only ${handed} lookups were batched`);
  assert.ok(handed / runs >= 10, `${handed} lookups in ${runs} statements`);
});

test('a staff member disabled before their queued lookups run is refused, though memory still had the session', async () => {
  const path = `/api/items/${codes.plain}`;
  const client = new Client(server.url);
  client.cookie = gone.cookie;
  assert.equal((await client.get(path)).status, 200); // the session is in memory now
  const together = await whileDeskWaits(held[1], async () => {
    await db.query("UPDATE staff SET disabled = true WHERE username = 'leaving'");
    return sendAll(server.url, Array.from({ length: 20 }, () => lookup(path, gone)));
  });
  for (const raw of await Promise.all(together)) assert.match(raw, /^HTTP\/1\.1 401 /);
});

test('while a batch runs, the lookups that come wait for it and go together; other desk requests pass them', async () => {
  const path = `/api/items/${codes.plain}`;
  const alone = await desk.get(path);
  assert.equal(alone.status, 200);
  const batches = await metric('hylla_http_batches_total');
  const batched = await metric('hylla_http_batched_requests_total');
  // The lookup's statement reads item_photos: a lock on it holds the first lookup's statement.
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  let first;
  let later;
  const answered = new Set();
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE item_photos IN ACCESS EXCLUSIVE MODE');
    first = desk.get(path);
    await waitingOnLocks(db, 1);
    later = Array.from({ length: 10 }, (_, i) => {
      const c = new Client(server.url);
      c.cookie = desk.cookie;
      return c.get(path).then((r) => { answered.add(i); return r; });
    });
    await sleep(500);
    assert.equal(answered.size, 0, 'a lookup did not wait for the batch that runs');
    // The other desk thread is free for everything else.
    const other = await Promise.race([desk.get('/api/borrowers?q=%C3%85sa'), sleep(5000).then(() => null)]);
    assert.ok(other, 'a borrower search waited behind the lookups');
    assert.equal(other.status, 200, other.text);
    assert.equal(answered.size, 0);
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
  for (const r of [await first, ...(await Promise.all(later))]) assert.equal(r.text, alone.text);
  // The first ran alone; the ten that waited went in one statement.
  assert.equal((await metric('hylla_http_batches_total')) - batches, 1);
  assert.equal((await metric('hylla_http_batched_requests_total')) - batched, 10);
});

/** The lookups whose statement the connection thread sent itself, answered there or in a lane. */
async function prefetched(where) {
  const r = await new Client(server.url).get('/metrics');
  return Number(new RegExp(`^hylla_http_prefetched_requests_total\\{answered="${where}"\\} (\\d+)$`, 'm').exec(r.text)[1]);
}

test('the connection thread answers lookups itself: with every desk thread held, and serving others while one waits', async () => {
  const path = `/api/items/${codes.plain}`;
  // New items change the catalogue: the names kept in memory go as each database connection
  // brings the message, on its next round trip, and a lookup that would then read them again goes
  // to the desk's lane. Before the counting, both desk threads make their round trips, and the
  // lookups read the names again.
  const pair = [await addItem(db, 'lund', { name: 'Hålls E' }), await addItem(db, 'lund', { name: 'Hålls F' })];
  await Promise.all(Array.from({ length: 8 }, () => desk.get('/api/borrowers?q=%C3%85sa')));
  let alone;
  for (let i = 0, here = await prefetched('here'); i < 5 && (await prefetched('here')) === here; i++) {
    alone = await desk.get(path);
    assert.equal(alone.status, 200);
  }
  const here = await prefetched('here');
  const lane = await prefetched('lane');
  // Both desk threads wait on a lock: a lookup still answers, on the connection thread.
  const during = await whileDeskWaits(pair, () => Promise.race([desk.get(path), sleep(5000).then(() => null)]));
  assert.ok(during, 'a lookup waited for a desk thread');
  assert.equal(during.text, alone.text);
  assert.equal(await prefetched('here'), here + 1);
  assert.equal(await prefetched('lane'), lane);

  // A lookup whose statement waits (on a lock of item_photos) holds none of the thread's others.
  const holder = new pg.Client(pgConfig(db.conninfo));
  await holder.connect();
  let waiting;
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE item_photos IN ACCESS EXCLUSIVE MODE');
    waiting = desk.get(path);
    await waitingOnLocks(db, 1);
    for (const other of ['/api/nothing', '/healthz', '/']) {
      const r = await Promise.race([new Client(server.url).get(other), sleep(3000).then(() => null)]);
      assert.ok(r, `${other} waited behind the lookup`);
    }
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
  assert.equal((await waiting).text, alone.text);
  assert.equal(await prefetched('here'), here + 2);
});
