// The public site's own rules, run in Node without a browser: opening hours in words
// (web/js/public/hours.js, branch.js), finding a branch by place and distance and a contact text
// as links (places.js), items grouped by name and size (items.js), and the blocks of an admin's
// plain text (page.js). The instants of open and closed against the real calendar are
// public_hours.test.mjs. And each page's <link rel="modulepreload"> list against the modules its
// script imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WEB_ROOT } from './lib.mjs';
import { addDays, spansOn, spansText, clockText, openState, stockholmNow, weekDays } from '../../web/js/public/hours.js';
import { dayWord, openNowText } from '../../web/js/public/branch.js';
import { byDistance, contactParts, distanceKm, fold, mapHref, matchesPlace } from '../../web/js/public/places.js';
import { groupItems } from '../../web/js/public/items.js';
import { shortDate, textBlocks, weekdayName } from '../../web/js/public/page.js';
import { formatNumber } from '../../web/js/i18n.js';
import sv from '../../web/js/lang/sv.js';
import en from '../../web/js/lang/en.js';

// A branch as the public API answers it on Tuesday 1 December 2026: open Tuesdays 15–18 and
// Thursdays 10.30–12 and 17–19.45, closed on Thursday the 3rd and Tuesday the 8th (a closed
// period "Inventering"), the days resolved by the server's calendar and the first open day after.
const THU = [['10:30', '12:00'], ['17:00', '19:45']];
const branch = {
  today: '2026-12-01',
  days: [
    { date: '2026-12-01', spans: [['15:00', '18:00']] }, { date: '2026-12-02', spans: [] },
    { date: '2026-12-03', spans: [] }, { date: '2026-12-04', spans: [] }, { date: '2026-12-05', spans: [] },
    { date: '2026-12-06', spans: [] }, { date: '2026-12-07', spans: [] }, { date: '2026-12-08', spans: [] },
    { date: '2026-12-09', spans: [] }, { date: '2026-12-10', spans: THU },
  ],
  closed_periods: [{ from: '2026-12-03', to: '2026-12-03', reason: 'Inventering' }, { from: '2026-12-08', to: '2026-12-08', reason: null }],
  next_open: { date: '2026-12-10', spans: THU },
};
// Stockholm is UTC+1 in December.
const at = (hhmm, date = '2026-12-01') => new Date(`${date}T${hhmm}:00+01:00`);

test('dates across months and years', () => {
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2028-02-28', 1), '2028-02-29');
  assert.equal(addDays('2026-12-01', -1), '2026-11-30');
});

test('hours in words, the Swedish way', () => {
  assert.equal(spansText([['15:00', '18:00']]), '15–18');
  assert.equal(spansText(THU), '10.30–12, 17–19.45');
  assert.equal(spansText([]), '');
  assert.equal(clockText('09:05'), '9.05');
  assert.equal(clockText('24:00'), '24');
});

test('the wall clock of Stockholm, summer and winter', () => {
  assert.deepEqual(stockholmNow(new Date('2026-12-01T22:59:00Z')), { date: '2026-12-01', minutes: 23 * 60 + 59 });
  assert.deepEqual(stockholmNow(new Date('2026-12-01T23:00:00Z')), { date: '2026-12-02', minutes: 0 });
  assert.deepEqual(stockholmNow(new Date('2027-07-01T22:30:00Z')), { date: '2027-07-02', minutes: 30 });
});

test('the hours of a day are the resolved days of the answer', () => {
  assert.deepEqual(spansOn(branch, '2026-12-01'), [['15:00', '18:00']]);
  assert.deepEqual(spansOn(branch, '2026-12-08'), [], 'a Tuesday the calendar closed');
  assert.deepEqual(spansOn(branch, '2026-12-24'), [], 'a day beyond the answer');
  assert.deepEqual(spansOn({ today: '2026-12-01' }, '2026-12-01'), [], 'an answer without days');
});

