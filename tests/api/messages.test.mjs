// Reminders and receipts: e-mail to a real SMTP sink (STARTTLS and a login required), SMS to a
// fake gateway that answers as told (retries with backoff after 500 and 429, none after 400),
// the time window, the receipt made in the checkout's own transaction, erased and opted-out
// borrowers, the desk's messages and phone calls, the manager's settings and statistics, and a
// log without a phone number, an address or a text in it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshDb, startHylla, hylla, addBranch, addItem, staffClient, stockholmDate, OPEN_EVERY_DAY, sleep,
} from './lib.mjs';
import { fakeSmsGateway, smtpSink, secretFile, addLoans, waitFor } from './messaging.mjs';

const TOKEN = 'tok-Hemlig-7c1d9a';
// Kil opens every day 15-19.30; Deje 10-18 (OPEN_EVERY_DAY).
const KIL_HOURS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['15:00', '19:30']]]));

let db;
let server;
let gw;
let sink;
let token;
let vol;
let manager;
let messageArgs;
let messageEnv; // the secrets, from files the environment names
const remindOutput = [];

before(async () => {
  db = await freshDb();
  gw = await fakeSmsGateway();
  sink = await smtpSink();
  token = secretFile(TOKEN);
  await addBranch(db, 'deje', { name: 'Fritidsbanken Deje', prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'kil', { name: 'Fritidsbanken Kil', prefix: 'KIL', opening_hours: KIL_HOURS });
  messageArgs = ['--sms-url', gw.url, '--sms-sender', 'Fritidsbkn', '--smtp-url', sink.url,
    '--smtp-from', 'hylla@example.org', '--smtp-ca-file', sink.caFile, '--reminder-window', '00:00-24:00'];
  messageEnv = { HYLLA_SMS_TOKEN_FILE: token.file, HYLLA_SMTP_PASSWORD_FILE: sink.passwordFile, HYLLA_LOG_LEVEL: 'debug' };
  server = await startHylla({ database: db.conninfo, args: messageArgs, env: messageEnv });
  vol = await staffClient(server, db, { username: 'deje-vol', branch: 'deje' });
  manager = await staffClient(server, db, { username: 'deje-chef', role: 'manager', branch: 'deje' });
});

after(async () => {
  await server.stop();
  await gw.close();
  await sink.stop();
  token.remove();
  await db.drop();
});

/** `hylla remind --once` against the test database, as a timer would run it. */
async function remindOnce() {
  const r = await hylla(['remind', '--once', '--database', db.conninfo, ...messageArgs], { env: messageEnv });
  remindOutput.push(r.stdout, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /AddressSanitizer|runtime error:/);
  return r.stdout;
}

const message = async (id) => (await db.query('SELECT *, extract(epoch FROM next_attempt_at - now()) AS wait FROM messages WHERE id = $1', [id])).rows[0];

/** "i dag" or "i morgon" (or English), as a reminder names the next opening of a branch closing at close. */
async function nextOpenDay(close, lang) {
  const { rows } = await db.query("SELECT (now() AT TIME ZONE 'Europe/Stockholm')::time < $1::time AS today", [close]);
  return { sv: rows[0].today ? 'i dag' : 'i morgon', en: rows[0].today ? 'today' : 'tomorrow' }[lang];
}

/** A date in words as the texts write it: "fredag 11 december", "Friday 11 December". */
function dateWords(iso, lang) {
  return new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB',
    { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T12:00:00Z`));
}

async function borrower(name, phone, extra = {}) {
  const r = await vol.post('/api/borrowers', { name, phone, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('bad message settings stop serve and remind at once, without repeating a password', async () => {
  for (const [args, env, said] of [
    [['--sms-url', 'http://sms.example.org/send'], {}, /--sms-url must be an https:\/\/ address/],
    [[], { HYLLA_SMTP_URL: 'smtp://hylla:Hemligt-pw@mail.example.org', HYLLA_SMTP_FROM: 'a@example.org' }, /--smtp-url must be/],
    [['--smtp-url', 'smtps://mail.example.org'], {}, /--smtp-from must be/],
    [['--sms-url', 'https://sms.example.org/'], { HYLLA_SMS_TOKEN_FILE: '/nonexistent/token' }, /cannot read \/nonexistent\/token \(HYLLA_SMS_TOKEN_FILE\)/],
    [['--reminder-window', '20:00-08:00'], {}, /--reminder-window must be HH:MM-HH:MM/],
  ]) {
    for (const command of [['serve', '--listen', '127.0.0.1:0'], ['remind', '--once']]) {
      const r = await hylla([...command, '--database', db.conninfo, ...args], { env });
      assert.equal(r.code, 2, `${command[0]} ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, said);
      assert.doesNotMatch(r.stderr, /Hemligt-pw/);
    }
  }
  const none = await hylla(['remind', '--once', '--database', db.conninfo]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /nothing to send with/);
});

