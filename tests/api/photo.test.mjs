// Item photos: JPEG, PNG or WebP by their bytes, at most 5 MiB, stored without their metadata
// (EXIF with GPS, XMP, comments, text chunks) in PostgreSQL so that every hylla process serves
// them, and served with caching headers.
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
// Structurally whole (markers and chunks add up), which is all the server checks.
const seg = (marker, payload) => Buffer.concat([Buffer.from([0xFF, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xFF]), payload]);
const SOI = Buffer.from([0xFF, 0xD8]);
const APP0 = seg(0xE0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'));
const IMAGE = Buffer.concat([seg(0xC0, Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0])), seg(0xDA, Buffer.from([1, 1, 0, 0, 63, 0])),
  Buffer.from([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]), Buffer.from([0xFF, 0xD9])]);
const JPEG = Buffer.concat([SOI, APP0, IMAGE]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([24, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.from([11, 0, 0, 0]),
  Buffer.from([0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, 1, 0, 1, 0, 0xFF, 0])]);

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
  // A 5 MiB PNG: a large IDAT chunk after the header (bytes after IEND would not be kept).
  const idat = 5 * 1024 * 1024 - PNG.length - 12;
  const big = Buffer.alloc(idat + 12);
  big.writeUInt32BE(idat, 0);
  big.write('IDAT', 4, 'latin1');
  const most = Buffer.concat([PNG.subarray(0, 33), big, PNG.subarray(33)]);
  const ok = await put(deje, code, most);
  assert.equal(ok.status, 200, ok.text);
  const res = await fetch(server.url + ok.json.photo_url);
  assert.equal((await res.arrayBuffer()).byteLength, 5 * 1024 * 1024);
});

// A little-endian EXIF block as a phone writes it: the camera's make, orientation 1 and a GPS
// IFD with latitude 59°22'7" N.
const EXIF_GPS = Buffer.from([
  ...Buffer.from('Exif\0\0II', 'latin1'), 42, 0, 8, 0, 0, 0,
  3, 0,
  0x0F, 0x01, 2, 0, 4, 0, 0, 0, ...Buffer.from('Acm\0', 'latin1'),
  0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0,
  0x25, 0x88, 4, 0, 1, 0, 0, 0, 50, 0, 0, 0,
  0, 0, 0, 0,
  2, 0,
  0x01, 0x00, 2, 0, 2, 0, 0, 0, 78, 0, 0, 0,
  0x02, 0x00, 5, 0, 3, 0, 0, 0, 76, 0, 0, 0,
  0, 0, 0, 0,
  59, 0, 0, 0, 1, 0, 0, 0, 22, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0,
]);

test('a JPEG with EXIF GPS is served publicly without it, its image bytes unchanged', async () => {
  const xmp = seg(0xE1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude 59.37</x:xmpmeta>', 'latin1'));
  const comment = seg(0xFE, Buffer.from('taken at home, Storgatan 1', 'latin1'));
  const sent = Buffer.concat([SOI, APP0, seg(0xE1, EXIF_GPS), xmp, comment, IMAGE, Buffer.from('trailer GPS')]);
  const r = await put(deje, code, sent, 'image/jpeg');
  assert.equal(r.status, 200, r.text);
  const res = await fetch(server.url + r.json.photo_url);
  assert.equal(res.status, 200);
  const served = Buffer.from(await res.arrayBuffer());
  assert.deepEqual(served, JPEG, 'SOI, JFIF and the image, byte for byte, and nothing else');
  assert.equal(served.indexOf('Exif'), -1);
  assert.equal(served.indexOf(Buffer.from([0x25, 0x88])), -1, 'no GPSInfo tag');
  for (const word of ['GPS', 'Acm', 'Storgatan', 'xmpmeta', 'trailer']) assert.equal(served.indexOf(word), -1, word);
  const stored = await db.query('SELECT p.data FROM item_photos p JOIN items i ON i.id = p.item_id WHERE i.code = $1', [code]);
  assert.deepEqual(stored.rows[0].data, JPEG);
});

test('a PNG loses its text chunks, a WebP its EXIF and XMP', async () => {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, data, Buffer.alloc(4)]);
  };
  const png = Buffer.concat([PNG.subarray(0, 33), chunk('tEXt', Buffer.from('Location\0Deje 59.6N', 'latin1')),
    chunk('eXIf', EXIF_GPS.subarray(6)), PNG.subarray(33)]);
  let r = await put(deje, code, png);
  assert.equal(r.status, 200, r.text);
  let served = Buffer.from(await (await fetch(server.url + r.json.photo_url)).arrayBuffer());
  assert.deepEqual(served, PNG);

  const vp8x = Buffer.concat([Buffer.from('VP8X'), Buffer.from([10, 0, 0, 0, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0])]);
  const exif = Buffer.concat([Buffer.from('EXIF'), Buffer.from([EXIF_GPS.length - 6, 0, 0, 0]), EXIF_GPS.subarray(6)]);
  const xmp = Buffer.concat([Buffer.from('XMP '), Buffer.from([12, 0, 0, 0]), Buffer.from('<x:GPS>59N</')]);
  const body = Buffer.concat([Buffer.from('WEBP'), vp8x, WEBP.subarray(12), exif, xmp]);
  const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([body.length, 0, 0, 0]), body]);
  r = await put(deje, code, webp, 'image/webp');
  assert.equal(r.status, 200, r.text);
  served = Buffer.from(await (await fetch(server.url + r.json.photo_url)).arrayBuffer());
  const left = Buffer.concat([Buffer.from('WEBP'), vp8x, WEBP.subarray(12)]);
  left[4 + 8] = 0; // the EXIF and XMP flags are cleared
  assert.deepEqual(served, Buffer.concat([Buffer.from('RIFF'), Buffer.from([left.length, 0, 0, 0]), left]));
});

test('a damaged image gets 422 and changes nothing', async () => {
  const before = (await db.query('SELECT etag FROM item_photos')).rows;
  for (const bytes of [JPEG.subarray(0, JPEG.length - 2), Buffer.concat([SOI, seg(0xE1, EXIF_GPS).subarray(0, 40)]),
    PNG.subarray(0, PNG.length - 12), Buffer.concat([WEBP.subarray(0, 4), Buffer.from([200, 0, 0, 0]), WEBP.subarray(8)])]) {
    const r = await put(deje, code, bytes);
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.code, 'image_damaged');
  }
  assert.deepEqual((await db.query('SELECT etag FROM item_photos')).rows, before);
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
