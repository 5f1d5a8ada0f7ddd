// hours: a branch's opening hours in words: what today looks like and when it opens next.
// Functions over the public API's branch ({today, days, next_open}): the server's calendar has
// already resolved the weekly hours, seasons and closed periods into the spans of each day, so
// that the page, the tests and every other reader agree on them without working them out again.
// The public site and the branch editor's preview (a calendar not yet saved, resolved the same
// way by POST /api/branches/{slug}/calendar/preview) say them with todayText and nextText.
// Dates are ISO strings (YYYY-MM-DD) of Europe/Stockholm.
import { locale, t } from '../i18n.js';

/** The ISO date n days after iso. */
export function addDays(iso, n) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The [open, close] pairs of a date among the branch's days: none when closed or not listed. */
export function spansOn(branch, iso) {
  return (branch.days || []).find((day) => day.date === iso)?.spans || [];
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
 * span has not closed yet, else the first open day after today (`next_open`), or null when it
 * never opens.
 */
export function nextOpening(branch, nowMinutes) {
  const today = spansOn(branch, branch.today);
  if (today.some(([, close]) => minutes(close) > nowMinutes)) return { date: branch.today, spans: today };
  return branch.next_open || null;
}

/** "i morgon", or the weekday and date: "torsdag 3 dec". */
export function dayName(iso, today) {
  if (iso === addDays(today, 1)) return t('public.tomorrow');
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'short', timeZone: 'UTC' })
    .format(Date.UTC(y, m - 1, d)).replace('.', '');
}

/** "Öppet idag 15–18" or "Stängt idag". */
export function todayText(branch) {
  const spans = spansOn(branch, branch.today);
  return spans.length ? t('public.open_today', { hours: spansText(spans) }) : t('public.closed_today');
}

/** "Nästa gång öppet: i morgon 15–18", or '' while the branch is still to open or open today. */
export function nextText(branch, nowMinutes = stockholmMinutes()) {
  const next = nextOpening(branch, nowMinutes);
  if (!next) return t('public.never_open');
  if (next.date === branch.today) return '';
  return t('public.next_open', { day: dayName(next.date, branch.today), hours: spansText(next.spans) });
}