test('a borrower has a language and may opt out of messages', async () => {
  const b = await borrower('Ebba Engelsk', '070-111 00 01', { language: 'en' });
  assert.equal(b.language, 'en');
  assert.equal(b.messages_opt_out, false);
  const r = await vol.patch(`/api/borrowers/${b.id}`, { messages_opt_out: true, language: 'sv' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.language, 'sv');
  assert.equal(r.json.messages_opt_out, true);
  const bad = await vol.patch(`/api/borrowers/${b.id}`, { language: 'de' });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.errors[0].field, 'language');
});

test('e-mail: a due-soon and an overdue mail arrive with the right items and date, in the borrower\'s language', async () => {
  const soon = await stockholmDate(db, 2);
  const late = await stockholmDate(db, -1);
  const [anna] = await addLoans(db, 'deje', 1, soon, { email: 'anna.mejl@example.se', prefix: 'MA', firstPhone: 100 });
  const [bob] = await addLoans(db, 'deje', 1, late, { email: 'bob.mail@example.org', language: 'en', prefix: 'MB', firstPhone: 200 });
  await remindOnce();
  const mails = await waitFor(() => (sink.mails.length >= 2 ? sink.mails : null), { what: 'two mails' });
  const toAnna = mails.find((m) => m.to.includes('anna.mejl@example.se'));
  const toBob = mails.find((m) => m.to.includes('bob.mail@example.org'));
  assert.ok(toAnna && toBob, JSON.stringify(mails));

  assert.equal(toAnna.subject, `Påminnelse: lämna tillbaka senast ${dateWords(soon, 'sv')}`);
  assert.match(toAnna.body, /^Hej!/);
  assert.match(toAnna.body, /Du har lånat:\r?\n {2}MA-00001 {2}Längdskidor MA1/);
  assert.ok(toAnna.body.includes(`sista dagen att lämna tillbaka är ${dateWords(soon, 'sv')}`), toAnna.body);
  assert.match(toAnna.body, /Hälsningar\r?\nFritidsbanken Deje/);
  assert.ok(toAnna.body.includes(`Öppet ${await nextOpenDay('18:00', 'sv')} 10-18.`), toAnna.body);
  assert.match(toAnna.from, /Fritidsbanken Deje <hylla@example\.org>/);
  assert.equal(toAnna.mail_from, 'hylla@example.org');
  assert.equal(toAnna.content_type, 'text/plain');
  assert.equal(toAnna.tls, true, 'STARTTLS was used');
  assert.equal(toAnna.login, 'hylla', 'the password from the file was accepted');

  assert.equal(toBob.subject, 'Overdue loan from Fritidsbanken Deje');
  assert.ok(toBob.body.includes(`Your loan was due back ${dateWords(late, 'en')}`), toBob.body);
  assert.match(toBob.body, /You have borrowed:\r?\n {2}MB-00001 {2}Längdskidor MB1/);
  assert.ok(toBob.body.includes(`Open ${await nextOpenDay('18:00', 'en')} 10-18.`), toBob.body);

  const { rows } = await db.query(
    `SELECT borrower_id, kind, step, channel, status, attempts, idempotency_key::text AS key, provider_id
       FROM messages WHERE borrower_id = ANY($1) ORDER BY kind`, [[anna, bob]]);
  assert.deepEqual(rows.map((r) => [Number(r.borrower_id), r.kind, r.step, r.channel, r.status, r.attempts]),
    [[anna, 'due_soon', 2, 'email', 'sent', 1], [bob, 'overdue', 1, 'email', 'sent', 1]]);
  for (const r of rows) {
    const mail = r.kind === 'due_soon' ? toAnna : toBob;
    assert.equal(mail.message_id, `<${r.key}@example.org>`, 'the Message-ID carries the idempotency key');
    assert.equal(r.provider_id, r.key);
  }
  // Planning again sends nothing twice.
  await remindOnce();
  await sleep(500);
  assert.equal(sink.mails.filter((m) => m.to.includes('anna.mejl') || m.to.includes('bob.mail')).length, 2);
});

