// Item photos: JPEG, PNG or WebP by their bytes, at most 5 MiB, stored in PostgreSQL so that
// every hylla process serves them, and served with caching headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, staffClient, addBranch, addItem, Client, rawRequest } from './lib.mjs';

let db;
let server;
let deje;
let code;
before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  await addBranch(db, 'deje', { prefix: 'DEJ' });
  await addBranch(db, 'forshaga', { prefix: 'FOR' });
  deje = await staffClient(server, db, { username: 'dora', role: 'volunteer', branch: 'deje' });
  code = await addItem(db, 'deje', { name: 'Längdskidor', sizeKind: 'length_cm', sizeNum: 160 });
});
after(async () => {
  await server.stop();
  await db.drop();
});

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]), Buffer.from('JFIF\0fake jpeg body')]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([26, 0, 0, 0]), Buffer.from('WEBPVP8 fake webp body')]);

const put = (client, itemCode, bytes, type = 'image/png') =>
  client.put(`/api/items/${itemCode}/photo`, { body: bytes, headers: { 'content-type': type } });

test('a PNG is stored and served with its etag and caching headers', async () => {
  const r = await put(deje, code.toLowerCase(), PNG);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.code, code);
  assert.match(r.json.photo_url, new RegExp(`^/api/items/${code}/photo\\?v=[0-9a-f]{32}$`));
  const { rows } = await db.query('SELECT p.content_type, length(p.data) AS n FROM item_photos p JOIN items i ON i.id = p.item_id WHERE i.code = $1', [code]);
  assert.deepEqual(rows[0], { content_type: 'image/png', n: PNG.length });

  // Public: the public catalogue shows photos to people who are not logged in.
  const res = await fetch(server.url + r.json.photo_url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const etag = res.headers.get('etag');
  assert.equal(etag, `"${r.json.photo_url.split('v=')[1]}"`);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);

  const plain = await fetch(`${server.url}/api/items/${code}/photo`);
  assert.equal(plain.headers.get('cache-control'), 'public, no-cache');
  const again = await fetch(`${server.url}/api/items/${code}/photo`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('etag'), etag);
  assert.equal((await again.arrayBuffer()).byteLength, 0);
  const head = await fetch(`${server.url}/api/items/${code}/photo`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await db.query("SELECT 1 FROM audit_log WHERE action = 'item_photo_set'").then((q) => q.rowCount), 1);
});

test('another hylla process on the same database serves the same photo', async () => {
  const other = await startHylla({ database: db.conninfo });
  try {
    const res = await fetch(`${other.url}/api/items/${code}/photo`);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
  } finally {
    await other.stop();
  }
});

test('JPEG and WebP are judged by their bytes, whatever the content type says', async () => {
  const j = await put(deje, code, JPEG, 'application/octet-stream');
  assert.equal(j.status, 200, j.text);
  let res = await fetch(`${server.url}/api/items/${code}/photo`);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  const w = await put(deje, code, WEBP, 'image/jpeg');
  assert.equal(w.status, 200);
  assert.notEqual(w.json.photo_url, j.json.photo_url, 'a new photo has a new URL');
  res = await fetch(`${server.url}/api/items/${code}/photo`);
  assert.equal(res.headers.get('content-type'), 'image/webp');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), WEBP);
});

test('bytes that are not an image get 415 and change nothing', async () => {
  const before = (await db.query('SELECT etag FROM item_photos')).rows;
  for (const bytes of [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), Buffer.from('GIF89a.....'), Buffer.alloc(0)]) {
    const r = await put(deje, code, bytes, 'image/jpeg');
    assert.equal(r.status, 415);
    assert.equal(r.json.code, 'not_an_image');
  }
  assert.deepEqual((await db.query('SELECT etag FROM item_photos')).rows, before);
});

test('a 6 MiB upload gets 413; 5 MiB is accepted', async () => {
  // Raw requests: the server may answer and close before a client has sent all 6 MiB, which
  // fetch reports as a failure rather than as the answer.
  const head = (extra) => `PUT /api/items/${code}/photo HTTP/1.1\r\nHost: x\r\nCookie: ${deje.cookie}\r\n` +
    `X-CSRF-Token: ${deje.csrf}\r\nContent-Type: image/png\r\n${extra}\r\n`;
  const declared = await rawRequest(server.url, head(`Content-Length: ${6 * 1024 * 1024}\r\n`));
  assert.match(declared, /^HTTP\/1\.1 413 /);
  assert.match(declared, /"code":"body_too_large"/);
  const chunk = 'x'.repeat(1024 * 1024);
  const body = Array.from({ length: 6 }, () => `${(chunk.length).toString(16)}\r\n${chunk}\r\n`).join('');
  const chunked = await rawRequest(server.url, `${head('Transfer-Encoding: chunked\r\nConnection: close\r\n')}${body}0\r\n\r\n`);
  assert.match(chunked, /^HTTP\/1\.1 413 /);
  assert.equal(await db.query('SELECT length(data) AS n FROM item_photos').then((q) => q.rows[0].n), WEBP.length);
  const most = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024 - PNG.length)]);
  const ok = await put(deje, code, most);
  assert.equal(ok.status, 200, ok.text);
  const res = await fetch(server.url + ok.json.photo_url);
  assert.equal((await res.arrayBuffer()).byteLength, 5 * 1024 * 1024);
});

test('a volunteer of another branch cannot change the photo; nobody logged out can', async () => {
  const fors = await staffClient(server, db, { username: 'frida', role: 'volunteer', branch: 'forshaga' });
  const before = (await db.query('SELECT etag FROM item_photos')).rows;
  assert.equal((await put(fors, code, JPEG)).status, 403);
  assert.equal((await fors.delete(`/api/items/${code}/photo`)).status, 403);
  assert.equal((await put(new Client(server.url), code, JPEG)).status, 401);
  assert.deepEqual((await db.query('SELECT etag FROM item_photos')).rows, before);
  assert.equal((await put(deje, 'NOPE-1', JPEG)).status, 404);
});

test('a photo can be removed', async () => {
  const r = await deje.delete(`/api/items/${code}/photo`);
  assert.equal(r.status, 204);
  assert.equal((await fetch(`${server.url}/api/items/${code}/photo`)).status, 404);
  assert.equal((await deje.get(`/api/items/${code}`)).json.photo_url, null);
  assert.equal((await deje.delete(`/api/items/${code}/photo`)).status, 404);
});
