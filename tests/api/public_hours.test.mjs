// "Öppet nu, stänger 18" / "Stängt nu, öppnar tisdag 16" at chosen instants, read as the public
// site reads it: the branch's days from the real API (the SQL calendar resolves the weekly hours,
// seasons and closed periods; ?from= asks for the days of the instant), and the words of
// web/js/public/branch.js against a test clock. The instants take in a season, a closed period,
// the minute of opening and of closing, a span that runs over midnight into the next day, and
// the days Europe/Stockholm moves its clocks (a fixed offset would be an hour wrong on one side).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startHylla, addBranch, stockholmDate, stockholmInstant as at, Client } from './lib.mjs';
import { addDays, openState, stockholmNow, weekDays } from '../../web/js/public/hours.js';
import { openNowText } from '../../web/js/public/branch.js';

let db;
let server;
let anon;
let M; // a Monday at least two days ahead, whose three weeks hold no change of the clocks
let spring; // the next last Sunday of March: 02:00 CET becomes 03:00 CEST
let autumn; // the next last Sunday of October: 03:00 CEST becomes 02:00 CET

const WEEK = {
  mon: [['15:00', '18:00']], tue: [['15:00', '18:00']],
  thu: [['10:30', '12:00'], ['17:00', '19:45']],
  fri: [['22:00', '24:00']], sat: [['00:00', '02:00'], ['10:00', '13:00']], sun: [['10:00', '14:00']],
};

/** The last Sunday of a month (1-12) of a year, as an ISO date. */
function lastSunday(year, month) {
  const last = new Date(Date.UTC(year, month, 0));
  return addDays(last.toISOString().slice(0, 10), -last.getUTCDay());
}

/** The next such Sunday on or after iso. */
function nextLastSunday(iso, month) {
  const year = Number(iso.slice(0, 4));
  const d = lastSunday(year, month);
  return d >= iso ? d : lastSunday(year + 1, month);
}

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  anon = new Client(server.url);
  const today = await stockholmDate(db);
  spring = nextLastSunday(today, 3);
  autumn = nextLastSunday(today, 10);
  M = addDays(today, 2);
  while (new Date(`${M}T12:00:00Z`).getUTCDay() !== 1) M = addDays(M, 1);
  while ([spring, autumn].some((s) => s >= M && s <= addDays(M, 21))) M = addDays(M, 28);
  const md = (iso) => iso.slice(5);
  await addBranch(db, 'tider', {
    opening_hours: WEEK,
    // A week of autumn break, every day 12–16, two weeks after M.
    seasons: [{ name: 'Lov', from: md(addDays(M, 14)), to: md(addDays(M, 20)),
      opening_hours: Object.fromEntries(Object.keys(WEEK).concat('wed').map((d) => [d, [['12:00', '16:00']]])) }],
    closed_periods: [{ from: addDays(M, 7), to: addDays(M, 9), reason: 'Inventering' }],
  });
});

after(async () => {
  await server?.stop();
  await db?.drop();
});