test('an address the SMTP server refuses fails at once, with the reason', async () => {
  const b = await borrower('Rita Refuserad', '070-111 00 02', { email: 'refuse@example.org' });
  const soon = await stockholmDate(db, 2);
  await db.query(
    `WITH c AS (INSERT INTO checkouts (branch_id, borrower_id) SELECT branch_id, id FROM borrowers WHERE id = $1 RETURNING id, branch_id)
     INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref, checked_out_at, due_date)
     SELECT c.id, (SELECT id FROM items WHERE code = $2), c.branch_id, 111, $1, $1, now() - interval '10 days', $3 FROM c`,
    [b.id, await addItem(db, 'deje', { status: 'on_loan' }), soon]);
  await remindOnce();
  const m = await waitFor(async () => {
    const { rows } = await db.query("SELECT * FROM messages WHERE borrower_id = $1 AND status NOT IN ('pending', 'sending')", [b.id]);
    return rows[0];
  }, { what: 'the refused mail' });
  assert.equal(m.status, 'failed');
  assert.equal(m.attempts, 1);
  assert.match(m.error, /SMTP server answered 550/);
});

test('SMS: retried with backoff after 500, sent with the token and the same idempotency key', async () => {
  const b = await borrower('Sam Sms', '070-111 00 03');
  const before = gw.requests.length;
  gw.respond({ status: 500 }, { status: 500 });
  const r = await vol.post(`/api/borrowers/${b.id}/messages`, { text: 'Hej! Din hjälm har hittats.' });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.kind, 'free_text');
  assert.equal(r.json.status, 'pending');
  const id = r.json.id;

  await waitFor(() => gw.requests.length >= before + 1, { what: 'the first attempt' });
  let m = await waitFor(async () => { const x = await message(id); return x.attempts === 1 && x.status === 'pending' ? x : null; });
  assert.match(m.error, /SMS gateway answered 500/);
  assert.ok(m.wait > 7 && m.wait <= 10.5, `first backoff ${m.wait} s`);

  await waitFor(() => gw.requests.length >= before + 2, { timeoutMs: 20000, what: 'the second attempt' });
  const [first, second] = gw.requests.slice(before);
  assert.ok(second.at - first.at >= 9000, `the second attempt came ${second.at - first.at} ms after the first`);
  m = await waitFor(async () => { const x = await message(id); return x.attempts === 2 && x.status === 'pending' ? x : null; });
  assert.ok(m.wait > 17 && m.wait <= 20.5, `second backoff ${m.wait} s: doubled`);

  await db.query('UPDATE messages SET next_attempt_at = now() WHERE id = $1', [id]); // time passes
  m = await waitFor(async () => { const x = await message(id); return x.status === 'sent' ? x : null; }, { what: 'the third attempt' });
  assert.equal(m.attempts, 3);
  assert.equal(m.channel, 'sms');
  assert.equal(m.segments, 1);
  assert.equal(m.error, null);
  const sent = gw.requests.slice(before);
  assert.equal(sent.length, 3);
  assert.equal(m.provider_id, `sms-${before + 3}`);
  for (const q of sent) {
    assert.equal(q.key, m.idempotency_key);
    assert.equal(q.auth, `Bearer ${TOKEN}`);
    assert.equal(q.type, 'application/x-www-form-urlencoded');
    assert.equal(q.from, 'Fritidsbkn');
    assert.equal(q.to, '+46701110003');
    assert.equal(q.message, 'Hej! Din hjälm har hittats.');
  }
});

