// The public site's own rules, run in Node without a browser: opening hours in words and the
// next opening (web/js/public/hours.js), and how a search text with a size and a page of items
// are read (web/js/public/items.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, weekday, spansOn, spansText, nextOpening } from '../../web/js/public/hours.js';
import { parseSizeQuery, groupItems } from '../../web/js/public/items.js';

// 2026-12-01 is a Tuesday.
const branch = {
  today: '2026-12-01',
  opening_hours: { tue: [['15:00', '18:00']], thu: [['10:30', '12:00'], ['17:00', '19:45']] },
  closed_dates: ['2026-12-03', '2026-12-08'],
};
const at = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

test('dates and weekdays across months and years', () => {
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2028-02-28', 1), '2028-02-29');
  assert.equal(weekday('2026-12-01'), 'tue');
  assert.equal(weekday('2027-01-03'), 'sun');
});

test('hours in words, the Swedish way', () => {
  assert.equal(spansText([['15:00', '18:00']]), '15–18');
  assert.equal(spansText(branch.opening_hours.thu), '10.30–12, 17–19.45');
  assert.equal(spansText([]), '');
});

test('a closed date closes a weekday that has hours', () => {
  assert.deepEqual(spansOn(branch, '2026-12-01'), [['15:00', '18:00']]);
  assert.deepEqual(spansOn(branch, '2026-12-08'), [], 'a Tuesday on the closed list');
  assert.deepEqual(spansOn(branch, '2026-12-02'), [], 'a Wednesday without hours');
  assert.deepEqual(spansOn({ ...branch, closed_dates: undefined }, '2026-12-08'), [['15:00', '18:00']]);
});

test('the next opening: later today, or the first open day after', () => {
  assert.deepEqual(nextOpening(branch, at('09:00')), { date: '2026-12-01', spans: [['15:00', '18:00']] });
  assert.deepEqual(nextOpening(branch, at('17:59')), { date: '2026-12-01', spans: [['15:00', '18:00']] });
  // After closing, Thursday the 3rd is closed, so Tuesday the 8th... is closed too: Thursday the 10th.
  assert.deepEqual(nextOpening(branch, at('18:00')), { date: '2026-12-10', spans: branch.opening_hours.thu });
  assert.equal(nextOpening({ today: '2026-12-01', opening_hours: {}, closed_dates: [] }, 0), null);
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
