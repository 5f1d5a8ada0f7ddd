// lib: what the API tests share. Each test file gets its own database, cloned from the migrated
// template, and its own hylla process on a free port; requests go over real sockets.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import path from 'node:path';
import assert from 'node:assert/strict';
import pg from 'pg';

export const BIN = process.env.HYLLA_BIN;
export const SOURCE_ROOT = process.env.HYLLA_SOURCE_ROOT || process.cwd();
export const WEB_ROOT = path.join(SOURCE_ROOT, 'web');
const TEMPLATE = process.env.HYLLA_TEST_TEMPLATE || 'hylla_template';
const run = promisify(execFile);

/**
 * The libpq key=value string of the test cluster, as pg.Client settings. The tests' own
 * connections count days in Stockholm as hylla's do, so that current_date agrees at any hour.
 */
export function pgConfig(conninfo, database) {
  const cfg = { options: '-c TimeZone=Europe/Stockholm' };
  for (const part of conninfo.trim().split(/\s+/)) {
    const [k, v] = part.split('=');
    if (k === 'host') cfg.host = v;
    else if (k === 'port') cfg.port = Number(v);
    else if (k === 'user') cfg.user = v;
    else if (k === 'dbname') cfg.database = v;
  }
  if (database) cfg.database = database;
  return cfg;
}

function clusterInfo() {
  const info = process.env.HYLLA_TEST_PG;
  assert.ok(info, 'HYLLA_TEST_PG is not set: run the api suite through contrib/test');
  return info;
}

async function admin(sql, conninfo = clusterInfo()) {
  const c = new pg.Client(pgConfig(conninfo, 'postgres'));
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * A fresh migrated database. Returns { name, conninfo, query(sql, params), drop() }; query
 * runs on a connection of the test's own, outside hylla.
 */
export async function freshDb({ cluster = clusterInfo(), template = TEMPLATE } = {}) {
  const name = `t_api_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name} TEMPLATE ${template}`, cluster);
  const client = new pg.Client(pgConfig(cluster, name));
  await client.connect();
  client.on('error', () => {}); // a test may stop PostgreSQL under it
  return {
    name,
    conninfo: `${cluster} dbname=${name}`,
    query: (sql, params) => client.query(sql, params),
    async drop() {
      await client.end().catch(() => {});
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, cluster).catch(() => {});
    },
  };
}

/** Run the hylla command; resolves { code, stdout, stderr } whatever the exit status. */
export function hylla(args, { input, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {}); // hylla may exit before reading its input
    child.stdin.end(input ?? '');
  });
}

const SANITIZER = /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/;

/**
 * Start `hylla serve` on a free port against a database. Returns { url, pid, log(), stop() };
 * stop() sends SIGTERM and fails the test unless hylla exits 0 without a sanitizer report.
 */
export async function startHylla({ database, args = [], env = {} }) {
  const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--database', database,
    '--web-root', WEB_ROOT, ...args], { env: { ...process.env, ...env } });
  let log = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hylla did not start:\n${log}`)), 30000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /hylla listening on (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hylla exited with ${code} before listening:\n${log}`));
    });
  });
  return {
    url,
    pid: child.pid,
    log: () => log,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const { code, signal } = await exited;
      assert.doesNotMatch(log, SANITIZER, `sanitizer report from hylla:\n${log}`);
      assert.equal(signal, null, `hylla died of ${signal}:\n${log.slice(-3000)}`);
      assert.equal(code, 0, `hylla exited with ${code}:\n${log.slice(-3000)}`);
    },
  };
}

// Hashing is slow on purpose (and slower under the sanitizers), so the hash of each test
// password is made once by `hylla user add` and copied into further accounts.
const hashes = new Map();

