// hours: a branch's opening hours in words: what today looks like and when it opens next.
// Pure functions over the public API's branch ({opening_hours, closed_dates, today}), so that
// the page and the tests agree on them. Dates are ISO strings (YYYY-MM-DD) of Europe/Stockholm.

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The ISO date n days after iso. */
export function addDays(iso, n) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The weekday key of the opening hours ("mon" ...) of an ISO date. */
export function weekday(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

/** The [open, close] pairs of a date: none on a closed date or a weekday without hours. */
export function spansOn(branch, iso) {
  if ((branch.closed_dates || []).includes(iso)) return [];
  return branch.opening_hours?.[weekday(iso)] || [];
}

const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const clock = (hhmm) => (hhmm.endsWith(':00') ? String(Number(hhmm.slice(0, 2))) : `${Number(hhmm.slice(0, 2))}.${hhmm.slice(3)}`);

/** Spans in words, the Swedish way in both languages: "15–18", "10.30–14, 17–19". */
export function spansText(spans) {
  return spans.map(([open, close]) => `${clock(open)}–${clock(close)}`).join(', ');
}

/** The time of day in Stockholm as minutes since midnight. */
export function stockholmMinutes(now = new Date()) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Stockholm', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(now);
  const get = (type) => Number(parts.find((p) => p.type === type)?.value || 0);
  return get('hour') * 60 + get('minute');
}

/**
 * When the branch opens next, from `nowMinutes` on its `today`: { date, spans } of today while a
 * span has not closed yet, else of the first open day within a year, or null when it never opens.
 */
export function nextOpening(branch, nowMinutes) {
  const today = spansOn(branch, branch.today);
  if (today.some(([, close]) => minutes(close) > nowMinutes)) return { date: branch.today, spans: today };
  for (let i = 1; i <= 366; i++) {
    const date = addDays(branch.today, i);
    const spans = spansOn(branch, date);
    if (spans.length) return { date, spans };
  }
  return null;
}
