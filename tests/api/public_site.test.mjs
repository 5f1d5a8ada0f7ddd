// The public site's own rules, run in Node without a browser: opening hours in words and the
// next opening (web/js/public/hours.js), and how a search text with a size and a page of items
// are read (web/js/public/items.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, spansOn, spansText, nextOpening } from '../../web/js/public/hours.js';
import { parseSizeQuery, groupItems } from '../../web/js/public/items.js';

// A branch as the public API answers it on Tuesday 1 December 2026: open Tuesdays 15–18 and
// Thursdays 10.30–12 and 17–19.45, closed on Thursday the 3rd and Tuesday the 8th, the days
// resolved by the server's calendar and the first open day after today.
const THU = [['10:30', '12:00'], ['17:00', '19:45']];
const branch = {
  today: '2026-12-01',
  days: [
    { date: '2026-12-01', spans: [['15:00', '18:00']] }, { date: '2026-12-02', spans: [] },
    { date: '2026-12-03', spans: [] }, { date: '2026-12-04', spans: [] }, { date: '2026-12-05', spans: [] },
    { date: '2026-12-06', spans: [] }, { date: '2026-12-07', spans: [] }, { date: '2026-12-08', spans: [] },
    { date: '2026-12-09', spans: [] }, { date: '2026-12-10', spans: THU },
  ],
  next_open: { date: '2026-12-10', spans: THU },
};
const at = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

test('dates across months and years', () => {
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2028-02-28', 1), '2028-02-29');
  assert.equal(addDays('2026-12-01', -1), '2026-11-30');
});

test('hours in words, the Swedish way', () => {
  assert.equal(spansText([['15:00', '18:00']]), '15–18');
  assert.equal(spansText(THU), '10.30–12, 17–19.45');
  assert.equal(spansText([]), '');
});

test('the hours of a day are the resolved days of the answer', () => {
  assert.deepEqual(spansOn(branch, '2026-12-01'), [['15:00', '18:00']]);
  assert.deepEqual(spansOn(branch, '2026-12-08'), [], 'a Tuesday the calendar closed');
  assert.deepEqual(spansOn(branch, '2026-12-10'), THU);
  assert.deepEqual(spansOn(branch, '2026-12-24'), [], 'a day beyond the answer');
  assert.deepEqual(spansOn({ today: '2026-12-01' }, '2026-12-01'), [], 'an answer without days');
});

test('the next opening: later today, or the first open day after', () => {
  assert.deepEqual(nextOpening(branch, at('09:00')), { date: '2026-12-01', spans: [['15:00', '18:00']] });
  assert.deepEqual(nextOpening(branch, at('17:59')), { date: '2026-12-01', spans: [['15:00', '18:00']] });
  // After closing: the first open day after today, as the server found it (Thursday the 10th).
  assert.deepEqual(nextOpening(branch, at('18:00')), { date: '2026-12-10', spans: THU });
  // Closed today (a closed period, say): the next opening may lie beyond the days listed.
  const closed = { today: '2026-12-23', days: [{ date: '2026-12-23', spans: [] }], next_open: { date: '2027-01-07', spans: THU } };
  assert.deepEqual(nextOpening(closed, at('09:00')), { date: '2027-01-07', spans: THU });
  assert.equal(nextOpening({ today: '2026-12-01', days: [{ date: '2026-12-01', spans: [] }], next_open: null }, 0), null);
});

test('a size typed into the search becomes bounds', () => {
  assert.deepEqual(parseSizeQuery('längdskidor 150–160 cm'), { q: 'längdskidor', min: 150, max: 160, cm: true });
  assert.deepEqual(parseSizeQuery('längdskidor 160-150'), { q: 'längdskidor', min: 150, max: 160, cm: false });
  assert.deepEqual(parseSizeQuery('skor 36 till 38'), { q: 'skor', min: 36, max: 38, cm: false });
  assert.deepEqual(parseSizeQuery('stavar 120 cm'), { q: 'stavar', min: 120, max: 120, cm: true });
  assert.deepEqual(parseSizeQuery('150-160'), { q: '', min: 150, max: 160, cm: false });
  assert.deepEqual(parseSizeQuery(' skridskor 38 '), { q: 'skridskor 38', min: null, max: null, cm: false });
  assert.deepEqual(parseSizeQuery('DEJ-00042'), { q: 'DEJ-00042', min: null, max: null, cm: false });
});

test('items of the same name and size come together with counts and the first due date', () => {
  const item = (code, name, value, status, due = null, photo = null, condition = 'good') => ({
    code, name, size: value === null ? null : { kind: 'length_cm', value }, status, due_date: due, photo_url: photo, condition,
  });
  const groups = groupItems([
    item('A', 'Längdskidor', 150, 'on_loan', '2026-12-12'),
    item('B', 'Längdskidor', 150, 'available', null, '/p/B', 'worn'),
    item('C', 'Längdskidor', 150, 'on_loan', '2026-12-09'),
    item('D', 'Längdskidor', 160, 'on_loan', '2026-12-20'),
    item('E', 'Hjälm', null, 'repair'),
  ]);
  assert.deepEqual(groups.map((g) => [g.name, g.size?.value ?? null, g.available, g.total, g.firstDue, g.photo, g.conditions]), [
    ['Längdskidor', 150, 1, 3, '2026-12-09', '/p/B', ['good', 'worn']],
    ['Längdskidor', 160, 0, 1, '2026-12-20', null, ['good']],
    ['Hjälm', null, 0, 1, null, null, ['good']],
  ]);
});