test('SMS: a 429 waits as long as the gateway asks; a 400 is not tried again', async () => {
  const b = await borrower('Tova Tålamod', '070-111 00 04');
  gw.respond({ status: 429, headers: { 'retry-after': '40' } });
  let r = await vol.post(`/api/borrowers/${b.id}/messages`, { text: 'Vänta lite.' });
  let m = await waitFor(async () => { const x = await message(r.json.id); return x.status === 'pending' && x.attempts === 1 ? x : null; });
  assert.match(m.error, /answered 429/);
  assert.ok(m.wait > 37 && m.wait <= 40.5, `waits ${m.wait} s`);

  const before = gw.requests.length;
  gw.respond({ status: 400, body: { error: 'invalid to number +46701110004' } });
  r = await vol.post(`/api/borrowers/${b.id}/messages`, { text: 'Det här går inte fram.' });
  m = await waitFor(async () => { const x = await message(r.json.id); return x.status === 'failed' ? x : null; });
  assert.equal(m.attempts, 1);
  assert.match(m.error, /SMS gateway answered 400: .*invalid to number/);
  assert.ok(!m.error.includes('46701110004'), 'a number the gateway echoes is not kept');
  await sleep(6000); // more than a round of the sender
  assert.equal(gw.requests.length, before + 1, 'a 400 is never tried again');
  assert.equal((await message(r.json.id)).attempts, 1);
});

/** A window of one hour that does not hold the present time in Stockholm. */
async function closedWindow() {
  const { rows } = await db.query("SELECT extract(hour FROM now() AT TIME ZONE 'Europe/Stockholm')::int AS h");
  return rows[0].h >= 2 ? { window_start: '00:00', window_end: '01:00' } : { window_start: '22:00', window_end: '23:00' };
}

const SETTINGS = { due_soon: true, due_soon_days: 2, overdue: true, overdue_days: [1, 7], receipt: false,
  window_start: null, window_end: null, sender_name: null };

/** A sample of the server's /metrics, by its name with labels ("hylla_messages_total{outcome=\"sent\"}"). */
async function metric(name) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

test('nothing is sent outside the time window; /metrics shows the message held and then sent', async () => {
  const [id] = await addLoans(db, 'kil', 1, await stockholmDate(db, 1), { prefix: 'WK', firstPhone: 300 });
  const kil = await staffClient(server, db, { username: 'kil-chef', role: 'manager', branch: 'kil' });
  let r = await kil.request('PUT', '/api/branches/kil/message-settings', { json: { ...SETTINGS, ...(await closedWindow()) } });
  assert.equal(r.status, 200, r.text);
  const before = gw.requests.length;
  assert.match(await remindOnce(), /sent 0/);
  await sleep(6000); // more than a round of the server's sender
  assert.equal(gw.requests.length, before, 'nothing went out');
  const { rows } = await db.query('SELECT id, status, attempts FROM messages WHERE borrower_id = $1', [id]);
  assert.deepEqual(rows.map((x) => [x.status, x.attempts]), [['pending', 0]]);
  // The server's sender has counted the outbox since: the held message is due and waiting.
  assert.ok(await metric('hylla_outbox_due_messages') >= 1);
  assert.ok(await metric('hylla_outbox_oldest_due_seconds') >= 0);
  const sentBefore = await metric('hylla_messages_total{outcome="sent"}');

  r = await kil.request('PUT', '/api/branches/kil/message-settings', { json: SETTINGS });
  assert.equal(r.status, 200, r.text);
  const m = await waitFor(async () => { const x = await message(rows[0].id); return x.status === 'sent' ? x : null; });
  const sms = gw.requests.find((q) => q.key === m.idempotency_key);
  assert.equal(sms.to, '+46705000300');
  const due = (await db.query('SELECT due_date::text AS d FROM loans WHERE borrower_id = $1', [id])).rows[0].d;
  assert.equal(sms.message, `Hej från Fritidsbanken Kil! Lämna tillbaka Längdskidor WK1 senast ${dateWords(due, 'sv')}. `
    + `Öppet ${await nextOpenDay('19:30', 'sv')} 15-19.30.`);
  assert.equal(m.segments, 1);
  assert.ok(await metric('hylla_messages_total{outcome="sent"}') >= sentBefore + 1);
});

