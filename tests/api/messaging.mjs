// messaging: what the tests of reminders and receipts share: a fake SMS gateway that records
// every request and answers as told, and a real SMTP sink (Debian's python3-aiosmtpd, with
// STARTTLS and a login required) that hands over every mail it accepts.
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SOURCE_ROOT, sleep } from './lib.mjs';

/** Poll fn until it returns something truthy (resolved), or fail after timeoutMs. */
export async function waitFor(fn, { timeoutMs = 30000, what = 'the condition' } = {}) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * A fake SMS gateway on 127.0.0.1: every request is recorded in `requests` as { at, key, auth,
 * from, to, message }. It answers 200 {"id": "sms-N"} unless told otherwise: respond(...answers)
 * queues answers ({ status, body?, headers? }) for the next requests; delayMs holds each answer.
 */
export async function fakeSmsGateway() {
  const requests = [];
  const queued = [];
  const gw = { requests, delayMs: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push({
        at: Date.now(), key: req.headers['idempotency-key'], auth: req.headers.authorization,
        type: req.headers['content-type'], from: form.get('from'), to: form.get('to'), message: form.get('message'),
      });
      const n = requests.length;
      const a = queued.shift() || { status: 200 };
      const out = a.body ?? (a.status < 300 ? { id: `sms-${n}`, status: 'created' } : { error: `failure ${a.status}` });
      setTimeout(() => {
        res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers || {}) });
        res.end(JSON.stringify(out));
      }, gw.delayMs);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  gw.url = `http://127.0.0.1:${server.address().port}/a1/sms`;
  gw.respond = (...answers) => queued.push(...answers);
  gw.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  return gw;
}

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * The SMTP sink on a free port with a certificate for "localhost" made for it: resolves
 * { url, caFile, password, mails, stop() }; mails fills with what it accepts (JSON of
 * smtp_sink.py).
 */
export async function smtpSink() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hylla-smtp-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const password = `pw-${process.pid}-${Date.now()}`;
  const probe = http.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn(PYTHON, [path.join(SOURCE_ROOT, 'tests/api/smtp_sink.py'), String(port), cert, key, password],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const mails = [];
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the SMTP sink did not start: ${stderr}`)), 20000);
    child.on('exit', (code) => reject(new Error(`the SMTP sink exited with ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      const j = JSON.parse(line);
      if (j.ready) {
        clearTimeout(timer);
        resolve();
      } else {
        mails.push(j);
      }
    });
  });
  const passwordFile = path.join(dir, 'smtp-password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  return {
    url: `smtp://hylla@localhost:${port}`,
    caFile: cert,
    password,
    passwordFile,
    mails,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A file holding a secret (the SMS token), removed by the returned function. */
export function secretFile(text) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hylla-secret-'));
  const file = path.join(dir, 'secret');
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * n borrowers of a branch, each with one loan of their own item due on dueDate (lent 20 days
 * before it): straight into the database, for tests that need many. Returns the borrower ids.
 * Phone numbers are +46705NNNNNN from firstPhone on; item codes PREFIX-NNNNN.
 */
export async function addLoans(db, branch, n, dueDate, { language = 'sv', email = null, prefix = 'L', firstPhone = 1 } = {}) {
  const { rows } = await db.query(
    `WITH br AS (SELECT id FROM branches WHERE slug = $1),
     s AS (SELECT g, br.id AS branch_id FROM generate_series(1, $2::int) g, br),
     b AS (INSERT INTO borrowers (branch_id, name, phone, email, language)
           SELECT branch_id, 'Låntagare ' || $5 || g, '+46705' || lpad(($6::int + g - 1)::text, 6, '0'), $4, $7 FROM s
           RETURNING id, branch_id, phone),
     nb AS (SELECT id, branch_id, row_number() OVER (ORDER BY id) AS g FROM b),
     i AS (INSERT INTO items (code, branch_id, category_id, name, status)
           SELECT $5 || '-' || lpad(g::text, 5, '0'), branch_id, 111, 'Längdskidor ' || $5 || g, 'on_loan' FROM s
           RETURNING id, code),
     ni AS (SELECT id, row_number() OVER (ORDER BY id) AS g FROM i),
     c AS (INSERT INTO checkouts (branch_id, borrower_id, created_at)
           SELECT nb.branch_id, nb.id, $3::date - 20 FROM nb RETURNING id, borrower_id),
     l AS (INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref,
                              checked_out_at, due_date)
           SELECT c.id, ni.id, nb.branch_id, 111, nb.id, nb.id, $3::date - 20, $3::date
             FROM nb JOIN c ON c.borrower_id = nb.id JOIN ni ON ni.g = nb.g RETURNING id)
     SELECT id FROM nb ORDER BY id`,
    [branch, n, dueDate, email, prefix, firstPhone, language]);
  return rows.map((r) => Number(r.id));
}