test('open now, closed now, and when it opens next', () => {
  assert.deepEqual(openState(branch, at('09:00')), { open: false, opens: { date: '2026-12-01', time: '15:00' } });
  assert.deepEqual(openState(branch, at('15:00')), { open: true, closes: { date: '2026-12-01', time: '18:00' } });
  assert.deepEqual(openState(branch, at('18:00')), { open: false, opens: { date: '2026-12-10', time: '10:30' } });
  assert.equal(openNowText(branch, at('17:59')), 'Öppet nu, stänger 18');
  assert.equal(openNowText(branch, at('18:00')), 'Stängt nu, öppnar torsdag 10 dec 10.30', 'a week or more ahead: the date too');
  assert.equal(openNowText(branch, at('11:00', '2026-12-10')), 'Öppet nu, stänger 12');
  // Beyond the days listed: next_open, when it comes after now.
  const closed = { days: [{ date: '2026-12-23', spans: [] }], next_open: { date: '2027-01-07', spans: THU } };
  assert.deepEqual(openState(closed, at('09:00', '2026-12-23')), { open: false, opens: { date: '2027-01-07', time: '10:30' } });
  assert.deepEqual(openState({ days: [], next_open: null }, at('09:00')), { open: false, opens: null });
  // A span to 24:00 and one from 00:00 the next day are one opening.
  const night = { days: [{ date: '2026-12-04', spans: [['20:00', '24:00']] }, { date: '2026-12-05', spans: [['00:00', '01:30']] }] };
  assert.deepEqual(openState(night, at('23:00', '2026-12-04')), { open: true, closes: { date: '2026-12-05', time: '01:30' } });
  assert.equal(openNowText(night, at('23:00', '2026-12-04')), 'Öppet nu, stänger i morgon 1.30');
});

test('day words: today, tomorrow, a weekday, a weekday with its date a week ahead', () => {
  assert.equal(dayWord('2026-12-01', '2026-12-01'), 'idag');
  assert.equal(dayWord('2026-12-02', '2026-12-01'), 'i morgon');
  assert.equal(dayWord('2026-12-04', '2026-12-01'), 'fredag');
  assert.equal(dayWord('2026-12-08', '2026-12-01'), 'tisdag 8 dec');
});

test('the week ahead, with the reason of a closed period', () => {
  const week = weekDays(branch, at('12:00'));
  assert.deepEqual(week.map((d) => d.date), ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07']);
  assert.deepEqual(week.map((d) => d.closed?.reason ?? null), [null, null, 'Inventering', null, null, null, null]);
  assert.equal(week[1].closed, null, 'closed by the week, not by a period');
  assert.deepEqual(weekDays(branch, at('12:00', '2026-12-08')).map((d) => d.closed), [{ from: '2026-12-08', to: '2026-12-08', reason: null }, null, null]);
});

test('finding a branch: by place, folded, and by distance', () => {
  const branches = [
    { slug: 'malmo', name: 'Fritidsbanken Malmö', municipality: 'Malmö', address: 'Lugna gatan 1', latitude: 55.605, longitude: 13.0038 },
    { slug: 'deje', name: 'Fritidsbanken Deje', municipality: 'Forshaga', address: 'Storgatan 12', latitude: 59.6043, longitude: 13.4723 },
    { slug: 'are', name: 'Fritidsbanken Åre', municipality: 'Åre', address: null, latitude: null, longitude: null },
  ];
  assert.equal(fold('ÅRE Malmö'), 'are malmo');
  assert.deepEqual(branches.filter((b) => matchesPlace(b, 'malmo')).map((b) => b.slug), ['malmo']);
  assert.deepEqual(branches.filter((b) => matchesPlace(b, 'forshaga')).map((b) => b.slug), ['deje']);
  assert.deepEqual(branches.filter((b) => matchesPlace(b, ' ')).length, 3, 'nothing typed: all');
  assert.deepEqual(branches.filter((b) => matchesPlace(b, 'fritidsbanken are')).map((b) => b.slug), ['are']);
  // Stockholm to Göteborg is about 398 km as the crow flies.
  assert.ok(Math.abs(distanceKm({ lat: 59.3293, lon: 18.0686 }, { lat: 57.7089, lon: 11.9746 }) - 398) < 3);
  const near = byDistance(branches, { lat: 59.53, lon: 13.48 }); // Forshaga
  assert.deepEqual(near.map((x) => x.branch.slug), ['deje', 'malmo', 'are'], 'without a map position: last');
  assert.ok(near[0].km > 8 && near[0].km < 9);
  assert.equal(near[2].km, null);
  // The map link: a marker at the position, else a search for the address, else none.
  assert.equal(mapHref(branches[1]), 'https://www.openstreetmap.org/?mlat=59.6043&mlon=13.4723#map=17/59.6043/13.4723');
  assert.equal(mapHref({ ...branches[1], latitude: null, longitude: null }), 'https://www.openstreetmap.org/search?query=Storgatan%2012');
  assert.equal(mapHref(branches[2]), null);
});

test('a contact text as links: e-mail, Swedish and international phone numbers', () => {
  assert.deepEqual(contactParts('deje@example.org, 054-17 40 60'), [
    { kind: 'email', text: 'deje@example.org', href: 'mailto:deje@example.org' },
    { kind: 'text', text: ', ' },
    { kind: 'phone', text: '054-17 40 60', href: 'tel:+4654174060' },
  ]);
  assert.deepEqual(contactParts('Ring +47 22 33 44 55 (vardagar)').map((p) => p.href ?? p.text),
    ['Ring ', 'tel:+4722334455', ' (vardagar)']);
  assert.deepEqual(contactParts('Fråga i disken'), [{ kind: 'text', text: 'Fråga i disken' }]);
  assert.deepEqual(contactParts(null), []);
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

test('an admin\'s plain text: paragraphs and lists, nothing else', () => {
  assert.deepEqual(textBlocks('Gratis.\r\n\r\n- 14 dagar\n-  namn och mobilnummer\n\n\nTa med <b>inget</b>\nannat.'), [
    { paragraph: 'Gratis.' },
    { list: ['14 dagar', 'namn och mobilnummer'] },
    { paragraph: 'Ta med <b>inget</b> annat.' },
  ]);
  assert.deepEqual(textBlocks('  '), []);
});

// A module that the browser finds only once the module importing it has come costs a phone one
// more round trip before the page can draw (on Lighthouse's slow 4G, phone.js, imported by
// branch.js, was asked for 240 ms after the rest). So each page of the public site names every
// module its script imports, however deep, in <link rel="modulepreload">, and nothing else.
test('every public page preloads the whole module graph of its script, and only that', () => {
  const source = (url) => readFileSync(path.join(WEB_ROOT, url), 'utf8');
  for (const page of ['index.html', 'i.html', 'lana.html', 'om.html', 'embed.html']) {
    const html = source(page);
    const entry = /<script type="module" src="([^"]+)">/.exec(html)[1];
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
    const graph = new Set();
    const visit = (url) => {
      for (const [, spec] of source(url).matchAll(/^import (?:[^;]*? from )?'([^']+)';/gms)) {
        const dep = new URL(spec, `http://hylla${url}`).pathname;
        if (graph.has(dep)) continue;
        graph.add(dep);
        visit(dep);
      }
    };
    visit(entry);
    assert.ok(graph.size > 1, `${page}: ${entry} imports what the page needs`);
    assert.deepEqual(preloaded.toSorted(), [...graph].sort(), page);
  }
});