/** Create a staff account; returns its id. branch is a slug or null. */
export async function addStaff(db, { username, password = 'correct horse battery', role = 'volunteer',
  branch = null, displayName = username }) {
  let hash = hashes.get(password);
  if (!hash) {
    const args = ['user', 'add', '--username', username, '--role', role, '--display-name', displayName,
      '--database', db.conninfo];
    if (branch) args.push('--branch', branch);
    const r = await hylla(args, { input: `${password}\n` });
    assert.equal(r.code, 0, `hylla user add failed: ${r.stderr}`);
    const { rows } = await db.query('SELECT id, password_hash FROM staff WHERE username = lower($1)', [username]);
    hashes.set(password, rows[0].password_hash);
    return rows[0].id;
  }
  const { rows } = await db.query(
    `INSERT INTO staff (username, display_name, role, branch_id, password_hash)
     VALUES (lower($1), $2, $3, (SELECT id FROM branches WHERE slug = $4), $5) RETURNING id`,
    [username, displayName, role, branch, hash]);
  return rows[0].id;
}

/**
 * Create a branch directly in the database; returns its id. Its calendar is opening_hours,
 * seasons and closed_periods as the API writes them (none by default: never open).
 */
export async function addBranch(db, slug, { name = `Fritidsbanken ${slug}`, prefix = slug.slice(0, 3).toUpperCase(), ...rest } = {}) {
  const { rows } = await db.query(
    `INSERT INTO branches (slug, name, code_prefix, opening_hours, seasons, closed_periods, loan_days)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [slug, name, prefix, JSON.stringify(rest.opening_hours ?? {}), JSON.stringify(rest.seasons ?? []),
      JSON.stringify(rest.closed_periods ?? []), rest.loan_days ?? 14]);
  return rows[0].id;
}

/**
 * An HTTP client that keeps the session cookie and sends the CSRF token, as the web app does.
 * request() resolves { status, headers, text, json } and never throws on an HTTP status.
 */
export class Client {
  constructor(base) {
    this.base = base;
    this.cookie = null;
    this.csrf = null;
  }

  async request(method, path, { json, body, headers = {}, csrf = true } = {}) {
    const h = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (csrf && this.csrf && method !== 'GET' && method !== 'HEAD') h['x-csrf-token'] = this.csrf;
    if (json !== undefined) {
      h['content-type'] = 'application/json';
      body = JSON.stringify(json);
    }
    const res = await fetch(this.base + path, { method, headers: h, body, redirect: 'manual' });
    const buf = Buffer.from(await res.arrayBuffer());
    const text = buf.toString('utf8');
    let parsed = null;
    if (/json/.test(res.headers.get('content-type') || '') && text) parsed = JSON.parse(text);
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const m = /hylla_session=([^;]*)/.exec(setCookie);
      if (m) this.cookie = m[1] ? `hylla_session=${m[1]}` : null;
    }
    return { status: res.status, headers: res.headers, text, json: parsed, bytes: buf };
  }

  get(path, opts) { return this.request('GET', path, opts); }
  post(path, json, opts = {}) { return this.request('POST', path, { ...opts, json }); }
  patch(path, json, opts = {}) { return this.request('PATCH', path, { ...opts, json }); }
  put(path, opts) { return this.request('PUT', path, opts); }
  delete(path, opts) { return this.request('DELETE', path, opts); }

  async login(username, password = 'correct horse battery') {
    const r = await this.post('/api/session', { username, password });
    assert.equal(r.status, 200, `login of ${username} failed: ${r.text}`);
    this.csrf = r.json.csrf_token;
    return r.json.user;
  }
}

/** A logged-in client for a new staff account. */
export async function staffClient(server, db, account) {
  await addStaff(db, account);
  const c = new Client(server.url);
  await c.login(account.username, account.password);
  return c;
}

/** Send raw bytes over a socket and resolve the raw answer (for requests fetch would tidy up). */
export async function rawRequest(url, text) {
  const { hostname, port } = new URL(url);
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname, () => sock.write(text));
    let out = '';
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

/**
 * Start a private PostgreSQL cluster (for tests that stop it); resolves { conninfo, stop(), start() }.
 * stop('immediate') stops it as a crash would (no checkpoint; recovery at the next start).
 */
export async function privateCluster(dir) {
  const script = path.join(SOURCE_ROOT, 'contrib', 'pg-local');
  const start = async () => (await run(script, ['start', dir])).stdout.trim();
  const conninfo = await start();
  return { conninfo, start, stop: (mode) => run(script, ['stop', dir, ...(mode ? [mode] : [])]) };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once n statements of db's database wait for a lock (fails after about ms). */
export async function waitingOnLocks(db, n, ms = 5000) {
  for (let i = 0; i < ms / 10; i++) {
    const { rows: [{ w }] } = await db.query(
      `SELECT count(*)::int AS w FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (w >= n) return;
    await sleep(10);
  }
  assert.fail(`fewer than ${n} requests reached the lock`);
}