test('a receipt is queued in the checkout\'s own transaction and names what was lent', async () => {
  const r = await manager.request('PUT', '/api/branches/deje/message-settings', { json: { ...SETTINGS, receipt: true, sender_name: 'Deje' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.branches[0].receipt, true);
  const b = await borrower('Rut Kvitto', '070-111 00 05');
  const codes = [await addItem(db, 'deje', { name: 'Kanot' }), await addItem(db, 'deje', { name: 'Paddel' })];
  const out = await vol.post('/api/checkouts', { borrower_id: b.id, items: codes });
  assert.equal(out.status, 201, out.text);
  const { rows } = await db.query(
    `SELECT m.id, m.kind, array_agg(ml.loan_id ORDER BY ml.loan_id) AS loans FROM messages m
       JOIN message_loans ml ON ml.message_id = m.id WHERE m.borrower_id = $1 GROUP BY m.id`, [b.id]);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].kind, 'receipt');
  assert.deepEqual(rows[0].loans.map(Number), out.json.loans.map((l) => l.id).sort((x, y) => x - y));
  const m = await waitFor(async () => { const x = await message(rows[0].id); return x.status === 'sent' ? x : null; });
  const sms = gw.requests.find((q) => q.key === m.idempotency_key);
  assert.equal(sms.from, 'Deje', 'the branch\'s sender name');
  assert.equal(sms.message, `Tack för att du lånar hos Fritidsbanken Deje! Lämna tillbaka Kanot och Paddel senast ${dateWords(out.json.due_date, 'sv')}.`);
  assert.equal(m.body, sms.message);
  await manager.request('PUT', '/api/branches/deje/message-settings', { json: SETTINGS });
});

test('an undone checkout\'s receipt is cancelled, not sent', async () => {
  await manager.request('PUT', '/api/branches/deje/message-settings', { json: { ...SETTINGS, receipt: true, ...(await closedWindow()) } });
  const b = await borrower('Ulf Ångrar', '070-111 00 06');
  const out = await vol.post('/api/checkouts', { borrower_id: b.id, items: [await addItem(db, 'deje')] });
  assert.equal(out.status, 201, out.text);
  assert.equal((await vol.post(`/api/checkouts/${out.json.checkout_id}/undo`)).status, 200);
  await manager.request('PUT', '/api/branches/deje/message-settings', { json: SETTINGS });
  const m = await waitFor(async () => {
    const { rows } = await db.query("SELECT * FROM messages WHERE borrower_id = $1 AND status NOT IN ('pending', 'sending')", [b.id]);
    return rows[0];
  });
  assert.equal(m.status, 'cancelled');
  assert.equal(m.error, 'no loan is left to write about');
  assert.ok(!gw.requests.some((q) => q.to === '+46701110006'));
});

test('erased and opted-out borrowers get nothing', async () => {
  const soon = await stockholmDate(db, 2);
  const [optedOut, laterOut, erased] = await addLoans(db, 'deje', 3, soon, { prefix: 'OPT', firstPhone: 400 });
  await db.query('UPDATE borrowers SET messages_opt_out = true WHERE id = $1', [optedOut]);
  // A queued message waits (the window is shut) while one borrower opts out and one is erased.
  await manager.request('PUT', '/api/branches/deje/message-settings', { json: { ...SETTINGS, ...(await closedWindow()) } });
  await remindOnce();
  let { rows } = await db.query('SELECT borrower_id FROM messages WHERE borrower_id = ANY($1)', [[optedOut, laterOut, erased]]);
  assert.deepEqual(rows.map((r) => Number(r.borrower_id)).sort(), [laterOut, erased].sort(), 'none planned for the opted-out');
  const text = await vol.post(`/api/borrowers/${erased}/messages`, { text: 'Hej Låntagare OPT3, ring oss om kanoten.' });
  assert.equal(text.status, 202, text.text);
  assert.equal((await vol.patch(`/api/borrowers/${laterOut}`, { messages_opt_out: true })).status, 200);
  await db.query("UPDATE loans SET returned_at = now() WHERE borrower_id = $1", [erased]);
  assert.equal((await manager.delete(`/api/borrowers/${erased}`)).status, 204);
  await manager.request('PUT', '/api/branches/deje/message-settings', { json: SETTINGS });
  await remindOnce();
  ({ rows } = await db.query(
    `SELECT m.kind, m.status, m.body, m.error, m.borrower_id FROM messages m
      WHERE m.id IN (SELECT message_id FROM message_loans WHERE loan_id IN (SELECT id FROM loans WHERE borrower_ref = ANY($1)))
         OR m.id = $2 ORDER BY m.id`, [[laterOut, erased], text.json.id]));
  assert.equal(rows.length, 3);
  for (const r of rows) assert.equal(r.status, 'cancelled', JSON.stringify(r));
  const erasedRows = rows.filter((r) => r.borrower_id === null);
  assert.equal(erasedRows.length, 2);
  for (const r of erasedRows) {
    assert.equal(r.body, null, 'the text of an erased borrower is forgotten');
    assert.equal(r.error, 'borrower erased');
  }
  assert.equal(rows.find((r) => r.borrower_id !== null).error, 'the borrower was erased or wants no messages');
  assert.ok(!gw.requests.some((q) => ['+46705000400', '+46705000401', '+46705000402'].includes(q.to)));
  const refused = await vol.post(`/api/borrowers/${optedOut}/messages`, { text: 'Hej' });
  assert.equal(refused.status, 409);
  assert.equal(refused.json.code, 'borrower_opted_out');
});