// The page writes numbers, dates and Stockholm's wall clock without Intl (its first formatter
// costs tens of milliseconds before the page can draw), exactly as Intl writes them.
test('the wall clock of Stockholm is Intl\'s Europe/Stockholm, every change of summer time from 1996 to 2037', () => {
  const intl = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const want = (t) => {
    const p = Object.fromEntries(intl.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return { date: `${p.year}-${p.month}-${p.day}`, minutes: Number(p.hour) * 60 + Number(p.minute) };
  };
  const instants = [];
  for (let year = 1996; year <= 2037; year++) {
    for (const month of [2, 9]) { // around 01:00 UTC on each Sunday of March and October, every 15 minutes
      for (let day = 1; day <= 31; day++) {
        const at = Date.UTC(year, month, day, 1);
        if (new Date(at).getUTCDay() === 0) for (let m = -180; m <= 180; m += 15) instants.push(at + m * 60000);
      }
    }
    for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 97 * 60000 * 60 + 7 * 60000) instants.push(t);
  }
  for (const t of instants) assert.deepEqual(stockholmNow(new Date(t)), want(t), new Date(t).toISOString());
});

test('numbers, short dates and weekdays as Intl writes them in Swedish and English', () => {
  for (const [l, locale] of [['sv', 'sv-SE'], ['en', 'en-GB']]) {
    for (const digits of [0, 1, 2]) {
      const intl = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
      for (const n of [0, 7, 12, 999, 1000, 1234, 12345, 1234567.891, 38.5, 0.25, 1.005, 2.345, 9.96, 99.995, -2, -1234.5])
        assert.equal(formatNumber(n, digits, l), intl.format(n), `${l} ${n} ${digits}`);
    }
    const dict = { sv, en }[l];
    const month = new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' });
    const weekday = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' });
    for (let m = 1; m <= 12; m++) assert.equal(dict[`date.month_short.${m}`], month.format(Date.UTC(2026, m - 1, 3)).replace('.', ''));
    for (let d = 1; d <= 7; d++) assert.equal(dict[`date.weekday.${d}`], weekday.format(Date.UTC(2026, 10, 29 + d))); // 30 November 2026 is a Monday
  }
  // The page's words, in the current language (Swedish here), for every day of a year.
  const short = new Intl.DateTimeFormat('sv-SE', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const long = new Intl.DateTimeFormat('sv-SE', { weekday: 'long', timeZone: 'UTC' });
  for (let t = Date.UTC(2028, 0, 1); t < Date.UTC(2029, 0, 1); t += 86400000) {
    const iso = new Date(t).toISOString().slice(0, 10);
    assert.equal(shortDate(iso), short.format(t).replace('.', ''), iso);
    assert.equal(weekdayName(iso), long.format(t), iso);
  }
});