/** The branch as the public site would have it at the instant: its days from that date on. */
async function branchAt(instant) {
  const r = await anon.get(`/api/public/branches/tider?from=${stockholmNow(instant).date}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('open now and closed now are right at 20 instants of weeks, a closed period, a season, midnight and the clock changes', async () => {
  const cases = [
    // An ordinary week.
    [at(M, '14:59'), 'Stängt nu, öppnar 15'],
    [at(M, '15:00'), 'Öppet nu, stänger 18', 'the minute of opening is open'],
    [at(M, '17:59'), 'Öppet nu, stänger 18'],
    [at(M, '18:00'), 'Stängt nu, öppnar i morgon 15', 'the minute of closing is closed'],
    [at(addDays(M, 1), '23:59'), 'Stängt nu, öppnar torsdag 10.30', 'Wednesday has no hours'],
    [at(addDays(M, 3), '12:00'), 'Stängt nu, öppnar 17', 'between two spans of a day'],
    [at(addDays(M, 3), '19:44'), 'Öppet nu, stänger 19.45'],
    // Friday 22–24 and Saturday 00–02 are one evening.
    [at(addDays(M, 4), '23:59'), 'Öppet nu, stänger i morgon 2', 'open across midnight'],
    [at(addDays(M, 5), '00:00'), 'Öppet nu, stänger 2'],
    [at(addDays(M, 5), '02:00'), 'Stängt nu, öppnar 10'],
    // Closed Monday to Wednesday of the second week.
    [at(addDays(M, 6), '14:00'), 'Stängt nu, öppnar torsdag 10.30', 'past the closed period'],
    [at(addDays(M, 7), '15:30'), 'Stängt nu, öppnar torsdag 10.30', 'a Monday in the closed period'],
    // The season's week: every day 12–16 instead of the regular hours.
    [at(addDays(M, 13), '13:00'), 'Öppet nu, stänger 14', 'the Sunday before the season'],
    [at(addDays(M, 14), '11:00'), 'Stängt nu, öppnar 12'],
    [at(addDays(M, 14), '15:00'), 'Öppet nu, stänger 16', 'a season Monday closes at 16, not 18'],
    [at(addDays(M, 17), '10:30'), 'Stängt nu, öppnar 12', 'a season Thursday'],
    [at(addDays(M, 20), '16:00'), 'Stängt nu, öppnar i morgon 15', 'the season ends; Monday is regular again'],
    // The clocks change on a Sunday, open 10–14 by the wall clock.
    [new Date(`${spring}T07:59:00Z`), 'Stängt nu, öppnar 10', '09.59 summer time'],
    [new Date(`${spring}T08:00:00Z`), 'Öppet nu, stänger 14', '10.00 summer time (09.00 by winter time)'],
    [new Date(`${spring}T11:59:00Z`), 'Öppet nu, stänger 14', '13.59 summer time'],
    [new Date(`${spring}T12:00:00Z`), 'Stängt nu, öppnar i morgon 15', '14.00 summer time'],
    [new Date(`${autumn}T08:59:00Z`), 'Stängt nu, öppnar 10', '09.59 winter time (10.59 by summer time)'],
    [new Date(`${autumn}T09:00:00Z`), 'Öppet nu, stänger 14', '10.00 winter time'],
    [new Date(`${autumn}T12:59:00Z`), 'Öppet nu, stänger 14', '13.59 winter time'],
    [new Date(`${autumn}T13:00:00Z`), 'Stängt nu, öppnar i morgon 15', '14.00 winter time'],
  ];
  assert.ok(cases.length >= 20);
  const wrong = [];
  for (const [instant, expected, why = ''] of cases) {
    const branch = await branchAt(instant);
    const said = openNowText(branch, instant);
    if (said !== expected) wrong.push(`${instant.toISOString()} (${why}): "${said}", not "${expected}"`);
  }
  assert.deepEqual(wrong, []);
});

test('the state behind the words, and the week with the reason of a closed day', async () => {
  const instant = at(addDays(M, 6), '20:00');
  const branch = await branchAt(instant);
  assert.deepEqual(openState(branch, instant), { open: false, opens: { date: addDays(M, 10), time: '10:30' } });
  const week = weekDays(branch, instant);
  assert.deepEqual(week.map((d) => d.date), [0, 1, 2, 3, 4, 5, 6].map((i) => addDays(M, 6 + i)));
  assert.deepEqual(week.map((d) => d.closed?.reason ?? null), [null, 'Inventering', 'Inventering', 'Inventering', null, null, null]);
  assert.deepEqual(week[4].spans, WEEK.thu);
  // A branch open on no day the answer knows of says so, and so does one never open.
  const never = await addBranch(db, 'aldrig');
  assert.ok(never);
  const closed = (await anon.get('/api/public/branches/aldrig')).json;
  assert.deepEqual(openState(closed, new Date()), { open: false, opens: null });
  assert.equal(openNowText(closed, new Date()), 'Stängt nu');
});