test('the desk sees what was sent when, and notes a phone call with one click', async () => {
  const [id] = await addLoans(db, 'deje', 1, await stockholmDate(db, -3), { prefix: 'DSK', firstPhone: 500 });
  await remindOnce();
  await waitFor(async () => (await db.query("SELECT 1 FROM messages WHERE borrower_id = $1 AND status = 'sent'", [id])).rowCount);
  const { rows: [loan] } = await db.query('SELECT id FROM loans WHERE borrower_id = $1', [id]);
  const call = await vol.post(`/api/borrowers/${id}/calls`, { loan_ids: [Number(loan.id), 999999] });
  assert.equal(call.status, 201, call.text);
  assert.equal(call.json.kind, 'phone_call');
  assert.equal(call.json.channel, 'phone');
  assert.equal(call.json.status, 'sent');
  assert.equal(call.json.staff, 'deje-vol');
  assert.deepEqual(call.json.loans, [Number(loan.id)], 'only the borrower\'s open loans');

  const list = await vol.get(`/api/borrowers/${id}/messages`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.messages.map((m) => [m.kind, m.channel, m.status]),
    [['phone_call', 'phone', 'sent'], ['overdue', 'sms', 'sent']]);
  assert.ok(list.json.messages[1].finished_at);
  assert.match(list.json.messages[1].body, /skulle lämnas tillbaka/);
  const byLoan = await vol.get(`/api/messages?loans=${loan.id}`);
  assert.equal(byLoan.status, 200);
  assert.equal(byLoan.json.messages.length, 2);
  assert.equal((await vol.get('/api/messages?loans=x')).status, 400);
  assert.equal((await vol.get('/api/messages')).status, 400);

  // Another branch's borrower does not exist for this desk.
  const [other] = await addLoans(db, 'kil', 1, await stockholmDate(db, 5), { prefix: 'OTH', firstPhone: 600 });
  assert.equal((await vol.get(`/api/borrowers/${other}/messages`)).status, 404);
  assert.equal((await vol.post(`/api/borrowers/${other}/messages`, { text: 'Hej' })).status, 404);
  assert.equal((await vol.post(`/api/borrowers/${other}/calls`, {})).status, 404);
  const { rows: [otherLoan] } = await db.query('SELECT id FROM loans WHERE borrower_id = $1', [other]);
  await db.query(`INSERT INTO messages (kind, branch_id, borrower_id, status) SELECT 'phone_call', branch_id, id, 'sent' FROM borrowers WHERE id = $1`, [other]);
  await db.query(`INSERT INTO message_loans SELECT currval('messages_id_seq'), $1, 'phone_call', 0, current_date`, [otherLoan.id]);
  assert.deepEqual((await vol.get(`/api/messages?loans=${otherLoan.id}`)).json.messages, []);

  const bad = await vol.post(`/api/borrowers/${id}/messages`, { text: '', extra: 1 });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['extra', 'text']);
  assert.equal((await vol.post(`/api/borrowers/${id}/messages`, { text: 'x'.repeat(481) })).status, 422);
  assert.equal((await vol.post(`/api/borrowers/${id}/calls`, { loan_ids: ['a'] })).status, 422);
});