/** A port nobody listens on (the kernel's pick, released at once). */
export async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---- Access control and branch scoping (auth) ----

/** Roles from the lowest to the highest, and the level of each access name of `hylla routes`. */
export const ROLES = ['volunteer', 'manager', 'admin'];
export const ACCESS_LEVEL = { public: 0, volunteer: 1, manager: 2, admin: 3 };

/** The route table as `hylla routes` prints it: [{ method, pattern, access }]. */
export async function routeTable() {
  const r = await hylla(['routes']);
  assert.equal(r.code, 0, `hylla routes failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A concrete path for a route pattern: every {name} segment becomes a dummy value. */
export function samplePath(pattern, value = '1') {
  return pattern.replace(/\{[^}]+\}/g, value);
}

/**
 * Two branches, "north" and "south", and one account per role bound to "north", logged in:
 * { north, south (branch ids), clients: { volunteer, manager, admin } }. Usernames are
 * `${prefix}-${role}`; use another prefix to call it twice on one database.
 */
export async function branchFixture(server, db, prefix = 'north') {
  const ids = {};
  for (const slug of ['north', 'south']) {
    const { rows } = await db.query('SELECT id FROM branches WHERE slug = $1', [slug]);
    ids[slug] = rows.length ? rows[0].id : await addBranch(db, slug);
  }
  const clients = {};
  for (const role of ROLES)
    clients[role] = await staffClient(server, db, { username: `${prefix}-${role}`, role, branch: 'north' });
  return { ...ids, clients };
}

/**
 * Assert that a branch-bound client is refused another branch's data: 403, or 404 where the
 * route hides that the data exists (or one of `statuses`, for a list that leaves the other
 * branch out), and none of `secrets` (names, codes, ids as text) anywhere in the answer. The
 * request sends json, or a raw body with its headers. Use it for every branch-scoped route;
 * security.test.mjs keeps the table.
 */
export async function assertOtherBranchRefused(client, method, path,
  { json, body, headers, secrets = [], statuses = [403, 404] } = {}) {
  const res = await client.request(method, path, json === undefined ? { body, headers } : { json, headers });
  assert.ok(statuses.includes(res.status), `${method} ${path} gave ${res.status}: ${res.text}`);
  for (const s of secrets) assert.ok(!res.text.includes(String(s)), `${method} ${path} leaked ${s}`);
  return res;
}

/**
 * Put an item directly in the database (category 111 Längdskidor unless told); returns its code.
 * For tests that need items on the shelf without going through intake.
 */
export async function addItem(db, branch, { code, category = 111, name = 'Längdskidor', brand = null,
  sizeKind = null, sizeNum = null, sizeText = null, status = 'available', condition = 'good' } = {}) {
  const { rows } = await db.query(
    `WITH b AS (UPDATE branches SET next_item_no = next_item_no + 1 WHERE slug = $1
                RETURNING id, code_prefix || '-' || lpad((next_item_no - 1)::text, 5, '0') AS code)
     INSERT INTO items (code, branch_id, category_id, name, brand, size_kind, size_num, size_text,
                        status, condition)
     SELECT coalesce(upper($2), b.code), b.id, $3, $4, $5, $6, $7, $8, $9, $10 FROM b
     RETURNING code`,
    [branch, code ?? null, category, name, brand, sizeKind, sizeNum, sizeText, status, condition]);
  assert.equal(rows.length, 1, `no branch ${branch}`);
  return rows[0].code;
}

// ---- circulation (borrowers, checkouts, returns) ----

/** Opening hours with every weekday open, for branches whose due dates should not move. */
export const OPEN_EVERY_DAY = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['10:00', '18:00']]]));

/**
 * Create a borrower directly in the database; returns its id. phone must be E.164 (null for a
 * child, who has a guardian: another borrower's id).
 */
export async function addBorrower(db, { branch, name, phone, card = null, birthYear = null, gender = null,
  guardian = null, consent = false }) {
  const { rows } = await db.query(
    `INSERT INTO borrowers (branch_id, name, phone, card, birth_year, gender, guardian_id, guardian_consent)
     VALUES ((SELECT id FROM branches WHERE slug = $1), $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [branch, name, phone, card, birthYear, gender, guardian, consent]);
  return Number(rows[0].id);
}

/** The instant at which the clocks of Stockholm show hh:mm on the ISO date (summer or winter time). */
export function stockholmInstant(date, hhmm) {
  const [y, m, d] = date.split('-').map(Number);
  const [h, min] = hhmm.split(':').map(Number);
  const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (const offset of [1, 2]) {
    const instant = new Date(Date.UTC(y, m - 1, d, h - offset, min));
    if (local.format(instant) === `${date.slice(8)}/${date.slice(5, 7)}/${date.slice(0, 4)}, ${hhmm}`) return instant;
  }
  throw new Error(`${date} ${hhmm} is no time in Stockholm`);
}

/** Today in Stockholm as YYYY-MM-DD, plus days, from the database (the dates hylla uses). */
export async function stockholmDate(db, days = 0) {
  const { rows } = await db.query(
    "SELECT ((now() AT TIME ZONE 'Europe/Stockholm')::date + $1::int)::text AS d", [days]);
  return rows[0].d;
}

// ---- OpenAPI documents (web/openapi.json, web/openapi-staff.json) ----

/** Resolve a local $ref of the document. */
function resolve(doc, ref) {
  assert.match(ref, /^#\//, `only local references: ${ref}`);
  let node = doc;
  for (const part of ref.slice(2).split('/')) {
    node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    assert.ok(node !== undefined, `unresolved ${ref}`);
  }
  return node;
}

/**
 * Fail unless doc has the structure OpenAPI 3.x requires: info, paths whose operations have
 * unique ids, parameters with a place and a schema (path parameters required and matching the
 * path's template), responses with descriptions, and every $ref resolving inside the document.
 */
export function assertOpenApi(doc) {
  assert.match(doc.openapi, /^3\.\d+\.\d+$/);
  assert.equal(typeof doc.info?.title, 'string');
  assert.equal(typeof doc.info?.version, 'string');
  assert.equal(typeof doc.paths, 'object');
  const ids = new Set();
  for (const [p, item] of Object.entries(doc.paths)) {
    assert.match(p, /^\//);
    const templated = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      assert.ok(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(method), `${p}: ${method}`);
      assert.ok(op.operationId && !ids.has(op.operationId), `${p} ${method}: operationId`);
      ids.add(op.operationId);
      const params = (op.parameters || []).map((x) => (x.$ref ? resolve(doc, x.$ref) : x));
      for (const x of params) {
        assert.ok(['query', 'header', 'path', 'cookie'].includes(x.in) && x.name, `${p}: parameter ${JSON.stringify(x)}`);
        assert.ok(x.schema || x.content, `${p}: parameter ${x.name} has no schema`);
        if (x.in === 'path') assert.equal(x.required, true, `${p}: path parameter ${x.name}`);
      }
      assert.deepEqual(params.filter((x) => x.in === 'path').map((x) => x.name).sort(), templated.sort(), `${p}: path parameters`);
      assert.ok(op.responses && Object.keys(op.responses).length, `${p}: responses`);
      for (const [code, res] of Object.entries(op.responses)) {
        assert.match(code, /^([1-5]\d\d|[1-5]XX|default)$/);
        assert.equal(typeof (res.$ref ? resolve(doc, res.$ref) : res).description, 'string', `${p} ${code}: description`);
      }
    }
  }
  // Every reference resolves.
  const walk = (node) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) (k === '$ref' ? resolve(doc, v) : walk(v));
  };
  walk(doc);
}