test('managers change their own branch\'s settings, within the rules', async () => {
  const r = await manager.get('/api/message-settings');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.branches.map((b) => b.branch), ['deje']);
  assert.deepEqual(r.json.network, { window_start: '00:00', window_end: '24:00', sender_name: 'Fritidsbkn', sms: true, email: true });
  const bad = await manager.request('PUT', '/api/branches/deje/message-settings', { json: {
    due_soon: 'yes', due_soon_days: 30, overdue: true, overdue_days: [7, 1], receipt: false,
    window_start: '20:00', window_end: '08:00', sender_name: 'Fritidsbanken Deje' } });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(),
    ['due_soon', 'due_soon_days', 'overdue_days', 'sender_name', 'window_end']);
  const other = await manager.request('PUT', '/api/branches/kil/message-settings', { json: SETTINGS });
  assert.deepEqual([other.status, other.json.code], [403, 'branch_forbidden']);
  const wide = await staffClient(server, db, { username: 'net-chef', role: 'manager' });
  const nowhere = await wide.request('PUT', '/api/branches/nowhere/message-settings', { json: SETTINGS });
  assert.deepEqual([nowhere.status, nowhere.json.code], [404, 'branch_not_found']);
  assert.equal((await vol.request('PUT', '/api/branches/deje/message-settings', { json: SETTINGS })).status, 403);
  const ok = await manager.request('PUT', '/api/branches/deje/message-settings', { json: { ...SETTINGS, overdue_days: [2, 5, 10], window_start: '09:00', window_end: '18:30' } });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json.branches[0].overdue_days, [2, 5, 10]);
  assert.equal(ok.json.branches[0].window_end, '18:30');
  const { rows } = await db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'message_settings_changed'");
  assert.ok(rows[0].n > 0);
  await manager.request('PUT', '/api/branches/deje/message-settings', { json: SETTINGS });
});

test('the manager\'s statistics: messages per day, failures with reasons, SMS parts per month', async () => {
  const from = await stockholmDate(db, -1);
  const to = await stockholmDate(db, 0);
  const r = await manager.get(`/api/messages/stats?from=${from}&to=${to}`);
  assert.equal(r.status, 200, r.text);
  const { rows: [want] } = await db.query(
    `SELECT count(*) FILTER (WHERE status = 'sent' AND kind <> 'phone_call')::int AS sent,
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            coalesce(sum(segments) FILTER (WHERE channel = 'sms' AND status = 'sent'), 0)::int AS segments
       FROM messages m JOIN branches b ON b.id = m.branch_id WHERE b.slug = 'deje'`);
  assert.equal(r.json.days.reduce((n, d) => n + d.sent, 0), want.sent);
  assert.equal(r.json.days.reduce((n, d) => n + d.failed, 0), want.failed);
  assert.ok(r.json.failures.some((f) => /answered 400/.test(f.error)));
  assert.ok(r.json.failures.every((f) => f.branch === 'deje'));
  assert.equal(r.json.months.reduce((n, m) => n + m.segments, 0), want.segments);
  assert.ok(r.json.months.every((m) => m.branch === 'deje'));
  const { rows: [queue] } = await db.query(
    "SELECT count(*)::int AS n FROM messages m JOIN branches b ON b.id = m.branch_id WHERE b.slug = 'deje' AND status IN ('pending', 'sending')");
  assert.equal(r.json.waiting, queue.n);
  assert.equal((await manager.get(`/api/messages/stats?from=${from}&to=${to}&branch=kil`)).status, 403);
  assert.equal((await manager.get('/api/messages/stats?from=2026-01-01')).status, 400);
  assert.equal((await vol.get(`/api/messages/stats?from=${from}&to=${to}`)).status, 403);
});

test('no phone number, address, text or secret appears in hylla\'s log', async () => {
  const log = [server.log(), ...remindOutput].join('\n');
  assert.match(log, /message \d+/, 'the log does speak of messages, by id');
  const { rows } = await db.query('SELECT phone, email FROM borrowers');
  const { rows: bodies } = await db.query('SELECT body FROM messages WHERE body IS NOT NULL');
  const secrets = [TOKEN, sink.password,
    ...rows.flatMap((r) => [r.phone, r.phone.slice(3), r.email]).filter(Boolean),
    ...bodies.map((b) => b.body.slice(0, 40)), 'Din hjälm', 'Lämna tillbaka', 'Kanot och Paddel'];
  for (const s of secrets) assert.ok(!log.includes(s), `the log holds ${s}`);
  const { rows: db_secrets } = await db.query(
    'SELECT count(*)::int AS n FROM messages m WHERE m::text LIKE $1 OR m::text LIKE $2', [`%${TOKEN}%`, `%${sink.password}%`]);
  assert.equal(db_secrets[0].n, 0);
});
